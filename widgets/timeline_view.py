"""A timeline as widgets: the events table, a Gantt chart per session, the calendar overview.

Everything is drawn into plain widgets (HTML for the table, PNG Images for the charts),
so it shows headless, in nbclient, and in a saved notebook alike.
"""
from __future__ import annotations

import io
from typing import Any

import ipywidgets as W

from bgkernel.analysis import charts
from bgkernel.runtime.session import Session

__all__ = ["TimelineView", "timeline_view"]

_COLUMNS = ("session", "at", "wall", "kind", "name", "detail", "duration")


class TimelineView:
    """``sim.timeline`` (or one session's) as tabs: Table, Gantt, and for a simulator Calendar.

    ``refresh()`` (or the Refresh button) re-reads the timeline and redraws.
    """

    def __init__(self, source: Any, clock: str = "wall", max_rows: int = 500, max_sessions: int = 6):
        self.source = source
        self.session_id = source.id if isinstance(source, Session) else None
        self.sim = source.sim if isinstance(source, Session) else source
        self.clock = clock
        self.max_rows = max_rows
        self.max_sessions = max_sessions
        self.frame: Any = None
        self.figures: dict[str, Any] = {}
        self.table = W.HTML("")
        self.gantt = W.VBox([])
        self.calendar = W.VBox([])
        self.summary = W.HTML("")
        self.button = W.Button(description="Refresh", icon="refresh", layout=W.Layout(width="auto"))
        self.button.on_click(lambda _b: self.refresh())
        titles = ["Table", "Gantt"] + ([] if self.session_id else ["Calendar"])
        children = [self.table, self.gantt] + ([] if self.session_id else [self.calendar])
        self.tabs = W.Tab(children=children, titles=tuple(titles))
        self.root = W.VBox([W.HBox([self.button, self.summary]), self.tabs])
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.root._repr_mimebundle_(**kwargs)

    def refresh(self) -> "TimelineView":
        """Re-read the timeline and redraw the table and the charts."""
        frame = self.source.timeline
        self.frame = frame
        shown = frame[[c for c in _COLUMNS if c in frame.columns]]
        more = len(shown) - self.max_rows
        self.table.value = (
            '<div style="max-height:28em;overflow:auto;font-size:85%">'
            + shown.tail(self.max_rows).to_html(index=False, na_rep="", escape=True)
            + "</div>" + (f"<i>{more} earlier rows not shown</i>" if more > 0 else ""))
        sessions = [s for s in frame["session"].dropna().unique() if s] if len(frame) else []
        if self.session_id:
            sessions = [self.session_id]
        self.figures = {}
        images: list[W.Widget] = []
        if len(sessions) > self.max_sessions:
            images.append(W.HTML(f"<i>the {self.max_sessions} newest of {len(sessions)} sessions</i>"))
        for session in sessions[-self.max_sessions:]:
            rows = frame[frame["session"] == session]
            if not len(rows):
                continue
            fig = charts.gantt(rows, session=session, clock=self.clock)
            self.figures[session] = fig
            images.append(W.Image(value=_png(fig), format="png", layout=W.Layout(max_width="100%")))
        self.gantt.children = images if self.figures else [W.HTML("<i>no events yet</i>")]
        if not self.session_id:
            if len(frame):
                fig = charts.overview(frame)
                self.figures["overview"] = fig
                self.calendar.children = [W.Image(value=_png(fig), format="png",
                                                  layout=W.Layout(max_width="100%"))]
            else:
                self.calendar.children = [W.HTML("<i>no events yet</i>")]
        kinds = frame["kind"].astype(str).value_counts() if len(frame) else {}
        counted = list(kinds.items()) if len(frame) else []
        top = ", ".join(f"{k} {n}" for k, n in counted[:6])
        rest = sum(n for _, n in counted[6:])
        if rest:                           # the counts add up to the events shown
            top += f", {len(counted) - 6} other kind{'s' * (len(counted) != 7)} {rest}"
        self.summary.value = (f"&nbsp;{len(frame)} events in {len(sessions)} session"
                              f"{'s' * (len(sessions) != 1)}" + (f": {top}" if top else ""))
        return self


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def timeline_view(sim_or_session: Any, clock: str = "wall") -> TimelineView:
    """The timeline of a simulator or of one session, as a displayable :class:`TimelineView`."""
    return TimelineView(sim_or_session, clock=clock)
