"""Run background tasks on a real worker pool: one outcome per task, never dropped.

``Pool(backend="loky", workers=4)`` runs ``fn(*args)`` for :meth:`Pool.submit` and
calls ``on_done(TaskOutcome)`` exactly once per task, from the pool's callback thread:
for results, failures, revokes and worker deaths alike.  The time-and-task side knows
nothing of YAML; a task is a picklable module-level function and plain data.

Backends (registry by name, :func:`register_backend`; details in
:mod:`bgkernel.background.backends`): ``"loky"`` (default), ``"threading"``, ``"inline"``
(runs inside ``submit()``, for deterministic unit tests), or any
``concurrent.futures.Executor`` such as dask's ``Client.get_executor()``.

Design of the default backend and of ``terminate`` (ecosystem §3.3, F7/F8)
--------------------------------------------------------------------------
loky cannot stop one running task: SIGKILL on a worker fails *every* in-flight future
with ``TerminatedWorkerError`` and breaks the pool (~275 ms to rebuild).  The brief
allowed two ways out: kill the worker and transparently resubmit the collateral
tasks, or own a pool of killable processes.  Resubmitting re-runs background code
that may already have sent an e-mail or written the session, and it cannot tell which
task killed the worker when one calls ``os._exit``.  So neither: the tasks still go
through joblib's loky pool (``joblib.executor.get_memmapping_executor(n)``, never
``loky.get_reusable_executor()``, F8), but the loky worker *forks one child per task*
(:mod:`bgkernel.background.fork`) and supervises it:

* ``terminate()`` kills that child's process group; the loky worker reports the death,
  its pool never notices, every other task goes on.  A task not yet started is
  dequeued: a claim file per task settles the start/revoke race (loky pre-dispatches
  queued calls, so ``Future.cancel()`` alone is not enough).
* A child that dies on its own (``os._exit``, SIGKILL, segfault) becomes a
  ``WorkerLostError`` outcome with its exit code or signal; nothing else is affected.
* Fork is safe in the single-threaded loky worker (unlike in a kernel: threads, zmq).
  Its 2-6 ms stay off the dispatch path: each worker keeps one *spare* child forked in
  advance, waiting for its spec on a pipe; the next spare is forked while the task
  runs.  Measured (``benchmarks/pool_bench.py``, loaded 2-core VM): dispatch median
  2-3 ms; 100 x 0.1 s on 4 workers 1.07-1.14x the ideal (bare loky: 1.02x).
* Modules the worker imported (unpickling a task imports its function's module) are
  inherited warm by later children.
* Output is captured at the file-descriptor level (prints, ``logging``, C code and
  subprocesses alike) and survives the child's death.

Start reports: ``loky``, ``threading`` and ``inline`` call ``on_start`` live, when the
task starts (loky over a unix datagram socket).  Foreign executors (dask) cannot, so
``on_start`` is called at completion, just before ``on_done``, with ``live=False``.

Calendar: ``submit(calendar="2031-05-01T09:00:00")`` runs the task (its
``start_delay`` included) under ``freezegun.freeze_time(calendar, tick=True)``.  In the
loky child the freeze is private to the task.  In ``threading``/``inline`` (and in a
dask worker) freezegun is process-global: while the task runs, the whole process,
kernel included, sees the calendar; such tasks run one at a time per process; and a
freeze the caller holds around ``submit`` interleaves with the task's (LIFO stack).
Frozen ``datetime`` values in a result come back as real ``datetime`` objects.

``terminate()`` in other backends: ``threading`` and cf pools can only dequeue;
``inline`` tasks have finished when ``submit`` returns; dask futures cannot be revoked
(``Future.cancel()`` there leaves the running task going, dask#3681): ``False``.
In a foreign process pool a task that kills its process takes that pool's other
in-flight tasks with it (``BrokenProcessPool``); each is reported as ``WorkerLostError``.

Call :meth:`Pool.shutdown` (or use ``with Pool(...)``): it stops the pool's two
daemon threads (callbacks; loky start reports) and removes its control folder.
"""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import logging
import pickle
import queue
import threading
import traceback
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from ..errors import ConfigError, TaskError
from .backends import DEQUEUED, TERMINATED, Backend, backend_names, make_backend, register_backend
from .pool_worker import Report, TaskSpec, now

