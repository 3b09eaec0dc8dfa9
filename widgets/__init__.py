"""bgkernel's Jupyter layer: interview screens as ipywidgets, timelines, and the magics.

    from bgkernel.widgets import show, timeline_view
    app = show(session)          # the current screen, live: check-ins, reloads, tasks
    show(session)                # the same app again: one more view, kept in step
    show(session, chrome=False)  # the screen as the interview's user sees it
    app.set_field("x", 5); app.click("Continue")   # every gesture has a method twin
    app.type_text("x", "5")      # typing without leaving: the periodic check-in sends it
    timeline_view(sim)           # the events table and Gantt charts

``%load_ext bgkernel`` registers ``%%interview``, ``%bg_advance`` and ``%bg_timeline``
(:mod:`bgkernel.widgets.magics`).

May import: all of ``bgkernel`` (it sits on top of the facade), ipywidgets, anywidget
(the text box, :mod:`bgkernel.widgets.textbox`) and IPython; ``bgkernel`` never imports it.  ``bridge`` is the one module that crosses threads.
"""
from __future__ import annotations

from typing import Any

from . import choices  # noqa: F401 -- registers the choice widgets with fields.register
from .app import InterviewApp, show
from .fields import FieldWidget, register, registered, widget_for
from .timeline_view import TimelineView, timeline_view

__all__ = [
    "InterviewApp", "show",
    "TimelineView", "timeline_view",
    "FieldWidget", "register", "registered", "widget_for",
    "InterviewRunner", "load_ipython_extension", "unload_ipython_extension",
]


def __getattr__(name: str) -> Any:
    if name in ("InterviewRunner", "load_ipython_extension", "unload_ipython_extension"):
        from . import magics  # the IPython magics: loaded by %load_ext, not by `import`
        return getattr(magics, name)
    raise AttributeError(f"module 'bgkernel.widgets' has no attribute {name!r}")
