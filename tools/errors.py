"""Errors the command-line tools share.

They live in their own module because ``python -m tools.preview`` runs preview.py as ``__main__``: a class
defined there and imported elsewhere as ``tools.preview.ProgramError`` would be a second, different class,
and the command's handler would never match what tools/cost.py raises.
"""

from __future__ import annotations


class ProgramError(Exception):
    """The program (or its config) failed before the preview could finish: exit 2 with one line."""

    def __init__(self, message: str, registered: int | None = None) -> None:
        super().__init__(message)
        self.registered = registered
