"""Errors that are shown to users as one readable line plus a hint, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: bad input, configuration, a failed check."""

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"
