"""The names every interview sees (docassemble's ``from docassemble.base.util import *``)."""
from __future__ import annotations

from typing import Any

from . import functions
from ..errors import DAError, DAValidationError

__all__ = ["install", "names", "process_action", "make_template", "builtins_dict"]

process_action = functions.process_action

_NAMES: dict[str, Any] | None = None
_IDS: set[int] = set()


def names() -> dict[str, Any]:
    """Build the library once: functions, objects, dates, geography."""
    global _NAMES
    if _NAMES is not None:
        return _NAMES
    from . import catchall, compat, dastore, dates, finance, geography, objects, urls, words
    table: dict[str, Any] = dict(compat.STDLIB_NAMES)
    for module in (objects, finance, catchall, dastore, dates, geography, words, urls,
                   functions):                                            # the last one wins
        for name in getattr(module, "__all__", ()):
            table[name] = getattr(module, name)
    table["DAError"] = DAError
    table["DAValidationError"] = DAValidationError
    table["BackgroundAction"] = BackgroundAction
    try:
        from .email_objects import DAEmail, DAEmailRecipient, DAEmailRecipientList
        table.update(DAEmail=DAEmail, DAEmailRecipient=DAEmailRecipient,
                     DAEmailRecipientList=DAEmailRecipientList)
    except ImportError:
        pass
    objects.DALazyTemplate.renderer = _render_template
    _NAMES = table
    _IDS.update(id(v) for v in table.values())
    return table


def _render_template(source: str, extra: dict, template: Any = None) -> str:
    """Render a template block's text against the running interview's answers."""
    from .context import current
    from ..language.templates import Text
    ns = current().namespace or {}
    if extra:
        ns = {**ns, **extra}
    return Text(source).render(ns)


_BUILTINS: dict[str, Any] | None = None


def builtins_dict() -> dict[str, Any]:
    """Python's builtins with the library on top: an interview namespace's ``__builtins__``."""
    global _BUILTINS
    if _BUILTINS is None:
        import builtins
        from . import compat
        compat.install()
        merged = dict(builtins.__dict__)
        merged.update(names())
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
            import builtins
            from . import compat
            compat.install()
            _PLAIN = dict(builtins.__dict__)
        ns["__builtins__"] = _PLAIN
        return
    ns["__builtins__"] = builtins_dict()


def make_template(block: Any, ns: dict) -> Any:
    """A ``template`` block's variable: a DALazyTemplate rendering on each read."""
    from .objects import DALazyTemplate
    return DALazyTemplate(block.variable,
                          source_subject=block.subject.source if block.subject else "",
                          source_content=block.content.source if block.content else "")
