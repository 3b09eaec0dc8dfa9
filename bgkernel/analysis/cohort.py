"""Cohorts: many sessions of one interview, answered from a table, studied with pandas.

    answers = pandas.DataFrame({"email_address": [...], "filing_date": [...],
                                "start": [0, 0, 1, 2, ...]})      # days from now
    outcomes = sim.cohort("reminder.yml", answers, parallel=8, variables=["fee"])
    sim.advance(days=90)
    sent = sim.timeline.query("kind == 'email_sent'")
    sent.groupby(sent["at"].dt.date).size()                      # e-mails per day

One row of ``answers`` is one user.  Its columns are variable names (a field's
``variable`` or its generic name, ``x.name``), plus two optional ones: ``user``
(what :meth:`Simulator.start` takes: None, an e-mail, a dict) and ``start`` (when
the user begins: a calendar instant, or an offset from the cohort's start as a
timedelta or a number of days).  A missing value (None, NaN, NaT) is an answer the
user does not give.

Each user's session answers every screen it can from its row (:func:`answer_screens`);
users who begin at the same instant run side by side on ``parallel`` threads, and the
interview's background tasks go to the simulator's pool as usual.  Between two start
instants the calendar advances, so the scheduled runs in between fire; ``advance=``
moves it on once all have answered.  The result has one row per user, on the index of
``answers`` (so ``answers.join(outcomes)`` works).  With ``client=`` (a dask
``Client``) the users run in shards on the cluster's workers (:mod:`.shards`).
pandas is imported when a cohort runs, never at import.
"""
from __future__ import annotations

import datetime as _dt
import math
import numbers
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..calendar.clock import parse_instant
from ..errors import SessionError

if TYPE_CHECKING:
    import pandas

    from ..engine.screen import Screen
    from ..language.interview import Interview
    from ..runtime.host import Host
    from ..runtime.session import Session

__all__ = ["run_cohort", "run_members", "member_outcomes", "answer_screens", "snapshot",
           "outcome_frame", "Member", "user_text", "RESERVED",
           "OUTCOME_COLUMNS"]

#: Columns of ``answers`` that are not variables.
RESERVED = ("user", "start")
#: The columns of :func:`run_cohort`'s result, before the selected variables.
OUTCOME_COLUMNS = ("session", "user", "started", "steps", "stopped", "error",
                   "kind", "question", "deleted", "tasks", "tasks_failed")


@dataclass
class Member:
    """One row of the answers table, read."""

    index: Any
    user: Any
    start: _dt.datetime | None
    values: dict[str, Any]
    outcome: dict[str, Any] = field(default_factory=dict)


# --- running a cohort -----------------------------------------------------------------

def run_cohort(sim: Host, interview: Interview | str, answers: pandas.DataFrame, *,
               parallel: int = 4, variables: Iterable[str] = (), presses: Sequence[str] = (),
               max_steps: int = 100, timeout: float | None = 300.0,
               advance: dict | None = None, client: Any = None, shard_size: int = 1000,
               timeline_dir: str | None = None) -> pandas.DataFrame:
    """Start one session per row of ``answers`` and answer it as far as the row goes.

    ``parallel`` users run at once (threads); ``variables`` are read from each session
    at the end, one column each; ``presses`` are button labels a user presses when
    shown (``["Leave"]``); ``max_steps`` bounds each session's screens; ``timeout``
    bounds each wait for a session's background tasks.  Returns a DataFrame on the
    index of ``answers`` with the columns :data:`OUTCOME_COLUMNS` and then ``variables``.
    An error in one session is kept in its ``error`` column; the others go on.

    ``advance`` (what :meth:`Simulator.advance` takes, ``{"days": 365}``) moves the
    calendar once every user has answered, firing the scheduled runs; the outcomes are
    read after it.  ``client`` (a ``dask.distributed.Client``) runs the users in shards
    of at most ``shard_size`` on the cluster's workers, each in a simulator of its own
    (:mod:`bgkernel.analysis.shards`); their timelines are written to Parquet in
    ``timeline_dir`` (default: ``timeline`` beside the store) and join ``sim.timeline``
    with a ``shard`` column, their e-mails join ``sim.outbox``.
    """
    import pandas as pd

    if not isinstance(answers, pd.DataFrame):
        raise TypeError(f"answers must be a pandas DataFrame (one row per user), "
                        f"not {type(answers).__name__}")
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        raise ValueError(f"parallel must be a whole number >= 1, not {parallel!r}")
    if isinstance(variables, str):
        variables = [variables]
    variables = list(variables)
    if advance is not None and not isinstance(advance, dict):
        raise TypeError(f"advance is a dict of what sim.advance takes ({{'days': 365}}), "
                        f"not {advance!r}")
    if isinstance(interview, str):
        interview = sim.load(interview)
    members = _members(sim, answers)
    presses = tuple(presses)
    if client is not None:
        from .shards import run_shards
        options = {"parallel": parallel, "variables": variables, "presses": presses,
                   "max_steps": max_steps, "timeout": timeout, "advance": advance}
        return run_shards(sim, client, interview, members, answers.index, options,
                          shard_size=shard_size, timeline_dir=timeline_dir)
    run_members(sim, interview, members, parallel, presses, max_steps, timeout)
    if advance:
        sim.advance(**advance)
    return member_outcomes(sim, members, answers.index, variables)


