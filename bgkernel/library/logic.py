"""Steering the interview logic from interview code: re-run it, forget what blocks did, seek
variables until defined, undo answers keeping them as defaults; status settings and logic
explanations kept with the session (docassemble's ``re_run_logic``, ``forget_result_of``,
``force_gather``, ``invalidate``, ``set_status``, ``explain`` ...)."""
from __future__ import annotations

import re
from typing import Any

from ..errors import DAError, ReRunSignal
from .context import current, internal
from .functions import unpack_names, url_action, value
from .words import ensure_definition

__all__ = ["re_run_logic", "forget_result_of", "force_gather", "showif",
           "set_status", "get_status", "explain", "clear_explanations", "logic_explanation",
           "url_ask"]


_VARIABLE = re.compile(r"^[A-Za-z_][\w.]*(\[[^\]]+\][\w.]*)*$")


def re_run_logic() -> None:
    """Stop here and run the initial and mandatory blocks again from the top."""
    raise ReRunSignal()


def forget_result_of(*pargs: Any) -> None:
    """The blocks with these ``id``s run (or ask) again: what they were answered is forgotten."""
    state = internal()
    answers = state.setdefault("answers", {})
    answered = state.setdefault("answered", set())
    for block_id in unpack_names(pargs):
        key = f"ID {block_id}"
        for stored in [k for k in answers if k == key or str(k).startswith(key + "|WITH|")]:
            del answers[stored]
        answered.discard(key)


def force_gather(*pargs: Any, forget_prior: bool = False, evaluate: bool = False) -> None:
    """Seek these variables, on this page load and the next ones, until each is defined."""
    del evaluate            # names are given as text here; docassemble's intrinsic names agree
    state = internal()
    if forget_prior:
        state["event_stack"] = []
    gather = state.setdefault("gather", [])
    for name in unpack_names(pargs):
        if not _VARIABLE.match(name):
            raise DAError(f"Illegal variable name {name!r}")
        if name not in gather:
            gather.append(name)
    if gather:
        raise ReRunSignal()


def showif(var: str, condition: Any, alternative: Any = "") -> Any:
    """The value of ``var`` when ``condition`` is true (it is only sought then), else
    ``alternative``."""
    ensure_definition(var, condition, alternative)
    return value(var) if condition else alternative


def set_status(**kwargs: Any) -> None:
    """Keep settings with the session (``get_status`` reads them back)."""
    internal().setdefault("misc", {}).update(kwargs)


def get_status(setting: str) -> Any:
    return (current().namespace or {}).get("_internal", {}).get("misc", {}).get(setting)


def explain(the_explanation: str, category: str = "default") -> None:
    """Add a line to the session's explanation of its logic (once per line and category)."""
    lines = internal().setdefault("explanations", {}).setdefault(category, [])
    if the_explanation not in lines:
        lines.append(the_explanation)


def clear_explanations(category: str = "default") -> None:
    """Forget a category's explanations; ``'all'`` forgets every category."""
    explanations = internal().get("explanations")
    if explanations is None:
        return
    if category == "all":
        explanations.clear()
    elif category in explanations:
        explanations[category] = []


def logic_explanation(category: str = "default") -> list[str]:
    return list((current().namespace or {}).get("_internal", {}).get("explanations", {})
                .get(category, []))


# --- url_ask: a link that asks variables again, with commands between them --------------

_COMMANDS = {"undefine": "_da_undefine", "invalidate": "_da_invalidate", "recompute": "_da_undefine"}
_GENERIC = re.compile(r"(^|[^A-Za-z0-9_])(x|i|j|k|l|m|n)([^A-Za-z0-9_]|$)")


def _variable(name: Any, data: Any) -> str:
    if not isinstance(name, str) or not _VARIABLE.match(name.strip()):
        raise DAError(f"url_ask: missing or invalid variable name {name!r} .  {data!r}")
    if _GENERIC.search(name):
        raise DAError("url_ask cannot be used with a generic object or a variable iterator")
    return name.strip()


def _names_list(item: dict, key: str, data: Any) -> list:
    if not isinstance(item[key], list):
        raise DAError(f"url_ask: the {key} statement must refer to a list.  {data!r}")
    return item[key]


def url_ask(data: Any) -> str:
    """A link that asks the listed variables again, in order (``force_ask`` as a link); items
    may also ``set``, ``undefine``, ``invalidate`` or ``recompute`` variables, ``follow up``
    with more, or run an ``action`` with ``arguments``."""
    items = data if isinstance(data, list) else [data]
    steps: list[Any] = []
    for item in items:
        if isinstance(item, dict) and len(item) == 1 and next(iter(item)) in (
                "set", "undefine", "invalidate", "recompute", "follow up"):
            key = next(iter(item))
            if key == "set":
                pairs = []
                for entry in _names_list(item, key, data):
                    if not isinstance(entry, dict):
                        raise DAError(f"url_ask: a set command must refer to a list of dicts.  {data!r}")
                    pairs.extend([_variable(k, data), v] for k, v in entry.items())
                steps.append({"action": "_da_set", "arguments": {"variables": pairs}})
            elif key == "follow up":
                steps.extend({"action": _variable(v, data), "arguments": {}}
                             for v in _names_list(item, key, data))
            else:
                names = [_variable(v, data) for v in _names_list(item, key, data)]
                steps.append({"action": _COMMANDS[key], "arguments": {"variables": names}})
                if key == "recompute":
                    steps.append({"action": "_da_compute", "arguments": {"variables": names}})
        elif isinstance(item, dict) and set(item) == {"action", "arguments"}:
            if not isinstance(item["arguments"], dict):
                raise DAError(f"url_ask: an arguments directive must refer to a dictionary.  {data!r}")
            steps.append({"action": _variable(item["action"], data), "arguments": item["arguments"]})
        else:
            name = _variable(item, data)
            if name not in steps:
                steps.append(name)
    return url_action("_da_force_ask", variables=steps)
