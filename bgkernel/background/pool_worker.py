"""The worker side of :mod:`bgkernel.background.pool`: what runs where the task runs.

Everything here is importable in a bare worker process (no joblib, no dask): the
pool sends a :class:`TaskSpec` and gets back a :class:`Report` of plain data.

Here: the spec and report types, :func:`run_task` (delay, calendar, call, every
failure as data, result pickled) and the in-process runners:

* :func:`run_in_process` — threads and inline: output is captured per thread through
  a thread-aware ``sys.stdout``/``sys.stderr`` proxy (installed on first use and left
  in place; other threads write through it unchanged) and a thread-routed root log
  handler.  While such tasks run, the root logger's level is lowered to the pool's
  ``log_level`` so their records are emitted; records also reach the process's other
  handlers as usual.  Threads a task starts itself are not captured.
* :func:`run_foreign` — the module-level entry point sent to any other
  ``concurrent.futures`` executor (dask): ``run_in_process`` without a claim or live
  start report.

One process per task (the loky backend) lives in :mod:`bgkernel.background.fork`.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..calendar.clock import worker_freeze

__all__ = ["TaskSpec", "Report", "run_task", "failure_data", "LOG_FORMAT", "thread_capture",
           "run_in_process", "run_foreign", "now"]

# freezegun rewrites module attributes that alias time.time; a tuple element is
# left alone, so this stays the real clock even while a task freezes time.
_REAL_CLOCK = (time.time,)

LOG_FORMAT = logging.BASIC_FORMAT


def now() -> float:
    """Real wall-clock time (epoch seconds), immune to freezegun."""
    return _REAL_CLOCK[0]()


@dataclass(frozen=True)
class TaskSpec:
    """What crosses to the worker: the call plus how to run it."""

    key: int
    task_id: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    calendar: str | None = None
    start_delay: float = 0.0
    log_level: int = logging.INFO


@dataclass
class Report:
    """What comes back.  ``payload`` is the pickled result dict; None means the task
    never ran (``ran`` False) or its process died first (``note`` says how)."""

    key: int
    ran: bool
    payload: bytes | None = None
    output: str = ""
    pid: int | None = None
    started: float | None = None
    finished: float | None = None
    note: str = ""


# --- the task itself: delay, calendar, call, failure as data ------------------------

@contextlib.contextmanager
def _calendar(calendar: str | None, shared_process: bool) -> Iterator[None]:
    if calendar is None:
        yield
        return
    from freezegun import freeze_time
    if not shared_process:
        with freeze_time(calendar, tick=True, real_asyncio=True):
            yield
        return
    # freezegun is process-global with a LIFO stack of freezes: two threads freezing
    # and unfreezing independently would stop each other's freeze.  In a shared process
    # the task joins the process's one counted freeze (bgkernel.calendar.clock), which the
    # simulator's own evaluations also use: the first scope starts it, the last stops it.
    with worker_freeze(calendar):
        yield


def failure_data(exc: BaseException, context: str = "") -> dict[str, Any]:
    """Call inside the ``except`` block: turns ``exc`` into plain data."""
    try:
        message = str(exc)
    except BaseException:  # a broken __str__ must not lose the failure
        message = f"<unprintable {type(exc).__name__}>"
    return {"ok": False, "error_type": type(exc).__name__,
            "error_message": f"{context}{message}", "error_trace": traceback.format_exc()}


class _RealTimePickler(pickle.Pickler):
    """Pickles freezegun's FakeDatetime/FakeDate as real datetime/date values."""

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        if cls.__module__ == "freezegun.api":
            from freezegun.api import real_date, real_datetime
            if cls.__name__ == "FakeDatetime":
                return real_datetime, (obj.year, obj.month, obj.day, obj.hour, obj.minute,
                                       obj.second, obj.microsecond, obj.tzinfo)
            if cls.__name__ == "FakeDate":
                return real_date, (obj.year, obj.month, obj.day)
        return NotImplemented


def _dump(result: dict[str, Any], real_time: bool) -> bytes:
    try:
        if not real_time:
            return pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
        buffer = io.BytesIO()
        _RealTimePickler(buffer, pickle.HIGHEST_PROTOCOL).dump(result)
        return buffer.getvalue()
    except BaseException as exc:
        return pickle.dumps(failure_data(exc, "the task's result cannot be pickled: "))


