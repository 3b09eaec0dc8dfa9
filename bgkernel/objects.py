"""docassemble's interview objects: DAObject, the gathering collections, people, templates.

Interview code runs as ``exec(code, namespace)``.  Reading a missing attribute or item of
these objects raises an exception whose text is ``name 'VARNAME' is not defined``
(``client.name.first``, ``people[0]``, ``d['key']``); the engine recovers VARNAME with
:func:`bgkernel.errors.missing_name`, runs the block that defines it, then runs the code
again from the top.  Every method here is therefore idempotent under re-running.

Gathering mode (ENGINE §7.3) lives in the running :class:`~bgkernel.context.RunContext`.
A collection is in gathering mode while its ``gather()`` runs, and, after ``gather()``
stopped on an undefined name, for as long as the engine seeks that name (it is on
``ctx.seeking``): the question asking ``people.there_is_another`` may print ``${ people }``
without gathering again, yet the next pass of the engine's loop gathers as usual.  The
engine needs to call nothing; :func:`reset_gathering_mode` clears it all.

The file objects (``DAFile``, ``DAFileList``, ``DAFileCollection``, ``DAStaticFile``) live
in :mod:`bgkernel.files` and are importable from here too.
"""
from __future__ import annotations

import dis
import functools
import re
import secrets
import string
import sys
from decimal import Decimal
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from .context import current
from .errors import DAAttributeError, DAError, DAIndexError, missing_name
from .functions import comma_and_list, nice_number
from .grammar import GroupWords, IndividualWords, ObjectWords, PersonWords

__all__ = [
    "DAObject", "DAObjectPlusParameters", "DAEmpty", "DAList", "DADict", "DAOrderedDict",
    "DASet", "Name", "IndividualName", "Person", "Individual", "Address", "Thing",
    "DALazyTemplate", "DAFile", "DAFileList", "DAFileCollection", "DAStaticFile", "Value",
    "PeriodicValue", "DALink",
]
# The names interview code sees (bgkernel.library installs __all__).  Also public, for the
# engine: reset_gathering_mode, get_gathering_mode, set_gathering_mode.

# Frames in these files are skipped when guessing an instance name (files.py adds itself).
_INTERNAL_FILES = {__file__}


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth")


# --- gathering mode -------------------------------------------------------------------

def _gathering() -> dict:
    return current().extra.setdefault("gathering_mode", {})


def set_gathering_mode(on: bool, instance_name: str) -> None:
    """Start (or end) gathering mode for the collection called ``instance_name``."""
    if on:
        _gathering()[instance_name] = None
    else:
        _gathering().pop(instance_name, None)


def get_gathering_mode(instance_name: str) -> bool:
    """True while gathering, or while the name its gathering stopped on is being sought."""
    registry = _gathering()
    if instance_name not in registry:
        return False
    waiting_for = registry[instance_name]
    if waiting_for is None or waiting_for in current().seeking:
        return True
    del registry[instance_name]
    return False


def reset_gathering_mode() -> None:
    registry = _gathering()
    registry.clear()


def _gathers(method: Callable) -> Callable:
    """Wrap ``gather()``: when it stops on an undefined name, remember that name."""

    @functools.wraps(method)
    def gather(self, *pargs, **kwargs):
        registry, name = _gathering(), self.instanceName
        if name in registry and registry[name] is None:      # re-entered while gathering
            return method(self, *pargs, **kwargs)
        try:
            return method(self, *pargs, **kwargs)
        except BaseException as exc:
            waiting_for = missing_name(exc) if isinstance(exc, Exception) else None
            if waiting_for is not None and name in registry:
                registry[name] = waiting_for
            else:
                registry.pop(name, None)
            raise
    return gather


# --- instance names -------------------------------------------------------------------

_LOADS = {"LOAD_NAME", "LOAD_GLOBAL", "LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE"}
_STORES = {"STORE_NAME", "STORE_GLOBAL", "STORE_FAST", "STORE_DEREF"}


def _lookup(frame, name: str) -> Any:
    for scope in (frame.f_locals, frame.f_globals, frame.f_builtins):
        if name in scope:
            return scope[name]
    raise KeyError(name)


