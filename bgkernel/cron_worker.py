"""One chunk of a scheduled run's foreground session-runs, in a forked process.

:func:`bgkernel.cron.run_cron` splits a large run (many eligible sessions, a machine with
more than one core) into chunks: the parent runs the first chunk itself and forks a child
per other chunk (:func:`fork_chunk`).  A fork inherits everything a cron run needs, at no
cost: the parsed interview, the imported modules and the calendar freeze at the run's
instant.  :func:`run_chunk` does, per session, what the serial path does under the session
lock (the parent holds the chunk's locks while it runs): read the latest answers, check
``multi_user``/``allow_cron``, run the type as the cron user (interface ``cron``), apply
docassemble's outcome table and save.  What the code asked of the simulator
(``send_email``, ``background_action``) is returned as plain data
(:class:`~bgkernel.worker.WorkerServices`), for the parent to perform in session order.

Never lost, never run twice: each session's report is written to the store's
``cron_journal`` table *in the same transaction as its save* (reports are buffered and
committed a few sessions at a time, so the processes rarely contend for SQLite's write
lock).  If a child dies, the parent reads the journal: a session with a report was
run and saved exactly once; one without was not saved (its e-mails were never sent,
they travel in the report), and the parent runs it again serially.

A child forked from a process with other threads could inherit a lock that one of them
held (SQLite's, in the rare case); it writes a byte to a pipe once its store connection
works and after each commit, and a child silent for :data:`STARTUP_TIMEOUT` seconds
at the start is killed (its sessions then run serially).
"""
from __future__ import annotations

import datetime as _dt
import io
import logging
import os
import pickle
import select
import signal
import sqlite3
import warnings
from typing import Any

from .context import RunContext, UserInfo, running
from .engine import Evaluation
from .errors import InterviewError
from .pool_worker import _ROUTE_LOCK, thread_capture
from .store import dump_answers, load_answers
from .worker import WorkerServices

__all__ = ["run_chunk", "fork_chunk", "ForkedChunk", "JOURNAL_SCHEMA", "COMMIT_EVERY",
           "STARTUP_TIMEOUT"]

JOURNAL_SCHEMA = ("CREATE TABLE IF NOT EXISTS cron_journal (run TEXT, seq INTEGER, session TEXT, "
                  "report BLOB, PRIMARY KEY (run, seq))")
#: Sessions whose saves and reports go in one transaction.
COMMIT_EVERY = 32
#: Seconds a forked chunk may take to open its store connection before it is killed.
STARTUP_TIMEOUT = 10.0

_DELETING = {"restart", "exit", "exit_logout"}
_NOT_SAVING = {"logout", "new_session"}
_LOG_LEVEL = logging.WARNING
_REAL_DT = _dt.datetime


def _real(value: _dt.datetime) -> _dt.datetime:
    from .clock import _as_real
    return _as_real(value)


def run_chunk(job: dict, interview: Any, progress: int | None = None) -> int:
    """Run ``job["cron_type"]`` in each of ``job["sessions"]``; see the module docstring.

    Returns how many sessions were reported; the reports themselves are in
    ``cron_journal`` under ``job["run"]``.  ``progress``, a pipe's write end, gets a byte
    once the store answers and after each commit."""
    from .cron import _describe, _response_text, _join   # the serial path's helpers
    conn = sqlite3.connect(job["store_path"], isolation_level=None, timeout=30.0)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("SELECT count(*) FROM cron_journal WHERE run = ?", (job["run"],)).fetchone()
    _tick(progress)
    cron_type = job["cron_type"]
    user = job["user"]
    pending: list[tuple] = []     # (seq, session, report, save or None)
    reported = 0
    try:
        with thread_capture(_LOG_LEVEL) as printed:     # emptied after each session
            for seq, session_id in enumerate(job["sessions"]):
                pending.append(_one(job, interview, conn, seq, session_id, cron_type, user,
                                    printed, _describe, _response_text, _join))
                if len(pending) >= COMMIT_EVERY:
                    reported += _commit(conn, job["run"], pending)
                    _tick(progress)
        reported += _commit(conn, job["run"], pending)
    finally:
        conn.close()
    return reported


