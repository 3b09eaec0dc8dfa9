"""What of an interview's namespace is saved: the answers worth pickling.

The library's objects know which of them are worth keeping (an untouched
session/device/user local is not); the store pickles what this module keeps.
"""
from __future__ import annotations

import types
from typing import Any

__all__ = ["picklable_answers", "ITERATOR_NAMES", "LOCALS"]

ITERATOR_NAMES = ("x", "i", "j", "k", "l", "m", "n")
# docassemble's session/device/user locals: kept in _internal, installed on each load
LOCALS = ("session_local", "device_local", "user_local")
_NOT_SAVED = frozenset(ITERATOR_NAMES) | set(LOCALS)
_SKIP_TYPES = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)


def picklable_answers(ns: dict) -> dict:
    """The answers worth saving: no library names, iterators, modules or functions, and no
    session/device/user local that nothing was set on (each load makes a fresh one)."""
    skip = _SKIP_TYPES
    answers = {key: val for key, val in ns.items()
               if not (key in _NOT_SAVED or key[:2] == "__" or isinstance(val, skip))}
    internal = answers.get("_internal")
    if type(internal) is dict:
        unused = [k for k in LOCALS if _unused_local(k, internal.get(k))]
        if unused:
            answers["_internal"] = {k: v for k, v in internal.items() if k not in unused}
    return answers


def _unused_local(name: str, value: Any) -> bool:
    """``value`` is the plain DAObject ``objects.new_local`` made for ``name``, untouched since
    (the class is told by name: this module sits under the objects it inspects)."""
    if value is None or type(value).__name__ != "DAObject":
        return False
    return value.__dict__ == {"has_nonrandom_instance_name": True, "instanceName": name,
                              "attrList": []}
