"""Field datatypes: the value docassemble would store for an answer, or its error message.

An answer is a Python value (``5``, ``date(2024, 1, 5)``, ``True``, a list of checked
options) or the raw string a browser posts (``"5"``, ``"2024-01-05"``, ``"True"``).
``convert`` runs the checks the browser would run first (the jQuery Validate rules of
docassemble's standardformatter), then the server's conversion (views.py ``index()``),
and raises ``FieldError`` with docassemble's message at the first failure
(``form_encoding`` goes the other way).  dateutil, babel and zoneinfo load on first use.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Iterable, Mapping

from ..language.datatype_names import (CHECKBOX_INPUTS, DATES, FILES, FREE_INPUTS, GROUPS, NEGATIVE,
                                       NUMBERS, SELECT_ONE, THREESTATE, YESNO, default_required,
                                       normalize_datatype)

__all__ = ["FieldError", "MESSAGES", "normalize_datatype", "default_required", "convert",
           "checkbox_value", "convert_checkboxes", "NONE_OF_THE_ABOVE", "ALL_OF_THE_ABOVE"]

# Default messages by the validation type that `validation messages:` overrides them with.
MESSAGES = {
    "required": "This field is required.", "multiple choice required": "You need to select one.",
    "combobox required": "You need to select one or type in a new value.",
    "file required": "You must provide a file.", "valid value": "Please enter a valid value.",
    "number": "You need to enter a number.", "valid number": "You need to enter a valid number.",
    "integer": "Please enter a whole number.", "step": "Please enter a multiple of {0}.",
    "min": "You need to enter a number that is at least %s.",
    "max": "You need to enter a number that is at most %s.",
    "email": "You need to enter a complete e-mail address.",
    "minlength": "You must type at least %s characters.",
    "maxlength": "You cannot type more than %s characters.",
    "date": "You need to enter a valid date.", "date minmax": "You need to enter a date between %s and %s.",
    "date min": "You need to enter a date on or after %s.", "date max": "You need to enter a date on or before %s.",
    "time": "You need to enter a valid time.", "time minmax": "You need to enter a time between %s and %s.",
    "time min": "You need to enter a time at or after %s.", "time max": "You need to enter a time at or before %s.",
    "datetime": "You need to enter a valid date and time.",
    "datetime minmax": "You need to enter a date and time between %s and %s.",
    "datetime min": "You need to enter a date and time on or after %s.",
    "datetime max": "You need to enter a date and time on or before %s.",
    "checkboxes required": "Check at least one option, or check \u201c%s\u201d",
    "checkbox minmaxlength": "Please select exactly %s.", "checkbox minlength one": "Please select one.",
    "checkbox minlength": "Please select at least %s.", "checkbox maxlength": "Please select no more than %s.",
}


class FieldError(ValueError):
    """An answer the browser or the server would refuse.

    ``message`` is docassemble's text, ``kind`` its validation type (``"required"``,
    ``"min"``, ``"date max"``...), ``detail`` an explanation when the answer is one no
    browser could send (an unknown choice, a value of the wrong Python type).
    """

    def __init__(self, message: str, kind: str | None = None, detail: str | None = None):
        super().__init__(message)
        self.message, self.kind, self.detail = message, kind, detail

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (type(self), (self.message, self.kind, self.detail))


def _fail(kind: str, params: tuple = (), messages: Mapping[str, str] | None = None,
          detail: str | None = None, default: str | None = None):
    """Raise docassemble's message for ``kind``, looked up as Field.validation_message does."""
    text = None
    if messages:
        text = messages.get(kind, messages.get(kind.rsplit(" ", 1)[-1]))
    text = text or MESSAGES[default or kind]
    if params and "{0}" in text:
        text = text.replace("{0}", str(params[0]))
    elif params:
        try:
            text = text % params
        except TypeError:
            pass
    raise FieldError(text, kind, detail)


# --- text -------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\Z")  # jQuery Validate's
_MARKUP = re.compile(r"<!--.*?-->|<(script|style|template)\b.*?(?:</\1\s*>|\Z)"
                     r"|</?[a-zA-Z][^\s/>]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|<[!?][^>]*>", re.S | re.I)


def _strip_tags(text: str) -> str:
    """The text of an HTML fragment: runs of text between markup, entities decoded, joined by
    newlines, as BeautifulSoup's ``get_text('\\n')`` gives it (script and style left out)."""
    if "<" not in text and "&" not in text:
        return text
    from html import unescape
    runs, start = [], 0
    for match in _MARKUP.finditer(text):
        runs.append(text[start:match.start()])
        start = match.end()
    runs.append(text[start:])
    runs = [run if run.strip() else "\n" if "\n" in run else " " for run in runs if run]  # as bs4 does
    return "\n".join(unescape(run) for run in runs)