def _tick(progress: int | None) -> None:
    if progress is not None:
        os.write(progress, b".")


class ForkedChunk:
    """A child process running :func:`run_chunk`; :meth:`wait` for it."""

    def __init__(self, pid: int, progress: int):
        self.pid = pid
        self._progress = progress

    def wait(self) -> bool:
        """Wait until the child exits; True if it finished its chunk.  A child that does not
        report its first byte within :data:`STARTUP_TIMEOUT` seconds is killed."""
        started = False
        try:
            while True:
                if not started:
                    ready, _, _ = select.select([self._progress], [], [], STARTUP_TIMEOUT)
                    if not ready:
                        os.kill(self.pid, signal.SIGKILL)
                        break
                chunk = os.read(self._progress, 4096)
                if not chunk:
                    break                           # the child closed the pipe: it is done
                started = True
        finally:
            os.close(self._progress)
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status) == 0


def fork_chunk(job: dict, interview: Any) -> ForkedChunk | None:
    """Fork a child that runs ``job`` and exits; None if no process could be made."""
    read, write = os.pipe()
    try:
        with warnings.catch_warnings(), _ROUTE_LOCK:     # the child's prints route like ours
            warnings.simplefilter("ignore", DeprecationWarning)   # "multi-threaded, fork()"
            pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid:
        os.close(write)
        return ForkedChunk(pid, read)
    code = 1                                            # the child, from here to os._exit
    try:
        os.close(read)
        signal.signal(signal.SIGINT, signal.SIG_IGN)    # a chunk is short: finish it
        run_chunk(job, interview, write)
        code = 0
    except BaseException:  # noqa: BLE001 -- the parent runs the unreported sessions again
        import traceback
        traceback.print_exc()
    finally:
        os._exit(code)


def _one(job: dict, interview: Any, conn: sqlite3.Connection, seq: int, session_id: str,
         cron_type: str, user: UserInfo, printed: io.StringIO, describe: Any, response_text: Any,
         join: Any) -> tuple:
    from .clock import _REAL
    t0 = _REAL.perf_counter()
    row = conn.execute("SELECT data FROM steps WHERE session = ? ORDER BY idx DESC LIMIT 1",
                       (session_id,)).fetchone()
    if row is None:
        return seq, session_id, {"status": "gone"}, None
    ns = load_answers(row[0])
    if not (ns.get("allow_cron") and ns.get("multi_user")):
        return seq, session_id, {"status": "ineligible"}, None
    services = WorkerServices()
    ctx = None
    error = None
    text = ""
    save = None
    delete = None
    try:
        ctx = _context(job, interview, ns, session_id, cron_type, {}, user, services)
        result = _evaluate(interview, ns, ctx)
        outcome, text, save, delete = _settle(job, interview, ns, ctx, result, session_id,
                                              user, services, response_text)
    except InterviewError as err:
        outcome, error = "error", describe(err)
    except Exception as err:  # noqa: BLE001 -- one session's failure never stops the run
        outcome, error = "error", f"{type(err).__name__}: {err}"
    output = ""
    if printed.tell():
        output = printed.getvalue()
        printed.seek(0)
        printed.truncate()
    report = {"status": "ran", "outcome": outcome, "output": join(output, text),
              "error": error, "emails": services.emails,
              "launched": services.launched if ctx is not None else [], "delete": delete,
              "duration": _REAL.perf_counter() - t0}
    return seq, session_id, report, save


def _context(job: dict, interview: Any, ns: dict, session_id: str, action: str, arguments: dict,
             user: UserInfo, services: WorkerServices) -> RunContext:
    """``Session._context`` with the worker's services (e-mails and tasks come back as data)."""
    ctx = RunContext(session_id=session_id, interview=interview, namespace=ns, user=user,
                     interface="cron", action=action, arguments=dict(arguments or {}),
                     config=job["config"], services=services, checkin=False, prior=None,
                     files_dir=job.get("files_dir"))
    ctx.extra["action_name"] = action
    ctx.extra["store_path"] = job["store_path"]
    return ctx


