"""Text and code of an interview, compiled once, with errors that point into the YAML.

* :class:`Text` — a text item (question, label, content ...).  Mako is used only when
  the text holds a Mako marker (``${``, ``<%``, ``% if``/``for``/``while``, ``##``), as
  docassemble does; Mako runs with ``strict_undefined`` so an undefined name raises
  ``NameError("'name' is not defined")`` and gets sought.
* :class:`Code` / :class:`Expr` — Python compiled with the YAML file name and line
  numbers shifted so a traceback shows the interview's own line.
"""
from __future__ import annotations

import ast
import builtins
import functools
import re
from typing import Any

from mako.exceptions import CompileException, SyntaxException
from mako.runtime import CallerStack, Context, _render_context, capture
from mako.template import Template
from mako.util import FastEncodingBuffer

from ..errors import CodeError, TemplateError

__all__ = ["Text", "Code", "Expr", "as_text", "MAKO_MARKER"]

MAKO_MARKER = re.compile(r"<%|\$\{|^\s*%\s*(?:if|for|while)\b|##", re.MULTILINE)

_template_cache: dict[str, Template] = {}
_RESERVED = frozenset({"context", "loop", "UNDEFINED", "STOP_RENDERING"})


class Text:
    """A text item that may be a Mako template."""

    __slots__ = ("source", "file", "line", "_template")

    def __init__(self, source: Any, file: str | None = None, line: int | None = None):
        self.source = "" if source is None else str(source)
        self.file = file
        self.line = line
        self._template: Template | None = None
        if MAKO_MARKER.search(self.source):
            self._template = _compile_template(self.source, file, line)

    @property
    def is_template(self) -> bool:
        return self._template is not None

    def render(self, namespace: dict) -> str:
        if self._template is None:
            return self.source
        if _RESERVED & namespace.keys():
            namespace = {k: v for k, v in namespace.items() if k not in _RESERVED}
        try:
            return _fast_render(self._template, namespace)
        except TypeError as err:
            raise TemplateError(f"error while rendering text: {type(err).__name__}: {err}",
                                self.file, self.line) from err

    def __repr__(self) -> str:
        return f"Text({self.source!r})"

    def __reduce__(self):
        return (Text, (self.source, self.file, self.line))


def _fast_render(template: Template, namespace: dict) -> str:
    """Render with one copy of the namespace (``Template.render`` copies it twice and
    inspects the render function's signature on every call)."""
    buffer = FastEncodingBuffer()
    context = Context.__new__(Context)
    context._buffer_stack = [buffer]
    context._data = data = dict(namespace)
    context._kwargs = {}
    context._with_template = None
    context._outputting_as_unicode = True
    context.namespaces = {}
    data["capture"] = functools.partial(capture, context)
    context.caller_stack = data["caller"] = CallerStack()
    context._set_with_template(template)
    _render_context(template, template.callable_, context)
    return buffer.getvalue()


def _compile_template(source: str, file: str | None, line: int | None) -> Template:
    cached = _template_cache.get(source)
    if cached is not None:
        return cached
    # docassemble's Mako keeps lines that start with '##' (Markdown headings).
    compiled_source = _HASHES.sub(r"\1${'##'}", source)
    try:
        template = Template(compiled_source, input_encoding="utf-8")
    except (SyntaxException, CompileException) as err:
        where = line + max(getattr(err, "lineno", 1) - 1, 0) if line is not None else None
        raise TemplateError(f"Mako syntax error: {err}", file, where) from None
    _lazy_undefined(template)
    if len(_template_cache) > 20000:
        _template_cache.clear()
    _template_cache[source] = template
    return template


_HASHES = re.compile(r"^([ \t]*)##", re.MULTILINE)


