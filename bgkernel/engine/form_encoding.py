"""What a browser's form holds for a field: each stored value encoded as the form would post
it back (check-ins and the widgets send these), checkbox groups included."""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

from ..language.datatype_names import (CHECKBOX_INPUTS, GROUPS, NEGATIVE, THREESTATE, YESNO,
                                       normalize_datatype)
from .datatypes import _js_text

__all__ = ["checkbox_form_items", "form_encode", "form_items"]


def checkbox_form_items(varname: str, checked_values: Iterable) -> dict[str, str]:
    """Check-in keys of the checked options: ``var['opt']`` for strings, else ``var[repr]``."""
    return {(f"{varname}['{v}']" if isinstance(v, str) else f"{varname}[{v!r}]"): "True" for v in checked_values}


def form_encode(datatype: str | None, value: Any, *, input_type: str | None = None) -> str | None:
    """The raw string a browser holds for the stored ``value``; None when nothing is sent.

    Dates are ``YYYY-MM-DD``, datetimes ``YYYY-MM-DDTHH:MM`` and times ``HH:MM`` (with
    ``:SS`` when the seconds are not zero); numbers as typed; a yes/no checkbox sends
    ``"True"`` when checked (a checked ``noyes`` box sends ``"False"``) and nothing when
    not.  Strings are sent as they are.  Checkbox groups: see ``checkbox_form_items``.
    """
    dt, input_type = normalize_datatype(datatype, input_type)
    style = input_type if dt in ("boolean", "threestate") else dt
    if dt in GROUPS:
        raise ValueError("a checkbox group sends one key per option: use checkbox_form_items()")
    if style in THREESTATE and value is None:
        return "None"
    if value is None or isinstance(value, str):
        return value
    if dt in YESNO:
        if style in CHECKBOX_INPUTS:
            negative = style in NEGATIVE
            return None if bool(value) is negative else str(not negative)
        return "True" if value else "False"
    if isinstance(value, (_dt.date, _dt.time)):
        seconds = ":%S" if getattr(value, "second", 0) else ""
        if dt == "time" or isinstance(value, _dt.time):
            return value.strftime("%H:%M" + seconds)
        if dt in ("datetime", "datetime-local"):
            return value.strftime("%Y-%m-%dT%H:%M" + seconds)   # a date is at 00:00
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _js_text(value)
    return str(value)


def form_items(varname: str, datatype: str | None, value: Any, *, input_type: str | None = None) -> dict[str, str]:
    """Every ``{key: raw string}`` a browser sends in a check-in for ``varname`` holding ``value``."""
    if normalize_datatype(datatype, input_type)[0] in GROUPS:
        if isinstance(value, Mapping):
            value = [k for k, on in value.items() if on is True or on == "True"]
        return checkbox_form_items(varname, value or ())
    raw = form_encode(datatype, value, input_type=input_type)
    return {} if raw is None else {varname: raw}
