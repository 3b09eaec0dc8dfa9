"""What interview code calls about background work: start a task, answer from it
(``background_response``, ``background_response_action``, ``background_error_action``), and
the check-in payloads it may send (SEMANTICS §1-§3).  Starting a task is a service of the
floors above, reached through ``ctx.services``."""
from __future__ import annotations

from typing import Any

from ..errors import BackgroundResponseActionSignal, BackgroundResponseSignal, DAError
from .context import current, services

__all__ = [
    "background_action", "background_response", "background_response_action",
    "background_error_action",
]


def background_action(action: str, ui_notification: Any = None, **kwargs: Any) -> Any:
    return services().background_action(current(), action, ui_notification, kwargs)


def background_response(*pargs: Any, **kwargs: Any) -> None:
    sleep = kwargs.get("sleep")
    if pargs and kwargs:
        payload: Any = {"pargs": list(pargs), "kwargs": kwargs}
    elif len(pargs) > 1:
        payload = list(pargs)
    elif len(pargs) == 1:
        payload = pargs[0]
    else:
        payload = kwargs
    raise BackgroundResponseSignal(normalize_background_response(payload), sleep=sleep)


def normalize_background_response(payload: Any) -> Any:
    """``[dict, 'fields']``: dropdown ``choices`` become ``[value, label]`` pairs (SEMANTICS §2.1)."""
    if not (isinstance(payload, list) and len(payload) == 2 and payload[1] == "fields"):
        return payload
    if not isinstance(payload[0], dict):
        raise DAError("background_response() must be given a dictionary")
    out = {}
    for key, val in payload[0].items():
        if isinstance(val, dict) and "choices" in val:
            val = dict(val)
            val["choices"] = _normalize_choices(val["choices"])
        out[key] = val
    return [out, "fields"]


def _normalize_choices(choices: Any) -> list:
    if isinstance(choices, dict):
        return [[k, v] for k, v in choices.items()]
    pairs: list = []
    for item in choices:
        if isinstance(item, dict):
            if "label" in item and "value" in item:
                pairs.append([item["value"], item["label"]])
            elif "label" in item and "key" in item:
                pairs.append([item["key"], item["label"]])
            else:
                pairs.extend([k, v] for k, v in item.items())
        elif isinstance(item, list):
            pairs.append(item)
        else:
            pairs.append([item, item])
    return pairs


def background_response_action(*pargs: Any, **kwargs: Any) -> None:
    raise BackgroundResponseActionSignal(pargs[0] if pargs else None, kwargs)


def background_error_action(action: str, **kwargs: Any) -> None:
    ctx = current()
    ctx.on_error = {"action": action, "arguments": kwargs}
    keep = getattr(ctx.services, "error_action", None)
    if keep is not None:      # so that it still runs if the task's process dies
        keep(ctx, ctx.on_error)