def _evaluate(interview: Any, ns: dict, ctx: RunContext) -> Any:
    with running(ctx):
        return Evaluation(interview, ns, ctx).assemble()


def _settle(job: dict, interview: Any, ns: dict, ctx: RunContext, result: Any, session_id: str,
            user: UserInfo, services: WorkerServices, response_text: Any) -> tuple:
    """``cron._Run.settle``: (outcome, text, save, delete-command)."""
    kind = result.kind
    signal: Any = result.signal
    text = ""
    ignore = ctx.save_status == "ignore"
    if kind == "command" and signal.command in _DELETING:
        return "deleted", "", None, signal.command
    if kind == "command" and signal.command in _NOT_SAVING:
        return "unsaved", "", None, None
    if kind == "response" and (signal.null or signal.content == "null"):
        return "unsaved", "", None, None
    if kind == "backgroundresponseaction":
        second = _context(job, interview, ns, session_id, signal.action, signal.arguments, user,
                          services)
        try:
            _evaluate(interview, ns, second)
        except Exception:  # noqa: BLE001,S110 -- docassemble swallows errors of this assemble
            pass
        ignore = ignore or second.save_status == "ignore"
    elif kind == "response":
        text = response_text(signal, ns)
    if ignore:
        return "unsaved", text, None, None
    return "saved", text, _save_data(ns, user), None


def _save_data(ns: dict, user: UserInfo) -> tuple:
    """``Simulator.save_answers`` (the accesstime of the cron user) up to the store write."""
    internal = ns.setdefault("_internal", {})
    now = _real(_dt.datetime.now(_dt.timezone.utc))       # the frozen calendar, as a real datetime
    access = internal.setdefault("accesstime", {})
    key = (user.id if user and user.logged_in else -1) if user is not None else -1
    access[key] = now.replace(tzinfo=None)
    if user is not None and user.logged_in:
        internal.setdefault("access_roles", {})[key] = list(user.roles)
    return (dump_answers(ns), now.timestamp(), bool(ns.get("multi_user")), bool(ns.get("allow_cron")))


def _commit(conn: sqlite3.Connection, run: str, pending: list[tuple]) -> int:
    """Write the buffered saves (``Store.save``'s overwrite of the newest step) and reports
    in one transaction."""
    if not pending:
        return 0
    rows = []
    for seq, session_id, report, save in pending:
        try:
            blob = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # noqa: BLE001 -- keep the outcome, drop what cannot travel
            report = dict(report, emails=[], launched=[],
                          error=report.get("error") or f"{type(err).__name__}: {err}",
                          outcome="error" if save is None else report["outcome"])
            blob = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        rows.append((seq, session_id, blob, save))
    conn.execute("BEGIN IMMEDIATE")
    try:
        for seq, session_id, blob, save in rows:
            if save is not None:
                data, now, multi_user, allow_cron = save
                row = conn.execute(
                    "UPDATE sessions SET modtime = ?, multi_user = ?, allow_cron = ? WHERE id = ? "
                    "RETURNING steps", (now, int(multi_user), int(allow_cron), session_id)).fetchone()
                if row is None:   # deleted meanwhile: Store.save's SessionError, as the serial path
                    report = pickle.loads(blob)  # noqa: S301 -- our own
                    report.update(outcome="error", launched=report["launched"],
                                  error=f"SessionError: the session {session_id!r} was deleted")
                    blob = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
                elif not conn.execute("UPDATE steps SET data = ?, modtime = ? WHERE session = ? "
                                      "AND idx = ?", (data, now, session_id, row[0])).rowcount:
                    conn.execute("INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?)",
                                 (session_id, row[0], data, now))
            conn.execute("INSERT OR REPLACE INTO cron_journal VALUES (?, ?, ?, ?)",
                         (run, seq, session_id, blob))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    count = len(pending)
    pending.clear()
    return count
