"""``use objects:`` on a ``data`` or ``data from code`` block: the structure as objects.

``use objects: objects`` builds objects that the data describes: a dict with ``object``
(a class name, found among the interview library or in ``module``) and ``item`` (its
keywords) or ``items`` (a list of them) becomes that object (a list of them); other lists
and dicts become DALists and DADicts.  Any other true ``use objects`` turns every dict
into a DADict and every list into a DAList.  Either way the result is named after the
block's variable, all the way down, and its collections are gathered.
"""
from __future__ import annotations

import importlib
from typing import Any

from ..errors import DAError
from . import catalog as library
from .collections_dict import DADict
from .collections_list import DAList
from .collections_set import DASet
from .objects import DAObject

__all__ = ["objects_from_data", "objects_from_structure", "describes_object", "name_tree", "ungather"]

_SCALARS = (str, bool, int, float, type(None))


def describes_object(value: Any) -> bool:
    """A dict with ``object`` and ``item``/``items``: its ``object`` and ``module`` are names,
    not expressions (in ``data from code``)."""
    return isinstance(value, dict) and "object" in value and ("item" in value or "items" in value)


def objects_from_data(value: Any, name: str, gathered: bool = True) -> Any:
    """``use objects: objects``."""
    built = _build(value)
    if isinstance(built, list):
        built = DAList(name, elements=built)
    name_tree(built, name)
    if not gathered:
        ungather(built)
    return built


def objects_from_structure(value: Any, name: str, gathered: bool = True) -> Any:
    """``use objects: True``: dicts as DADicts, lists as DALists."""
    built = _structure(value)
    name_tree(built, name)
    if not gathered:
        ungather(built)
    return built


def _structure(value: Any) -> Any:
    if isinstance(value, dict):
        return DADict("_data", elements={k: _structure(v) for k, v in value.items()},
                      gathered=True)
    if isinstance(value, list):
        return DAList("_data", elements=[_structure(v) for v in value])
    if isinstance(value, _SCALARS):
        return value
    raise DAError(f"use objects: expected a standard type, but found a {type(value).__name__}")


def _build(value: Any) -> Any:
    if isinstance(value, _SCALARS) or isinstance(value, DAObject):
        return value
    if isinstance(value, list):
        return DAList("_data", elements=[_build(v) for v in value])
    if isinstance(value, set):
        return DASet("_data", elements={_build(v) for v in value})
    if not isinstance(value, dict):
        return value
    if describes_object(value):
        make = _constructor(value)
        if "items" in value:
            return DAList("_data", elements=[make("_data", **_keywords(item))
                                             for item in value["items"]])
        return make("_data", **_keywords(value["item"]))
    return DADict("_data", elements={k: _build(v) for k, v in value.items()}, gathered=True)


def _keywords(item: Any) -> dict:
    if not isinstance(item, dict):
        raise DAError(f"use objects: an item must be a dictionary, not {item!r}")
    return {str(k): _build(v) for k, v in item.items()}


def _constructor(value: dict) -> Any:
    name = str(value["object"])
    found = library.names().get(name)
    if found is None and value.get("module"):
        try:
            found = getattr(importlib.import_module(str(value["module"])), name, None)
        except ImportError as err:
            raise DAError(f"use objects: cannot import {value['module']}: {err}") from err
    if not isinstance(found, type):
        raise DAError(f"use objects: found an object for which the object declaration, {name}, "
                      "could not be found")
    return found


def name_tree(obj: Any, name: str, seen: set[int] | None = None) -> None:
    """``name`` for ``obj``, ``name[0]``/``name['k']``/``name.attr`` for what it holds."""
    seen = set() if seen is None else seen
    if not isinstance(obj, DAObject) or id(obj) in seen:
        return
    seen.add(id(obj))
    object.__setattr__(obj, "instanceName", name)
    object.__setattr__(obj, "has_nonrandom_instance_name", True)
    elements = obj.__dict__.get("elements")
    if isinstance(elements, list):
        for index, item in enumerate(elements):
            name_tree(item, f"{name}[{index}]", seen)
    elif isinstance(elements, dict):
        for key, item in elements.items():
            name_tree(item, f"{name}[{key!r}]", seen)
    for attr, item in list(obj.__dict__.items()):
        if attr != "elements":
            name_tree(item, f"{name}.{attr}", seen)


def ungather(obj: Any) -> None:
    if isinstance(obj, (DAList, DADict, DASet)):
        obj.reset_gathered(recursive=True)