def _assignment_target(frame) -> str | None:
    """The target of the assignment the frame is about to make (``a``, ``a.b``, ``a[0]``)."""
    stack: list[tuple[str, Any]] = []   # (source text, value when known)
    for ins in dis.get_instructions(frame.f_code):
        if ins.offset <= frame.f_lasti or ins.opname in ("CACHE", "EXTENDED_ARG", "NOP"):
            continue
        op, arg = ins.opname, ins.argval
        if op in _STORES:
            return arg if not stack else None
        if op == "COPY" and not stack:      # a = b = X()
            continue
        if op in _LOADS:
            try:
                stack.append((arg, _lookup(frame, arg)))
            except KeyError:
                stack.append((arg, None))
        elif op == "LOAD_CONST":
            stack.append((repr(arg), arg))
        elif op == "LOAD_ATTR" and stack:
            stack[-1] = (f"{stack[-1][0]}.{arg}", None)
        elif op == "BINARY_SUBSCR" and len(stack) >= 2:
            index = stack.pop()[1]
            stack[-1] = (f"{stack[-1][0]}[{index!r}]", None)
        elif op == "STORE_ATTR" and len(stack) == 1:
            return f"{stack[0][0]}.{arg}"
        elif op == "STORE_SUBSCR" and len(stack) == 2 and isinstance(stack[1][1], (int, str)):
            return f"{stack[0][0]}[{stack[1][1]!r}]"
        else:
            return None
    return None


def _guess_instance_name(obj: Any) -> str | None:
    frame = sys._getframe(2)
    while frame is not None and (frame.f_code.co_filename in _INTERNAL_FILES
                                 or frame.f_locals.get("self") is obj):
        frame = frame.f_back
    if frame is None:
        return None
    try:
        return _assignment_target(frame)
    finally:
        del frame


def _random_name() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


def _rename(name: str, old: str, new: str) -> str | None:
    if name == old or name.startswith((old + ".", old + "[")):
        return new + name[len(old):]
    return None


# --- DAObject -------------------------------------------------------------------------

class DAObjectPlusParameters:
    """``Class.using(**kw)``: a class bundled with keyword arguments, callable like it.

    ``object_type`` is the class and ``parameters`` the keywords; calling the bundle
    builds ``object_type(*args, **parameters, **kw)``.
    """

    def __init__(self, object_type: type, parameters: dict):
        self.object_type = object_type
        self.parameters = dict(parameters)

    def __call__(self, *args, **kwargs):
        return self.object_type(*args, **{**self.parameters, **kwargs})

    def using(self, **kwargs) -> DAObjectPlusParameters:
        return DAObjectPlusParameters(self.object_type, {**self.parameters, **kwargs})

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items())
        return f"{self.object_type.__name__}.using({args})"


def _split_type(object_type) -> tuple[Any, dict]:
    if isinstance(object_type, DAObjectPlusParameters):
        return object_type.object_type, dict(object_type.parameters)
    return object_type, {}


