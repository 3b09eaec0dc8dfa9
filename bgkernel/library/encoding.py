"""Names and values in the forms docassemble passes them around: base64 variable names (the
HTML field names of its pages), base64 JSON, values for DOCX templates, and the answers as
JSON."""
from __future__ import annotations

import base64
import datetime as _dt
import json
import re
from typing import Any

from ..errors import DAError, ResponseSignal
from .context import current
from .dates import as_datetime
from .functions import assign
from .objects import DAObject, serializable
from .saving import picklable_answers
from .words import ensure_definition

__all__ = ["encode_name", "decode_name", "from_b64_json", "raw", "variables_as_json",
           "transform_json_variables", "set_variables"]


def _repad(text: str) -> str:
    return text + "=" * (-len(text) % 4)


def encode_name(var: str) -> str:
    """A variable name as base64 without padding (docassemble's form field names)."""
    return base64.b64encode(var.encode("utf-8")).decode("ascii").replace("=", "")


def decode_name(var: str) -> str:
    """The variable name :func:`encode_name` encoded."""
    return base64.b64decode(_repad(var)).decode("utf-8")


def from_b64_json(string: str | None) -> Any:
    """The object of a base64-encoded JSON text (None stays None)."""
    if string is None:
        return None
    return json.loads(base64.b64decode(_repad(string)))


class RawValue:
    """A value a DOCX template receives as it is, not as text (``raw()``)."""

    def __init__(self, value: Any):
        self.value = value

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"raw({self.value!r})"


def raw(val: Any) -> RawValue:
    ensure_definition(val)
    return RawValue(val)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}")


def _object_class(name: str) -> type | None:
    """The DAObject class a JSON ``_class`` names (``docassemble.base.util.Individual`` or
    ``Individual``), found among the classes defined so far."""
    short = name.rsplit(".", 1)[-1]
    pending, seen = [DAObject], set()
    while pending:
        cls = pending.pop()
        if cls.__name__ == short:
            return cls
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
    return None


def transform_json_variables(obj: Any) -> Any:
    """JSON data turned back into interview values, as docassemble's server does: ISO dates
    become DADateTime, ``HH:MM:SS`` times become ``time``, a dict with ``_class`` and
    ``instanceName`` becomes that object (None when the class is unknown), recursively."""
    if isinstance(obj, str):
        if _DATE.match(obj):
            try:
                return as_datetime(obj)
            except Exception:  # noqa: BLE001 -- not a date after all: the text stays
                return obj
        if _TIME.match(obj):
            try:
                return _dt.time.fromisoformat(obj)
            except ValueError:
                return obj
        return obj
    if isinstance(obj, dict):
        name = obj.get("_class")
        if isinstance(name, str) and isinstance(obj.get("instanceName"), str):
            cls = _object_class(name)
            if cls is None:
                return None
            made = cls(obj["instanceName"])
            for key, val in obj.items():
                if key != "_class":
                    setattr(made, key, transform_json_variables(val))
            return made
        return {transform_json_variables(k): transform_json_variables(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [transform_json_variables(v) for v in obj]
    if isinstance(obj, set):
        return {transform_json_variables(v) for v in obj}
    return obj


def set_variables(variables: Any, process_objects: bool = False) -> None:
    """Set each ``name: value`` of a dict (or a DADict) in the answers; with
    ``process_objects``, JSON data is turned into objects first."""
    if hasattr(variables, "instanceName") and hasattr(variables, "elements"):
        variables = variables.elements
    if not isinstance(variables, dict):
        raise DAError("set_variables: argument must be a dictionary")
    ns = current().namespace
    if ns is None:
        raise DAError("set_variables: could not find interview answers")
    if process_objects:
        variables = transform_json_variables(variables)
    for name, val in variables.items():
        assign(ns, name, val)


def variables_as_json(include_internal: bool = False) -> None:
    """Respond with every answer as JSON (like ``json_response(all_variables())``); no code
    after it runs."""
    ns = current().namespace or {}
    answers = picklable_answers(ns)
    data = {k: serializable(v) for k, v in answers.items()
            if include_internal or not k.startswith("_")}
    raise ResponseSignal(json.dumps(data, default=str), content_type="application/json")
