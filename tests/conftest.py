"""Session fixtures: each real stack is rendered once, offline, with the policy pack's verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.render import Render
from tests.render import render as _render

_CACHE: dict[tuple, Render] = {}


@pytest.fixture(scope="session")
def render(tmp_path_factory: pytest.TempPathFactory):
    """render(stack, program=None, pack_config=None, mode="existing", config=()) → Render, cached per arguments for
    the session (mode "first-deploy": every computed output unknown, tools/preview/record.py MODES; config:
    overrides `key.path=value` as `pulumi config set --path`, e.g. the failed-over render)."""

    def _do(
        stack: str,
        program: str | Path | None = None,
        pack_config: str | Path | None = None,
        mode: str = "existing",
        config: tuple[str, ...] = (),
    ) -> Render:
        key = (stack, str(program), str(pack_config), mode, config)
        if key not in _CACHE:
            out = tmp_path_factory.mktemp(f"render-{stack}-{mode}")
            extra = (["--mode", mode] if mode != "existing" else []) + [
                a for c in config for a in ("--config", c)
            ]
            _CACHE[key] = _render(stack, out, program=program, pack_config=pack_config, extra=extra or None)
        return _CACHE[key]

    return _do


@pytest.fixture(scope="session")
def prod(render) -> Render:
    return render("prod")


@pytest.fixture(scope="session")
def staging(render) -> Render:
    return render("staging")


@pytest.fixture(scope="session", autouse=True)
def _render_worker():
    """The session's render worker (tests/render.py) ends with the session."""
    from tests.render import WORKER

    yield
    WORKER.close()
