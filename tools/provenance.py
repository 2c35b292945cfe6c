"""What a preview.json was rendered from, and whether it still describes the working tree.

A failed preview must not leave an older render looking current: tools/preview records the commit, a
digest of the config the render read and the time, and the tools that read a render (tools.sarif,
tools.cost) compare that record with the tree as it is now.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _git(program: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=program, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def config_digest(program: Path, stack: str, pack_config: Path | None) -> str:
    """sha256 over the files whose content decides the render: the project file, the stack file and the
    policy config (each named, so that moving content between them changes the digest)."""
    h = hashlib.sha256()
    for path in (program / "Pulumi.yaml", program / f"Pulumi.{stack}.yaml", pack_config):
        if path is None:
            continue
        h.update(str(Path(path).name).encode() + b"\0")
        h.update(Path(path).read_bytes() if Path(path).exists() else b"(missing)")
        h.update(b"\0")
    return f"sha256:{h.hexdigest()}"


def stamp(program: Path, stack: str, pack_config: Path | None) -> dict[str, Any]:
    """The record preview.json carries under "renderedFrom"."""
    status = _git(program, "status", "--porcelain", "--untracked-files=no")
    return {
        "program": str(program.relative_to(ROOT)) if program.is_relative_to(ROOT) else str(program),
        "commit": _git(program, "rev-parse", "HEAD"),
        "dirty": bool(status) if status is not None else None,
        "configDigest": config_digest(program, stack, pack_config),
        "policyConfig": (
            str(Path(pack_config).resolve().relative_to(ROOT))
            if pack_config and Path(pack_config).resolve().is_relative_to(ROOT)
            else (str(pack_config) if pack_config else None)
        ),
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def staleness(doc: dict[str, Any]) -> str | None:
    """Why a render no longer describes the tree (None: it does, as far as its record can tell)."""
    record = doc.get("renderedFrom")
    if not isinstance(record, dict):
        return "it records nothing of what it was rendered from (rendered by an older tools.preview)"
    program = Path(record.get("program") or ".")
    program = program if program.is_absolute() else ROOT / program
    commit = _git(program, "rev-parse", "HEAD")
    if record.get("commit") and commit and record["commit"] != commit:
        return f"it was rendered at commit {record['commit'][:12]}, the tree is at {commit[:12]}"
    policy_config = record.get("policyConfig")
    if policy_config and not Path(policy_config).is_absolute():
        policy_config = ROOT / policy_config
    digest = config_digest(program, str(doc.get("stack")), Path(policy_config) if policy_config else None)
    if record.get("configDigest") != digest:
        return "its stack or policy config changed since it was rendered"
    return None
