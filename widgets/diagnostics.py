"""The pitfalls a run has shown (the timeline's ``diagnostic`` rows), beside the screen.

``DiagnosticsPanel.attach(app)`` puts the panel next to an :class:`~.app.InterviewApp`'s
screen and refreshes it with the app's status (tasks, calendar), so a task that asked a
question, a refresh loop or a lock taken over shows up where the author is looking.
"""
from __future__ import annotations

import html as _html
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from bgkernel.lint.catalog import RULES

if TYPE_CHECKING:
    from bgkernel.runtime.session import Session

__all__ = ["DiagnosticsPanel"]

_COLOURS = {"error": "#b00020", "warning": "#8a6d00", "info": "#2a7ae2"}


class DiagnosticsPanel:
    """The session's diagnostics: code, what happened, the fix (hidden while there are none)."""

    def __init__(self, session: "Session"):
        self.session = session
        self.box = W.HTML("", layout=W.Layout(display="none", max_width="420px",
                                              padding="0 0 0 8px"))
        self.rows: tuple = ()

    def snapshot(self) -> tuple:
        """(code, detail) of each diagnostic row of the session (any thread: it only reads)."""
        events = self.session.sim.recorder.events(self.session.id)
        return tuple((e.name, e.detail) for e in events if e.kind == "diagnostic")

    def show(self, rows: tuple) -> None:
        """Show ``rows`` (the widgets' thread)."""
        self.rows = rows
        if not rows:
            self.box.layout.display = "none"
            return
        items = []
        for code, detail in rows:
            rule = RULES.get(code)
            severity = rule.severity if rule else "warning"
            what, _, fix = str(detail).partition(" Fix: ")
            items.append(f'<li><b style="color:{_COLOURS.get(severity, "#333")}">{_html.escape(code)}</b> '
                         f'{_html.escape(what)}<br><small>Fix: {_html.escape(fix)}</small></li>')
        self.box.value = (f"<div><b>Diagnostics ({len(rows)})</b><ul style='padding-left:1.2em'>"
                          + "".join(items) + "</ul></div>")
        self.box.layout.display = None

    @classmethod
    def attach(cls, app: Any) -> "DiagnosticsPanel":
        """A panel for ``app``'s session, placed beside its screen, refreshed with its status."""
        panel = cls(app.session)
        children = list(app.root.children)
        if app.screen_box in children:
            at = children.index(app.screen_box)
            children[at] = W.HBox([app.screen_box, panel.box])
        else:
            children.append(panel.box)
        app.root.children = tuple(children)
        show_status = app._show_status

        def with_diagnostics(*args: Any, **kwargs: Any) -> Any:
            result = show_status(*args, **kwargs)
            panel.show(panel.snapshot())
            return result

        app._show_status = with_diagnostics
        panel.show(panel.snapshot())
        return panel
