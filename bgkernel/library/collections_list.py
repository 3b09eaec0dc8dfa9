"""DAList: a list gathered item by item (ENGINE §7.3)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import DAError, DAIndexError
from .collections_set import DASet
from .gathering import _complex_getattr, _complex_hasattr, _Gatherer
from .objects import _INTERNAL_FILES, DAEmpty, DAObject, _gathers, _split_type, set_gathering_mode

__all__ = ["DAList"]

_INTERNAL_FILES.add(__file__)


class DAList(_Gatherer):
    """A list gathered by asking ``there_are_any``, the items and ``there_is_another``.

    ``ask_object_type=True``: each new item's class is asked as ``<list>.new_object_type``
    (a class, or ``Class.using(...)``) while the item stands as None."""

    def init(self, *pargs, **kwargs) -> None:
        self.ask_object_type = bool(kwargs.pop("ask_object_type", False))
        super().init(*pargs, **kwargs)

    def _new_elements(self) -> list:
        return []

    def _asks_type(self) -> bool:
        return bool(self.__dict__.get("ask_object_type"))

    def _new_type(self) -> tuple[Any, dict]:
        """``new_object_type`` (sought when undefined) as a class and its keywords."""
        cls, params = _split_type(self.new_object_type)
        if not isinstance(cls, type):
            raise DAError("new_object_type must be an object type")
        return cls, params

    def current_index(self) -> int:
        """The index of the last item (the one being gathered), 0 when there is none."""
        return max(len(self.elements) - 1, 0)

    def _gather_types(self, item_object_type, complete_attribute):
        if item_object_type is None and self._asks_type():
            return None, {}, (self.complete_attribute if complete_attribute is None
                              else complete_attribute)
        return super()._gather_types(item_object_type, complete_attribute)

    def _validate(self, object_type, complete_attribute) -> None:
        if self._asks_type():
            for index, item in enumerate(self.elements):
                if item is None:
                    cls, params = self._new_type()
                    self.elements[index] = cls(self._item_name(index), **params)
                attributes = self._complete_attributes(complete_attribute)
                if attributes:
                    for attribute in attributes:
                        _complex_getattr(self.elements[index], attribute)
                else:
                    str(self.elements[index])
            self.delattr("new_object_type")
        super()._validate(object_type, complete_attribute)

    def _add_elements(self, elements, set_instance_name: bool = False) -> None:
        self.append(*elements, set_instance_name=set_instance_name)

    def _children(self):
        return [*super()._children(), *(e for e in self.elements if isinstance(e, DAObject))]

    def _item_name(self, index) -> str:
        return f"{self.instanceName}[{index!r}]"

    item_name = _item_name

    # -- adding and removing --
    def appendObject(self, object_type=None, *pargs, **kwargs):
        """Append a new object named ``<list>[n]`` (of ``object_type`` or the list's type)."""
        cls, params = _split_type(object_type)
        if cls is None and self._asks_type():
            cls, params = self._new_type()
        elif cls is None:
            cls, params = self.object_type or DAObject, dict(self.object_type_parameters)
        item = cls(self._item_name(len(self.elements)), *pargs, **{**params, **kwargs})
        self.elements.append(item)
        self.there_are_any = True
        return item

    append_object = appendObject

    def append(self, *items, set_instance_name: bool = False) -> None:
        for item in items:
            if isinstance(item, DAObject) and (set_instance_name or not item.has_nonrandom_instance_name):
                item.fix_instance_name(item.instanceName, self._item_name(len(self.elements)))
            self.elements.append(item)
        if items:
            self.there_are_any = True

    def extend(self, items: Iterable) -> None:
        self.append(*items)

    def insert(self, index: int, item) -> None:
        self.elements.insert(index, item)
        self._reset_instance_names()
        self.there_are_any = True

    def pop(self, *pargs):
        if self.elements:
            self.hook_on_remove(self.elements[pargs[0] if pargs else -1])
        result = self.elements.pop(*pargs)
        self._after_removal()
        return result

    def remove(self, *items) -> None:
        for item in items:
            if item in self.elements:
                self.hook_on_remove(item)
                self.elements.remove(item)
        self._after_removal()

    def clear(self) -> None:
        """Empty the list; unlike pop() and remove(), ``there_are_any`` stays (a code block
        may clear a list, refill it and say there are some)."""
        self.elements = []
        self.delattr("_necessary_length")

    def _after_removal(self) -> None:
        self._reset_instance_names()
        self.delattr("_necessary_length")
        if not self.elements:
            self.there_are_any = False

    def _reset_instance_names(self) -> None:
        prefix = self.instanceName + "["
        for index, item in enumerate(self.elements):
            if isinstance(item, DAObject) and item.instanceName.startswith(prefix):
                old = prefix + item.instanceName[len(prefix):].split("]", 1)[0] + "]"
                item.fix_instance_name(old, self._item_name(index))

    # -- reading --
    def __getitem__(self, index):
        try:
            return self.elements[index]
        except IndexError:
            if self.auto_gather and "gathered" in self.__dict__ and not self.__dict__.get("_appending_allowed"):
                raise IndexError("list index out of range") from None
            if self.object_type is None and not self._asks_type():
                raise DAIndexError(f"name '{self._item_name(index)}' is not defined") from None
            self._fill_up_to(index)
            return self.elements[index]

    def __setitem__(self, index, value) -> None:
        if isinstance(index, int):
            self._fill_up_to(index)
            if isinstance(value, DAObject) and not value.has_nonrandom_instance_name:
                value.fix_instance_name(value.instanceName, self._item_name(index))
        self.elements[index] = value

    def __delitem__(self, index) -> None:
        self[index]  # noqa: B018 -- a missing item is sought first
        del self.elements[index]
        self._reset_instance_names()

    def _fill_up_to(self, index: int) -> None:
        if not isinstance(index, int):
            raise DAError(f"Cannot index {self.instanceName} with {index!r}")
        needed = (-index - len(self.elements)) if index < 0 else (index + 1 - len(self.elements))
        if needed > 10:
            raise DAError(f"Attempt to fill up {self.instanceName} with more than 10 items")
        for _ in range(max(needed, 0)):
            if self.object_type is None or self._asks_type():
                self.elements.append(None)
            else:
                self.appendObject()

    def __reversed__(self):
        self._trigger_gather()
        return reversed(self.elements)

    def index(self, *pargs):
        self._trigger_gather()
        return self.elements.index(*pargs)

    def sort(self, **kwargs) -> DAList:
        self._trigger_gather()
        self.elements = sorted(self.elements, **kwargs)
        self._reset_instance_names()
        return self

    def first(self):
        self._trigger_gather()
        return self[0]

    def last(self):
        self._trigger_gather()
        return self[len(self.elements) - 1]

    def item(self, index: int):
        """The item, or a blank DAEmpty when out of range."""
        self._trigger_gather()
        return self[index] if index < len(self.elements) else DAEmpty()

    def filter(self, *pargs, **kwargs) -> DAList:
        """A gathered copy holding the items whose attributes equal the keywords."""
        import copy
        self._trigger_gather()
        kept = [item for item in self.elements
                if all(getattr(item, key) == val for key, val in kwargs.items())]
        new = copy.copy(self)
        object.__setattr__(new, "instanceName", pargs[0] if pargs else self.instanceName)
        new.elements = kept
        new.gathered = True
        if not kept:
            new.there_are_any = False
        return new

    def __add__(self, other):
        """A new, gathered list of both lists' items (a plain list when ``other`` is one)."""
        if isinstance(other, DAEmpty):
            return self
        self._trigger_gather()
        if isinstance(other, DAList):
            other._trigger_gather()
            return DAList(elements=self.elements + other.elements, auto_gather=False)
        return self.elements + list(other)

    def __radd__(self, other):
        if isinstance(other, DAEmpty):
            return self
        self._trigger_gather()
        return list(other) + self.elements

    def union(self, other) -> Any:
        self._trigger_gather()
        return DASet(elements=set(self.elements) | set(other))

    def complete_elements(self, complete_attribute=None) -> DAList:
        """A gathered copy of the items that are complete now (asks nothing)."""
        attributes = self._complete_attributes(complete_attribute)
        items = type(self)(self.instanceName)
        for item in self.elements:
            if item is None:
                continue
            if attributes:
                if not all(_complex_hasattr(item, a) for a in attributes):
                    continue
            else:
                try:
                    str(item)
                except (NameError, AttributeError, IndexError):
                    continue
            items.elements.append(item)
        items.gathered = True
        return items

    # -- gathering (ENGINE §7.3) --
    def _add_one(self, object_type, params, complete_attribute) -> None:
        length = len(self.elements)
        if object_type is not None:
            self.appendObject(object_type, **params)
        self[length]  # noqa: B018 -- without an object type, asks `<list>[n]`
        self._validate(object_type, complete_attribute)

    @_gathers
    def gather(self, number=None, item_object_type=None, minimum=None, complete_attribute=None) -> bool:
        """Ask until the list is complete; idempotent under re-running.  Returns True."""
        if self._restart_if_emptied():
            return True
        item_object_type, params, complete_attribute = self._gather_types(item_object_type,
                                                                          complete_attribute)
        set_gathering_mode(True, self.instanceName)
        number, minimum = self._start(number, minimum)
        if number is None and not minimum and len(self.elements) == 0:
            minimum = 1 if self.there_are_any else 0
        self._validate(item_object_type, complete_attribute)
        if minimum is not None:
            while len(self.elements) < minimum:
                self._add_one(item_object_type, params, complete_attribute)
        necessary = self.__dict__.get("_necessary_length")
        if necessary is not None:
            if necessary <= len(self.elements):
                del self._necessary_length
            elif number is None or number < necessary:
                number = necessary
        if number is not None:
            while len(self.elements) < int(number):
                self._add_one(item_object_type, params, complete_attribute)
        elif minimum != 0:
            while self._another():
                self._drop_another()
                self._necessary_length = len(self.elements) + 1
                self._add_one(item_object_type, params, complete_attribute)
        self.delattr("_necessary_length")
        return self._finish()

    def gathered_and_complete(self) -> bool:
        """Re-check every item's completeness, then gather."""
        if "doing_gathered_and_complete" not in self.__dict__:
            self.doing_gathered_and_complete = True
            if self.complete_attribute == "complete":
                for item in self.elements:
                    if isinstance(item, DAObject):
                        item.delattr("complete")
            self.delattr("gathered")
        if self.auto_gather:
            self.gather()
        else:
            self.gathered  # noqa: B018
        self.delattr("doing_gathered_and_complete")
        return True
