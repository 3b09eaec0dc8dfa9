"""A scheduled run's foreground session-runs, a chunk at a time, in this process or a fork.

:func:`bgkernel.cron.runs.run_cron` splits a large run (many eligible sessions, a machine with
more than one core) into chunks: the parent runs the first chunk itself and forks a child
per other chunk (:func:`fork_chunk`).  A fork inherits everything a cron run needs, at no
cost: the parsed interview, the imported modules, the calendar freeze at the run's
instant, and the sessions' latest answers, which the parent reads before forking.
:func:`run_sessions` does, per session, what the serial path does under the session lock
(the parent holds the round's locks): check ``multi_user``/``allow_cron``, run the type as
the cron user (interface ``cron``), apply docassemble's outcome table and make the save.
What the code asked of the simulator (``send_email``, ``background_action``) comes back
as plain data (:class:`~bgkernel.background.worker.WorkerServices`).

A child never touches the store: SQLite must not be used across a fork by a process
whose other threads may hold its locks.  It writes its results, a batch at a time, to a
file the parent made; the parent saves each session and applies its report in session
order.  A child that dies has written whole batches only; the parent runs the sessions
with no result again serially, so nothing is lost and nothing is saved twice.  Cron code
that needs the simulator's live state from a child (``interview_email()``, a
``BackgroundTask``'s status) stops that session-run, which the parent then runs itself.
A child that writes nothing for :data:`SILENCE_TIMEOUT` seconds (say, stuck on a lock it
inherited from another thread) is killed, and the sessions it had not written run in the
parent; its first batch is a single session, so that shows early.
"""
from __future__ import annotations

import datetime as _dt
import io
import logging
import os
import pickle
import select
import signal
import struct
import tempfile
import warnings
from typing import Any, Callable, Iterator

from ..background.pool_worker import _ROUTE_LOCK, thread_capture
from ..background.worker import WorkerServices
from ..calendar.clock import _REAL, _as_real
from ..engine.evaluation import Evaluation
from ..errors import InterviewError
from ..library import context
from ..library.context import RunContext, UserInfo, running
from ..runtime.diagnostics import answers_digest
from ..runtime.store import dump_answers, load_answers
from .outcome import describe as _describe, join_output as _join, response_text as _response_text

__all__ = ["run_sessions", "fork_chunk", "ForkedChunk", "BATCH", "SILENCE_TIMEOUT"]

#: Sessions per batch: a child writes its results a batch at a time (the first alone).
BATCH = 32
#: Seconds a forked chunk may go without writing a batch before it is killed.
SILENCE_TIMEOUT = 60.0

_DELETING = {"restart", "exit", "exit_logout"}
_NOT_SAVING = {"logout", "new_session"}
_LOG_LEVEL = logging.WARNING
_FRAME = struct.Struct("<Q")

#: One session's result: (seq, session id, report, save or None); ``save`` is
#: (answers pickle, epoch, multi_user, allow_cron).  A report's ``status`` is ``ran``,
#: ``gone``, ``ineligible`` or ``parent`` (run it again in the parent).
Result = tuple


def run_sessions(job: dict, interview: Any, latest: dict[str, bytes],
                 emit: Callable[[list[Result]], None]) -> None:
    """Run ``job["cron_type"]`` in each of ``job["sessions"]`` (their answers in ``latest``);
    ``emit`` receives the results a batch at a time: the first session, then :data:`BATCH`
    sessions at a time."""
    sessions = job["sessions"]
    starts = [0, *range(1, len(sessions), BATCH)] if sessions else []
    with thread_capture(_LOG_LEVEL) as printed:         # emptied after each session
        for first, end in zip(starts, [*starts[1:], len(sessions)]):
            emit([_one(job, interview, latest.get(session_id), seq, session_id, printed,
                       _describe, _response_text, _join)
                  for seq, session_id in enumerate(sessions[first:end], first)])


