"""``DAGlobal``: an object whose attributes live outside the session, shared by every session
of its user (``base='user'``, the default), of its interview (``'interview'``) or of the whole
server (``'global'``), under a ``key``; kept in the simulator's store like ``DAStore``.

Setting an attribute writes the shared attributes to the store; the first read in each
evaluation reads them back, so what one session sets, the others see on their next step.
"""
from __future__ import annotations

import pickle
import secrets
from typing import Any

from .context import current, current_or_none
from .objects import DAObject

__all__ = ["DAGlobal"]

_KEPT = ("instanceName", "has_nonrandom_instance_name", "base", "key")


def _prefix(base: str) -> str:
    ctx = current()
    if base == "interview":
        return f"da:daglobal:i:{ctx.filename or ''}"
    if base == "global":
        return "da:daglobal:global"
    return f"da:daglobal:userid:{ctx.user.id}"


def _kv(op: str, key: str, value: bytes | None = None) -> Any:
    ctx = current()
    if ctx.services is None:
        return None
    return ctx.services.kv(ctx, op, key, value)


class DAGlobal(DAObject):
    """Attributes shared across sessions (see the module docstring)."""

    @classmethod
    def keys(cls, base: str) -> list[str]:
        return list(_kv("keys", _prefix(base) + ":") or [])

    @classmethod
    def defined(cls, base: str, key: str) -> bool:
        return bool(_kv("defined", f"{_prefix(base)}:{key}"))

    @classmethod
    def remove(cls, base: str, key: str) -> None:
        _kv("delete", f"{_prefix(base)}:{key}")

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        super().init(*pargs, **kwargs)
        if "base" not in kwargs:
            self.base = "user"
        if "key" not in kwargs:
            self.key = secrets.token_hex(16)
        self._load()

    def _store_key(self) -> str:
        return f"{_prefix(self.base)}:{self.key}"

    def _shared(self) -> dict:
        return {k: v for k, v in self.__dict__.items()
                if k not in _KEPT and k not in ("attrList", "_bgk_seen")}

    def _load(self) -> None:
        raw = _kv("get", self._store_key())
        if raw is not None:
            self.__dict__.update(pickle.loads(raw))  # noqa: S301 -- written by _save

    def _save(self) -> None:
        _kv("set", self._store_key(), pickle.dumps(self._shared()))

    def __getattribute__(self, name: str) -> Any:
        # the first read of a shared attribute in each evaluation reads the store again, so
        # what another session saved since is seen here
        if name[:1] != "_" and name not in _KEPT:
            state = object.__getattribute__(self, "__dict__")
            ctx = current_or_none()
            if ctx is not None and ctx.services is not None and state.get("_bgk_seen") is not ctx \
                    and "key" in state and "base" in state:
                state["_bgk_seen"] = ctx
                object.__getattribute__(self, "_load")()
        return super().__getattribute__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name not in _KEPT and name != "attrList" and "key" in self.__dict__ \
                and "base" in self.__dict__ and current_or_none() is not None:
            self._save()

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_bgk_seen"}

    def delete(self) -> None:
        """Forget the shared attributes (the object keeps only its name)."""
        _kv("delete", self._store_key())
        self.__dict__ = {k: self.__dict__[k] for k in ("instanceName", "has_nonrandom_instance_name")
                         if k in self.__dict__} | {"attrList": []}
