"""What the linter asks of a piece of Python: can it end without one of some calls, which
conditions guard a node, which names it assigns and reads.

Everything here is static and approximate in the safe direction for an author: a path
counts as ending when it surely calls one of the stopping functions (they raise, so
nothing after them runs), ``raise``\\ s, or loops forever.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

__all__ = ["call_name", "falls_through", "Guards", "calls", "assigned", "loaded",
           "mentions_call", "string_arg", "dotted"]


def call_name(node: ast.AST) -> str | None:
    """``f`` for ``f(...)`` and ``obj.f(...)``; None for anything else."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def string_arg(call: ast.Call, index: int = 0) -> str | None:
    if len(call.args) > index and isinstance(call.args[index], ast.Constant) \
            and isinstance(call.args[index].value, str):
        return call.args[index].value
    return None


def calls(tree: ast.AST, names: Iterable[str]) -> list[ast.Call]:
    """Every call of one of ``names`` (as a function or a method) in ``tree``."""
    wanted = set(names)
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and call_name(n) in wanted]


def _stops(stmt: ast.stmt, stops: set[str]) -> bool:
    """Whether ``stmt`` surely ends the code."""
    if isinstance(stmt, ast.Expr) and call_name(stmt.value) in stops:
        return True
    if isinstance(stmt, (ast.Raise, ast.Return)):
        return True
    if isinstance(stmt, ast.If):
        return not falls_through(stmt.body, stops) and not falls_through(stmt.orelse, stops)
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return not falls_through(stmt.body, stops)
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        if stmt.finalbody and not falls_through(stmt.finalbody, stops):
            return True
        body_ends = not falls_through(stmt.body + stmt.orelse, stops)
        return body_ends and all(not falls_through(h.body, stops) for h in stmt.handlers)
    if isinstance(stmt, ast.While):
        forever = isinstance(stmt.test, ast.Constant) and bool(stmt.test.value)
        return forever and not any(isinstance(n, ast.Break) for n in ast.walk(stmt))
    if isinstance(stmt, ast.Match):
        irrefutable = any(isinstance(c.pattern, ast.MatchAs) and c.pattern.pattern is None
                          and c.guard is None for c in stmt.cases)
        return irrefutable and all(not falls_through(c.body, stops) for c in stmt.cases)
    return False


def falls_through(stmts: list[ast.stmt], stops: Iterable[str]) -> bool:
    """Whether some path through ``stmts`` reaches its end without a stopping call."""
    wanted = set(stops)
    return not any(_stops(stmt, wanted) for stmt in stmts)


class Guards:
    """The conditions under which each node of a module runs: the tests of the ``if``,
    ``while`` and ``for`` around it, and of earlier ``if`` statements whose body surely
    stopped (``if not x.ready(): waiting_screen`` guards what follows it)."""

    def __init__(self, tree: ast.Module, stops: Iterable[str] = ()):
        self.stops = set(stops)
        self._of: dict[int, tuple[ast.expr, ...]] = {}
        self._block(tree.body, ())

    def of(self, node: ast.AST) -> tuple[ast.expr, ...]:
        return self._of.get(id(node), ())

    def _mark(self, node: ast.AST, guards: tuple[ast.expr, ...]) -> None:
        for sub in ast.walk(node):
            self._of.setdefault(id(sub), guards)

    def _block(self, stmts: list[ast.stmt], guards: tuple[ast.expr, ...]) -> None:
        for stmt in stmts:
            self._stmt(stmt, guards)
            if isinstance(stmt, ast.If) and (not falls_through(stmt.body, self.stops)
                                             or _asks(stmt.body)):
                guards = guards + (stmt.test,)

    def _stmt(self, stmt: ast.stmt, guards: tuple[ast.expr, ...]) -> None:
        if isinstance(stmt, (ast.If, ast.While)):
            self._mark(stmt.test, guards)
            self._block(stmt.body, guards + (stmt.test,))
            self._block(stmt.orelse, guards + (stmt.test,))
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._mark(stmt.iter, guards)
            self._mark(stmt.target, guards)
            self._block(stmt.body, guards + (stmt.iter,))
            self._block(stmt.orelse, guards)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._mark(item, guards)
            self._block(stmt.body, guards)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self._block(stmt.body, guards)
            for handler in stmt.handlers:
                self._block(handler.body, guards)
            self._block(stmt.orelse, guards)
            self._block(stmt.finalbody, guards)
        elif isinstance(stmt, ast.Match):
            self._mark(stmt.subject, guards)
            for case in stmt.cases:
                self._block(case.body, guards + ((case.guard,) if case.guard else (stmt.subject,)))
        else:
            self._mark(stmt, guards)


def _asks(body: list[ast.stmt]) -> bool:
    """A body that ends by naming a screen (``waiting_screen``): docassemble asks there."""
    return bool(body) and isinstance(body[-1], ast.Expr) and isinstance(body[-1].value, ast.Name)


def mentions_call(node: ast.AST, name: str, receiver: str | None = None) -> bool:
    """Whether ``node`` calls ``name`` (on ``receiver``, when given)."""
    for sub in ast.walk(node):
        if call_name(sub) == name:
            if receiver is None:
                return True
            func = sub.func
            if isinstance(func, ast.Attribute) and dotted(func.value) == receiver:
                return True
    return False


def _targets(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return list(stmt.targets)
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        return [stmt.target]
    return []


def _flat(target: ast.expr) -> Iterator[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _flat(elt)
    elif isinstance(target, ast.Starred):
        yield from _flat(target.value)
    else:
        yield target


def assigned(tree: ast.AST) -> list[tuple[ast.expr, ast.stmt]]:
    """Each assignment target (a name, or an attribute or item of something) and its statement."""
    found = []
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.stmt):
            for target in _targets(stmt):
                found.extend((t, stmt) for t in _flat(target))
    return found


def loaded(tree: ast.AST) -> set[str]:
    """Names read anywhere, except as the object an assignment stores into."""
    skip: set[int] = set()
    for target, _ in assigned(tree):
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            skip.add(id(_root(target)))
    return {n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in skip}


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def root_name(node: ast.expr) -> str | None:
    root = _root(node)
    return root.id if isinstance(root, ast.Name) else None
