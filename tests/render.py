"""A rendered offline preview (out/<stack>/preview.json) with the lookups the specifications use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


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


def render(
    stack: str,
    out_dir: Path,
    program: str | Path | None = None,
    pack_config: str | Path | None = None,
    extra: list[str] | None = None,
) -> Render:
    """Run the offline preview in its own process (the SDK's runtime state is global) and load its result."""
    cmd = [sys.executable, "-m", "tools.preview", "--stack", stack, "--out", str(out_dir)]
    if program is not None:
        cmd += ["--program", str(ROOT / program)]
    if pack_config is not None:
        cmd += ["--policy-pack-config", str(pack_config)]
    cmd += extra or []
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1):
        raise AssertionError(
            f"offline preview of stack {stack} failed (exit {proc.returncode}):\n{proc.stderr}"
        )
    data = json.loads((out_dir / "preview.json").read_text())
    return Render(data, proc.returncode, proc.stdout)
