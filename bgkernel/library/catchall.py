"""``DACatchAll``: what an undefined name becomes under ``features: use catchall: True``.

When no block can define a name, the engine sets it to ``DACatchAll(name)`` instead of
failing.  Whatever the interview then does with it -- print it, add to it, compare it --
reads ``name.value``, which a ``generic object: DACatchAll`` question asks for, and the
object remembers how it was used (``context``, ``operand``), so such a question can pick
a datatype (``x.data_type_guess()``).  The question's ``validation code`` usually replaces
the object by its value: ``define(x.instanceName, x.value)``.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

from .objects import DAObject

__all__ = ["DACatchAll"]

_INT_CONTEXTS = frozenset({"rlshift", "rrshift", "rand", "ror", "int"})
_FLOAT_CONTEXTS = frozenset({"neg", "pos", "abs", "invert", "float"})
_OPERAND_CONTEXTS = frozenset({
    "add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "floordiv",
    "rfloordiv", "mod", "rmod", "divmod", "rdivmod", "pow", "rpow", "lt", "eq", "gt", "ne",
    "ge", "le"})


class DACatchAll(DAObject):
    """A stand-in for an undefined name; every use of it reads (and so seeks) ``.value``."""

    def data_type_guess(self) -> str:
        """``str``, ``bool``, ``int``, ``float``, ``complex`` or ``callable``, from the last use."""
        context = self.__dict__.get("context")
        if context is None or context == "str":
            return "str"
        if context in ("bool", "complex", "callable"):
            return context
        if context in _INT_CONTEXTS:
            return "int"
        if context in _FLOAT_CONTEXTS:
            return "float"
        if context in _OPERAND_CONTEXTS:
            operand = self.__dict__.get("operand")
            for kind in (bool, str, float, int, complex):   # bool before int: it is one
                if isinstance(operand, kind):
                    return kind.__name__
        return "str"

    def _use(self, context: str, operand: Any = None, with_operand: bool = False) -> Any:
        object.__setattr__(self, "context", context)
        if with_operand:
            object.__setattr__(self, "operand", operand)
        return self.value

    def __str__(self) -> str:
        return str(self._use("str"))

    def __repr__(self) -> str:
        return repr(self._use("repr"))

    def __dir__(self):
        return dir(self._use("dir"))

    def __contains__(self, item: Any) -> bool:
        return item in self._use("contains", item, True)

    def __iter__(self):
        return iter(self._use("iter"))

    def __len__(self) -> int:
        return len(self._use("len"))

    def __reversed__(self):
        return reversed(self._use("reversed"))

    def __getitem__(self, index: Any) -> Any:
        return self._use("getitem", index, True)[index]

    def __hash__(self) -> int:
        return hash(self._use("hash"))

    def __bool__(self) -> bool:
        return bool(self._use("bool"))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._use("callable")(*args, **kwargs)


def _binary(context: str, apply: Callable[[Any, Any], Any], reflected: bool) -> Callable:
    def method(self: DACatchAll, other: Any) -> Any:
        value = self._use(context, other, True)
        return apply(other, value) if reflected else apply(value, other)
    method.__name__ = f"__{context}__"
    return method


def _unary(context: str, apply: Callable[[Any], Any]) -> Callable:
    def method(self: DACatchAll) -> Any:
        return apply(self._use(context))
    method.__name__ = f"__{context}__"
    return method


_BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
           "floordiv": operator.floordiv, "mod": operator.mod, "divmod": divmod,
           "pow": pow, "lshift": operator.lshift, "rshift": operator.rshift,
           "and": operator.and_, "xor": operator.xor, "or": operator.or_,
           "truediv": operator.truediv}
for _name, _apply in _BINARY.items():
    setattr(DACatchAll, f"__{_name}__", _binary(_name, _apply, reflected=False))
    setattr(DACatchAll, f"__r{_name}__", _binary("r" + _name, _apply, reflected=True))
for _name, _apply in {"lt": operator.lt, "le": operator.le, "gt": operator.gt,
                      "ge": operator.ge, "eq": operator.eq, "ne": operator.ne}.items():
    setattr(DACatchAll, f"__{_name}__", _binary(_name, _apply, reflected=False))
for _name, _apply in {"neg": operator.neg, "pos": operator.pos, "abs": abs,
                      "invert": operator.invert, "complex": complex, "int": int,
                      "float": float, "index": operator.index}.items():
    setattr(DACatchAll, f"__{_name}__", _unary(_name, _apply))
