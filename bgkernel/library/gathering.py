"""The gathering machinery DAList, DADict and DASet share (ENGINE §7.3): gathering state,
its triggers, item object types, and the words every collection offers."""
from __future__ import annotations

from typing import Any

from .functions import comma_and_list, nice_number, url_action
from .grammar import GroupWords
from .objects import _INTERNAL_FILES, DAObject, _split_type, get_gathering_mode, set_gathering_mode
from .urls import button_link

_INTERNAL_FILES.add(__file__)


class _Gatherer(GroupWords, DAObject):
    """What DAList, DADict and DASet share: gathering state and its triggers.

    Keywords: ``elements`` (given items; the collection is then gathered), ``auto_gather``
    (True), ``ask_number`` (False), ``minimum_number`` (None), ``object_type`` (None: a
    class or ``Class.using(...)``), ``complete_attribute`` (None: a name or a list).
    """

    def init(self, *pargs, **kwargs) -> None:
        self.elements = self._new_elements()
        self.auto_gather = kwargs.pop("auto_gather", True)
        self.ask_number = kwargs.pop("ask_number", False)
        self.minimum_number = kwargs.pop("minimum_number", None)
        self.set_object_type(kwargs.pop("object_type", None))
        self.complete_attribute = kwargs.pop("complete_attribute", None)
        set_instance_name = kwargs.pop("set_instance_name", False)
        if "elements" in kwargs:
            self._add_elements(kwargs.pop("elements"), set_instance_name)
            self.there_are_any = len(self.elements) > 0
            self.gathered = True
            self.revisit = True
        super().init(*pargs, **kwargs)

    def _trigger_gather(self) -> None:
        if not get_gathering_mode(self.instanceName):
            if self.auto_gather:
                self.gather()
            else:
                self.gathered  # noqa: B018 -- asks `<name>.gathered`

    def set_object_type(self, object_type) -> None:
        self.object_type, self.object_type_parameters = _split_type(object_type)

    def _restart_if_emptied(self) -> bool:
        """gather() step 1: True when already gathered (restarts an emptied list)."""
        if getattr(self, "gathered", False):
            if self.auto_gather and len(self.elements) == 0 and getattr(self, "there_are_any", False):
                del self.gathered
            else:
                return True
        return False

    def _another(self) -> bool:
        return bool(self.there_is_another or getattr(self, "there_is_one_other", False))

    def _drop_another(self) -> None:
        if "there_is_one_other" in self.__dict__:
            del self.there_is_one_other
        else:
            self.delattr("there_is_another")

    def _gather_types(self, item_object_type, complete_attribute) -> tuple[Any, dict, Any]:
        """The item class, its keywords and the complete attribute a ``gather()`` uses."""
        if item_object_type is None:
            item_object_type, params = self.object_type, dict(self.object_type_parameters)
        else:
            item_object_type, params = _split_type(item_object_type)
        if complete_attribute is None:
            complete_attribute = self.complete_attribute
        return item_object_type, params, complete_attribute

    def _start(self, number, minimum):
        """Steps 2-3: the target number and the minimum (asks target_number/there_are_any)."""
        if number is None and self.ask_number:
            number = 0 if not getattr(self, "there_are_any", True) else int(self.target_number)
        if minimum is None:
            minimum = self.minimum_number
        return number, minimum

    def _finish(self) -> bool:
        self.hook_on_gather()
        if self.auto_gather:
            self.gathered = True
            self.revisit = True
        set_gathering_mode(False, self.instanceName)
        self.hook_after_gather()
        return True

    def _members(self) -> list:
        """The items in the order gathering completes them."""
        return list(self.elements)

    def _complete_attributes(self, complete_attribute=None) -> list[str]:
        if complete_attribute is None:
            complete_attribute = self.__dict__.get("complete_attribute")
        if complete_attribute is None:
            return []
        return [complete_attribute] if isinstance(complete_attribute, str) else list(complete_attribute)

    def _validate(self, object_type, complete_attribute) -> None:
        """Complete each item: read its complete attribute(s), else ``str()`` it."""
        attributes = self._complete_attributes(complete_attribute)
        for item in self._members():
            if object_type is not None and attributes:
                for attribute in attributes:
                    _complex_getattr(item, attribute)
            else:
                str(item)

    def _target_or_actual(self) -> int:
        if getattr(self, "gathered", False):
            return len(self.elements)
        if not getattr(self, "there_are_any", True):
            return 0
        return int(self.target_number)

    def hook_on_gather(self) -> None:
        """Runs at the end of gathering, before ``gathered`` is set."""

    def hook_after_gather(self) -> None:
        """Runs after ``gathered`` is set."""

    def hook_on_remove(self, item) -> None:
        """Runs when an item is removed."""

    def gathering_started(self) -> bool:
        return "gathered" in self.__dict__ or "there_are_any" in self.__dict__ or len(self.elements) > 0

    def number_gathered(self, if_started: bool = False) -> int:
        """How many items there are now, without gathering."""
        if if_started and not self.gathering_started():
            self._trigger_gather()
        return len(self.elements)

    def reset_gathered(self, recursive: bool = False, only_if_empty: bool = False) -> None:
        """Forget that gathering finished, so it runs (and asks) again."""
        if only_if_empty and len(self.elements) > 0:
            return
        if len(self.elements) == 0:
            self.delattr("there_are_any")
        self.delattr("there_is_another", "there_is_one_other", "gathered", "revisit")
        if recursive:
            for child in self._children():
                if isinstance(child, _Gatherer):
                    child.reset_gathered(recursive=True)

    def number(self) -> int:
        if self.ask_number:
            return self._target_or_actual()
        self._trigger_gather()
        return len(self.elements)

    def number_as_word(self, capitalize: bool = False) -> str:
        return nice_number(self.number(), capitalize_it=capitalize)

    def comma_and_list(self, **kwargs) -> str:
        self._trigger_gather()
        return comma_and_list(self._items(), **kwargs)

    def add_action(self, label: str | None = None, message: str | None = None,
                   url_only: bool = False, icon: Any = "plus-circle", color: str | None = None,
                   size: str = "sm", block: bool | None = None, classname: str | None = None) -> str:
        """A button (or with ``url_only`` its URL) running the action that adds an item."""
        kind = "dict" if isinstance(self.elements, dict) else "list"
        url = url_action(f"_da_{kind}_add", **{kind: self.instanceName})
        if url_only:
            return url
        text = label or message or ("Add another" if self.elements else "Add an item")
        return button_link(url, str(text), icon=icon, color=color or "secondary", size=size,
                           block=bool(block), classname=classname)

    def _items(self) -> list:
        return list(self.elements)

    def __len__(self) -> int:
        if self.ask_number:
            return self._target_or_actual()
        self._trigger_gather()
        return len(self.elements)

    def __contains__(self, item) -> bool:
        self._trigger_gather()
        return item in self.elements

    def __iter__(self):
        self._trigger_gather()
        return iter(self.elements)

    def __str__(self) -> str:
        return self.comma_and_list()

    def __repr__(self) -> str:
        self._trigger_gather()
        return repr(self.elements)

    def __eq__(self, other) -> bool:
        self._trigger_gather()
        return self.elements == (other.elements if isinstance(other, _Gatherer) else other)

    __hash__ = DAObject.__hash__


def _complex_getattr(obj, dotted: str):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _complex_hasattr(obj, dotted: str) -> bool:
    try:
        _complex_getattr(obj, dotted)
    except (AttributeError, NameError, IndexError):
        return False
    return True