def _one(job: dict, interview: Any, data: bytes | None, seq: int, session_id: str,
         printed: io.StringIO, describe: Any, response_text: Any, join: Any) -> Result:
    t0 = _REAL.perf_counter()
    if data is None:
        return seq, session_id, {"status": "gone"}, None
    ns = load_answers(data)
    if not (ns.get("allow_cron") and ns.get("multi_user")):
        return seq, session_id, {"status": "ineligible"}, None
    services = WorkerServices()
    ctx = None
    error = None
    text = ""
    save = None
    delete = None
    before = answers_digest(ns) if session_id in job.get("diagnose", ()) else None
    try:
        ctx = _context(job, interview, ns, session_id, job["cron_type"], {}, services)
        result = _evaluate(interview, ns, ctx)
        outcome, text, save, delete = _settle(job, interview, ns, ctx, result, session_id,
                                              services, response_text)
    except context.ParentOnly:
        outcome = "parent"
    except InterviewError as err:
        outcome, error = "error", describe(err)
    except Exception as err:  # noqa: BLE001 -- one session's failure never stops the run
        outcome, error = "error", f"{type(err).__name__}: {err}"
    output = ""
    if printed.tell():
        output = printed.getvalue()
        printed.seek(0)
        printed.truncate()
    if outcome == "parent":
        return seq, session_id, {"status": "parent"}, None
    report = {"status": "ran", "outcome": outcome, "output": join(output, text),
              "error": error, "emails": services.emails,
              "launched": services.launched if ctx is not None else [], "delete": delete,
              "duration": _REAL.perf_counter() - t0,
              "unchanged": outcome == "saved" and before is not None and answers_digest(ns) == before}
    return seq, session_id, report, save


def _context(job: dict, interview: Any, ns: dict, session_id: str, action: str, arguments: dict,
             services: WorkerServices) -> RunContext:
    """``Session._context`` with the worker's services (e-mails and tasks come back as data)."""
    ctx = RunContext(session_id=session_id, interview=interview, namespace=ns, user=job["user"],
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
            services: WorkerServices, response_text: Any) -> tuple:
    """``cron._Run.settle``: (outcome, text, save, delete-command)."""
    kind = result.kind
    signal_: Any = result.signal
    text = ""
    ignore = ctx.save_status == "ignore"
    if kind == "command" and signal_.command in _DELETING:
        return "deleted", "", None, signal_.command
    if kind == "command" and signal_.command in _NOT_SAVING:
        return "unsaved", "", None, None
    if kind == "response" and (signal_.null or signal_.content == "null"):
        return "unsaved", "", None, None
    if kind == "backgroundresponseaction":
        second = _context(job, interview, ns, session_id, signal_.action, signal_.arguments,
                          services)
        try:
            _evaluate(interview, ns, second)
        except context.ParentOnly:
            raise
        except Exception:  # noqa: BLE001,S110 -- docassemble swallows errors of this assemble
            pass
        ignore = ignore or second.save_status == "ignore"
    elif kind == "response":
        text = response_text(signal_, ns)
    if ignore:
        return "unsaved", text, None, None
    return "saved", text, _save_data(ns, job["user"]), None


def _save_data(ns: dict, user: UserInfo) -> tuple:
    """``Simulator.save_answers`` (the accesstime of the cron user) up to the store write."""
    internal = ns.setdefault("_internal", {})
    now = _as_real(_dt.datetime.now(_dt.timezone.utc))       # the frozen calendar, as a real datetime
    access = internal.setdefault("accesstime", {})
    key = (user.id if user and user.logged_in else -1) if user is not None else -1
    access[key] = now.replace(tzinfo=None)
    if user is not None and user.logged_in:
        internal.setdefault("access_roles", {})[key] = list(user.roles)
    return (dump_answers(ns), now.timestamp(), bool(ns.get("multi_user")), bool(ns.get("allow_cron")))


# --- a chunk in a forked child ----------------------------------------------------------------

def _frame(results: list[Result]) -> bytes:
    """A batch as one length-prefixed pickle; a report that cannot be pickled keeps its outcome
    and loses what cannot travel (its e-mails and tasks), as an error."""
    try:
        blob = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001
        kept = []
        for seq, session_id, report, save in results:
            try:
                pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as err:  # noqa: BLE001
                report = dict(report, emails=[], launched=[],
                              error=report.get("error") or f"{type(err).__name__}: {err}",
                              outcome="error" if save is None else report["outcome"])
            kept.append((seq, session_id, report, save))
        blob = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
    return _FRAME.pack(len(blob)) + blob