@functools.total_ordering
class DAObject(ObjectWords):
    """An object whose missing attributes are sought as ``instanceName.attr``.

    Its English methods (``possessive``, ``pronoun``, ``does_verb`` ...) come from
    :class:`bgkernel.grammar.ObjectWords`.
    """

    def __init__(self, instanceName: str | None = None, *pargs, **kwargs):
        if instanceName is None:
            instanceName = _guess_instance_name(self)
        self.has_nonrandom_instance_name = instanceName is not None
        self.instanceName = str(instanceName) if instanceName is not None else _random_name()
        self.attrList: list[str] = []
        self.init(*pargs, **kwargs)

    def init(self, *pargs, **kwargs) -> None:
        """Set each keyword as an attribute; subclasses extend this, calling super()."""
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def using(cls, **kwargs) -> DAObjectPlusParameters:
        """This class with preset keywords, for ``objects:`` blocks and ``object_type``."""
        return DAObjectPlusParameters(cls, kwargs)

    # -- missing attributes and pickling --
    def __getattr__(self, name: str):
        if name.startswith("__") or hasattr(type(self), name):
            return object.__getattribute__(self, name)   # re-raises what a property raised
        try:
            instance = object.__getattribute__(self, "instanceName")
        except AttributeError:
            raise AttributeError(name) from None
        raise DAAttributeError(f"name '{instance}.{name}' is not defined")

    def __getstate__(self) -> dict:
        return dict(self.__dict__)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __setattr__(self, key: str, value: Any) -> None:
        if isinstance(value, DAObject) and not value.__dict__.get("has_nonrandom_instance_name", True):
            value.fix_instance_name(value.instanceName, self.instanceName + "." + key)
        object.__setattr__(self, key, value)

    # -- names --
    def _children(self) -> Iterable[DAObject]:
        return [v for k, v in self.__dict__.items() if isinstance(v, DAObject)]

    def fix_instance_name(self, old: str, new: str, _seen: set | None = None) -> None:
        """Rename this object and its sub-objects from prefix ``old`` to ``new``."""
        seen = _seen if _seen is not None else set()
        if id(self) in seen:
            return
        seen.add(id(self))
        renamed = _rename(self.instanceName, old, new)
        if renamed is None:
            return
        object.__setattr__(self, "instanceName", renamed)
        object.__setattr__(self, "has_nonrandom_instance_name", True)
        for child in self._children():
            child.fix_instance_name(old, new, seen)

    def set_instance_name(self, name: str) -> None:
        """Name a random-named object (and its sub-objects); a real name is kept."""
        if not self.has_nonrandom_instance_name:
            self.fix_instance_name(self.instanceName, name)

    def attr_name(self, attr: str) -> str:
        return f"{self.instanceName}.{attr}"

    def object_name(self, capitalize: bool = False) -> str:
        """``people[0].address`` → ``address in the first people``."""
        parts = []
        for piece in reversed(self.instanceName.split(".")):
            match = re.match(r"(.*)\[([^\]]+)\]$", piece)
            if match:
                index = match.group(2).strip("'\"")
                prefix = _ORDINALS[int(index)] if index.isdigit() and int(index) < 10 else index
                piece = f"{prefix} {match.group(1)}"
            parts.append(piece.replace("_", " "))
        text = " in the ".join(parts)
        return text[:1].upper() + text[1:] if capitalize else text

    # -- attributes --
    def initializeAttribute(self, name: str, object_type, *pargs, **kwargs):
        """Create ``self.name`` as ``object_type('<instanceName>.<name>')`` unless present."""
        if name in self.__dict__:
            return self.__dict__[name]
        return self.reInitializeAttribute(name, object_type, *pargs, **kwargs)

    def reInitializeAttribute(self, name: str, object_type, *pargs, **kwargs):
        """Create ``self.name`` afresh even if it exists."""
        cls, params = _split_type(object_type)
        value = cls(f"{self.instanceName}.{name}", *pargs, **{**params, **kwargs})
        object.__setattr__(self, name, value)
        if name not in self.attrList:
            self.attrList.append(name)
        return value

    initialize_attribute = initializeAttribute
    reinitialize_attribute = reInitializeAttribute

    def as_serializable(self) -> dict:
        """The object as JSON-ready data: its class, instanceName and attributes."""
        return _serializable(self)

    def delattr(self, *names: str) -> None:
        """Delete attributes that exist; missing ones are ignored."""
        for name in names:
            self.__dict__.pop(name, None)

    invalidate_attr = delattr

    def __str__(self) -> str:
        if hasattr(self, "name"):
            return str(self.name)
        return self.object_name()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__.get('instanceName')!r})"

    def __eq__(self, other) -> bool:
        return self is other

    def __ne__(self, other) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return hash((self.__dict__.get("instanceName", id(self)),))

    def __lt__(self, other) -> bool:
        return str(self) < (str(other) if isinstance(other, DAObject) else other)


