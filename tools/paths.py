"""Where the repository's parts are, for the tools that read them."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
