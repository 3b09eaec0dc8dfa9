"""Which variables a piece of Python offers to define (docassemble's ``find_fields_in``).

Assignment targets are written canonically — ``a.b``, ``d['k']``, ``people[i]`` — so
the resolver can index blocks by the names they define.
"""
from __future__ import annotations

import ast
import re

__all__ = ["assigned_names", "canonical", "variants", "parents_of", "GENERIC_ITERATORS"]

GENERIC_ITERATORS = ("i", "j", "k", "l", "m", "n")


def _target(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _target(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript):
        base = _target(node.value)
        index = node.slice
        if base is None:
            return None
        if isinstance(index, ast.Constant) and isinstance(index.value, (str, int)):
            return f"{base}[{index.value!r}]"
        if isinstance(index, ast.Name):
            return f"{base}[{index.id}]"
        return None
    return None


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.Tuple, ast.List)):
        return [name for elt in node.elts for name in _targets(elt)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    name = _target(node)
    return [name] if name else []


def assigned_names(tree: ast.AST) -> list[str]:
    """Every variable the code assigns, in first-seen order."""
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names.extend(_targets(target))
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            names.extend(_targets(node.target))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            names.extend(_targets(node.target))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.append(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "define":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.append(node.args[0].value)
        for name in names:
            found.setdefault(name, None)
    return list(found)


_INDEX = re.compile(r"\[([^\[\]]+)\]")


def canonical(name: str) -> str:
    """``d["k"]`` → ``d['k']``; other names unchanged."""
    if "[" not in name:
        return name
    try:
        return _target(ast.parse(name, mode="eval").body) or name
    except SyntaxError:
        return name


def _split(name: str) -> list[tuple[str, str]]:
    """``people[0].name.first`` → [('', 'people'), ('[]', '0'), ('.', 'name'), ('.', 'first')]."""
    parts: list[tuple[str, str]] = []
    pos = 0
    match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", name)
    if not match:
        return [("", name)]
    parts.append(("", match.group(0)))
    pos = match.end()
    while pos < len(name):
        if name[pos] == ".":
            match = re.match(r"\.([A-Za-z_][A-Za-z0-9_]*)", name[pos:])
            if not match:
                return [("", name)]
            parts.append((".", match.group(1)))
            pos += match.end()
        elif name[pos] == "[":
            depth, end = 0, pos
            while end < len(name):
                if name[end] == "[":
                    depth += 1
                elif name[end] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                end += 1
            parts.append(("[]", name[pos + 1:end]))
            pos = end + 1
        else:
            return [("", name)]
    return parts


def _join(parts: list[tuple[str, str]]) -> str:
    out = []
    for sep, text in parts:
        out.append(f"[{text}]" if sep == "[]" else f"{sep}{text}")
    return "".join(out)


def variants(name: str) -> list[tuple[str, str | None, dict[str, str]]]:
    """The names under which a block may define ``name``, most specific first.

    Each entry is ``(variant, x_expression, iterators)``: literal subscripts become
    ``i``, ``j``... and, for generic variants, a prefix becomes ``x`` (docassemble's
    ``recurse_indices`` order: non-generic first; more dots, more subscripts, fewer
    iterators first).
    """
    parts = _split(name)
    if len(parts) == 1:
        return [(name, None, {})]
    results: list[tuple[str, str | None, dict[str, str]]] = []
    seen: set[str] = set()

    def with_iterators(segment: list[tuple[str, str]], used: int):
        """All ways of replacing literal subscripts by iterators, in order."""
        subs = [idx for idx, (sep, _) in enumerate(segment) if sep == "[]"]
        combos: list[tuple[list[tuple[str, str]], dict[str, str]]] = []
        for mask in range(1 << len(subs)):
            seg = list(segment)
            iters: dict[str, str] = {}
            count = used
            for bit, idx in enumerate(subs):
                if mask & (1 << bit):
                    if count >= len(GENERIC_ITERATORS):
                        break
                    it = GENERIC_ITERATORS[count]
                    iters[it] = seg[idx][1]
                    seg[idx] = ("[]", it)
                    count += 1
            combos.append((seg, iters))
        return combos

    for seg, iters in with_iterators(parts, 0):
        variant = _join(seg)
        if variant not in seen:
            seen.add(variant)
            results.append((variant, None, iters))
    generic: list[tuple[str, str, dict[str, str]]] = []
    for cut in range(1, len(parts)):
        prefix, rest = parts[:cut], parts[cut:]
        x_expr = _join(prefix)
        for seg, iters in with_iterators(rest, 0):
            variant = "x" + _join(seg)
            if variant not in seen:
                seen.add(variant)
                generic.append((variant, x_expr, iters))
    key = lambda item: (-item[0].count("."), -item[0].count("["), len(item[2]))  # noqa: E731
    results.sort(key=key)
    generic.sort(key=key)
    return results + generic


def parents_of(name: str) -> list[str]:
    """``a``, ``a.b`` for ``a.b.c`` (and ``a`` for ``a[0].c``): the objects ``name`` hangs on."""
    out, depth = [], 0
    for index, char in enumerate(name):
        if char == "[":
            depth += 1
            if depth == 1 and index:
                out.append(name[:index])
        elif char == "]":
            depth -= 1
        elif char == "." and depth == 0:
            out.append(name[:index])
    return list(dict.fromkeys(out))
