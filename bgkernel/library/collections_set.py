"""DASet: a set gathered item by item (ENGINE §7.4)."""
from __future__ import annotations

from collections.abc import Iterable

from .gathering import _Gatherer
from .objects import _INTERNAL_FILES, DAObject, _gathers, set_gathering_mode

__all__ = ["DASet"]

_INTERNAL_FILES.add(__file__)


class DASet(_Gatherer):
    """A set gathered by asking ``new_item`` after ``there_are_any``/``there_is_another``."""

    def _members(self) -> list:
        return sorted(self.elements, key=str)

    def _new_elements(self) -> set:
        return set()

    def _add_elements(self, elements, set_instance_name: bool = False) -> None:
        self.add(elements)

    def _items(self) -> list:
        return sorted(map(str, self.elements))

    def add(self, *items) -> None:
        for item in items:
            if isinstance(item, Iterable) and not isinstance(item, (str, DAObject)):
                self.elements.update(item)
            else:
                self.elements.add(item)
        if self.elements:
            self.there_are_any = True

    def remove(self, *items) -> None:
        for item in items:
            if item in self.elements:
                self.hook_on_remove(item)
                self.elements.discard(item)
        if not self.elements:
            self.there_are_any = False

    discard = remove

    def union(self, other) -> DASet:
        self._trigger_gather()
        return DASet(elements=self.elements | _setify(other))

    def intersection(self, other) -> DASet:
        self._trigger_gather()
        return DASet(elements=self.elements & _setify(other))

    def difference(self, other) -> DASet:
        self._trigger_gather()
        return DASet(elements=self.elements - _setify(other))

    def isdisjoint(self, other) -> bool:
        self._trigger_gather()
        return self.elements.isdisjoint(_setify(other))

    def issubset(self, other) -> bool:
        self._trigger_gather()
        return self.elements.issubset(_setify(other))

    def issuperset(self, other) -> bool:
        self._trigger_gather()
        return self.elements.issuperset(_setify(other))

    @_gathers
    def gather(self, number=None, minimum=None) -> bool:
        if self._restart_if_emptied():
            return True
        if not self.auto_gather:
            return self.gathered
        set_gathering_mode(True, self.instanceName)
        self._validate(None, None)
        number, minimum = self._start(number, minimum)
        if number is None and not minimum:
            minimum = (1 if self.there_are_any else 0) if len(self.elements) == 0 else 1
        while ((number is not None and len(self.elements) < int(number))
               or (minimum is not None and len(self.elements) < int(minimum))
               or (not self.ask_number and minimum != 0 and self._another())):
            self.add(self.new_item)
            del self.new_item
            self._drop_another()
        return self._finish()


def _setify(other) -> set:
    """A set of ``other``'s items (a DASet, DAList or DADict gathers first)."""
    if isinstance(other, DAObject) and hasattr(other, "elements"):
        if hasattr(other, "_trigger_gather"):
            other._trigger_gather()
        return set(other.elements)
    return set(other)
