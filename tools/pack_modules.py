"""The one way the tools (and the tests) import a module of the policy pack.

The pack is not a Python package: the Pulumi CLI runs policies/__main__.py with the pack's folder first on
sys.path, so its modules import each other as top-level modules (`import costing`, `from factories import ...`).
A tool that needs the same code (tools/cost.py the estimate, tools/policy_table.py the themes, the preview
the tier rule) imports it the same way, so that the pack and the tool share one module object per name.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from tools.paths import POLICIES


def pack_module(name: str, pack_dir: Path = POLICIES) -> ModuleType:
    """policies/<name>.py (or the policies/<name>/ package), imported as the pack imports it."""
    pack_dir = Path(pack_dir).resolve()
    module = sys.modules.get(name)
    if module is None:
        # The pack's folder goes first only for this import (it would otherwise shadow any installed module
        # named like a theme); the pack's modules import each other at their top, so all resolve now.
        sys.path.insert(0, str(pack_dir))
        try:
            module = importlib.import_module(name)
        finally:
            sys.path.remove(str(pack_dir))
    where = Path(getattr(module, "__file__", "") or "").resolve()
    if not where.is_relative_to(pack_dir):
        raise ImportError(
            f"module '{name}' is already imported from {where}, not from the pack in {pack_dir}"
        )
    return module
