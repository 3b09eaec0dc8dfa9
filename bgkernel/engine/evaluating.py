"""What the evaluation loop does to a namespace besides seeking: interview modules, the
``x``/``i`` iterators of generic blocks, ``data`` blocks, and where a traceback points."""
from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import CodeError
from ..language.assignments import variants
from ..language.blocks import CodeBlock
from ..language.interview import Interview
from ..language.packages import package_of
from ..language.templates import MAKO_MARKER, Text
from ..library.data_objects import describes_object

__all__ = ["local_module", "import_modules", "is_initial", "literal", "substitute", "names_for", "data_value",
           "render_data", "source_line"]

_LOCAL_MODULES: dict[str, Any] = {}


def local_module(interview: Interview, module: str) -> Any:
    """``modules: - .helpers``: a module of the interview's own package.

    An interview inside a docassemble package (``docassemble/X/data/questions/i.yml``) names
    ``docassemble.X.helpers``, imported as a package module when the package is on
    ``sys.path`` (so its own relative imports work), else from its file; a plain interview
    file's folder plays the package's part."""
    base = os.path.dirname(os.path.abspath(interview.path)) if interview.path else os.getcwd()
    package = package_of(base)
    if package is not None:
        dotted, root = package
        try:
            return importlib.import_module(dotted + module)
        except ModuleNotFoundError as err:
            if not (err.name or "").startswith(dotted):
                raise
        base = root
    path = os.path.join(base, *module.lstrip(".").split(".")) + ".py"
    if path in _LOCAL_MODULES:
        return _LOCAL_MODULES[path]
    if not os.path.isfile(path):
        raise ModuleNotFoundError(f"No module named {module!r}: no file {path}")
    spec = importlib.util.spec_from_file_location(f"bgkernel_local_{abs(hash(path))}", path)
    found = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(found)
    _LOCAL_MODULES[path] = found
    return found


def import_modules(interview: Interview, ns: dict) -> None:
    """The interview's ``imports`` (``import x``) and ``modules`` (``from x import *``);
    the library itself is there already unless ``suppress loading util`` is set.  A module
    that cannot be imported is a ``CodeError`` at the line of the block that names it."""
    for module in interview.imports:
        with _naming(interview, module):
            if module.startswith("."):
                ns[module.lstrip(".").split(".")[-1]] = local_module(interview, module)
            else:
                exec(f"import {module}", ns)  # noqa: S102
    suppressed = bool(interview.metadata.get("suppress loading util"))
    for module in interview.modules:
        if not suppressed and module.lstrip(".") in ("docassemble.base.util",
                                                      "docassemble.base.functions"):
            continue
        with _naming(interview, module):
            if module.startswith("."):
                found = local_module(interview, module)
                names = getattr(found, "__all__", None) or [n for n in vars(found)
                                                            if not n.startswith("_")]
                ns.update({n: getattr(found, n) for n in names})
            else:
                exec(f"from {module} import *", ns)  # noqa: S102


@contextmanager
def _naming(interview: Interview, module: str) -> Iterator[None]:
    try:
        yield
    except Exception as err:  # noqa: BLE001 -- whatever the module raised, said at its line
        file, line = interview.module_lines.get(module, (interview.path or interview.name, None))
        raise CodeError(f"cannot import the module {module!r} that the interview names: "
                        f"{type(err).__name__}: {err}", file, line) from err


def is_initial(block: CodeBlock, ns: dict) -> bool:
    if block.default_role:
        return True
    initial = block.initial
    if initial is True:
        return True
    if initial is False:
        return False
    return bool(initial.run(ns))


def literal(expr: str, ns: dict) -> Any:
    try:
        return int(expr)
    except ValueError:
        pass
    if expr[:1] in "'\"":
        return expr[1:-1]
    return eval(expr, ns)  # noqa: S307


def substitute(variable: str, iterators: dict[str, str], ns: dict) -> str:
    """``x.name`` with x = people[0] → ``people[0].name``; ``[i]`` → ``[0]``."""
    out = variable
    if "x" in iterators and (out == "x" or out.startswith("x.") or out.startswith("x[")):
        out = iterators["x"] + out[1:]
    for key, value in iterators.items():
        if key != "x":
            out = out.replace(f"[{key}]", f"[{value}]")
    return out


def names_for(name: str, iterators: dict[str, str]) -> set[str]:
    names = {name}
    for variant, _x, iters in variants(name):
        names.add(variant)
    return names


def data_value(data: Any, ns: dict, objects: bool = False) -> Any:
    """``data from code``: each string is an expression -- except, with ``use objects:
    objects``, the ``object`` and ``module`` names of a dict that describes an object."""
    if isinstance(data, str):
        return eval(data, ns)  # noqa: S307
    if isinstance(data, list):
        return [data_value(v, ns, objects) for v in data]
    if isinstance(data, dict):
        names = ("object", "module") if objects and describes_object(data) else ()
        return {k: v if k in names else data_value(v, ns, objects) for k, v in data.items()}
    return data


def render_data(data: Any, ns: dict) -> Any:
    """A `data:` structure with its text rendered by Mako (docassemble renders each string)."""
    if isinstance(data, str):
        return Text(data).render(ns) if MAKO_MARKER.search(data) else data
    if isinstance(data, list):
        return [render_data(v, ns) for v in data]
    if isinstance(data, dict):
        return {k: render_data(v, ns) for k, v in data.items()}
    return data


def source_line(interview: Interview, file: str, lineno: int) -> str:
    for block in interview.blocks:
        code = getattr(block, "code", None)
        if code is not None and block.file == file:
            text = code.source_line(lineno)
            if text:
                return text
    return ""
