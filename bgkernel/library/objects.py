"""docassemble's interview objects: DAObject and what every object shares (its name, gathering mode).

Interview code runs as ``exec(code, namespace)``.  Reading a missing attribute or item of
these objects raises an exception whose text is ``name 'VARNAME' is not defined``
(``client.name.first``, ``people[0]``, ``d['key']``); the engine recovers VARNAME with
:func:`bgkernel.errors.missing_name`, runs the block that defines it, then runs the code
again from the top.  Every method here is therefore idempotent under re-running.

Gathering mode (ENGINE §7.3) lives in the running :class:`~bgkernel.library.context.RunContext`.
A collection is in gathering mode while its ``gather()`` runs, and, after ``gather()``
stopped on an undefined name, for as long as the engine seeks that name (it is on
``ctx.seeking``): the question asking ``people.there_is_another`` may print ``${ people }``
without gathering again, yet the next pass of the engine's loop gathers as usual.  The
engine needs to call nothing; :func:`reset_gathering_mode` clears it all.

The file objects (``DAFile``, ``DAFileList``, ``DAFileCollection``, ``DAStaticFile``) live
in :mod:`bgkernel.library.files` and are importable from here too.
"""
from __future__ import annotations

import dis
import functools
import re
import secrets
import string
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ..errors import DAAttributeError, missing_name
from .context import current
from .grammar import ObjectWords

__all__ = ["DAObject", "DAObjectPlusParameters", "DAEmpty"]
# The names interview code sees (bgkernel.library.catalog gathers the __all__ of this module and
# of the collections, people, files and templates built on it).  Also public, for the
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
    :class:`bgkernel.library.grammar.ObjectWords`.
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

    def as_serializable(self) -> dict:
        """The object as JSON data (``_class``, ``instanceName`` and its attributes)."""
        return serializable(self)

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

    def asserializable(self) -> dict:
        """The object as JSON-ready data: its class, instanceName and attributes."""
        return serializable(self)

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


def new_local(name: str) -> DAObject:
    """``DAObject(name)`` for ``session_local`` and its kin, made without the setattr
    machinery (each session-run makes three)."""
    obj = DAObject.__new__(DAObject)
    obj.__dict__.update(has_nonrandom_instance_name=True, instanceName=name, attrList=[])
    return obj


def serializable(value: Any, _depth: int = 0) -> Any:
    """``value`` as JSON data, as docassemble's ``all_variables(simplify=True)`` gives it:
    objects as dicts with ``_class`` and ``instanceName``, dates as ISO text, decimals as
    numbers."""
    if _depth > 20:
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, DAObject):
        data = {"_class": type(value).__name__, "instanceName": value.instanceName}
        items = value.__dict__.items()
        data.update((k, serializable(v, _depth + 1)) for k, v in items
                    if not k.startswith("_") and k not in ("instanceName", "attrList",
                                                           "has_nonrandom_instance_name"))
        return data
    if isinstance(value, dict):
        return {str(k): serializable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [serializable(v, _depth + 1) for v in value]
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
