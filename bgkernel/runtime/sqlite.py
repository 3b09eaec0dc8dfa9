"""SQLite connections for the store whose errors say what they mean for it.

Every ``execute`` of a :class:`StoreConnection` turns ``sqlite3.Error`` into a
:class:`~bgkernel.errors.StoreError` that names the store file and the cause (a full disk,
a read-only folder, a damaged or foreign file, a lock held too long), so no raw SQLite
error reaches a notebook.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from ..errors import StoreError

__all__ = ["StoreConnection", "store_error"]


def store_error(err: sqlite3.Error, path: str, doing: str = "") -> StoreError:
    """A SQLite error as a :class:`StoreError` that says what it means for the store."""
    text = str(err)
    low = text.lower()
    if "full" in low:
        why = ("the disk is full (or the store reached its size limit); nothing of this step "
               "was saved, the store is as it was before it")
    elif "readonly" in low or "read-only" in low:
        why = "the store cannot be written (a read-only file or folder); nothing was saved"
    elif "unable to open" in low:
        why = "the store cannot be opened (a missing or unreadable folder, or no permission)"
    elif "malformed" in low or "not a database" in low or "encrypted" in low:
        why = "the store file is damaged or is not a bgkernel store"
    elif "locked" in low or "busy" in low:
        why = "the store stayed locked by another process past the busy timeout"
    else:
        why = "the store could not be used"
    where = f" while {doing}" if doing else ""
    return StoreError(f"{path}: {why}{where} (SQLite: {text})")


class StoreConnection(sqlite3.Connection):
    """A connection whose SQLite errors are StoreErrors naming the store."""

    store_path = ""

    def execute(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().execute(*args)
        except sqlite3.Error as err:
            raise store_error(err, self.store_path) from err

    def executemany(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().executemany(*args)
        except sqlite3.Error as err:
            raise store_error(err, self.store_path) from err

    def executescript(self, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().executescript(*args)
        except sqlite3.Error as err:
            raise store_error(err, self.store_path) from err
