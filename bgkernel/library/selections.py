"""``selections``: objects offered as the choices of a ``checkboxes`` or ``radio`` field (each
choice keyed by the object's encoded name, as docassemble's ``object_checkboxes`` expect)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable

from .collections_list import DAList
from .collections_set import DASet
from .encoding import encode_name
from .objects import DAObject

__all__ = ["selections"]


def _collected(value: Any, into: set) -> None:
    if isinstance(value, (DAList, DASet)):
        value._trigger_gather()
        into.update(value.elements)
    elif isinstance(value, (list, set, tuple)):
        into.update(value)
    else:
        into.add(value)


def _items(arg: Any) -> list:
    if isinstance(arg, (DAList, DASet)):
        arg._trigger_gather()
        return list(arg.elements)
    if isinstance(arg, Iterable) and not isinstance(arg, str):
        return list(arg)
    return [arg]


def selections(*pargs: Any, **kwargs: Any) -> list[dict]:
    """One choice per object in the arguments (lists and sets are opened), in order, once
    each, less ``exclude``; ``default`` ones are checked; ``object_labeler``,
    ``help_generator`` and ``image_generator`` make the label, help and image."""
    label: Callable[[Any], str] = (lambda o: str(kwargs["object_labeler"](o))) \
        if "object_labeler" in kwargs else str
    helper, imager = kwargs.get("help_generator"), kwargs.get("image_generator")
    excluded: set = set()
    if "exclude" in kwargs:
        _collected(kwargs["exclude"], excluded)
    defaults: set = set()
    if "default" in kwargs:
        _collected(kwargs["default"], defaults)
        defaults.discard(None)
    out: list[dict] = []
    seen: set = set()
    for arg in pargs:
        for item in _items(arg):
            if not isinstance(item, DAObject) or item in excluded or item in seen:
                continue
            choice = {encode_name(item.instanceName): label(item), "default": item in defaults}
            if helper is not None and (text := helper(item)) is not None:
                choice["help"] = str(text)
            if imager is not None and (image := imager(item)) is not None:
                choice["image"] = str(image)
            out.append(choice)
            seen.add(item)
    return out
