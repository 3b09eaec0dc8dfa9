"""Whether a name is defined, looked at as docassemble's ``defined()`` looks: step by step
along the chain (``a.b[i].c``), so that looking neither creates anything (a dictionary with
an ``object_type`` makes a missing key on ``d[key]``) nor asks for anything."""
from __future__ import annotations

import ast
from typing import Any

from ..language.expressions import run_expression

__all__ = ["MISSING", "probe"]

MISSING = object()


def _components(name: str) -> list[tuple[str, Any]] | None:
    """``a.b[i]`` as [('name', 'a'), ('attr', 'b'), ('index', <i's node>)]; None if it is not
    a plain chain of names, attributes and indexes."""
    try:
        node = ast.parse(name.strip(), mode="eval").body
    except SyntaxError:
        return None
    out: list[tuple[str, Any]] = []
    while True:
        if isinstance(node, ast.Name):
            out.append(("name", node.id))
            return out[::-1]
        if isinstance(node, ast.Attribute):
            out.append(("attr", node.attr))
        elif isinstance(node, ast.Subscript):
            out.append(("index", node.slice))
        else:
            return None
        node = node.value


def probe(name: str, ns: dict) -> Any:
    """The value of ``name`` if it is defined, else ``MISSING``, looking at each step of
    the chain without asking: an absent key of a dictionary or list is not created (as a
    dictionary with an ``object_type`` would on ``d[key]``) and nothing is sought."""
    parts = _components(name)
    if parts is None:
        try:
            return run_expression(name, ns)
        except Exception:  # noqa: BLE001 -- undefined
            return MISSING
    current_value: Any = ns.get(parts[0][1], MISSING)
    if current_value is MISSING:
        return MISSING
    for kind, what in parts[1:]:
        try:
            if kind == "attr":
                if not hasattr(current_value, what):
                    return MISSING
                current_value = getattr(current_value, what)
                continue
            index = eval(compile(ast.Expression(what), "<index>", "eval"), ns)  # noqa: S307
            elements = getattr(current_value, "elements", current_value)
            if isinstance(elements, (list, tuple)):
                if not isinstance(index, int) or not -len(elements) <= index < len(elements):
                    return MISSING
            elif index not in elements:
                return MISSING
            current_value = current_value[index]
        except Exception:  # noqa: BLE001 -- undefined
            return MISSING
    return current_value