def _serializable(value: Any, _depth: int = 0) -> Any:
    if _depth > 20:
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, DAObject):
        data = {"_class": type(value).__name__, "instanceName": value.instanceName}
        items = value.__dict__.items()
        data.update((k, _serializable(v, _depth + 1)) for k, v in items
                    if not k.startswith("_") and k not in ("instanceName", "attrList"))
        return data
    if isinstance(value, dict):
        return {str(k): _serializable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_serializable(v, _depth + 1) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class DAEmpty:
    """A blank: ``str`` is '', it is falsy, and any attribute, item or call is blank too."""

    def __init__(self, *pargs, **kwargs):
        self.str = str(kwargs.get("str", ""))

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "str":
            return object.__getattribute__(self, name)
        return DAEmpty()

    def __str__(self) -> str:
        return self.__dict__.get("str", "")

    def __repr__(self) -> str:
        return repr(str(self))

    def __eq__(self, other) -> bool:
        return isinstance(other, DAEmpty) or other == "" or other is None

    def __hash__(self) -> int:
        return hash("")

    def _blank(self, *pargs, **kwargs) -> DAEmpty:
        return DAEmpty()

    def _ignore(self, *pargs) -> None:
        return None

    def _absorb(self, other):
        return other

    __getitem__ = __call__ = _blank
    __setitem__ = __delitem__ = _ignore
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _absorb
    __truediv__ = __floordiv__ = __mod__ = __pow__ = _absorb
    __bool__ = __contains__ = lambda self, *pargs: False  # noqa: E731
    __len__ = lambda self: 0  # noqa: E731
    __iter__ = lambda self: iter(())  # noqa: E731


# --- collections ----------------------------------------------------------------------

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
        from .functions import url_action
        from .urls import button_link
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


class DAList(_Gatherer):
    """A list gathered by asking ``there_are_any``, the items and ``there_is_another``."""

    def _new_elements(self) -> list:
        return []

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
        if cls is None:
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
        self.elements = []
        self._after_removal()

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
            if self.object_type is None:
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
            if self.object_type is None:
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

    def union(self, other) -> DASet:
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
        if item_object_type is None:
            item_object_type, params = self.object_type, dict(self.object_type_parameters)
        else:
            item_object_type, params = _split_type(item_object_type)
        if complete_attribute is None:
            complete_attribute = self.complete_attribute
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


class DADict(_Gatherer):
    """A dict gathered by asking ``new_item_name`` (and the value) per new key (§7.4)."""

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
        if item_object_type is None:
            item_object_type, params = self.object_type, dict(self.object_type_parameters)
        else:
            item_object_type, params = _split_type(item_object_type)
        if complete_attribute is None:
            complete_attribute = self.complete_attribute
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
        return DASet(elements=self.elements | set(other))

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


# --- people and things ----------------------------------------------------------------

class Name(DAObject):
    """A name given as one ``text``."""

    def full(self, **kwargs) -> str:
        return str(self.text)

    familiar = firstlast = lastfirst = full

    def defined(self) -> bool:
        return hasattr(self, "text")

    def __str__(self) -> str:
        return str(self.full())


class IndividualName(Name):
    """first, middle, last, suffix; ``full()`` asks ``first``."""

    def init(self, *pargs, **kwargs) -> None:
        self.uses_parts = kwargs.pop("uses_parts", True)
        super().init(*pargs, **kwargs)

    def defined(self) -> bool:
        return hasattr(self, "first") if self.uses_parts else super().defined()

    def _part(self, name: str) -> str:
        return str(getattr(self, name, "") or "").strip()

    def middle_initial(self, with_period: bool = True) -> str:
        middle = self._part("middle")
        return (middle[0] + ("." if with_period else "")) if middle else ""

    def full(self, middle: str | bool = "initial", use_suffix: bool = True) -> str:
        if not self.uses_parts:
            return super().full()
        names = [str(self.first).strip()]
        if middle == "initial":
            names.append(self.middle_initial())
        elif middle:
            names.append(self._part("middle"))
        names.append(self._part("last"))
        if use_suffix:
            names.append(self._part("suffix"))
        return " ".join(name for name in names if name)

    def familiar(self) -> str:
        return str(self.first) if self.uses_parts else self.full()

    def firstlast(self) -> str:
        return f"{self.first} {self.last}" if self.uses_parts else self.full()

    def lastfirst(self) -> str:
        """``Vader, Darth`` (with the suffix after the last name, the middle initial last)."""
        if not self.uses_parts:
            return super().full()
        text = str(self.last)
        if self._part("suffix"):
            text += " " + self._part("suffix")
        text += ", " + str(self.first)
        initial = self.middle_initial()
        return text + (" " + initial if initial else "")

class Address(DAObject):
    """A postal address: address, unit, city, state, zip.  ``str()`` is one line."""

    def on_one_line(self, include_unit: bool = True) -> str:
        text = str(self.address)
        unit = getattr(self, "unit", "")
        if include_unit and unit:
            text += f", {unit}"
        text += f", {self.city}"
        if getattr(self, "state", ""):
            text += f", {self.state}"
        if getattr(self, "zip", ""):
            text += f" {self.zip}"
        return text

    def formatted_unit(self, **kwargs) -> str:
        """``Unit 3`` for a bare unit number; ``Suite 3`` and the like as written."""
        unit = self.__dict__.get("unit")
        if unit in (None, ""):
            return ""
        if re.search(r"\b(apartment|apt|building|bldg|floor|fl|office|ofc|room|rm|suite|ste|unit|"
                     r"lot|space|spc|trailer|trlr|penthouse|ph)\b", str(unit), re.IGNORECASE):
            return str(unit)
        return f"Unit {unit}"

    def line_one(self, **kwargs) -> str:
        unit = self.formatted_unit()
        return str(self.address) + (f", {unit}" if unit else "")

    def line_two(self, **kwargs) -> str:
        text = str(self.city)
        if self.__dict__.get("state"):
            text += f", {self.state}"
        if self.__dict__.get("zip"):
            text += f" {self.zip}"
        return text

    def block(self, **kwargs) -> str:
        """The address on lines joined by docassemble's `` [NEWLINE] `` markup."""
        unit = self.formatted_unit()
        lines = [str(self.address)] + ([unit] if unit else []) + [self.line_two()]
        return " [NEWLINE] ".join(lines)

    def geocode(self, address: Any = None, reset: bool = False) -> bool:
        """No geocoding service in bgkernel: marks the address tried and returns False."""
        self.geolocated = True
        self.geolocate_success = False
        return False

    geolocate = geocode

    def normalize(self, long_format: bool = False) -> bool:
        return self.geocode()

    def was_geocoded(self) -> bool:
        return bool(self.__dict__.get("geolocated"))

    def was_geocoded_successfully(self) -> bool:
        return bool(self.__dict__.get("geolocate_success"))

    def __str__(self) -> str:
        return self.on_one_line()


class Person(PersonWords, DAObject):
    """Someone or something with a ``name`` (a Name) and an ``address``."""

    NameClass: ClassVar[type] = Name
    AddressClass: ClassVar[type] = Address

    def init(self, *pargs, **kwargs) -> None:
        name = kwargs.pop("name", None)
        if "name" not in self.__dict__:
            self.initializeAttribute("name", self.NameClass)
        if isinstance(name, str):
            self.name.uses_parts = False
            self.name.text = name
        elif name is not None:
            self.name = name
        if "address" not in kwargs:
            self.initializeAttribute("address", self.AddressClass)
        super().init(*pargs, **kwargs)

    def identified(self) -> bool:
        return hasattr(self.name, "text") or hasattr(self.name, "first")

    def address_block(self, **kwargs) -> str:
        return f"[FLUSHLEFT] {self.name.full()} [NEWLINE] {self.address.block(**kwargs)}"


class Individual(IndividualWords, Person):
    """A person whose name has parts; ``str(person)`` asks ``person.name.first``."""

    NameClass: ClassVar[type] = IndividualName

    def familiar(self) -> str:
        return self.name.familiar()

    def age_in_years(self, decimals: bool = False, as_of: Any = None) -> int | float:
        """Whole years since ``birthdate`` (or the ``age`` attribute, if set)."""
        if "age" in self.__dict__:
            return float(self.age) if decimals else int(self.age)
        from dateutil.relativedelta import relativedelta
        from .dates import as_datetime, current_datetime
        now = current_datetime() if as_of is None else as_datetime(as_of)
        born = as_datetime(self.birthdate)
        delta = relativedelta(now.replace(tzinfo=None), born.replace(tzinfo=None))
        if not decimals:
            return int(delta.years)
        return delta.years + delta.months / 12.0 + delta.days / 365.0 + delta.hours / 8760.0

class Thing(DAObject):
    """An object with a Name; ``Thing(name='table')`` sets ``name.text``."""

    def init(self, *pargs, **kwargs) -> None:
        self.initializeAttribute("name", Name)
        super().init(*pargs, **kwargs)

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "name" and isinstance(value, str):
            self.name.text = value
        else:
            super().__setattr__(key, value)

    def __str__(self) -> str:
        return str(self.name.full())


class Value(DAObject):
    """An amount that may not exist: ``exists`` (asked first), then ``value``."""

    def amount(self) -> Decimal:
        return Decimal(str(self.value)) if self.exists else Decimal(0)

    def __str__(self) -> str:
        return str(self.amount())

    def __float__(self) -> float:
        return float(self.amount())

    def __int__(self) -> int:
        return int(self.amount())

    def __eq__(self, other) -> bool:
        return float(self) == float(other)

    def __lt__(self, other) -> bool:
        return float(self) < float(other)

    __hash__ = DAObject.__hash__


class PeriodicValue(Value):
    """An amount paid ``period`` times a year; ``amount()`` is per year (or per ``period_to_use``)."""

    def amount(self, period_to_use: Any = 1) -> Decimal:
        if not self.exists:
            return Decimal(0)
        return Decimal(str(self.value)) * Decimal(str(self.period)) / Decimal(str(period_to_use))


class DALink(DAObject):
    """A hyperlink: ``url`` and ``anchor_text``, shown as a Markdown link."""

    def show(self) -> str:
        return f"[{self.anchor_text}]({self.url})"

    def __str__(self) -> str:
        return self.show()


# --- templates ------------------------------------------------------------------------

class DALazyTemplate(DAObject):
    """A ``template`` block's subject and content, rendered each time they are read.

    Rendering goes, in order of preference, through

    1. the callables given to the constructor (``render_subject``, ``render_content``);
       they are not pickled;
    2. the class hook :attr:`DALazyTemplate.renderer`, called as
       ``renderer(source, extra, template)``: the stored ``source_subject`` or
       ``source_content`` text, a dict of extra names (the keywords of ``show(**kw)``,
       else empty) and the template object (for any location the engine stored on it).
       The engine sets it once, ``DALazyTemplate.renderer = render`` (a plain function,
       not bound to the template), and renders against the running namespace, found
       through :func:`bgkernel.context.current`;
    3. with no renderer, the source text as it is.

    With neither a callable nor a source, reading raises ``NameError("name '<instanceName>'
    is not defined")`` so the engine defines the template again, as docassemble does.
    """

    renderer: ClassVar[Callable[[str, Mapping[str, Any], DALazyTemplate], str] | None] = None
    _TRANSIENT: ClassVar[tuple[str, ...]] = ("_render_subject", "_render_content")

    def init(self, *pargs, render_subject: Callable[[], str] | None = None,
             render_content: Callable[[], str] | None = None, **kwargs) -> None:
        object.__setattr__(self, "_render_subject", render_subject)
        object.__setattr__(self, "_render_content", render_content)
        super().init(*pargs, **kwargs)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._TRANSIENT}

    def _render(self, part: str, extra: Mapping[str, Any] | None = None) -> str:
        callable_ = self.__dict__.get(f"_render_{part}")
        source = self.__dict__.get(f"source_{part}")
        if callable_ is not None and (not extra or source is None):
            return str(callable_()).rstrip()
        if source is None:
            if part == "subject" and (self.__dict__.get("_render_content") or "source_content" in self.__dict__):
                return ""
            raise NameError(f"name '{self.instanceName}' is not defined")
        hook = DALazyTemplate.__dict__["renderer"]
        hook = hook.__func__ if isinstance(hook, staticmethod) else hook
        return (hook(source, dict(extra or {}), self) if hook is not None else str(source)).rstrip()

    @property
    def subject(self) -> str:
        return self._render("subject")

    @property
    def content(self) -> str:
        return self._render("content")

    def show(self, **kwargs) -> str:
        return self._render("content", kwargs)

    def __str__(self) -> str:
        return self.content


# The file objects live in files.py, which imports this module; re-exported lazily here.
_FILE_NAMES = {"DAFile", "DAFileList", "DAFileCollection", "DAStaticFile"}


def __getattr__(name: str):
    if name in _FILE_NAMES:
        from . import files
        return getattr(files, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