class Undefined:
    """An undefined name in a template: using it raises ``NameError`` naming it.

    Mako's ``strict_undefined`` looks every name up before rendering, so a name used
    only in a branch not taken would be sought; docassemble's fork of Mako only
    seeks names that are used.  This object defers the error to the first use.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise NameError(f"name '{object.__getattribute__(self, '_name')}' is not defined")

    def __getattr__(self, attr: str) -> Any:
        return self._fail()

    __str__ = __repr__ = __bool__ = __len__ = __iter__ = __call__ = __getitem__ = _fail
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __contains__ = __hash__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _fail
    __rtruediv__ = __mod__ = __rmod__ = __int__ = __float__ = __index__ = __format__ = _fail
    __neg__ = __pos__ = __abs__ = __floordiv__ = __rfloordiv__ = __pow__ = _fail


class _LazyNames(ast.NodeTransformer):
    """In each render function, turn ``x = context.get('x', UNDEFINED)`` hoisted to the
    top into a lookup at each use, so an undefined name raises only where it is used."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        hoisted = {}
        for stmt in ast.walk(node):
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call)
                    and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "get"
                    and isinstance(stmt.value.func.value, ast.Name) and stmt.value.func.value.id == "context"
                    and len(stmt.value.args) == 2 and isinstance(stmt.value.args[1], ast.Name)
                    and stmt.value.args[1].id == "UNDEFINED"):
                hoisted[stmt.targets[0].id] = stmt
        lazy = {name for name in hoisted
                if sum(1 for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name
                       and isinstance(n.ctx, ast.Store)) == 1}
        for name, stmt in hoisted.items():
            if name not in lazy:
                stmt.value = ast.Call(func=ast.Name("__bgk_soft", ast.Load()),
                                      args=[ast.Name("context", ast.Load()), ast.Constant(name)],
                                      keywords=[])
        if lazy:
            _Rewrite(lazy, {id(hoisted[name]) for name in lazy}).visit(node)
        return node


class _Rewrite(ast.NodeTransformer):
    def __init__(self, names: set[str], drop: set[int]):
        self.names = names
        self.drop = drop

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                value[:] = [v for v in value if id(v) not in self.drop]
        return super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.names and isinstance(node.ctx, ast.Load):
            call = ast.Call(func=ast.Name("__bgk_lookup", ast.Load()),
                            args=[ast.Name("context", ast.Load()), ast.Constant(node.id)], keywords=[])
            return ast.copy_location(call, node)
        return node


def _lookup(context: Any, name: str) -> Any:
    """A name's value for the template: the answers, the library, Python's builtins."""
    data = context._data
    if name in data:
        return data[name]
    library = data.get("__builtins__")
    if isinstance(library, dict) and name in library:
        return library[name]
    found = builtins.__dict__.get(name, _lookup)
    if found is _lookup:
        raise NameError(f"name '{name}' is not defined")
    return found


def _soft(context: Any, name: str) -> Any:
    """Like :func:`_lookup`, but an undefined name gives an :class:`Undefined`."""
    try:
        return _lookup(context, name)
    except NameError:
        return Undefined(name)


def _lazy_undefined(template: Template) -> None:
    """Rewrite the compiled template so an undefined name is sought only when used."""
    import types
    tree = _LazyNames().visit(ast.parse(template.code))
    ast.fix_missing_locations(tree)
    code = compile(tree, template.uri, "exec")
    module = types.ModuleType(template.module.__name__)
    module.__dict__["__bgk_undefined"] = Undefined
    module.__dict__["__bgk_lookup"] = _lookup
    module.__dict__["__bgk_soft"] = _soft
    exec(code, module.__dict__)  # noqa: S102
    template.module = module
    template.callable_ = module.render_body


def as_text(value: Any, file: str | None = None, line: int | None = None) -> Text | None:
    if value is None:
        return None
    if isinstance(value, Text):
        return value
    return Text(value, file, line)


class Code:
    """A ``code`` block's Python, compiled so tracebacks name the YAML file and line."""

    __slots__ = ("source", "file", "line", "compiled")
    mode = "exec"

    def __init__(self, source: str, file: str | None = None, line: int | None = None):
        self.source = str(source)
        self.file = file or "<interview>"
        self.line = line or 1
        padded = "\n" * (self.line - 1) + self.source
        try:
            self.compiled = compile(padded, self.file, self.mode)
        except SyntaxError as err:
            raise CodeError(f"Python syntax error: {err.msg}: {(err.text or '').strip()}",
                            self.file, err.lineno or self.line) from None

    def run(self, namespace: dict) -> Any:
        return exec(self.compiled, namespace)  # noqa: S102 -- interview code is the point

    def source_line(self, lineno: int) -> str:
        lines = self.source.splitlines()
        index = lineno - self.line
        return lines[index].strip() if 0 <= index < len(lines) else ""

    def __reduce__(self):
        return (type(self), (self.source, self.file, self.line))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source!r})"


class Expr(Code):
    """A Python expression from the YAML (``if:``, ``mandatory:``, ``code:`` choices ...)."""

    __slots__ = ()
    mode = "eval"

    def __init__(self, source: Any, file: str | None = None, line: int | None = None):
        super().__init__(str(source).strip(), file, line)

    def run(self, namespace: dict) -> Any:
        return eval(self.compiled, namespace)  # noqa: S307 -- interview code is the point