def _js_length(text: str) -> int:
    """The length jQuery Validate counts: UTF-16 units, carriage returns left out."""
    return (len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2) - text.count("\r")


def _text(value, dt, required, minlength, maxlength, messages):
    if not isinstance(value, str):
        value = str(value)
    if dt == "email":
        value = value.strip()        # an <input type=email> strips its own value
        if required:
            minlength = None         # docassemble swaps a required e-mail's minlength for 1
    if minlength is not None and _js_length(value) < int(float(minlength)):
        _fail("minlength", (minlength,), messages)
    if maxlength is not None and _js_length(value) > int(float(maxlength)):
        _fail("maxlength", (maxlength,), messages)
    if dt == "email" and not _EMAIL.match(value):
        _fail("email", (), messages)
    if dt == "raw":
        return value
    return _strip_tags(value.strip()).replace("\\", "")


# --- numbers ----------------------------------------------------------------------------

_NUMERIC_JUNK = re.compile(r"[$,()]")                   # the .danumeric change handler
_CURRENCY_JUNK = re.compile(r"[^0-9.\-]")               # .dacurrency, when there is no '.'
_PARSE_FLOAT = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)")
_PATTERN = re.compile(r"[\-\d.]*\Z")                    # pattern="[\-\d.]*"
_JS_NUMBER = re.compile(r"(?:-?\d+|-?\d{1,3}(?:,\d{3})+)?(?:\.\d+)?\Z")
_DECIMALS = re.compile(r"(?:\.(\d+))?\Z")
_PLAIN_INT = re.compile(r"-?\d+\Z")


def _js_text(number) -> str:
    """A number as a person types it: ``5.0`` is ``"5"``, ``1e-07`` is ``"0.0000001"``."""
    if isinstance(number, float) and number.is_integer() and math.isfinite(number):
        return str(int(number))
    text = str(number)
    if "e" in text and math.isfinite(number):
        from decimal import Decimal
        text = format(Decimal(text), "f")
    return text


def _is_multiple(text: str, step) -> bool:
    """jQuery Validate's ``step`` rule: not too many decimals, and a whole number of steps."""
    decimals = len(_DECIMALS.search(str(step)).group(1) or "")
    if len(_DECIMALS.search(text).group(1) or "") > decimals:
        return False
    try:
        number, unit = float(text.strip() or 0), float(step)
    except ValueError:
        return False
    if not (math.isfinite(number) and unit):
        return False
    return round(number * 10 ** decimals) % round(unit * 10 ** decimals) == 0


def _clean_number(text: str, dt: str) -> str:
    """What the page's change handlers leave of a typed number."""
    if dt != "currency":
        return _NUMERIC_JUNK.sub("", text)
    if "." not in text:
        return _CURRENCY_JUNK.sub("", text)
    match = _PARSE_FLOAT.match(_NUMERIC_JUNK.sub("", text))
    return f"{float(match.group(0)):.2f}" if match else _NUMERIC_JUNK.sub("", text)


def _number(value, dt, required, minimum, maximum, step, messages):
    if value is None or isinstance(value, str):
        text = _clean_number(value or "", dt)
        if text == "":
            if required:
                _fail("required", (), messages)
            return 0 if dt == "integer" else 0.0
    elif isinstance(value, bool):
        _fail("number", (), messages, detail=f"{value!r} is not a number")
    else:
        try:
            text = _js_text(value if isinstance(value, (int, float)) else float(value))
        except (TypeError, ValueError):
            _fail("valid number", (), messages, detail=f"{value!r} is not a number")
    if step is not None and not _is_multiple(text, step):
        _fail("step", (step,), messages)
    if dt == "integer" and step is None and not (_PLAIN_INT.match(text) or _is_multiple(text, 1)):
        _fail("integer", (), messages)
    if not (_PATTERN.match(text) and _JS_NUMBER.match(text)):
        _fail("number", (), messages)
    number = float(text)
    if minimum is not None and number < float(minimum):
        _fail("min", (minimum,), messages)
    if maximum is not None and number > float(maximum):
        _fail("max", (maximum,), messages)
    if dt != "integer":
        return number
    try:
        return int(text)
    except ValueError:
        _fail("valid number", (), messages)


# --- dates and times --------------------------------------------------------------------