def run_task(spec: TaskSpec, *, shared_process: bool,
             interrupt: threading.Event | None = None) -> bytes:
    """Sleep ``start_delay``, call ``fn(*args)`` under the calendar, return the pickled
    result dict.  Every BaseException becomes data."""
    try:
        with _calendar(spec.calendar, shared_process):
            if spec.start_delay > 0:  # counts as running, like docassemble's worker
                if interrupt is None:
                    time.sleep(spec.start_delay)
                elif interrupt.wait(spec.start_delay):
                    raise TaskInterrupted("the pool shut down while the task waited to start")
            value = spec.fn(*spec.args)
        result = {"ok": True, "value": value}
    except BaseException as exc:  # noqa: B036 - SystemExit and friends are task failures too
        result = failure_data(exc)
    return _dump(result, real_time=spec.calendar is not None)


# --- per-thread capture (threading, inline, foreign executors) ----------------------

_ROUTE_LOCK = threading.RLock()
_BUFFERS: dict[int, tuple[io.StringIO, int]] = {}  # thread ident -> (buffer, log level)


class _RootLevel:
    """How many in-process tasks are capturing, and the root level to restore after."""
    active = 0
    saved: int | None = None


class _RoutedStream:
    """Stands in for sys.stdout/sys.stderr: a thread running a task writes to its own
    buffer, every other thread to the stream that was there before."""

    def __init__(self, target: Any):
        self._target = target

    def write(self, text: str) -> int:
        entry = _BUFFERS.get(threading.get_ident())
        if entry is None:
            return int(self._target.write(text))
        return entry[0].write(text)

    def flush(self) -> None:
        if threading.get_ident() not in _BUFFERS:
            self._target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


class _ThreadLogHandler(logging.Handler):
    """Root handler that copies records emitted by a task's thread into its buffer."""

    def emit(self, record: logging.LogRecord) -> None:
        entry = _BUFFERS.get(record.thread or 0)
        if entry is not None and record.levelno >= entry[1]:
            try:
                entry[0].write(self.format(record) + "\n")
            except Exception:
                self.handleError(record)


_LOG_HANDLER = _ThreadLogHandler()
_LOG_HANDLER.setFormatter(logging.Formatter(LOG_FORMAT))


def _install_routes(log_level: int) -> None:
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if not isinstance(current, _RoutedStream):
            setattr(sys, name, _RoutedStream(current))
    root = logging.getLogger()
    if _LOG_HANDLER not in root.handlers:
        root.addHandler(_LOG_HANDLER)
    if _RootLevel.active == 0:
        _RootLevel.saved = root.level
    _RootLevel.active += 1
    if root.level > log_level:  # records below the root level would never be emitted
        root.setLevel(log_level)


@contextlib.contextmanager
def thread_capture(log_level: int) -> Iterator[io.StringIO]:
    """Route this thread's prints and log records into a fresh buffer."""
    buffer = io.StringIO()
    ident = threading.get_ident()
    with _ROUTE_LOCK:
        _install_routes(log_level)
        previous = _BUFFERS.get(ident)
        _BUFFERS[ident] = (buffer, log_level)
    try:
        yield buffer
    finally:
        with _ROUTE_LOCK:
            if previous is None:
                _BUFFERS.pop(ident, None)
            else:
                _BUFFERS[ident] = previous
            _RootLevel.active -= 1
            if _RootLevel.active == 0 and _RootLevel.saved is not None:
                logging.getLogger().setLevel(_RootLevel.saved)


class TaskInterrupted(Exception):
    """The pool shut down during a task's start delay (threads only: nothing ran yet)."""


def run_in_process(spec: TaskSpec, claim: Callable[[], bool] | None = None,
                   on_started: Callable[[float, int], None] | None = None,
                   interrupt: threading.Event | None = None) -> Report:
    """Run in the calling thread.  ``claim()`` False means revoked before start;
    ``interrupt`` set ends a start delay early (the task then does not run)."""
    if claim is not None and not claim():
        return Report(spec.key, ran=False, note="revoked before it started")
    started, pid = now(), os.getpid()
    if on_started is not None:
        on_started(started, pid)
    with thread_capture(spec.log_level) as buffer:
        payload = run_task(spec, shared_process=True, interrupt=interrupt)
    return Report(spec.key, True, payload, buffer.getvalue(), pid, started, now())


def run_foreign(spec: TaskSpec) -> Report:
    """Entry point for foreign executors (dask, ProcessPoolExecutor...)."""
    return run_in_process(spec)
