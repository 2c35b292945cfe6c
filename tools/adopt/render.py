"""The stack's offline render (out/<stack>/preview.json), rendered again when the program is newer."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tfstate import AdoptError

ROOT = Path(__file__).resolve().parents[2]
_PROGRAM = ("__main__.py", "Pulumi.yaml", "components", "settings")


def _newest_source(stack: str) -> float:
    paths = [ROOT / p for p in _PROGRAM] + [ROOT / f"Pulumi.{stack}.yaml"]
    stamps = []
    for p in paths:
        if p.is_dir():
            stamps.extend(f.stat().st_mtime for f in p.rglob("*.py"))
        elif p.exists():
            stamps.append(p.stat().st_mtime)
    return max(stamps)


def load_render(stack: str, out_dir: Path) -> dict[str, Any]:
    """preview.json of the stack; rendered (program only, no pack) when missing or older than the program."""
    if not (ROOT / f"Pulumi.{stack}.yaml").exists():
        raise AdoptError(f"no stack '{stack}': Pulumi.{stack}.yaml does not exist")
    path = out_dir / "preview.json"
    if not path.exists() or path.stat().st_mtime < _newest_source(stack):
        proc = subprocess.run(
            [sys.executable, "-m", "tools.preview", "--stack", stack, "--no-policy", "--out", str(out_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode not in (0, 1) or not path.exists():
            raise AdoptError(
                f"rendering stack '{stack}' failed: {(proc.stderr or proc.stdout).strip()[-800:]}"
            )
    return json.loads(path.read_text())


@dataclass
class PulumiResource:
    urn: str  # the URN the engine gives it (full parent type chain, the stack not included)
    type: str
    name: str
    parent: str | None  # engine URN of the parent component, None at the stack's top level
    provider: str | None  # engine URN of its explicit provider
    region: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    mock_id: str
    custom: bool
    protect: bool


def engine_urns(doc: dict[str, Any]) -> dict[str, PulumiResource]:
    """The render's resources keyed by the URN the engine computes.

    The SDK's mock monitor names a child by its parent's type only and keeps the stack in top-level URNs; the
    engine qualifies a child with the parent's whole type chain and leaves the stack out. `pulumi import`
    computes URNs the engine's way, so the import file must too.
    """
    stack, project = doc["stack"], doc["project"]
    by_mock = {r["urn"]: r for r in doc["resources"]}
    chain: dict[str, str] = {}

    def qualified(mock_urn: str) -> str:
        if mock_urn not in chain:
            r = by_mock[mock_urn]
            parent = by_mock.get(r.get("parent") or "")
            if parent is None or parent["type"] == "pulumi:pulumi:Stack":
                chain[mock_urn] = r["type"]
            else:
                chain[mock_urn] = f"{qualified(parent['urn'])}${r['type']}"
        return chain[mock_urn]

    def urn(mock_urn: str | None) -> str | None:
        if not mock_urn or mock_urn not in by_mock or by_mock[mock_urn]["type"] == "pulumi:pulumi:Stack":
            return None
        return f"urn:pulumi:{stack}::{project}::{qualified(mock_urn)}::{by_mock[mock_urn]['name']}"

    out: dict[str, PulumiResource] = {}
    for r in doc["resources"]:
        if r["type"] == "pulumi:pulumi:Stack":
            continue
        u = urn(r["urn"])
        assert u is not None
        out[u] = PulumiResource(
            urn=u,
            type=r["type"],
            name=r["name"],
            parent=urn(r.get("parent")),
            provider=urn(r.get("provider")),
            region=r.get("region"),
            inputs=r.get("inputs") or {},
            outputs=r.get("outputs") or {},
            mock_id=r.get("id") or "",
            custom=bool(r.get("custom")),
            protect=bool(r.get("protect")),
        )
    return out