_ISO_DATETIME = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*\Z")
_ISO_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*\Z")
_ZONES: dict[str, Any] = {}


def _zone(timezone):
    if not isinstance(timezone, str):
        return timezone
    if timezone not in _ZONES:
        from zoneinfo import ZoneInfo
        _ZONES[timezone] = ZoneInfo(timezone)
    return _ZONES[timezone]


def _parse_when(value, kind: str):
    """A naive-or-aware datetime (a time for ``time``) from a value or a string, or None."""
    if isinstance(value, _dt.datetime):
        return value.time() if kind == "time" else value
    if isinstance(value, (_dt.date, _dt.time)):
        if isinstance(value, _dt.time) != (kind == "time"):
            return None
        return value if kind == "time" else _dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None
    try:
        if kind == "time" and (match := _ISO_TIME.match(value)):
            return _dt.time(*map(int, match.groups(default="0")))
        if kind != "time" and (match := _ISO_DATETIME.match(value)):
            parts = match.groups(default="0")
            return _dt.datetime(*map(int, parts[:6]), int(parts[6].ljust(6, "0")))
    except ValueError:
        return None
    from dateutil import parser
    try:
        parsed = parser.parse(value)
    except (ValueError, OverflowError):
        return None
    return parsed.time() if kind == "time" else parsed


def _format_limit(when, kind: str, locale: str) -> str:
    """A min/max as docassemble's message shows it: date medium, time short, datetime ISO-ish."""
    if kind == "datetime":
        return when.strftime("%Y-%m-%d %H:%M")
    from babel import dates
    if kind == "date":
        return dates.format_date(when, format="medium", locale=locale)
    return dates.format_time(when, format="short", locale=locale)


def _check_when_limits(parsed, kind, minimum, maximum, zone, messages, locale):
    """The browser's min/max rules for dates, times and datetimes; limits count to the minute."""
    def as_limit(limit):
        when = _parse_when(limit, kind)
        if when is None:
            raise ValueError(f"{limit!r} is not a valid {kind} limit")
        return when.astimezone(zone) if kind != "time" and when.tzinfo is not None else when

    low, high = (None if x is None else as_limit(x) for x in (minimum, maximum))
    key = (lambda w: w.date()) if kind == "date" else (lambda w: w.replace(second=0, microsecond=0, tzinfo=None))
    mine = parsed.date() if kind == "date" else parsed.replace(tzinfo=None)
    too_low = low is not None and mine < key(low)
    if too_low or (high is not None and mine > key(high)):
        shown = tuple(_format_limit(w, kind, locale) for w in (low, high) if w is not None)
        _fail(f"{kind} {'minmax' if len(shown) == 2 else 'min' if too_low else 'max'}", shown, messages)


def _when(value, dt, required, minimum, maximum, timezone, messages, locale):
    kind = "datetime" if dt == "datetime-local" else dt
    if value is None or value == "":
        if required:
            _fail("required", (), messages)
        return ""                    # what the server stores for an empty date
    zone = _zone(timezone)
    parsed = _parse_when(value, kind)
    if parsed is None:
        _fail(kind, (), messages, detail=None if isinstance(value, str) else f"{value!r} is not a {kind}")
    if kind != "time" and parsed.tzinfo is not None:
        parsed = parsed.astimezone(zone)
    if kind == "date":
        parsed = _dt.datetime(parsed.year, parsed.month, parsed.day)
    if minimum is not None or maximum is not None:
        _check_when_limits(parsed, kind, minimum, maximum, zone, messages, locale)
    if kind == "time":
        return parsed
    # on first use: the dates library loads babel and dateutil, which a text field does not need
    from ..library.dates import DADateTime  # noqa: PLC0415
    return DADateTime(parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute,
                      parsed.second, parsed.microsecond, tzinfo=zone)


# --- choices and yes/no -----------------------------------------------------------------

def _find_choice(value, choices):
    """The choice equal to ``value`` (same type), else the one whose ``str`` is equal."""
    for choice in choices:
        if choice is value or (type(choice) is type(value) and choice == value):
            return choice
    text = str(value)
    for choice in choices:
        if str(choice) == text:
            return choice
    raise FieldError(MESSAGES["valid value"], "valid value", f"{value!r} is not one of the choices {list(choices)!r}")