__all__ = ["Pool", "TaskHandle", "TaskOutcome", "TaskStarted", "register_backend",
           "backend_names", "Backend"]

log = logging.getLogger(__name__)

WORKER_LOST = "WorkerLostError"
REVOKED = "TaskRevokedError"
_LOSS_TYPES = ("TerminatedWorkerError", "KilledWorker", "WorkerLostError", "BrokenProcessPool",
               "ShutdownExecutorError")


@dataclass(frozen=True)
class TaskOutcome:
    """How a task ended, as plain data.  ``started``/``pid`` are None if it never ran."""

    task_id: str
    ok: bool
    value: Any = None
    error_type: str | None = None
    error_message: str | None = None
    error_trace: str | None = None
    output: str = ""
    pid: int | None = None
    started: float | None = None
    finished: float | None = None
    revoked: bool = False


@dataclass(frozen=True)
class TaskStarted:
    """``on_start`` payload.  ``live`` False: reported at completion (foreign executors)."""

    task_id: str
    started: float
    pid: int | None
    live: bool


class TaskHandle:
    """The caller's view of one submitted task."""

    def __init__(self, pool: Pool, key: int, task_id: str):
        self._pool = pool
        self._key = key
        self.task_id = task_id
        self.pid: int | None = None            # set once the start is known
        self.started: float | None = None
        self._outcome: TaskOutcome | None = None
        self._delivered = threading.Event()   # set after on_done has returned

    def done(self) -> bool:
        return self._outcome is not None

    def outcome(self) -> TaskOutcome | None:
        return self._outcome

    def wait(self, timeout: float | None = None) -> bool:
        """Block until ``on_done`` has run; False on timeout."""
        if self._delivered.is_set():
            return True
        if self._pool._dispatch.in_thread():
            if self._outcome is not None:
                return True
            raise TaskError(f"waiting for task {self.task_id!r} on the pool's callback "
                            "thread would deadlock; wait from another thread")
        return self._delivered.wait(timeout)

    def terminate(self) -> bool:
        """Stop this task: kill its process if running, dequeue it if not.  True if it
        was stopped (``on_done`` follows with ``revoked=True``)."""
        return self._pool._revoke(self._key, terminate=True)

    def cancel(self) -> bool:
        """Dequeue this task if it has not started; never stops a running one."""
        return self._pool._revoke(self._key, terminate=False)

    def __repr__(self) -> str:
        state = "done" if self.done() else "running" if self.started else "pending"
        return f"<TaskHandle {self.task_id!r} {state}>"


@dataclass(eq=False)
class _Record:
    spec: TaskSpec
    handle: TaskHandle
    on_done: Callable[[TaskOutcome], None]
    on_start: Callable[[TaskStarted], None] | None
    terminating: bool = False
    start_delivered: bool = False
    finalized: bool = False
    reported: bool = False


class _Dispatcher:
    """One FIFO callback thread per pool (or immediate calls for inline)."""

    def __init__(self, threaded: bool):
        self._threaded = threaded
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def post(self, fn: Callable[..., None], *args: Any) -> None:
        if not self._threaded:
            if not self._closed:
                fn(*args)
            return
        with self._lock:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="bgkernel-pool-callbacks")
                self._thread.start()
            self._queue.put((fn, args))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            fn, args = item
            try:
                fn(*args)
            except BaseException:  # the callback thread must survive anything
                log.exception("bgkernel pool: internal error while handling a task event")

    def in_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def close(self, wait: bool) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            self._queue.put(None)
        if wait and thread is not None and not self.in_thread():
            thread.join()


class _Sink:
    def __init__(self, pool: Pool):
        self._pool = pool

    def started(self, key: int, started: float, pid: int) -> None:
        self._pool._dispatch.post(self._pool._on_started, key, started, pid)

    def finished(self, key: int, result: Report | BaseException) -> None:
        self._pool._dispatch.post(self._pool._on_finished, key, result)


