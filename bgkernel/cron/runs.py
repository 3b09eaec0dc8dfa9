"""Scheduled tasks: one cron run over every session, and calendar jumps that fire them.

``run_cron(sim, type)`` is ``python -m docassemble.webapp.cron -type TYPE``
(SEMANTICS §10; docassemble ``webapp/cron_tasks/cli.py``): for ``cron_daily`` first the
inactive-session sweep, then, for every session of an interview that defines a block
for the type and whose saved answers have ``multi_user`` and ``allow_cron`` true, the
type as an action run by the cron user (interface ``cron``), then ``TYPE_background``
as a background action.  ``advance(sim, days=...)`` moves the calendar forward and fires,
in calendar order, every run of the schedule that falls in the jump.

What docassemble mails the administrator after each run (the text of ``response()``,
what the code printed, errors with their YAML line) is kept in each run's result and
on the timeline (kind ``cron``; ``cron_output`` rows carry the text).
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
import sys
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable

from ..background.pool_worker import thread_capture
from ..calendar.clock import forward, real_monotonic
from ..calendar.schedule import CRON_TYPES, Schedule
from ..engine.evaluation import Evaluation
from ..engine.outcome import Result
from ..errors import BgkernelError, InterviewError, SessionError
from ..library import catalog as library
from ..library.context import UserInfo, running
from ..runtime.diagnostics import answers_digest, wanted
from ..runtime.store import load_answers
from . import parallel as cron_parallel
from .outcome import describe, join_output, response_text, result as run_result, unchanged_save

if TYPE_CHECKING:
    from ..language.interview import Interview
    from ..runtime.host import Host
    from ..runtime.session import Session

__all__ = ["run_cron", "advance", "delete_inactive", "schedule_for", "cron_user", "CRON_USER",
           "OUTCOMES"]

#: docassemble's cron user: created at install (nickname cron, id 2 after the admin),
#: with the single role ``cron`` (``create_tables.py``; ``default cron account``).
CRON_USER = UserInfo(email="cron@admin.com", first_name="Cron", last_name="User", roles=("cron",),
                     id=2, logged_in=True, nickname="cron")

#: What a session-run can end in.
OUTCOMES = ("saved", "unsaved", "deleted", "error", "dispatched", "expired")
_DELETING = {"restart", "exit", "exit_logout"}
_NOT_SAVING = {"logout", "new_session"}
_LOG_LEVEL = logging.WARNING    # prints, and warnings logged by the code


def cron_user() -> UserInfo:
    """A fresh copy of the cron user (``user_info()`` writes the session onto it)."""
    return replace(CRON_USER)


# --- one scheduled run ----------------------------------------------------------------------

def run_cron(sim: "Host", cron_type: str = "cron_daily") -> list[dict]:
    """One scheduled run over all sessions; one result dict per session and type.

    Each result is ``{"session", "type", "outcome", "output", "error"}`` with ``outcome``
    one of :data:`OUTCOMES` (``expired``: removed by the ``cron_daily`` inactivity sweep).
    """
    return _run_cron(sim, cron_type)[0]


def _run_cron(sim: "Host", cron_type: str, at: float | None = None,
              skip: frozenset[str] | set[str] = frozenset()) -> tuple[list[dict], set[str]]:
    """``run_cron``, plus the sessions for which it started background work.

    ``at``: the calendar instant of a scheduled run of ``advance``.  The store then keeps
    the run as in progress, and each session's part of it as done in that session's
    transaction, so a run interrupted by a crash goes on (``skip``: the sessions already
    done) without running any session twice."""
    if not isinstance(cron_type, str) or not cron_type.strip():
        raise ValueError(f"a cron type is a non-empty name such as 'cron_daily', not {cron_type!r}")
    types = [cron_type] if cron_type.endswith("_background") else [cron_type, cron_type + "_background"]
    results: list[dict] = []
    with sim.clock.frozen():
        if cron_type == "cron_daily":
            results.extend(delete_inactive(sim))
        plan = _eligible(sim, types, skip)
        if not plan:
            return results, set()
        run = _Run(sim, cron_user())
        if at is not None:
            sim.store.begin_cron_run(at, cron_type)
            run.mark = (at, cron_type)
        with thread_capture(_LOG_LEVEL) as printed:
            run.printed = printed
            for interview, sessions in plan:
                wanted = [t for t in types if interview.defines(t)]
                if cron_parallel.fits(sim, wanted, sessions):
                    cron_parallel.Chunks(run, interview, sessions, wanted).run(results)
                    continue
                for session_id in sessions:
                    run.session(interview, session_id, wanted, results)
        if at is not None:
            sim.store.end_cron_run(at, cron_type)
    return results, run.launched


def _eligible(sim: "Host", types: list[str],
              skip: frozenset[str] | set[str] = frozenset()) -> list[tuple["Interview", list[str]]]:
    """Interviews defining one of ``types``, each with its multi-user, allow-cron sessions.

    Interviews come from the store's (small) interview table, so a type that no
    interview defines costs one tiny query.  Files that no longer load are skipped,
    as docassemble skips them."""
    conn = sim.store.connection()
    plan = []
    for (digest,) in conn.execute("SELECT digest FROM interviews ORDER BY rowid").fetchall():
        try:
            interview = sim.interview(digest)
        except BgkernelError as err:
            sim.record("", "cron", types[0], f"skipped an interview that does not load: {err}")
            continue
        if not any(interview.defines(t) for t in types):
            continue
        sessions = [row[0] for row in conn.execute(
            "SELECT id FROM sessions WHERE interview = ? AND multi_user = 1 AND allow_cron = 1 "
            "ORDER BY created, id", (digest,)) if row[0] not in skip]
        if sessions:
            plan.append((interview, sessions))
    return plan


class _Run:
    """One scheduled run: the per-session work, kept lean (it runs a million times a year).

    The caller holds one calendar freeze and one output capture for the whole run; each
    session-run reads the latest answers and saves them under the session lock, in one
    store transaction."""

    def __init__(self, sim: "Host", user: UserInfo):
        self.sim = sim
        self.user = user
        self.library = library.names()
        self.printed: Any = None
        self.launched: set[str] = set()             # sessions given background work
        self.mark: tuple[float, str] | None = None   # (instant, type) of a run of ``advance``
        clock = sim.clock
        self.wall = clock.wall
        self.epoch0 = clock.now().timestamp()    # calendar = epoch0 + (wall - wall0)
        self.wall0 = clock.wall()
        self.record = sim.recorder.record

    def at(self, wall: float) -> float:
        return self.epoch0 + (wall - self.wall0)

    def session(self, interview: "Interview", session_id: str, wanted: list[str],
                results: list[dict]) -> None:
        sim = self.sim
        try:
            session = sim.session(session_id)
        except SessionError:
            return                                      # deleted since the list was read
        # The `_background` tasks that follow a foreground run are made now, and written to
        # the store in the foreground's transaction: a crash after it loses none of them.
        follow = {t: self.spec(t) for t in wanted[1:]} if wanted and \
            not wanted[0].endswith("_background") else {}
        for cron_type in wanted:
            if cron_type.endswith("_background"):
                if not self.background(session, cron_type, results, follow.get(cron_type)):
                    return
                continue
            found = self.foreground(session, cron_type, list(follow.values()))
            if found is None:
                return                                  # not eligible (any more)
            results.append(found)
            if found["outcome"] == "deleted":
                return

    def spec(self, cron_type: str) -> dict[str, Any]:
        """A ``TYPE_background`` task to start, run by the cron user."""
        return {"id": uuid.uuid4().hex, "action": cron_type, "notification": None,
                "arguments": {}, "user": self.user}

    def background(self, session: "Session", cron_type: str, results: list[dict],
                   spec: dict[str, Any] | None = None) -> bool:
        """``TYPE_background`` as a background action; False if the session is gone.
        ``spec``: the task, already in the store (written with the foreground's save)."""
        sim = self.sim
        session_id = session.id
        if not sim.store.exists(session_id):
            return False
        if spec is None:
            spec = self.spec(cron_type)
            self.done(session_id, [spec])   # done, and the task known to the store: one step
        task_id = spec["id"]
        sim.tasks.submit(session, spec)
        self.launched.add(session_id)
        wall = self.wall()
        self.record(session_id, "cron", cron_type, "dispatched", at=self.at(wall), wall=wall,
                    task=task_id)
        results.append(run_result(session_id, cron_type, "dispatched"))
        return True

    def foreground(self, session: "Session", cron_type: str,
                   follow: list[dict] | tuple = ()) -> dict | None:
        """The type as an action, under the session lock; saved in one transaction with
        the session's mark and the ``follow``-up tasks."""
        sim = self.sim
        t0 = self.wall()
        mark = self.printed.tell()
        ctx = None
        error = None
        text = ""
        token = sim.locks.acquire(session.id, "cron")
        try:
            try:
                _, data = sim.store.latest(session.id)
            except SessionError:
                return None
            ns = load_answers(data)
            if not (ns.get("allow_cron") and ns.get("multi_user")):
                return None
            before = answers_digest(ns) if wanted(sim, session.id, "BGK205", cron_type) else None
            try:
                ctx = session._context(ns, action=cron_type, interface="cron", user=self.user)
                result = self.evaluate(session, ns, ctx)
                with sim.store.write():     # the session's save and its mark: one step
                    outcome, text = self.settle(session, ns, ctx, result)
                    self.done(session.id, follow if outcome != "deleted" else ())
                if outcome == "saved" and before is not None and answers_digest(ns) == before:
                    unchanged_save(sim, session.id, cron_type)
            except InterviewError as err:
                outcome, error = "error", describe(err)
            except Exception as err:  # noqa: BLE001 -- one session's failure never stops the run
                outcome, error = "error", f"{type(err).__name__}: {err}"
            if error is not None:
                self.done(session.id, follow)
        finally:
            sim.locks.release(session.id, token)
        printed = self.printed.getvalue()[mark:] if self.printed.tell() != mark else ""
        output = join_output(printed, text)
        wall = self.wall()
        at = self.at(wall)
        detail = outcome if error is None else f"error: {error}"
        self.record(session.id, "cron", cron_type, detail, wall - t0, at=at, wall=wall)
        if output:
            self.record(session.id, "cron_output", cron_type, output, at=at, wall=wall)
        if ctx is not None and ctx.launched and outcome != "deleted":
            sim.tasks.dispatch(session, ctx)
            self.launched.add(session.id)
        return run_result(session.id, cron_type, outcome, output, error)

    def done(self, session_id: str, follow: list[dict] | tuple = ()) -> None:
        """This session's part of the run is done, and the tasks that ``follow`` it are
        queued, in one transaction (or in the step's, when one is open)."""
        sim = self.sim
        with sim.store.write():
            if self.mark is not None:
                sim.store.cron_done(self.mark[0], self.mark[1], session_id)
            if follow:
                sim.tasks.persist(session_id, list(follow))

    @staticmethod
    def evaluate(session: "Session", ns: dict, ctx: Any) -> "Result":
        """``Session.evaluate`` without its own freeze scope: ``run_cron`` holds one."""
        with running(ctx):
            return Evaluation(session.interview, ns, ctx).assemble()

    def settle(self, session: "Session", ns: dict, ctx: Any, result: "Result") -> tuple[str, str]:
        """docassemble's outcome table (SEMANTICS §10.2): delete, skip the save, or save."""
        sim = self.sim
        kind = result.kind
        signal: Any = result.signal
        text = ""
        ignore = ctx.save_status == "ignore"
        if kind == "command" and signal.command in _DELETING:
            sim.delete_session(session.id, reason=f"cron {signal.command}")
            return "deleted", ""
        if kind == "command" and signal.command in _NOT_SAVING:
            return "unsaved", ""
        if kind == "response" and (signal.null or signal.content == "null"):
            return "unsaved", ""
        if kind == "backgroundresponseaction":
            second = session._context(ns, action=signal.action, arguments=signal.arguments,
                                      interface="cron", user=self.user)
            try:
                self.evaluate(session, ns, second)
            except Exception:  # noqa: BLE001,S110 -- docassemble swallows errors of this assemble
                pass
            ctx.launched.extend(second.launched)
            ignore = ignore or second.save_status == "ignore"
        elif kind == "response":
            text = response_text(signal, ns)
        if ignore:
            return "unsaved", text
        sim.save_answers(session.id, ns, new_step=False, user=self.user, launched=ctx.launched)
        return "saved", text


# --- the inactivity sweep ---------------------------------------------------------------------

def delete_inactive(sim: "Host") -> list[dict]:
    """docassemble's ``clear_old_interviews`` (SEMANTICS §10.4): with ``cron_daily`` only.

    A session goes when ``(now - last save).days > days``, whole days, whether or not
    it uses cron.  ``days`` is ``interview delete days`` (0 = never) or, for an interview
    named in ``interview delete days by filename`` (by file name, path or name), that
    value (0 = never)."""
    config = sim.config
    general = _days(config.get("interview delete days", 90))
    by_file = {str(k): _days(v) for k, v in (config.get("interview delete days by filename") or {}).items()}
    positive = [d for d in [general, *by_file.values()] if d > 0]
    if not positive:
        return []
    now = sim.clock.now()
    cutoff = now.timestamp() - (min(positive) + 1) * 86400 + 1.0
    names: dict[str, tuple] = {}
    out = []
    for session_id, digest, modtime in sim.store.sessions_older_than(cutoff):
        if digest not in names:
            names[digest] = _interview_names(sim, digest)
        days = next((by_file[n] for n in names[digest] if n in by_file), general)
        if days <= 0:
            continue
        idle = now - _dt.datetime.fromtimestamp(modtime, _dt.timezone.utc)
        if idle.days <= days:
            continue
        with sim.locks.hold(session_id, "cron"):
            sim.delete_session(session_id, reason=f"inactive {idle.days} days (interview delete days {days})")
        out.append(run_result(session_id, "cron_daily", "expired"))
    return out


def _days(value: Any) -> int:
    """docassemble treats a value that is not an integer as 0 (and logs it)."""
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        logging.getLogger("bgkernel").error("Error in configuration for interview delete days: %r", value)
        return 0


def _interview_names(sim: "Host", digest: str) -> tuple:
    try:
        name, path, _ = sim.store.interview_source(digest)
    except SessionError:
        return ()
    return tuple(n for n in (name, path, os.path.basename(path) if path else None) if n)


# --- calendar jumps ----------------------------------------------------------------------------

def schedule_for(config: dict) -> Schedule:
    """The simulator's cron schedule from its config (``cron hourly minute`` ...)."""
    return Schedule(hourly_minute=config.get("cron hourly minute", 17),
                    daily=config.get("cron daily time", "06:25"),
                    weekly=config.get("cron weekly", ("sun", "06:47")),
                    monthly=config.get("cron monthly", (1, "06:52")),
                    timezone=config.get("timezone", "America/New_York"))


def advance(sim: "Host", days: float = 0, hours: float = 0, minutes: float = 0,
            seconds: float = 0, *, wait: bool = True,
            progress: bool | Callable[[int, int, _dt.datetime, str], Any] | None = None) -> list[dict]:
    """Move the calendar forward, firing each scheduled run in the jump, in calendar order.

    Returns one ``{"at", "type", "results"}`` per scheduled run (``results`` as
    :func:`run_cron` gives them).  ``wait`` waits for the background work each run
    started before the next.  ``progress`` is a callable ``(done, total, instant,
    type)`` or True (a line on stderr).  On KeyboardInterrupt the runs done so far
    stand, each session-run is whole (saved in one transaction, or not at all), the
    calendar stays at the interrupted run, and the interrupt is raised again.
    """
    delta = forward(days, hours, minutes, seconds)
    clock = sim.clock
    start = clock.now()
    end = start + delta
    schedule = schedule_for(sim.config)
    resumed = _interrupted(sim, schedule, start)
    due = [run for run, _ in resumed] + schedule.due(start, end)
    skip = dict(resumed)
    report = _progress(progress)
    runs: list[dict] = []
    with clock.frozen():
        try:
            for done, (instant, cron_type) in enumerate(due, 1):
                if instant > clock.now():
                    clock.advance_to(instant)
                results, launched = _run_cron(sim, cron_type, at=instant.timestamp(),
                                              skip=skip.get((instant, cron_type), frozenset()))
                runs.append({"at": instant, "type": cron_type, "results": results})
                if wait:
                    for session_id in sorted(launched):
                        sim.tasks.wait_session(session_id)
                if report is not None:
                    report(done, len(due), instant, cron_type)
            if end > clock.now():
                clock.advance_to(end)
            sim.store.meta_set("calendar", clock.now().timestamp())
        except KeyboardInterrupt:
            sim.record("", "cron", "interrupted",
                       f"advance interrupted after {len(runs)} of {len(due)} scheduled runs")
            raise
    return runs


def _interrupted(sim: "Host", schedule: Schedule, start: _dt.datetime) -> list[tuple[tuple, set]]:
    """The scheduled run a crash (or an interrupt) stopped, and the runs after it up to
    ``start``: ``((instant, type), sessions already done)`` each, to run before the jump.

    A run that began is kept in the store until its last session is done; each session's
    part is marked done in the transaction that saves it.  So the stopped run goes on with
    the sessions it had not reached, and no session runs it twice."""
    pending = sim.store.meta_get("cron_run")
    if not pending:
        return []
    instant = _dt.datetime.fromtimestamp(float(pending["at"]), _dt.timezone.utc).astimezone(
        sim.clock.tz)
    cron_type = str(pending["type"])
    order = {name: rank for rank, name in enumerate(CRON_TYPES)}
    first = (instant, order.get(cron_type, -1))
    later = [(run, set()) for run in schedule.due(instant - _dt.timedelta(microseconds=1), start)
             if (run[0], order.get(run[1], -1)) > first]
    return [((instant, cron_type), sim.store.cron_done_sessions(float(pending["at"]), cron_type))] \
        + later


def _progress(progress: Any) -> Callable[[int, int, _dt.datetime, str], Any] | None:
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    if progress is True:
        return _StderrProgress()
    raise TypeError(f"progress is None, True or a callable (done, total, instant, type), not {progress!r}")


class _StderrProgress:
    """``cron 1234/9189  2031-05-01 06:25 cron_daily``, at most twice a second."""

    def __init__(self) -> None:
        self._clock = real_monotonic
        self._last = 0.0

    def __call__(self, done: int, total: int, instant: _dt.datetime, cron_type: str) -> None:
        now = self._clock()
        if done < total and now - self._last < 0.5:
            return
        self._last = now
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\rcron {done}/{total}  {instant:%Y-%m-%d %H:%M} {cron_type:<14}{end}")
        sys.stderr.flush()
