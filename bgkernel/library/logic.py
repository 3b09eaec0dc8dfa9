"""Steering the interview logic from interview code: re-run it, forget what blocks did, seek
variables until defined, undo answers keeping them as defaults; status settings and logic
explanations kept with the session (docassemble's ``re_run_logic``, ``forget_result_of``,
``force_gather``, ``invalidate``, ``set_status``, ``explain`` ...)."""
from __future__ import annotations

import re
from typing import Any

from ..errors import DAError, ReRunSignal
from .context import current
from .functions import undefine, value
from .words import ensure_definition

__all__ = ["re_run_logic", "forget_result_of", "force_gather", "invalidate", "showif",
           "set_status", "get_status", "explain", "clear_explanations", "logic_explanation"]


_VARIABLE = re.compile(r"^[A-Za-z_][\w.]*(\[[^\]]+\][\w.]*)*$")


def _internal() -> dict:
    ns = current().namespace
    if ns is None:
        raise DAError("this function needs a running interview")
    return ns.setdefault("_internal", {})


def _names(pargs: tuple) -> list[str]:
    out: list[str] = []
    for item in pargs:
        out.extend(item if isinstance(item, (list, tuple)) else [item])
    return [str(name) for name in out]


def re_run_logic() -> None:
    """Stop here and run the initial and mandatory blocks again from the top."""
    raise ReRunSignal()


def forget_result_of(*pargs: Any) -> None:
    """The blocks with these ``id``s run (or ask) again: what they were answered is forgotten."""
    internal = _internal()
    answers = internal.setdefault("answers", {})
    answered = internal.setdefault("answered", set())
    for block_id in _names(pargs):
        key = f"ID {block_id}"
        for stored in [k for k in answers if k == key or str(k).startswith(key + "|WITH|")]:
            del answers[stored]
        answered.discard(key)


def force_gather(*pargs: Any, forget_prior: bool = False, evaluate: bool = False) -> None:
    """Seek these variables, on this page load and the next ones, until each is defined."""
    del evaluate            # names are given as text here; docassemble's intrinsic names agree
    internal = _internal()
    if forget_prior:
        internal["event_stack"] = []
    gather = internal.setdefault("gather", [])
    for name in _names(pargs):
        if not _VARIABLE.match(name):
            raise DAError(f"Illegal variable name {name!r}")
        if name not in gather:
            gather.append(name)
    if gather:
        raise ReRunSignal()


def invalidate(*pargs: Any) -> None:
    """Undefine the variables, keeping each value as the default when it is asked again."""
    ns = current().namespace or {}
    dirty = _internal().setdefault("dirty", {})
    for name in _names(pargs):
        try:
            dirty[name] = eval(name, ns)  # noqa: S307 -- a variable name
        except Exception:  # noqa: BLE001 -- undefined already: nothing to keep
            continue
    undefine(*_names(pargs))


def showif(var: str, condition: Any, alternative: Any = "") -> Any:
    """The value of ``var`` when ``condition`` is true (it is only sought then), else
    ``alternative``."""
    ensure_definition(var, condition, alternative)
    return value(var) if condition else alternative


def set_status(**kwargs: Any) -> None:
    """Keep settings with the session (``get_status`` reads them back)."""
    _internal().setdefault("misc", {}).update(kwargs)


def get_status(setting: str) -> Any:
    return (current().namespace or {}).get("_internal", {}).get("misc", {}).get(setting)


def explain(the_explanation: str, category: str = "default") -> None:
    """Add a line to the session's explanation of its logic (once per line and category)."""
    lines = _internal().setdefault("explanations", {}).setdefault(category, [])
    if the_explanation not in lines:
        lines.append(the_explanation)


def clear_explanations(category: str = "default") -> None:
    """Forget a category's explanations; ``'all'`` forgets every category."""
    explanations = _internal().get("explanations")
    if explanations is None:
        return
    if category == "all":
        explanations.clear()
    elif category in explanations:
        explanations[category] = []


def logic_explanation(category: str = "default") -> list[str]:
    return list((current().namespace or {}).get("_internal", {}).get("explanations", {})
                .get(category, []))
