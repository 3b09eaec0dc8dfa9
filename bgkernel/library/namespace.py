"""An interview namespace's library: the catalog's names as its ``__builtins__``, and the
docassemble module aliases (``import docassemble.base.util``) installed on first use."""
from __future__ import annotations

import builtins
import importlib
from typing import Any

from . import compat
from .catalog import names
from .lazytemplate import DALazyTemplate
from .object_files import LATE_NAMES

__all__ = ["install", "builtins_dict", "make_template"]


_BUILTINS: dict[str, Any] | None = None


def builtins_dict() -> dict[str, Any]:
    """Python's builtins with the library on top: an interview namespace's ``__builtins__``."""
    global _BUILTINS
    if _BUILTINS is None:
        compat.install()
        merged = dict(builtins.__dict__)
        merged.update(names())
        merged.update(LATE_NAMES)
        merged["us"] = importlib.import_module("us")    # docassemble.base.util's `us` (states)
        _BUILTINS = merged
    return _BUILTINS


_PLAIN: dict[str, Any] | None = None


def install(ns: dict, suppress: bool = False) -> None:
    """Make the library visible to an interview namespace.

    The names live in the namespace's ``__builtins__`` rather than in the namespace
    itself, so the answers hold only the interview's own variables (and a name the
    interview defines simply shadows the library's).  ``suppress`` (metadata ``suppress
    loading util``): Python's builtins only, as docassemble then imports nothing."""
    global _PLAIN
    if suppress:
        if _PLAIN is None:
            compat.install()
            _PLAIN = dict(builtins.__dict__)
        ns["__builtins__"] = _PLAIN
        return
    ns["__builtins__"] = builtins_dict()


def make_template(block: Any, ns: dict) -> Any:
    """A ``template`` block's variable: a DALazyTemplate rendering on each read."""
    return DALazyTemplate(block.variable,
                          source_subject=block.subject.source if block.subject else "",
                          source_content=block.content.source if block.content else "")
