"""Field datatype names as the YAML gives them: docassemble's aliases, the families of
datatypes (yes/no, numbers, dates, files, checkbox groups), and which fields are required
when the YAML says nothing (ENGINE §4.5, §5.2)."""
from __future__ import annotations

__all__ = ["normalize_datatype", "default_required", "INPUT_ALIASES", "YESNO", "CHECKBOX_INPUTS",
           "NEGATIVE", "THREESTATE", "FREE_INPUTS", "SELECT_ONE", "NUMBERS", "DATES", "FILES",
           "GROUPS", "is_standard"]

INPUT_ALIASES = {"radio": "radio", "combobox": "combobox", "datalist": "datalist", "pulldown": "dropdown",
                  "dropdown": "dropdown", "ajax": "ajax", "area": "area", "hidden": "hidden"}
YESNO = frozenset(("yesno", "yesnowide", "yesnoradio", "noyes", "noyeswide", "noyesradio",
                    "yesnomaybe", "noyesmaybe", "boolean", "threestate"))
CHECKBOX_INPUTS = frozenset(("yesno", "yesnowide", "noyes", "noyeswide"))
NEGATIVE = frozenset(("noyes", "noyeswide", "noyesradio", "noyesmaybe"))
THREESTATE = frozenset(("yesnomaybe", "noyesmaybe", "threestate"))
FREE_INPUTS = frozenset(("combobox", "datalist", "ajax"))
SELECT_ONE = frozenset(("radio", "dropdown", "buttons", "yesnoradio", "noyesradio", "ajax"))
NUMBERS = frozenset(("integer", "number", "float", "currency", "range"))
DATES = frozenset(("date", "datetime", "datetime-local", "time"))
FILES = frozenset(("file", "files", "camera", "user", "environment", "camcorder", "microphone"))
GROUPS = frozenset(("checkboxes", "multiselect", "object_checkboxes", "object_multiselect"))

# every datatype docassemble itself knows; any other names a custom datatype (CustomDataType)
_STANDARD = frozenset(("text", "area", "password", "email", "hidden", "raw", "ml", "mlarea",
                       "object", "object_radio", "radio", "combobox", "datalist", "pulldown",
                       "dropdown", "ajax", "buttons", "signature"))


def is_standard(datatype: str | None) -> bool:
    """Whether docassemble knows ``datatype`` itself (else a custom datatype names it)."""
    return (datatype is None or datatype in _STANDARD or datatype in YESNO or datatype in NUMBERS
            or datatype in DATES or datatype in FILES or datatype in GROUPS)


def normalize_datatype(datatype: str | None, input_type: str | None = None) -> tuple[str, str | None]:
    """``(datatype, input type)`` after docassemble's aliases (ENGINE §4.5, parse.py).

    ``radio``, ``combobox``, ``datalist``, ``dropdown``, ``ajax`` (``pulldown`` is
    ``dropdown``), ``area`` and ``hidden`` are input types over ``text``; ``mlarea`` is ``ml``
    in an ``area``; no datatype is ``text``.  The yes/no family (``yesno``, ``noyeswide``,
    ``yesnoradio``, ``yesnomaybe``...) keeps its name; docassemble's own spelling, ``boolean``
    or ``threestate`` with the name as input type, is accepted everywhere too.
    """
    if input_type == "pulldown":
        input_type = "dropdown"
    if datatype is None:
        return "text", input_type
    alias = INPUT_ALIASES.get(datatype)
    if alias is not None:
        return "text", alias
    if datatype == "mlarea":
        return "ml", "area"
    return datatype, input_type


def default_required(datatype: str | None, input_type: str | None = None) -> bool:
    """Whether a field is required when the YAML says nothing (ENGINE §5.2): all are,
    except yes/no checkboxes (``yesno``, ``noyes``, ``yesnowide``, ``noyeswide``) and ``range``."""
    return not (datatype in CHECKBOX_INPUTS or datatype == "range"
                or (datatype == "boolean" and input_type in CHECKBOX_INPUTS))