def _frames(data: bytes) -> list[Result]:
    """The results of the whole frames in ``data`` (a child that died leaves a torn last one)."""
    return _frames_at(data, 0)[0]


def _frames_at(data: bytes, at: int) -> tuple[list[Result], int]:
    """The results of the whole frames in ``data`` from ``at``, and where they end."""
    out: list[Result] = []
    while at + _FRAME.size <= len(data):
        (size,) = _FRAME.unpack_from(data, at)
        start = at + _FRAME.size
        if start + size > len(data):
            break
        out.extend(pickle.loads(data[start:start + size]))  # noqa: S301 -- our own child
        at = start + size
    return out, at


class ForkedChunk:
    """A child process running :func:`run_sessions`; :meth:`batches` reads its results as it
    writes them, :meth:`results` waits for all of them."""

    def __init__(self, pid: int, progress: int, out: Any):
        self.pid = pid
        self._progress = progress
        self._out = out                 # read from its start, as the child writes on
        self._offset = 0
        self._reaped = False
        self.finished = False

    def results(self) -> tuple[bool, list[Result]]:
        """Wait until the child exits; (finished its chunk, the results it wrote)."""
        got = [result for batch in self.batches() for result in batch]
        return self.finished, got

    def batches(self) -> Iterator[list[Result]]:
        """The child's batches as it writes them, until it exits (then :attr:`finished` says
        whether it finished its chunk).  A child that writes no batch for
        :data:`SILENCE_TIMEOUT` seconds is killed."""
        if self._reaped:
            return
        data, at = b"", 0
        try:
            while True:
                ready, _, _ = select.select([self._progress], [], [], SILENCE_TIMEOUT)
                if not ready:
                    os.kill(self.pid, signal.SIGKILL)
                    break
                if not os.read(self._progress, 4096):
                    break                           # the child closed the pipe: it is done
                data += self._read()                # one or more whole batches were written
                batch, used = _frames_at(data, at)
                data, at = data[used:], 0
                if batch:
                    yield batch
        finally:
            self._reaped = True
            os.close(self._progress)
            _, status = os.waitpid(self.pid, 0)
            self.finished = os.waitstatus_to_exitcode(status) == 0
            data += self._read()
            self._out.close()
        batch, _ = _frames_at(data, at)
        if batch:
            yield batch

    def _read(self) -> bytes:
        """What the child wrote to the results file since the last read (``pread``: the
        file offset, shared with the child, is the child's to move)."""
        parts = []
        fd = self._out.fileno()
        while True:
            got = os.pread(fd, 1 << 20, self._offset)
            if not got:
                return b"".join(parts)
            parts.append(got)
            self._offset += len(got)


def fork_chunk(job: dict, interview: Any, latest: dict[str, bytes]) -> ForkedChunk | None:
    """Fork a child that runs ``job`` and exits; None if no process could be made."""
    out = tempfile.TemporaryFile()
    read, write = os.pipe()
    try:
        with warnings.catch_warnings(), _ROUTE_LOCK:     # the child's prints route like ours
            warnings.simplefilter("ignore", DeprecationWarning)   # "multi-threaded, fork()"
            pid = os.fork()
    except OSError:
        out.close()
        os.close(read)
        os.close(write)
        return None
    if pid:
        os.close(write)
        return ForkedChunk(pid, read, out)
    code = 1                                            # the child, from here to os._exit
    try:
        os.close(read)
        signal.signal(signal.SIGINT, signal.SIG_IGN)    # a chunk is short: finish it
        context.FORKED_CHUNK = True
        fd = out.fileno()

        def emit(results: list[Result]) -> None:
            data = _frame(results)
            while data:
                data = data[os.write(fd, data):]
            os.write(write, b".")
        run_sessions(job, interview, latest, emit)
        code = 0
    except BaseException:  # noqa: BLE001 -- the parent runs the sessions with no result again
        import traceback
        try:                    # to the process's stderr, past any stream object (a kernel's)
            os.write(2, f"bgkernel cron chunk: {traceback.format_exc()}".encode())
        except OSError:
            pass
    finally:
        os._exit(code)
