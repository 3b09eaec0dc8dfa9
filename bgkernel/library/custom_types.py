"""Custom datatypes: a module defines ``class Phone(CustomDataType): name = 'phone'`` and a
field may then say ``datatype: phone``.

Defining the subclass registers it under its ``name`` (letters, digits, ``-`` and ``_``).
When a page is sent, the field's text goes through ``validate`` (False gives "You need to
enter a valid value.", a ``DAValidationError`` its own message) and then ``transform``,
whose result is stored; a field left empty stores ``empty()``, or nothing at all when
``skip_if_empty`` is set (the default).  ``validate`` and ``transform`` may take one, two or
three arguments: the text, the variable's name, and the field's data (``min``, ``max`` ...
and the field's own ``parameters``, keys of the field that the type declares).  A subclass
inherits its parent's settings.  What runs in the browser (``javascript``, ``jq_rule``) is
kept as data.
"""
from __future__ import annotations

import inspect
import re
from typing import Any

__all__ = ["CustomDataType", "CUSTOM_TYPES", "custom_type"]

CUSTOM_TYPES: dict[str, type] = {}
_NAME = re.compile(r"[A-Za-z0-9_\-]+\Z")


class _Registering(type):
    """Registers each subclass that names itself (``name = '...'``)."""

    def __init__(cls, name: str, bases: tuple, namespace: dict):
        super().__init__(name, bases, namespace)
        own = namespace.get("name")
        if bases and isinstance(own, str) and _NAME.match(own):
            CUSTOM_TYPES[own] = cls


class CustomDataType(metaclass=_Registering):
    """The base of custom datatypes; its class attributes are the defaults."""

    container_class = None
    input_class = None
    input_type = "text"
    javascript = None
    jq_rule = None
    jq_message = None
    parameters: list = []
    code_parameters: list = []
    mako_parameters: list = []
    skip_if_empty = True
    is_object = False
    include_variable_name = False

    @classmethod
    def validate(cls, item: Any) -> bool:
        return True

    @classmethod
    def transform(cls, item: Any) -> Any:
        return item

    @classmethod
    def default_for(cls, item: Any) -> str:
        return str(item)

    @classmethod
    def empty(cls) -> Any:
        return None

    @classmethod
    def call_validate(cls, item: Any, variable_name: str, data: dict) -> Any:
        return _call(cls.validate, item, variable_name, data)

    @classmethod
    def call_transform(cls, item: Any, variable_name: str, data: dict) -> Any:
        return _call(cls.transform, item, variable_name, data)

    @classmethod
    def call_default_for(cls, item: Any, variable_name: str, data: dict) -> Any:
        return _call(cls.default_for, item, variable_name, data)

    @classmethod
    def all_parameters(cls) -> set[str]:
        """The field keys this type declares (plain, code and Mako parameters)."""
        return {*cls.parameters, *cls.code_parameters, *cls.mako_parameters}


def _call(method: Any, item: Any, variable_name: str, data: dict) -> Any:
    """``method`` with as many of (item, variable name, field data) as it takes."""
    try:
        count = len(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        count = 1
    return method(*(item, variable_name, data)[:max(1, min(count, 3))])


def custom_type(datatype: str | None) -> type | None:
    """The custom datatype registered under ``datatype``, if any."""
    return CUSTOM_TYPES.get(datatype) if datatype else None
