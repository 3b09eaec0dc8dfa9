"""The panels around a screen: the calendar bar and the session's background tasks.

Each panel reads plain data with ``snapshot()`` (safe from any thread: it only reads the
simulator) and shows it with ``show(snapshot)`` (on the widgets' thread only).
"""
from __future__ import annotations

import html as _html
import re
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as W

if TYPE_CHECKING:
    from bgkernel.runtime.session import Session
    from bgkernel.simulator import Simulator

__all__ = ["CalendarBar", "TasksPanel", "STEPS"]

#: The calendar bar's jumps, in days.
STEPS = (1, 20, 30)
_STATE_COLOURS = {"SUCCESS": "#1b7f3b", "FAILURE": "#b00020", "REVOKED": "#777",
                  "PENDING": "#8a6d00", "STARTED": "#2a7ae2"}


class CalendarBar:
    """Calendar now, buttons that jump it forward, the outbox count, a Refresh button."""

    def __init__(self, sim: "Simulator", on_advance: Callable[[float], None],
                 on_refresh: Callable[[], None]):
        self.sim = sim
        self.now = W.HTML("")
        self.outbox = W.HTML("")
        self.buttons: dict[int, W.Button] = {}
        for days in STEPS:
            button = W.Button(description=f"+{days} day{'s' * (days != 1)}",
                              tooltip=f"sim.advance(days={days}): calendar time forward, "
                                      "running the scheduled tasks that fall in the jump",
                              layout=W.Layout(width="auto"))
            button.on_click(lambda _b, days=days: on_advance(days))
            self.buttons[days] = button
        self.refresh = W.Button(description="Refresh", icon="refresh", layout=W.Layout(width="auto"),
                                tooltip="reload the page (session.refresh())")
        self.refresh.on_click(lambda _b: on_refresh())
        self.box = W.HBox([self.now, *self.buttons.values(), self.refresh, self.outbox],
                          layout=W.Layout(align_items="center", border_bottom="1px solid #ddd",
                                          padding="2px 0", grid_gap="6px"))
        self.show(self.snapshot())

    def snapshot(self) -> tuple[str, int]:
        if self.sim.closed:
            return ("simulator closed", 0)
        now = self.sim.now()
        return (f"{now:%a %Y-%m-%d %H:%M} {now.tzname() or ''}".strip(), len(self.sim.outbox))

    def show(self, snapshot: tuple[str, int]) -> None:
        when, sent = snapshot
        self.now.value = f"&#128197; <b>{_html.escape(when)}</b>"
        self.outbox.value = f"&#9993; outbox: <b>{sent}</b>"


class TasksPanel:
    """The session's background tasks: action, state, times (queued, started, finished, in
    wall seconds since the simulator started) and what each printed."""

    def __init__(self) -> None:
        self.table = W.HTML("<i>no background tasks yet</i>")
        self.box = W.VBox([self.table])
        self._actions: dict[str, str] = {}
        self._times: dict[str, tuple] = {}
        self._states: tuple = ()
        self.rows: tuple = ()

    def snapshot(self, session: "Session") -> tuple:
        """``((id, action, state, output, error, times), ...)`` for the session's tasks;
        ``times`` is ``(queued, started, finished)`` wall seconds (None: not yet)."""
        rows = []
        if session.sim.closed:
            return self.rows
        tasks = [(task, task.status()) for task in session.tasks]
        states = tuple((task.id, state) for task, state in tasks)
        if states != self._states:       # read the timeline only when a task moved on
            self._states = states
            self._times = _task_times(session)
        for task, state in tasks:
            error = ""
            if state == "FAILURE":
                try:
                    result = task.result()
                    error = f"{result.error_type}: {result.error_message}"
                except Exception as err:  # noqa: BLE001 -- show why instead
                    error = f"{type(err).__name__}: {err}"
            rows.append((task.id, self._action(session, task), state, task_output(task.output),
                         error, self._times.get(task.id, (None, None, None))))
        return tuple(rows)

    def _action(self, session: "Session", task: Any) -> str:
        name = getattr(task, "action", None)
        if name:
            return str(name)
        if task.id not in self._actions:
            row = session.sim.store.task_row(task.id)
            self._actions[task.id] = (row or {}).get("action") or "?"
        return self._actions[task.id]

    def show(self, rows: tuple) -> None:
        self.rows = rows
        if not rows:
            self.table.value = "<i>no background tasks yet</i>"
            return
        lines = ['<table style="border-collapse:collapse;font-size:90%">'
                 "<tr><th align=left>task</th><th align=left>action</th><th align=left>state</th>"
                 "<th align=left>queued</th><th align=left>started</th><th align=left>finished</th>"
                 "<th align=left>output</th></tr>"]
        for task_id, action, state, output, error, times in rows:
            colour = _STATE_COLOURS.get(state, "#333")
            text = _html.escape(output or "")
            if error:
                text += f'<span style="color:#b00020">{_html.escape(error)}</span>'
            when = "".join(f"<td>{'' if t is None else f'{t:.2f} s'}</td>" for t in times)
            lines.append(f'<tr style="border-top:1px solid #eee"><td><code>{task_id[:8]}</code></td>'
                         f"<td>{_html.escape(action)}</td>"
                         f'<td style="color:{colour}"><b>{_html.escape(state)}</b></td>{when}'
                         f'<td><pre style="margin:0;white-space:pre-wrap">{text}</pre></td></tr>')
        lines.append("</table>")
        self.table.value = "".join(lines)

    def states(self) -> dict[str, str]:
        """action → state of the newest task of each action (for tests and notebooks)."""
        return {row[1]: row[2] for row in self.rows}


#: The line docassemble's worker logs before running a task: the worker's, not the task's.
_WORKER_LINE = re.compile(r"^background_action: (yaml_filename is|dictionary could not be found).*$\n?",
                          re.M)
_TIME_KINDS = {"task_queued": 0, "task_started": 1, "task_finished": 2, "task_failed": 2,
               "task_revoked": 2}


def task_output(output: str) -> str:
    """What a task printed, without the worker's own log line."""
    return _WORKER_LINE.sub("", output or "")


def _task_times(session: "Session") -> dict[str, tuple]:
    """task id → (queued, started, finished) wall seconds, from the session's timeline."""
    frame = session.timeline
    if not len(frame) or "task" not in frame.columns:
        return {}
    out: dict[str, list] = {}
    rows = frame[frame["kind"].isin(list(_TIME_KINDS)) & frame["task"].notna()]
    for task, kind, wall in zip(rows["task"], rows["kind"], rows["wall"]):
        times = out.setdefault(str(task), [None, None, None])
        slot = _TIME_KINDS[str(kind)]
        if times[slot] is None:
            times[slot] = float(wall)
    return {k: tuple(v) for k, v in out.items()}