class Pool:
    """A pool of workers for background tasks; see the module docstring."""

    def __init__(self, backend: str | cf.Executor | Backend = "loky", workers: int = 4, *,
                 log_level: int = logging.INFO):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers must be a positive integer, not {workers!r}")
        self.workers = workers
        self.log_level = log_level
        self._backend = make_backend(backend, workers)
        self._dispatch = _Dispatcher(threaded=not self._backend.synchronous)
        self._backend.bind(_Sink(self))
        self._records: dict[int, _Record] = {}
        self._lock = threading.Lock()
        self._keys = itertools.count(1)
        self._closed = False
        self._backend_closed = False

    @property
    def backend_name(self) -> str:
        return self._backend.name

    @property
    def reports_start_live(self) -> bool:
        return self._backend.live_start

    @property
    def can_terminate(self) -> bool:
        return self._backend.can_terminate

    def submit(self, fn: Callable[..., Any], *args: Any, task_id: str,
               on_done: Callable[[TaskOutcome], None],
               on_start: Callable[[TaskStarted], None] | None = None,
               calendar: str | None = None, start_delay: float = 0.0) -> TaskHandle:
        """Run ``fn(*args)`` in a worker; ``on_done(outcome)`` is called once, later."""
        if not callable(fn):
            raise TypeError(f"fn must be callable, not {fn!r}")
        if not isinstance(task_id, str):
            raise TypeError(f"task_id must be a string, not {task_id!r}")
        if not callable(on_done) or (on_start is not None and not callable(on_start)):
            raise TypeError(f"on_done/on_start must be callable, not {on_done!r}/{on_start!r}")
        if calendar is not None:
            if not isinstance(calendar, str):
                raise TypeError(f"calendar must be an ISO instant string, not {calendar!r}")
            try:
                datetime.fromisoformat(calendar)
            except ValueError:
                raise ValueError(f"calendar {calendar!r} is not an ISO instant") from None
        if isinstance(start_delay, bool) or not isinstance(start_delay, (int, float)) \
                or not start_delay >= 0:
            raise ValueError(f"start_delay must be a number of seconds >= 0, not {start_delay!r}")
        key = next(self._keys)
        spec = TaskSpec(key, task_id, fn, tuple(args), calendar, float(start_delay),
                        self.log_level)
        handle = TaskHandle(self, key, task_id)
        with self._lock:
            if self._closed:
                raise TaskError(f"cannot submit task {task_id!r}: the pool is shut down")
            self._records[key] = _Record(spec, handle, on_done, on_start)
        try:
            self._backend.submit(spec)
        except Exception as exc:
            with self._lock:
                self._records.pop(key, None)
            raise TaskError(f"could not submit task {task_id!r}: "
                            f"{type(exc).__name__}: {exc}") from exc
        return handle

    def shutdown(self, wait: bool = True, *, terminate: bool = False) -> None:
        """Refuse new tasks; with ``terminate`` revoke the outstanding ones; with
        ``wait`` block until every outcome is delivered.  Otherwise resources are
        released in the background once the last outcome is delivered."""
        with self._lock:
            self._closed = True
            records = list(self._records.values())
        if terminate:
            for record in records:
                record.handle.terminate()
            interrupt = getattr(self._backend, "interrupt", None)
            if interrupt is not None:
                interrupt()
        if wait:
            for record in records:
                record.handle.wait()
        self._dispatch.post(self._close_backend_if_idle)
        if wait:
            self._close_backend_if_idle()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.shutdown(wait=True)

    def __repr__(self) -> str:
        return f"<Pool {self.backend_name} workers={self.workers} tasks={len(self._records)}>"

    # --- events, all handled on the callback thread ---------------------------------

    def _on_started(self, key: int, started: float, pid: int | None, live: bool = True) -> None:
        record = self._records.get(key)
        if record is None or record.finalized or record.start_delivered:
            return
        record.start_delivered = True
        record.handle.started, record.handle.pid = started, pid
        if record.on_start is not None:
            self._call(record.on_start, TaskStarted(record.spec.task_id, started, pid, live),
                       record, "on_start")

    def _on_finished(self, key: int, result: Report | BaseException) -> None:
        settled = self._backend.settle(key, result)
        record = self._records.get(key)
        if settled is None or record is None:
            return
        record.reported = True
        if not record.finalized:
            self._finalize(record, self._outcome(record, settled))
        self._forget_if_settled(record)

    def _finalize_dequeued(self, key: int) -> None:
        record = self._records.get(key)
        if record is not None and not record.finalized:
            self._finalize(record, self._revoked(record, "task was revoked before it started"))
            self._forget_if_settled(record)

    def _finalize(self, record: _Record, outcome: TaskOutcome) -> None:
        if outcome.started is not None:  # not reported live: report it now, first
            self._on_started(record.spec.key, outcome.started, outcome.pid, live=False)
        record.finalized = True
        record.handle._outcome = outcome
        self._call(record.on_done, outcome, record, "on_done")
        record.handle._delivered.set()
        if self._closed:
            self._close_backend_if_idle()

    def _forget_if_settled(self, record: _Record) -> None:
        if record.finalized and record.reported:
            with self._lock:
                self._records.pop(record.spec.key, None)
            self._backend.forget(record.spec.key)

    def _call(self, callback: Callable[[Any], None], arg: Any, record: _Record, what: str) -> None:
        try:
            callback(arg)
        except BaseException:  # a failing callback must not cost the outcome
            log.exception("%s callback for task %r failed", what, record.spec.task_id)

    def _close_backend_if_idle(self) -> None:
        with self._lock:
            if self._backend_closed or any(not r.finalized for r in self._records.values()):
                return
            self._backend_closed = True
        self._backend.shutdown(wait=False)
        self._dispatch.close(wait=False)

    def _revoke(self, key: int, terminate: bool) -> bool:
        record = self._records.get(key)
        if record is None or record.finalized:
            return False
        if terminate:
            record.terminating = True  # before the kill: the death may be reported at once
        state = self._backend.revoke(key, terminate)
        if state == DEQUEUED:
            self._dispatch.post(self._finalize_dequeued, key)
            return True
        if state == TERMINATED:
            return True
        record.terminating = False
        return False

    # --- turning results into outcomes ------------------------------------------------

    def _revoked(self, record: _Record, message: str, report: Report | None = None) -> TaskOutcome:
        report = report or Report(record.spec.key, False)
        return TaskOutcome(record.spec.task_id, False, error_type=REVOKED, error_message=message,
                           output=report.output, pid=report.pid, started=report.started,
                           finished=report.finished or now(), revoked=True)

    def _outcome(self, record: _Record, result: Report | BaseException) -> TaskOutcome:
        task_id = record.spec.task_id
        if isinstance(result, BaseException):
            if isinstance(result, cf.CancelledError):
                return self._revoked(record, "task was revoked before it started")
            name = type(result).__name__
            lost = isinstance(result, cf.BrokenExecutor) or name in _LOSS_TYPES
            trace = "".join(traceback.format_exception(result))
            return TaskOutcome(task_id, False, error_type=WORKER_LOST if lost else name,
                               error_message=f"{name}: {result}" if lost else str(result),
                               error_trace=trace, finished=now())
        report = result
        if not report.ran:
            note = report.note or "revoked before it started"
            return self._revoked(record, f"task was {note}" if note.startswith("revoked")
                                 else f"task did not run: {note}", report)
        ran = TaskOutcome(task_id, False, output=report.output, pid=report.pid,
                          started=report.started, finished=report.finished or now())
        if report.payload is None:
            if record.terminating:
                return self._revoked(record, f"task was terminated: process {report.pid} "
                                     f"{report.note}", report)
            who = "task" if report.pid is None else f"task process {report.pid}"
            return replace(ran, error_type=WORKER_LOST,
                           error_message=f"{who} {report.note} before reporting a result")
        try:
            data = pickle.loads(report.payload)
        except Exception as exc:
            return replace(ran, error_type=type(exc).__name__,
                           error_message=f"the task's result cannot be unpickled here: {exc}",
                           error_trace=traceback.format_exc())
        if data["ok"]:
            return replace(ran, ok=True, value=data["value"])
        return replace(ran, error_type=data["error_type"], error_message=data["error_message"],
                       error_trace=data["error_trace"])