def run_members(sim: Host, interview: Interview, members: list[Member], parallel: int,
                presses: tuple[str, ...], max_steps: int, timeout: float | None) -> None:
    """Each member's session, run in start order (the calendar advancing between)."""
    with sim.clock.frozen(), ThreadPoolExecutor(parallel, "bgkernel-cohort") as pool:
        # one freeze for the whole cohort, as advance() holds one: no module scan per step
        for instant, group in _by_start(members):
            if instant is not None:
                _advance_to(sim, instant)
            jobs = [pool.submit(_run_one, sim, interview, m, presses, max_steps, timeout)
                    for m in group]
            for job in jobs:
                job.result()


def member_outcomes(sim: Host, members: list[Member], index: pandas.Index,
              variables: list[str]) -> pandas.DataFrame:
    """The result frame: each member's outcome joined with its session's snapshot."""
    ids = [m.outcome["session"] for m in members]
    state = snapshot(sim, [i for i in ids if i is not None], variables)
    rows = []
    for member in members:
        session_id = member.outcome["session"]
        found = state.loc[session_id].to_dict() if session_id is not None else {}
        rows.append({**found, **member.outcome})
    return outcome_frame(rows, index, variables, sim.clock.tz)


def outcome_frame(rows: list[dict], index: Any, variables: list[str], tz: Any) -> pandas.DataFrame:
    """Outcome rows as the result frame, with its column types."""
    import pandas as pd

    columns = list(OUTCOME_COLUMNS) + [v for v in variables if v not in OUTCOME_COLUMNS]
    frame = pd.DataFrame(rows, index=index, columns=columns)
    frame["started"] = pd.to_datetime(frame["started"], utc=True).dt.tz_convert(tz)
    for column in ("steps", "tasks", "tasks_failed"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["deleted"] = frame["deleted"].fillna(False).astype(bool)
    return frame


def _run_one(sim: Host, interview: Interview, member: Member, presses: tuple[str, ...],
             max_steps: int, timeout: float | None) -> None:
    """One user: start, answer, note where it stopped.  Never raises."""
    out = member.outcome
    out.update(session=None, user=user_text(member.user), started=None, steps=0,
               stopped="", error="", kind=None, question=None)
    try:
        session = sim.start(interview, user=member.user)
        out["session"], out["started"] = session.id, sim.now()
        screen, out["steps"], out["stopped"] = answer_screens(
            session, member.values, presses=presses, max_steps=max_steps, timeout=timeout)
        out["kind"], out["question"] = screen.kind, screen.question
    except Exception as err:  # noqa: BLE001 -- one user's failure is that user's outcome
        out["error"] = f"{type(err).__name__}: {err}"
        out["stopped"] = "error"


def _advance_to(sim: Host, instant: _dt.datetime) -> None:
    """The calendar to ``instant``, firing the scheduled runs on the way."""
    ahead = (instant - sim.now()).total_seconds()
    if ahead > 0:
        sim.advance(seconds=ahead)


# --- one session ------------------------------------------------------------------------

def answer_screens(session: Session, values: dict[str, Any], *, presses: Sequence[str] = (),
                   max_steps: int = 100, timeout: float | None = 300.0) -> tuple[Screen, int, str]:
    """Answer each screen of ``session`` from ``values`` until it cannot go on.

    A screen is answered when ``values`` holds every required field (by variable or
    generic name); a lone Continue button is pressed; a button whose label is in
    ``presses`` is pressed; a wait screen, or a reloading one while tasks run, waits
    for the session's background work, takes its notifications and refreshes.
    Returns the last screen, the number of answers and presses, and why it stopped
    (``"needs email_address"``, ``"leave"``, ``"invalid: ..."``, ...).
    """
    screen = session.screen
    steps = 0
    pending = session.sim.tasks.pending
    for _ in range(max_steps):
        if screen.kind == "wait" or (screen.kind == "question" and screen.reload
                                     and pending(session.id)):
            if not session.wait(timeout):
                return screen, steps, f"background tasks still running after {timeout} s"
            session.notifications()
            screen = session.refresh()
            continue
        if screen.kind != "question":
            return screen, steps, screen.kind
        given, missing = _values_for(screen, values)
        if given is not None:
            screen = session.answer(given)
            steps += 1
            if screen.errors:
                return screen, steps, "invalid: " + "; ".join(
                    f"{k}: {v}" for k, v in screen.errors.items())
            continue
        label = next((b.label for b in screen.buttons if b.label in presses), None)
        if label is not None:
            screen = session.press(label)
            steps += 1
            continue
        if pending(session.id):
            if not session.wait(timeout):
                return screen, steps, f"background tasks still running after {timeout} s"
            session.notifications()
            screen = session.refresh()
            continue
        if missing:
            return screen, steps, "needs " + ", ".join(missing)
        return screen, steps, "no answer for: " + (screen.question or screen.block or "?")
    return screen, steps, f"still going after {max_steps} steps"


def _values_for(screen: Screen, values: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """What to submit on ``screen`` from ``values`` (None if it cannot be answered),
    and the required variables that ``values`` lacks."""
    given: dict[str, Any] = {}
    missing: list[str] = []
    inputs = [f for f in screen.fields if f.variable and f.enabled and f.datatype != "note"]
    for fld in inputs:
        name = next((n for n in (fld.variable, fld.generic) if n and n in values), None)
        if name is not None:
            given[name] = values[name]
        elif fld.required:
            missing.append(str(fld.variable))
    if inputs:
        return (None if missing else given), missing
    variable = {b.variable for b in screen.buttons if b.variable}
    if len(variable) != 1:
        return None, []
    (name,) = variable
    if name in values:
        return {name: values[name]}, []
    if len(screen.buttons) == 1 and screen.buttons[0].value is True:
        return {name: True}, []                     # a lone Continue button
    return None, [name]


# --- reading sessions -------------------------------------------------------------------

def snapshot(sim: Host, sessions: Iterable[str | Session],
             variables: Iterable[str] = ()) -> pandas.DataFrame:
    """Where each session stands now, without running it: one row per session id.

    Columns ``deleted``, ``tasks``, ``tasks_failed`` and one per variable (its saved
    value; None if undefined or deleted).  Call it again after ``advance`` to see
    what the scheduled runs changed.
    """
    import pandas as pd

    variables = [variables] if isinstance(variables, str) else list(variables)
    rows = []
    for item in sessions:
        session_id = item if isinstance(item, str) else item.id
        deleted = not sim.store.exists(session_id)
        session = None if deleted else _session(sim, session_id)
        states = [sim.tasks.state(t.id) for t in sim.tasks.for_session(session_id)]
        row: dict[str, Any] = {"session": session_id, "deleted": session is None,
                               "tasks": len(states), "tasks_failed": states.count("FAILURE")}
        for name in variables:
            row[name] = session.get(name) if session is not None else None
        rows.append(row)
    columns = ["session", "deleted", "tasks", "tasks_failed", *variables]
    return pd.DataFrame(rows, columns=columns).set_index("session", drop=False)


def _session(sim: Host, session_id: str) -> Session | None:
    try:
        return sim.session(session_id)
    except SessionError:
        return None                                  # deleted meanwhile


# --- reading the answers table ----------------------------------------------------------

def _members(sim: Host, answers: pandas.DataFrame) -> list[Member]:
    base = sim.now()
    names = [c for c in answers.columns if c not in RESERVED]
    bad = [c for c in names if not isinstance(c, str)]
    if bad:
        raise ValueError(f"answers columns are variable names, not {bad!r}")
    members = []
    for index, row in zip(answers.index, answers.to_dict("records")):
        values = {}
        for name in names:
            value = _plain(row[name])
            if value is not None:
                values[name] = value
        user = _plain(row.get("user"))
        start = _start(row.get("start"), base, sim, index)
        members.append(Member(index, user, start, values))
    return members


def _by_start(members: list[Member]) -> list[tuple[_dt.datetime | None, list[Member]]]:
    """Members grouped by start instant, in calendar order (no start first)."""
    groups: dict[_dt.datetime | None, list[Member]] = {}
    for member in members:
        groups.setdefault(member.start, []).append(member)
    return sorted(groups.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0))


def _start(value: Any, base: _dt.datetime, sim: Host, index: Any) -> _dt.datetime | None:
    """A ``start`` cell: None; days (a number) or a timedelta after ``base``; an instant."""
    value = _plain(value, dates_as_text=False)
    if value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = _dt.timedelta(days=float(value))
    try:
        instant = parse_instant(value, sim.clock.tz, base=base)
    except (TypeError, ValueError) as err:
        raise ValueError(f"answers row {index!r}: start: {err}") from None
    if (base - instant).total_seconds() > 1:
        raise ValueError(f"answers row {index!r}: start {instant.isoformat()} is before the "
                         f"calendar's now ({base.isoformat()}); the calendar only moves forward")
    return instant if instant > base else None


def _plain(value: Any, dates_as_text: bool = True) -> Any:
    """A cell as a plain Python value: missing -> None, numpy scalars -> Python,
    dates and times -> ISO text (what a browser sends)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    kind = type(value).__name__
    if kind in ("NaTType", "NAType"):
        return None
    if kind in ("datetime64", "timedelta64"):       # .item() would give nanoseconds
        import pandas as pd
        value = pd.Timestamp(value) if kind == "datetime64" else pd.Timedelta(value)
        return None if value is pd.NaT else _plain(value, dates_as_text)
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return _plain(value.item(), dates_as_text)
    if dates_as_text and isinstance(value, _dt.datetime):
        if value.tzinfo is None and value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if dates_as_text and isinstance(value, _dt.date):
        return value.isoformat()
    return value


def user_text(user: Any) -> str | None:
    if user is None or isinstance(user, str):
        return user
    if isinstance(user, dict):
        return user.get("email") or ("anonymous" if "anonymous" in user else None)
    return getattr(user, "email", None) or str(user)
