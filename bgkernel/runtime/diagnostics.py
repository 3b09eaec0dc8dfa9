"""Pitfalls observed while an interview runs, as ``diagnostic`` rows of the timeline.

A row's ``name`` is the pitfall's code (the linter's codes, :mod:`bgkernel.lint.catalog`)
and its ``detail`` what happened and the fix.  Each (session, code, subject) is reported
once, so a scheduled run that repeats a mistake every hour leaves one row, not hundreds.
"""
from __future__ import annotations

import pickle
import threading
import weakref
from typing import TYPE_CHECKING, Any

from ..library.saving import picklable_answers
from ..lint.catalog import rule

if TYPE_CHECKING:
    from .host import Host

__all__ = ["diagnose", "diagnose_task", "wanted", "answers_digest", "snapshot", "changed_names"]

_seen: "weakref.WeakKeyDictionary[Any, set]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()
#: bookkeeping every run or save changes (access times, the evaluation counter): not a change
_SAVE_KEYS = ("accesstime", "access_roles", "modtime", "tracker")


def diagnose(host: "Host", session: str, code: str, subject: str, what: str) -> bool:
    """Record the diagnostic ``code`` about ``subject``; False if it was already reported."""
    if not host.config.get("diagnostics", True):
        return False
    key = (session, code, subject)
    with _lock:
        seen = _seen.setdefault(host, set())
        if key in seen:
            return False
        seen.add(key)
    fix = rule(code).fix
    host.record(session, "diagnostic", code, f"{what}. Fix: {fix}")
    return True


def wanted(host: "Host", session: str, code: str, subject: str) -> bool:
    """Whether looking for ``code`` is worth its cost: diagnostics are on and it is not
    reported yet (a check that pickles the answers runs once per session, not every hour)."""
    if not host.config.get("diagnostics", True):
        return False
    with _lock:
        return (session, code, subject) not in _seen.get(host, ())


def answers_digest(ns: dict) -> bytes | None:
    """The answers as bytes that change when the run changes something a save would keep
    (None when they cannot be pickled: then nothing is claimed)."""
    view = picklable_answers(ns)
    internal = view.pop("_internal", None)
    if isinstance(internal, dict):
        view["_internal"] = {k: v for k, v in internal.items() if k not in _SAVE_KEYS}
    try:
        return pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 -- an unpicklable value: no claim either way
        return None


def _pickled(value: Any) -> bytes | None:
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 -- unpicklable: compared by identity only
        return None


def snapshot(ns: dict, names: set[str]) -> dict[str, tuple[int, bytes | None]]:
    """What :func:`changed_names` compares: the identity and bytes of each of ``names``
    that the namespace holds."""
    return {k: (id(ns[k]), _pickled(ns[k])) for k in names if k in ns}


def changed_names(before: dict[str, tuple[int, bytes | None]], ns: dict, names: set[str],
                  passed: tuple = ()) -> list[str]:
    """Which of ``names`` were set or changed since ``before``, except values passed on
    (``passed``: the response's value and the response action's arguments)."""
    kept = {id(v) for v in passed}
    kept_bytes = {b for b in map(_pickled, passed) if b is not None}
    answers = picklable_answers({k: ns[k] for k in names if k in ns})
    changed = []
    for name, value in answers.items():
        if name.startswith("_") or id(value) in kept:
            continue
        old = before.get(name)
        if old is None:
            changed.append(name)
        elif old[1] is None:
            if old[0] != id(value):
                changed.append(name)
        elif _pickled(value) != old[1]:
            changed.append(name)
    # a value handed on (equal to the response, or to an argument of the response action)
    return [n for n in changed if _pickled(ns[n]) not in kept_bytes]


def diagnose_task(host: "Host", session: str, action: str, data: dict) -> None:
    """What a finished background run shows: it asked a question, or its changes are lost."""
    if data.get("kind") == "error" and data.get("question"):
        diagnose(host, session, "BGK101", action,
                 f"the background action {action!r} ended by asking a question "
                 f"({data.get('error_message')!r}), so the task failed")
    discarded = data.get("discarded")
    if discarded:
        code = "BGK114" if action == "incoming_email" and data.get("kind") != "response_action" else "BGK103"
        diagnose(host, session, code, action,
                 f"the background action {action!r} set {', '.join(discarded)}; the change was "
                 "discarded when the task ended")