def _yesno(value, style, required, messages):
    negative, maybe = style in NEGATIVE, style in THREESTATE
    if isinstance(value, str) and value:
        if value not in ("True", "False", "None") or (value == "None" and not maybe):
            raise FieldError(MESSAGES["valid value"], "valid value",
                             f"{value!r} is not a yes/no answer: use True, False, 'True' or 'False'")
        if value == "None":
            return None
        value = value == "True"
    elif value is None and maybe:
        return None                  # the "I don't know" answer
    if value is None or value == "":
        if required:
            _fail("multiple choice required" if style in SELECT_ONE else "required", (), messages)
        return None if maybe or style in SELECT_ONE else negative  # unchecked box: False (noyes: True)
    if value is not True and value is not False:
        raise FieldError(MESSAGES["valid value"], "valid value", f"{value!r} is not a yes/no answer")
    if required and style in CHECKBOX_INPUTS and value is negative:
        _fail("required", (), messages)  # a required box left unchecked
    return value


def checkbox_value(datatype: str, checked: bool, input_type: str | None = None) -> bool:
    """The stored value of a yes/no checkbox in a state: ``checked``, or ``not checked`` for noyes."""
    style = input_type if datatype in ("boolean", "threestate") else datatype
    return (not checked) if style in NEGATIVE else bool(checked)


def convert(datatype: str | None, value: Any, *, required: bool | None = None, minimum=None,
            maximum=None, minlength=None, maxlength=None, step=None, choices: Iterable | None = None,
            input_type: str | None = None, none_of_the_above: bool | str = True,
            timezone: Any = "America/New_York", messages: Mapping[str, str] | None = None,
            locale: str = "en") -> Any:
    """The value docassemble stores for ``value`` answered to a ``datatype`` field.

    ``None`` and ``""`` mean left empty (for a ``yesnomaybe``, ``None`` is "I don't know").
    ``required=None`` means ``default_required``.  ``datatype=None`` is a ``field`` with
    buttons or choices and no datatype: the choice is kept as it is.  ``choices`` are the
    choice values, enforced except for combobox/datalist/ajax inputs; the value may equal
    a choice or its ``str``.  ``messages`` replaces messages by validation type.  Yes/no
    values are the stored values (a checked ``noyes`` box is ``False``, posted ``"False"``).
    Checkbox groups go to ``convert_checkboxes`` (``minlength``/``maxlength`` count boxes).
    """
    dt, input_type = (None, input_type) if datatype is None else normalize_datatype(datatype, input_type)
    if required is None:
        required = default_required(dt, input_type)
    if input_type == "hidden":
        required = False
    if dt in GROUPS:
        multiselect = dt.endswith("multiselect")
        checked = convert_checkboxes(
            value, list(choices or ()), none_of_the_above=none_of_the_above,
            minimum=minlength if minimum is None else minimum, maximum=maxlength if maximum is None else maximum,
            required=required, multiselect=multiselect, messages=messages)
        return [k for k, on in checked.items() if on] if dt.startswith("object") else checked
    if choices is not None and input_type not in FREE_INPUTS:
        if value is not None and value != "":
            value = _find_choice(value, choices)
        elif required:
            _fail("multiple choice required" if input_type in SELECT_ONE or input_type is None else "required",
                  (), messages)
    if dt is None:
        return "" if value is None else value
    if dt in YESNO:
        return _yesno(value, input_type if dt in ("boolean", "threestate") else dt, required, messages)
    if dt in NUMBERS:
        return _number(value, dt, required, minimum, maximum, step, messages)
    if dt in DATES:
        return _when(value, dt, required, minimum, maximum, timezone, messages, locale)
    objects = dt in FILES or dt.startswith("object")
    if value is None or value == "":
        if required:
            _fail("combobox required" if input_type == "combobox" else "file required" if dt in FILES
                  else "multiple choice required" if input_type in SELECT_ONE or dt == "object_radio"
                  else "required", (), messages)
        return None if objects else ""
    return value if objects else _text(value, dt, required, minlength, maxlength, messages)


# --- checkbox groups --------------------------------------------------------------------

class _Marker(str):
    """A checkbox answer that is not a choice: the "None/All of the above" boxes."""

    def __repr__(self) -> str:
        return self.upper().replace(" ", "_")


NONE_OF_THE_ABOVE, ALL_OF_THE_ABOVE = _Marker("None of the above"), _Marker("All of the above")
_BRACKET = re.compile(r"\[(?:([BRO])(?=['\"]))?(['\"]?)([^\[\]]*)\2\]\Z")
_INNER = re.compile(r"(?:([BRO])(?=['\"]))?(['\"]?)(.*)\2\Z", re.S)


