"""Session fixtures: each real stack is rendered once, offline, with the policy pack's verdicts."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tests import variants
from tests.render import Render
from tests.render import render as _render

_CACHE: dict[tuple, Render] = {}

# The session keeps every render, the pack's modules and the SDK loaded to the end, and the in-process pack
# runs (tests/policies/test_fuzz_unknowns.py above all) allocate by the million: at the default thresholds the
# cyclic collector walked that heap some 24,000 times and took a sixth of this process's CPU (72 s against
# 60 s in paired runs of the whole suite) while freeing almost nothing.
gc.set_threshold(50_000, 20, 100)


@pytest.fixture(scope="session")
def session_render(tmp_path_factory: pytest.TempPathFactory):
    """render(stack, program=None, pack_config=None, mode="existing", config=(), policy=True) → Render, cached per
    arguments for the session (mode "first-deploy": every computed output unknown, tools/preview/record.py MODES;
    config: overrides `key.path=value` as `pulumi config set --path`, e.g. the failed-over render; policy=False:
    no pack run, for a render whose tests read no verdict)."""

    def _do(
        stack: str,
        program: str | Path | None = None,
        pack_config: str | Path | None = None,
        mode: str = "existing",
        config: tuple[str, ...] = (),
        policy: bool = True,
    ) -> Render:
        key = (stack, str(program), str(pack_config), mode, config, policy)
        if key not in _CACHE:
            out = tmp_path_factory.mktemp(f"render-{stack}-{mode}")
            extra = (
                (["--mode", mode] if mode != "existing" else [])
                + [a for c in config for a in ("--config", c)]
                + ([] if policy else ["--no-policy"])
            )
            _CACHE[key] = _render(stack, out, program=program, pack_config=pack_config, extra=extra or None)
        return _CACHE[key]

    return _do


@pytest.fixture(scope="session")
def render(session_render):
    """The session's renders (session_render), under the name tests use; a module may override `render` (the
    tier modules that read the primary region only do) while the session fixtures below keep the whole render."""
    return session_render


@pytest.fixture(scope="session")
def prod(session_render) -> Render:
    return session_render("prod")


@pytest.fixture(scope="session")
def staging(session_render) -> Render:
    return session_render("staging")


@pytest.fixture(scope="session")
def prod_variant(session_render, tmp_path_factory) -> Render:
    """prod with the settings its stack file leaves off (tests/variants.py), judged with prod's pack config."""
    return _variant(session_render, tmp_path_factory, "prod")


@pytest.fixture(scope="session")
def staging_variant(session_render, tmp_path_factory) -> Render:
    """staging with the settings its stack file leaves off (tests/variants.py), judged with staging's pack config
    but a $1 budget."""
    return _variant(session_render, tmp_path_factory, "staging")


def _variant(render, tmp_path_factory: pytest.TempPathFactory, stack: str) -> Render:
    dst = tmp_path_factory.mktemp(f"{stack}-variant")
    program = variants.program(dst, stack, variants.CHANGES[stack])
    return render(stack, program=program, pack_config=variants.pack_config(dst, stack))


@pytest.fixture(scope="session", autouse=True)
def _render_worker():
    """The session's render worker (tests/render.py) ends with the session."""
    from tests.render import WORKER

    yield
    WORKER.close()
