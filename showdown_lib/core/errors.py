"""Errors that name what is wrong and where: the file, the entry and the field."""
from __future__ import annotations

from pathlib import Path

from .paths import shown


class ShowdownError(Exception):
    """Base class of every error this project raises on purpose."""


class DataError(ShowdownError, ValueError):
    """Bad input data. The message names the file, the entry and the field."""

    def __init__(self, path: str | Path, message: str, entry: str | None = None, field: str | None = None):
        self.path = str(path)
        self.entry = entry
        self.field = field
        where = shown(path, whole_outside=True)
        if entry is not None:
            where += f", entry {entry!r}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class CollectionError(ShowdownError, RuntimeError):
    """A collector could not finish; the previous snapshot is left as it was."""


class UsageError(ShowdownError, ValueError):
    """A value given on the command line or to a function is not allowed; the message says what is."""