def _bracket_choice(key: str, varname: str | None, choices):
    """``(choice,)`` for a check-in key like ``var['opt']``, ``var[2]``, ``var[B'b3B0']``; None if
    the key is not a checkbox key (of ``varname``)."""
    if varname is not None:
        if not (key.startswith(varname + "[") and key.endswith("]")):
            return None
        match = _INNER.match(key[len(varname) + 1:-1])
    else:
        match = _BRACKET.search(key)
    if match is None:
        return None
    code, quote, inner = match.groups()
    if code:                          # the B/R/O base64 keys of a real form post
        import base64
        inner = base64.b64decode(inner + "=" * (-len(inner) % 4)).decode("utf-8")
        quote = "" if code == "R" else quote
    for choice in choices:
        if (inner == str(choice) and isinstance(choice, str)) if quote else inner == repr(choice):
            return (choice,)
    for choice in choices:
        if inner == str(choice):
            return (choice,)
    raise FieldError(MESSAGES["valid value"], "valid value", f"{key!r} names none of the choices {list(choices)!r}")


def convert_checkboxes(value: Any, choice_values: list, *, none_of_the_above: bool | str = True,
                       minimum=None, maximum=None, required: bool = True, varname: str | None = None,
                       multiselect: bool = False, messages: Mapping[str, str] | None = None) -> dict:
    """Every choice value → whether its box is checked, after the browser's checkbox rules.

    ``value`` is one of: a list/set/tuple of the checked values; a dict ``{value: bool}``
    (or ``"True"``/``"False"``); the check-in mapping of SEMANTICS §8.3, with keys such as
    ``"var['opt']"`` or ``"var[2]"`` set to ``"True"`` (keys that are not checkbox keys are
    ignored; with ``varname``, only that variable's keys count).
    Checking "None of the above" is ``None``, or ``NONE_OF_THE_ABOVE`` (or the nota label)
    in the list, or an ``_ignore<N>`` key set to ``"True"``; an empty list means no box at
    all was checked, which a required field with a nota box refuses.  ``ALL_OF_THE_ABOVE``
    (or ``_ignore_aota<N>``) checks every box.  ``none_of_the_above`` may be the nota label.
    ``minimum``/``maximum`` are the field's ``minlength``/``maxlength``.
    """
    label = none_of_the_above if isinstance(none_of_the_above, str) else "None of the above"
    checked: set[int] = set()
    nota, everything = value is None, False
    if isinstance(value, Mapping):
        plain = varname is None and all(  # {value: bool}, unless keys look like var['opt']
            not str(k).endswith("]") or any(k == str(c) for c in choice_values) for k in value)
        for key, state in value.items():
            on = state is True or state == "True"
            if key is ALL_OF_THE_ABOVE or str(key).startswith("_ignore_aota"):
                everything |= on
            elif key is NONE_OF_THE_ABOVE or str(key).startswith("_ignore"):
                nota |= on
            elif plain and (not str(key).startswith("_") or any(key == c for c in choice_values)):
                if on:
                    checked.add(id(_find_choice(key, choice_values)))
            elif not plain and isinstance(key, str) and not key.startswith("_"):
                found = _bracket_choice(key, varname, choice_values)
                if found is not None and on:
                    checked.add(id(found[0]))
    elif value is not None:
        for item in [value] if isinstance(value, (str, bytes)) or not isinstance(value, Iterable) else value:
            if item is ALL_OF_THE_ABOVE:
                everything = True
            elif item is NONE_OF_THE_ABOVE or (item == label and all(item != c for c in choice_values)):
                nota = True
            else:
                checked.add(id(_find_choice(item, choice_values)))
    result = {c: everything or id(c) in checked for c in choice_values}
    count = sum(result.values())
    nota_box = bool(none_of_the_above) and not multiselect
    if minimum is not None and maximum is not None and int(minimum) == int(maximum) and int(minimum) > 0:
        if count != int(maximum):
            _fail("checkbox minmaxlength", (int(maximum),), messages)
        return result
    if minimum is not None:
        nota_box = nota_box and int(float(minimum)) <= 0  # docassemble drops the nota box
        if count + (nota and nota_box and not count) < int(float(minimum)):
            if minimum == 1:
                _fail("checkbox minlength", (), messages, default="checkbox minlength one")
            _fail("checkbox minlength", (minimum,), messages)
    if maximum is not None and count > int(float(maximum)):
        _fail("checkbox maxlength", (maximum,), messages)
    if nota_box and required and minimum is None and count == 0 and not nota:
        _fail("checkboxes required", (label,), messages)
    return result


# --- what a browser sends -----------------------------------------------------------------
