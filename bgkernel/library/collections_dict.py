"""DADict, DAOrderedDict and DASet: gathered by key (ENGINE §7.4)."""
from __future__ import annotations

from collections.abc import Iterable

from ..errors import DAIndexError
from .collections_list import DAList
from .gathering import _Gatherer
from .objects import _INTERNAL_FILES, DAEmpty, DAObject, _gathers, _split_type, set_gathering_mode

__all__ = ["DADict", "DAOrderedDict"]

_INTERNAL_FILES.add(__file__)


class DADict(_Gatherer):
    """A dict gathered by asking ``new_item_name`` (and the value) per new key (§7.4)."""

    def _new_item_init_callback(self) -> None:
        """Runs when gathering made the item ``new_item_name`` (subclasses fill it in)."""

    def _new_elements(self) -> dict:
        return {}

    def init(self, *pargs, **kwargs) -> None:
        keys = kwargs.pop("keys", None)
        super().init(*pargs, **kwargs)
        if keys is not None:
            self.new(*keys)

    def _add_elements(self, elements, set_instance_name: bool = False) -> None:
        for key, value in dict(elements).items():
            self[key] = value

    def _children(self):
        return [*super()._children(), *(v for v in self.elements.values() if isinstance(v, DAObject))]

    def _item_name(self, key) -> str:
        return f"{self.instanceName}[{key!r}]"

    item_name = _item_name

    def _sorted_keys(self) -> list:
        try:
            return sorted(self.elements)
        except TypeError:
            return list(self.elements)

    def _items(self) -> list:
        return self._sorted_keys()

    # -- adding --
    def initializeObject(self, key, object_type=None, *pargs, **kwargs):
        cls, params = _split_type(object_type)
        if cls is None:
            cls, params = self.object_type or DAObject, dict(self.object_type_parameters)
        item = cls(self._item_name(key), *pargs, **{**params, **kwargs})
        self.elements[key] = item
        self.there_are_any = True
        return item

    initialize_object = initializeObject

    def new(self, *keys, **kwargs) -> None:
        """Create an object (of ``object_type`` or DAObject) for each key not present."""
        for key in keys:
            if isinstance(key, Iterable) and not isinstance(key, str):
                self.new(*key, **kwargs)
            elif key not in self.elements:
                self.initializeObject(key, None, **kwargs)

    # -- dict API --
    def __getitem__(self, key):
        if key not in self.elements:
            if self.object_type is None:
                raise DAIndexError(f"name '{self._item_name(key)}' is not defined")
            return self.initializeObject(key)
        return self.elements[key]

    def __setitem__(self, key, value) -> None:
        if isinstance(value, DAObject) and not value.has_nonrandom_instance_name:
            value.fix_instance_name(value.instanceName, self._item_name(key))
        self.elements[key] = value

    def __delitem__(self, key) -> None:
        self[key]  # noqa: B018
        del self.elements[key]

    def keys(self) -> list:
        self._trigger_gather()
        return self._sorted_keys()

    def values(self):
        self._trigger_gather()
        return self.elements.values()

    def items(self):
        self._trigger_gather()
        return self.elements.items()

    def _sorted_items(self) -> list:
        return [(key, self.elements[key]) for key in self._sorted_keys()]

    def item(self, key):
        """The value, or a blank DAEmpty when the key is absent."""
        self._trigger_gather()
        return self.elements[key] if key in self.elements else DAEmpty()

    def get(self, key, default=None):
        return self.elements.get(key, default)

    def update(self, *pargs, **kwargs) -> None:
        if pargs and isinstance(pargs[0], DADict):
            pargs = (pargs[0].elements, *pargs[1:])
        self.elements.update(*pargs, **kwargs)

    def pop(self, key, *default):
        if key in self.elements:
            self.hook_on_remove(self.elements[key])
        result = self.elements.pop(key, *default)
        if not self.elements:
            self.there_are_any = False
        return result

    def clear(self) -> None:
        self.elements.clear()
        self.there_are_any = False

    def true_values(self) -> DAList:
        return DAList(f"{self.instanceName}.true_values", elements=[k for k, v in self._sorted_items() if v])

    def false_values(self) -> DAList:
        return DAList(f"{self.instanceName}.false_values", elements=[k for k, v in self._sorted_items() if not v])

    def _flatten(self, pargs) -> list:
        keys = []
        for parg in pargs:
            keys.extend(parg if isinstance(parg, Iterable) and not isinstance(parg, str) else [parg])
        return keys

    def all_true(self, *pargs, exclusive: bool = False) -> bool:
        """All values true (or, given keys, those keys true; ``exclusive``: only those)."""
        return self._all(self._flatten(pargs), True, exclusive)

    def all_false(self, *pargs, exclusive: bool = False) -> bool:
        return self._all(self._flatten(pargs), False, exclusive)

    def any_true(self, *pargs, **kwargs) -> bool:
        return not self.all_false(*pargs, **kwargs)

    def any_false(self, *pargs, **kwargs) -> bool:
        return not self.all_true(*pargs, **kwargs)

    def _all(self, keys: list, wanted: bool, exclusive: bool) -> bool:
        if any(key not in self.elements for key in keys):
            return False
        for key, value in self._sorted_items():
            if not keys or key in keys:
                if bool(value) != wanted:
                    return False
            elif exclusive and bool(value) == wanted:
                return False
        self._trigger_gather()
        return True

    def _members(self) -> list:
        return [self.elements[key] for key in self._sorted_keys()]

    # -- gathering (ENGINE §7.4) --
    @_gathers
    def gather(self, item_object_type=None, number=None, minimum=None, complete_attribute=None) -> bool:
        """Ask until the dict is complete; idempotent under re-running.  Returns True."""
        if self._restart_if_emptied():
            return True
        if not self.auto_gather:
            return self.gathered
        item_object_type, params, complete_attribute = self._gather_types(item_object_type,
                                                                          complete_attribute)
        set_gathering_mode(True, self.instanceName)
        self._validate(item_object_type, complete_attribute)
        number, minimum = self._start(number, minimum)
        if number is None and not minimum:
            minimum = (1 if self.there_are_any else 0) if len(self.elements) == 0 else 1
        if item_object_type is None and self.__dict__.get("new_item_name", object()) in self.elements:
            self.delattr("new_item_name")
            self._drop_another()

        def more() -> bool:
            if number is not None and len(self.elements) < int(number):
                return True
            if minimum is not None and len(self.elements) < int(minimum):
                return True
            return not self.ask_number and minimum != 0 and self._another()

        while more():
            if item_object_type is not None:
                self.initializeObject(self.new_item_name, item_object_type, **params)
                self._new_item_init_callback()
                self._drop_another()
                self.delattr("new_item_name", "new_item_value")
                self._validate(item_object_type, complete_attribute)
            elif "new_item_value" in self.__dict__:
                self[self.new_item_name] = self.new_item_value
                self.delattr("new_item_name", "new_item_value")
                self._drop_another()
            else:
                self[self.new_item_name]  # noqa: B018 -- asks d['key']
                self.delattr("new_item_name")
                self._drop_another()
                break
            self._drop_another()
        self._validate(item_object_type, complete_attribute)
        return self._finish()


class DAOrderedDict(DADict):
    """A DADict whose keys() keep insertion order."""

    def _sorted_keys(self) -> list:
        return list(self.elements)
