"""Errors the command-line tools share.

They live in their own module so that the tools raising them (tools/cost.py) need not import the preview
that catches them (tools/preview imports tools/cost.py: the other way round would be an import cycle).
"""

from __future__ import annotations


class ProgramError(Exception):
    """The program (or its config) failed before the preview could finish: exit 2 with one line."""

    def __init__(self, message: str, registered: int | None = None) -> None:
        super().__init__(message)
        self.registered = registered
