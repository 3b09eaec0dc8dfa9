"""Charts of a timeline frame (``Recorder.to_frame()``, ``sim.timeline``).

``gantt`` draws one session: screens as shaded bands, background tasks as bars
(queued hatched, running solid), check-ins, notifications and lock waits as tick
marks.  ``overview`` draws many sessions per calendar day: scheduled runs, e-mails,
sessions started and deleted.

Both return a matplotlib Figure and never touch pyplot's global state: figures are
drawn on an Agg canvas (no display needed) and show themselves as PNG in Jupyter.
matplotlib and pandas are imported on the first call, not on import.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["gantt", "overview", "TASK_KINDS", "TICK_KINDS"]

TASK_KINDS = ("task_queued", "task_started", "task_finished", "task_failed", "task_revoked")
#: Kinds drawn as tick marks on a row of their own, in this order.
TICK_KINDS = ("answer", "action", "back", "refresh", "checkin", "checkin_command",
              "notification", "response_action", "error_action", "lock_wait",
              "lock_timeout", "email_sent", "email_received", "cron")
CLOCKS = ("wall", "calendar")
OUTCOME_COLOURS = {"task_finished": "tab:green", "task_failed": "tab:red",
                   "task_revoked": "tab:gray", None: "tab:blue"}
TICK_COLOURS = {"checkin": "tab:blue", "checkin_command": "tab:cyan",
                "notification": "tab:orange", "lock_wait": "tab:red",
                "lock_timeout": "darkred", "response_action": "tab:purple",
                "error_action": "tab:red", "answer": "tab:olive", "cron": "tab:brown"}
SCREEN_SHADES = ("#dde6f3", "#f3e8d8")
_figure_class: Any = None


def _new_figure(width: float, height: float, rows: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure on an Agg canvas, with ``rows`` stacked axes sharing x."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _figure_type()(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return fig, list(axes)


def _figure_type() -> type:
    """``TimelineFigure``: a Figure that shows itself as PNG in Jupyter, made on first use
    (so importing this module does not import matplotlib)."""
    global _figure_class
    if _figure_class is None:
        from matplotlib.figure import Figure

        class TimelineFigure(Figure):
            """A matplotlib Figure with a PNG representation for IPython."""

            def _repr_png_(self) -> bytes:
                buffer = io.BytesIO()
                self.savefig(buffer, format="png")
                return buffer.getvalue()

        TimelineFigure.__module__, TimelineFigure.__qualname__ = __name__, "TimelineFigure"
        _figure_class = TimelineFigure
    return _figure_class


def __getattr__(name: str) -> Any:
    if name == "TimelineFigure":   # importable, and picklable, by name
        return _figure_type()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- one session -----------------------------------------------------------------------

def _one_session(frame: pandas.DataFrame, session: str | None) -> tuple[str, pandas.DataFrame]:
    sessions = list(dict.fromkeys(frame["session"].dropna()))
    if session is None:
        if len(sessions) != 1:
            raise ValueError(f"gantt() draws one session; pass session= one of {sessions}"
                             if sessions else "gantt() needs a frame with events")
        session = sessions[0]
    elif session not in sessions:
        raise ValueError(f"no events for session {session!r}; sessions: {sessions}")
    return session, frame[frame["session"] == session]


def _x_values(frame: pandas.DataFrame, clock: str) -> tuple[Any, float, str]:
    """The x of each row, the x units in one second, and the axis label."""
    if clock == "wall":
        return frame["wall"].to_numpy(dtype=float), 1.0, "wall seconds since the simulator started"
    if clock == "calendar":
        from matplotlib.dates import date2num

        at = frame["at"]
        zone = str(at.dt.tz) if at.dt.tz is not None else "naive"
        local = at.dt.tz_localize(None) if at.dt.tz is not None else at
        return date2num(local.to_numpy()), 1 / 86400, f"calendar time ({zone})"
    raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, not {clock!r}")


def _tasks(rows: pandas.DataFrame, x: Any, per_second: float) -> list[dict[str, Any]]:
    """One dict per task id: label, queued, started, ended, outcome (None if running)."""
    tasks: dict[str, dict[str, Any]] = {}
    for (task, kind, name, duration), at in zip(
            rows[["task", "kind", "name", "duration"]].itertuples(index=False), x):
        if kind not in TASK_KINDS or not isinstance(task, str):
            continue
        info = tasks.setdefault(task, {"label": name or task, "queued": None,
                                       "started": None, "ended": None, "outcome": None})
        if kind == "task_queued" and info["queued"] is None:
            info["queued"], info["label"] = at, name or task
        elif kind == "task_started" and info["started"] is None:
            info["started"] = at
        elif kind not in ("task_queued", "task_started") and info["ended"] is None:
            info["ended"], info["outcome"] = at, kind
            if info["started"] is None and duration == duration:   # a known run time
                info["started"] = at - duration * per_second
    return list(tasks.values())


def _draw_task(ax: Axes, y: float, task: dict[str, Any], end: float) -> None:
    queued, started, ended = task["queued"], task["started"], task["ended"]
    finish = ended if ended is not None else end
    if queued is not None:
        wait_end = started if started is not None else finish
        ax.broken_barh([(queued, max(wait_end - queued, 0))], (y - 0.15, 0.3),
                       facecolors="white", edgecolors="tab:gray", hatch="///", linewidth=0.8)
    if started is not None:
        ax.broken_barh([(started, max(finish - started, 0))], (y - 0.3, 0.6),
                       facecolors=OUTCOME_COLOURS[task["outcome"]],
                       alpha=1.0 if ended is not None else 0.5)
    elif ended is not None:
        ax.plot([ended], [y], marker="D", color=OUTCOME_COLOURS[task["outcome"]])


def _draw_screens(ax: Axes, screens: list[tuple[float, str]], end: float) -> None:
    from matplotlib.transforms import blended_transform_factory

    to_text = blended_transform_factory(ax.transData, ax.transAxes)
    gap = (end - screens[0][0]) * 0.04 if screens else 0.0   # labels closer than this overlap
    labelled = None
    for i, (start, name) in enumerate(screens):
        stop = screens[i + 1][0] if i + 1 < len(screens) else end
        ax.axvspan(start, stop, color=SCREEN_SHADES[i % 2], zorder=0, linewidth=0)
        if labelled is None or start - labelled >= gap:
            ax.text(start, 1.0, f" {name}", transform=to_text, va="bottom", ha="left",
                    fontsize=7, rotation=30, clip_on=False)
            labelled = start


def gantt(frame: pandas.DataFrame, session: str | None = None, clock: str = "wall",
          ax: Axes | None = None) -> Figure:
    """A Gantt chart of one session (``session`` may be omitted if the frame has one).

    ``clock="wall"`` puts wall seconds on x, ``clock="calendar"`` calendar time.
    Draws into ``ax`` if given, else a new figure; returns the figure.
    """
    session, rows = _one_session(frame, session)
    x, per_second, xlabel = _x_values(rows, clock)
    order = x.argsort(kind="stable")          # in time order, whatever the frame's order
    rows, x = rows.iloc[order], x[order]
    kinds = rows["kind"].astype(str).to_numpy()
    names = rows["name"].fillna("").astype(str).to_numpy()
    span = float(x.max() - x.min()) if len(x) else 0.0
    end = float(x.max()) + (span * 0.03 or per_second)

    tasks = _tasks(rows, x, per_second)
    ticks = [k for k in TICK_KINDS if (kinds == k).any()]
    labels = ticks + [t["label"] for t in tasks]
    if ax is None:
        fig, (ax,) = _new_figure(10, 1.6 + 0.35 * max(len(labels), 1))
    else:
        fig = ax.figure
    _draw_screens(ax, [(xi, n) for xi, k, n in zip(x, kinds, names) if k == "screen"], end)
    for y, kind in enumerate(ticks):
        ax.plot(x[kinds == kind], [y] * int((kinds == kind).sum()), linestyle="none",
                marker="|", markersize=12, markeredgewidth=2,
                color=TICK_COLOURS.get(kind, "tab:gray"))
    for y, task in enumerate(tasks, start=len(ticks)):
        _draw_task(ax, y, task, end)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5 if labels else 0.5, -0.5)
    ax.set_xlim(float(x.min()) - (span * 0.01 or per_second), end)
    ax.set_xlabel(xlabel)
    ax.set_title(f"session {session}", loc="left", fontsize=10, pad=40)
    if clock == "calendar":
        _date_axis(ax)
    return fig


def _date_axis(ax: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


# -- many sessions ---------------------------------------------------------------------

def _per_day(rows: pandas.DataFrame, days: pandas.DatetimeIndex, by: pandas.Series,
             columns: list[str] | None = None) -> pandas.DataFrame:
    """Counts of ``rows`` per local calendar day (index ``days``), one column per value
    of ``by`` (or per name in ``columns``, in that order)."""
    import pandas as pd

    if len(rows):
        counts = pd.crosstab(_local_day(rows["at"]).to_numpy(), by.to_numpy())
    else:
        counts = pd.DataFrame(index=pd.DatetimeIndex([]))
    return counts.reindex(index=days, columns=columns or sorted(counts.columns), fill_value=0)


def _local_day(at: pandas.Series) -> pandas.Series:
    return (at.dt.tz_localize(None) if at.dt.tz is not None else at).dt.floor("D")


def _bars(ax: Axes, counts: pandas.DataFrame, stacked: bool, ylabel: str) -> None:
    from matplotlib.dates import date2num
    from matplotlib.ticker import MaxNLocator

    x = date2num(counts.index.to_numpy())
    columns = list(counts.columns)
    width = 0.8 if stacked else 0.8 / max(len(columns), 1)
    bottom = 0
    for i, column in enumerate(columns):
        values = counts[column].to_numpy()
        offset = 0 if stacked else (i - (len(columns) - 1) / 2) * width
        ax.bar(x + offset, values, width=width, bottom=bottom, label=str(column))
        if stacked:
            bottom = bottom + values
    if columns:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "none", transform=ax.transAxes, ha="center", color="gray")
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def overview(frame: pandas.DataFrame) -> Figure:
    """Per calendar day, over all sessions: scheduled runs (by name), e-mails sent and
    received, sessions started and deleted.  Returns a three-panel figure."""
    import pandas as pd

    kind = frame["kind"].astype(str)
    if len(frame):
        days_seen = _local_day(frame["at"])
        days = pd.date_range(days_seen.min(), days_seen.max(), freq="D")
    else:
        days = pd.DatetimeIndex([])
    cron = frame[kind == "cron"]
    mail = frame[kind.isin(["email_sent", "email_received"])]
    life = frame[kind.isin(["session_started", "session_deleted"])]
    labels = {"email_sent": "sent", "email_received": "received",
              "session_started": "started", "session_deleted": "deleted"}
    fig, axes = _new_figure(10, 7, rows=3)
    _bars(axes[0], _per_day(cron, days, cron["name"].fillna("")), True, "scheduled runs")
    _bars(axes[1], _per_day(mail, days, mail["kind"].astype(str).map(labels),
                            ["sent", "received"]), False, "e-mails")
    _bars(axes[2], _per_day(life, days, life["kind"].astype(str).map(labels),
                            ["started", "deleted"]), False, "sessions")
    sessions = frame.loc[frame["session"].fillna("") != "", "session"].nunique()
    span = f", {days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}" if len(days) else ", no events"
    axes[0].set_title(f"{sessions} session{'s' * (sessions != 1)}{span}", loc="left", fontsize=10)
    axes[2].set_xlabel("calendar day" + (f" ({frame['at'].dt.tz})"
                                         if len(frame) and frame["at"].dt.tz else ""))
    _date_axis(axes[2])
    return fig
