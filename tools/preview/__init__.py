"""Offline preview: the real program under the SDK's mocks with a stack's real config, judged by the real pack.

One module per stage, in the order they run:

    config.py    the stack's config as the CLI passes it (Pulumi.yaml defaults, Pulumi.<stack>.yaml)
    record.py    the program under tools/mocks/, every registration recorded as the engine receives it
    document.py  the recording as out/<stack>/preview.json (engine values decoded by tools/wire.py)
    pack.py      policies/ started as the CLI starts it, Analyze per resource and AnalyzeStack over gRPC
    report.py    the text report
    cli.py       `python -m tools.preview`: the stages in order, the cost estimate (tools/cost.py) included
"""

from tools.errors import ProgramError
from tools.paths import ROOT
from tools.preview.cli import Result, main, preview
from tools.preview.config import StackConfig, load_stack_config, placeholder
from tools.preview.document import build_document
from tools.preview.record import MODES, run_program
from tools.preview.report import report

__all__ = [
    "MODES",
    "ROOT",
    "ProgramError",
    "Result",
    "StackConfig",
    "build_document",
    "load_stack_config",
    "main",
    "placeholder",
    "preview",
    "report",
    "run_program",
]
