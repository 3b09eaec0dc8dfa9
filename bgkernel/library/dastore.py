"""``DAStore``: values kept across sessions, in the simulator's store (table ``kv``).

``DAStore(base=...)`` scopes its keys: ``user`` (the default: the user running the
interview, by id), ``session``, ``interview`` (every session of this interview),
``global``, or any other text used as the prefix itself.  ``set`` pickles the value;
``get`` returns a fresh copy (None when absent), as docassemble's SQL store does.

``write_record(key, data)``, ``read_records(key)`` and ``delete_record(key, id)`` keep
numbered records under a key, in the same table (docassemble keeps them in its SQL
database): ids count up from 1 per key and ``read_records`` gives ``{id: data}`` in order.
"""
from __future__ import annotations

import pickle
import threading
from typing import Any

from .context import current
from .objects import DAObject

__all__ = ["DAStore", "apply", "write_record", "read_records", "delete_record"]


class DAStore(DAObject):
    """A key-value store that outlives the session (see the module docstring)."""

    def is_encrypted(self) -> bool:
        """docassemble encrypts ``user`` and ``session`` stores (bgkernel stores them plainly)."""
        if "encrypted" in self.__dict__:
            return bool(self.encrypted)
        return self.__dict__.get("base", "user") in ("user", "session")

    def _base_key(self) -> str:
        ctx = current()
        base = self.__dict__.get("base", "user")
        interview = ctx.interview.name if ctx.interview is not None else ""
        if base == "interview":
            return "da:i:" + interview
        if base == "user":
            return "da:userid:" + ctx.user.key
        if base == "session":
            return f"da:uid:{ctx.session_id}:i:{interview}"
        if base == "global":
            return "da:global"
        return str(base)

    def _op(self, op: str, key: str, value: bytes | None = None) -> Any:
        ctx = current()
        return ctx.services.kv(ctx, op, f"{self._base_key()}:{key}", value)

    def defined(self, key: str) -> bool:
        return bool(self._op("defined", key))

    def get(self, key: str) -> Any:
        blob = self._op("get", key)
        return None if blob is None else pickle.loads(blob)  # noqa: S301 -- our own store

    def set(self, key: str, value: Any) -> None:
        self._op("set", key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def delete(self, key: str) -> None:
        self._op("delete", key)

    def keys(self) -> list[str]:
        ctx = current()
        return ctx.services.kv(ctx, "keys", f"{self._base_key()}:")


_RECORDS = threading.Lock()     # one id at a time for the sessions of this simulator


def _records(op: str, name: str, value: bytes | None = None) -> Any:
    ctx = current()
    return ctx.services.kv(ctx, op, "da:records:" + name, value)


def write_record(key: Any, data: Any) -> int:
    """Keep ``data`` as a new record under ``key``; its id."""
    with _RECORDS:
        ids = [int(found) for found in _records("keys", f"{key}:")]
        new_id = max(ids, default=0) + 1
        blob = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        _records("set", f"{key}:{new_id:012d}", blob)
    return new_id


def read_records(key: Any) -> dict:
    """The records under ``key``, ``{id: data}`` in the order they were written."""
    out = {}
    for found in _records("keys", f"{key}:"):
        blob = _records("get", f"{key}:{found}")
        if blob is not None:
            out[int(found)] = pickle.loads(blob)  # noqa: S301 -- our own store
    return out


def delete_record(key: Any, the_id: Any) -> None:
    """Remove the record ``the_id`` under ``key``."""
    _records("delete", f"{key}:{int(the_id):012d}")


def apply(store: Any, op: str, key: str, value: bytes | None = None) -> Any:
    """One DAStore operation on a :class:`bgkernel.runtime.store.Store`."""
    if op == "get":
        return store.kv_get(key)
    if op == "defined":
        return store.kv_get(key) is not None
    if op == "set":
        return store.kv_set(key, value)
    if op == "delete":
        return store.kv_delete(key)
    if op == "keys":
        return store.kv_keys(key)
    raise ValueError(f"no DAStore operation {op!r}")
