"""A rendered offline preview (out/<stack>/preview.json) with the lookups the specifications use."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The DR site (components/dr_site.py: the same tiers again, in the DR region) and the DR VPC it shares with the
# cross-region replica (components/dr_network.py).
DR_SITE = ("elite-locadora:dr:DrSite", "elite-locadora:data:DrNetwork")


class Render:
    def __init__(self, data: dict[str, Any], exit_code: int = 0, report: str = "") -> None:
        self.data = data
        self.exit_code = exit_code
        self.report = report
        self.resources: list[dict[str, Any]] = data["resources"]
        self.outputs: dict[str, Any] = data.get("outputs") or {}
        self.violations: list[dict[str, Any]] = (data.get("policy") or {}).get("violations", [])
        self._by_urn = {r["urn"]: r for r in self.resources}

    @property
    def stack(self) -> str:
        return self.data["stack"]

    @functools.cached_property
    def primary_site(self) -> Render:
        """The render without the DR site and the DR VPC (components/dr_site.py, components/dr_network.py): the
        tiers that serve from the primary region, for the specifications written for one region's tiers. The
        tiers' own DR copies (replicated parameters, images, secrets) stay: they belong to those tiers."""
        dr = {r["urn"] for r in self.resources if r["type"] in DR_SITE}
        keep = []
        for r in self.resources:
            parent, inside = r.get("parent"), r["urn"] in dr
            while parent and not inside:
                inside = parent in dr
                parent = self._by_urn.get(parent, {}).get("parent")
            if not inside:
                keep.append(r)
        return Render({**self.data, "resources": keep}, self.exit_code, self.report)

    def of_type(self, *tokens: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] in tokens]

    def one(self, token: str, name: str | None = None) -> dict[str, Any]:
        found = [r for r in self.of_type(token) if name is None or r["name"] == name]
        assert len(found) == 1, (
            f"stack {self.stack}: expected exactly one {token}{f' named {name}' if name else ''}, "
            f"found {[r['name'] for r in found] or 'none'} (all of that type: {[r['name'] for r in self.of_type(token)]})"
        )
        return found[0]

    def named(self, name: str) -> dict[str, Any]:
        found = [r for r in self.resources if r["name"] == name]
        assert len(found) == 1, f"stack {self.stack}: expected one resource named {name}, found {len(found)}"
        return found[0]

    def by_urn(self, urn: str) -> dict[str, Any]:
        assert urn in self._by_urn, f"stack {self.stack}: no resource {urn}"
        return self._by_urn[urn]

    def children(self, res_or_urn: dict[str, Any] | str) -> list[dict[str, Any]]:
        urn = res_or_urn if isinstance(res_or_urn, str) else res_or_urn["urn"]
        return [r for r in self.resources if r.get("parent") == urn]

    def provider_of(self, res: dict[str, Any]) -> dict[str, Any] | None:
        return self._by_urn.get(res["provider"]) if res.get("provider") else None

    def mandatory(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["enforcementLevel"] == "mandatory"]

    def violations_of(self, urn: str) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["urn"] == urn]


class _Worker:
    """tests/render_worker.py, started on first use and restarted after a program that failed or crashed under
    the SDK (one that raised may leave the SDK's global state half torn down: the next render gets a fresh one);
    a preview refused before any program ran (a bad stack file or pack config) leaves it in use."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None

    def run(self, argv: list[str]) -> tuple[int, str, str]:
        """`python -m tools.preview ARGV` in the worker: (exit code, stdout, stderr)."""
        return self._ask({"argv": argv})

    def call(self, target: str, **kwargs: Any) -> tuple[int, str, str]:
        """`target` ("package.module:function", returning an exit code) called with kwargs in the worker, where
        the SDK and the pulumi_aws classes are already imported: (exit code, stdout, stderr)."""
        return self._ask({"call": target, "kwargs": kwargs})

    def _ask(self, request: dict[str, Any]) -> tuple[int, str, str]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "tests.render_worker"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            self.close()
            raise AssertionError(f"the render worker died running {request}")
        answer = json.loads(line)
        if answer["crashed"] or (answer["code"] not in (0, 1) and answer["ran"]):
            self.close()
        return answer["code"], answer["stdout"], answer["stderr"]

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream:
                    stream.close()
            self._proc = None


WORKER = _Worker()


def render(
    stack: str,
    out_dir: Path,
    program: str | Path | None = None,
    pack_config: str | Path | None = None,
    extra: list[str] | None = None,
) -> Render:
    """Run the offline preview (in the session's render worker: tests/render_worker.py) and load its result."""
    argv = ["--stack", stack, "--out", str(out_dir)]
    if program is not None:
        argv += ["--program", str(ROOT / program)]
    if pack_config is not None:
        argv += ["--policy-pack-config", str(pack_config)]
    argv += extra or []
    code, stdout, stderr = WORKER.run(argv)
    if code not in (0, 1):
        raise AssertionError(f"offline preview of stack {stack} failed (exit {code}):\n{stderr}")
    data = json.loads((out_dir / "preview.json").read_text())
    return Render(data, code, stdout)
