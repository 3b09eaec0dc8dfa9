"""The worker side of :mod:`bgkernel.pool`: what runs where the task runs.

Everything here is importable in a bare worker process (no joblib, no dask): the
pool sends a :class:`TaskSpec` and gets back a :class:`Report` of plain data.

Three ways to run a spec:

* :func:`run_forked` — in a loky worker, one ``fork()`` per task.  The task runs in
  its own process group, its stdout/stderr file descriptors and ``logging`` go to a
  private capture file, and the result comes back over a pipe.  Killing that process
  (``terminate``) or the process dying on its own (``os._exit``, SIGKILL) only ends
  that task; the loky worker survives and reports the death.
* :func:`run_in_process` — threads and inline: output is captured per thread through
  a thread-aware ``sys.stdout``/``sys.stderr`` proxy and a thread-routed log handler.
* :func:`run_foreign` — the module-level entry point sent to any other
  ``concurrent.futures`` executor (dask): ``run_in_process`` without a claim or live
  start report.

Task ids never name files; the pool's integer ``key`` does.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

__all__ = ["TaskSpec", "Report", "run_forked", "run_in_process", "run_foreign", "now"]

# freezegun rewrites module attributes that alias time.time; a tuple element is
# left alone, so this stays the real clock even while a task freezes time.
_REAL_CLOCK = (time.time,)

# Modules whose clock reads stay real inside an in-process freeze (ecosystem §2.3, F6).
_SHARED_PROCESS_IGNORE = ["distributed", "tornado", "asyncio", "zmq", "jupyter_client",
                          "ipykernel", "comm"]
_LOG_FORMAT = logging.BASIC_FORMAT


def now() -> float:
    """Real wall-clock time (epoch seconds), immune to freezegun."""
    return _REAL_CLOCK[0]()


@dataclass(frozen=True)
class TaskSpec:
    """What crosses to the worker: the call plus how to run it."""

    key: int
    task_id: str
    fn: Callable[..., Any]
    args: tuple
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

_FREEZE_LOCK = threading.Lock()


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
    # at once would stop each other's freeze.  One calendar task per process at a time.
    with _FREEZE_LOCK, freeze_time(calendar, tick=True, real_asyncio=True,
                                   ignore=_SHARED_PROCESS_IGNORE):
        yield


def _failure(exc: BaseException, context: str = "") -> dict:
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


def _dump(result: dict, real_time: bool) -> bytes:
    try:
        if not real_time:
            return pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
        buffer = io.BytesIO()
        _RealTimePickler(buffer, pickle.HIGHEST_PROTOCOL).dump(result)
        return buffer.getvalue()
    except BaseException as exc:
        return pickle.dumps(_failure(exc, "the task's result cannot be pickled: "))


def run_task(spec: TaskSpec, *, shared_process: bool) -> bytes:
    """Sleep ``start_delay``, call ``fn(*args)`` under the calendar, return the pickled
    result dict.  Every BaseException becomes data."""
    try:
        with _calendar(spec.calendar, shared_process):
            if spec.start_delay > 0:
                time.sleep(spec.start_delay)  # counts as running, like docassemble's worker
            value = spec.fn(*spec.args)
        result = {"ok": True, "value": value}
    except BaseException as exc:  # noqa: B036 - SystemExit and friends are task failures too
        result = _failure(exc)
    return _dump(result, real_time=spec.calendar is not None)


# --- per-thread capture (threading, inline, foreign executors) ----------------------

_ROUTE_LOCK = threading.RLock()
_BUFFERS: dict[int, tuple[io.StringIO, int]] = {}  # thread ident -> (buffer, log level)
_LEVEL_STATE = {"active": 0, "saved": None}


class _RoutedStream:
    """Stands in for sys.stdout/sys.stderr: a thread running a task writes to its own
    buffer, every other thread to the stream that was there before."""

    def __init__(self, target: Any):
        self._target = target

    def write(self, text: str) -> int:
        entry = _BUFFERS.get(threading.get_ident())
        if entry is None:
            return self._target.write(text)
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
_LOG_HANDLER.setFormatter(logging.Formatter(_LOG_FORMAT))


def _install_routes(log_level: int) -> None:
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if not isinstance(current, _RoutedStream):
            setattr(sys, name, _RoutedStream(current))
    root = logging.getLogger()
    if _LOG_HANDLER not in root.handlers:
        root.addHandler(_LOG_HANDLER)
    if _LEVEL_STATE["active"] == 0:
        _LEVEL_STATE["saved"] = root.level
    _LEVEL_STATE["active"] += 1
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
            _LEVEL_STATE["active"] -= 1
            if _LEVEL_STATE["active"] == 0 and _LEVEL_STATE["saved"] is not None:
                logging.getLogger().setLevel(_LEVEL_STATE["saved"])


def run_in_process(spec: TaskSpec, claim: Callable[[], bool] | None = None,
                   on_started: Callable[[float, int], None] | None = None) -> Report:
    """Run in the calling thread.  ``claim()`` False means revoked before start."""
    if claim is not None and not claim():
        return Report(spec.key, ran=False, note="revoked before it started")
    started, pid = now(), os.getpid()
    if on_started is not None:
        on_started(started, pid)
    with thread_capture(spec.log_level) as buffer:
        payload = run_task(spec, shared_process=True)
    return Report(spec.key, True, payload, buffer.getvalue(), pid, started, now())


def run_foreign(spec: TaskSpec) -> Report:
    """Entry point for foreign executors (dask, ProcessPoolExecutor...)."""
    return run_in_process(spec)


# --- one process per task, forked from a loky worker --------------------------------

_HEADER = struct.Struct(">Q")
_WORKER_STATE: dict[str, Any] = {}  # per loky worker: cached socket and libc


def _write_claim(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _notify_start(events: str | None, key: int, pid: int, started: float) -> None:
    if events is None:
        return
    try:
        sock = _WORKER_STATE.get("socket")
        if sock is None:
            sock = _WORKER_STATE["socket"] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.sendto(f"{key} {pid} {started!r}".encode(), events)
    except OSError:
        pass  # the pool is gone or busy; the start is reported with the outcome instead


def _libc() -> Any:
    if "libc" not in _WORKER_STATE:
        try:
            import ctypes
            _WORKER_STATE["libc"] = ctypes.CDLL(None) if sys.platform == "linux" else None
        except (ImportError, OSError):
            _WORKER_STATE["libc"] = None
    return _WORKER_STATE["libc"]


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown signal"
        return f"was killed by signal {number} ({name})"
    if os.WIFEXITED(status):
        return f"exited with code {os.WEXITSTATUS(status)}"
    return f"ended with wait status {status}"


def _child(spec: TaskSpec, parent: int, capture: int, result_w: int, go_r: int) -> None:
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    libc = _WORKER_STATE.get("libc")
    if libc is not None:
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the loky worker
        if os.getppid() != parent:
            return
    if os.read(go_r, 1) != b"g":
        return  # revoked between fork and start
    os.close(go_r)
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(spec.log_level)
    payload = run_task(spec, shared_process=False)
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(result_w, view):]


def run_forked(spec: TaskSpec, control_dir: str, events: str | None) -> Report:
    """Run ``spec`` in a child of this (loky worker) process.

    The claim file ``<control_dir>/<key>.claim`` settles the race with the parent's
    revoke: whoever creates it first wins.  The worker writes ``run <pid>`` into it
    (so the parent knows whom to kill) and ``done`` before reaping the child.
    """
    if not hasattr(os, "fork"):  # Windows: no per-task process, terminate() only dequeues
        return _run_unforked(spec, control_dir)
    claim = os.path.join(control_dir, f"{spec.key}.claim")
    try:
        claim_fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return Report(spec.key, ran=False, note="revoked before it started")
    except FileNotFoundError:
        return Report(spec.key, ran=False, note="the pool was shut down before it started")
    os.close(claim_fd)
    if spec.calendar is not None:
        import freezegun  # noqa: F401 - import once per worker, not once per task
    _libc()
    capture = tempfile.TemporaryFile(prefix="bgk-out-")
    result_r, result_w = os.pipe()
    go_r, go_w = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError as exc:
        for fd in (result_r, result_w, go_r, go_w):
            os.close(fd)
        capture.close()
        _write_claim(claim, "done")
        failed = pickle.dumps(_failure(exc, "could not fork a task process: "))
        return Report(spec.key, True, failed, started=now(), finished=now())
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        code = 70
        try:
            os.close(result_r)
            os.close(go_w)
            _child(spec, parent, capture.fileno(), result_w, go_r)
            code = 0
        finally:
            os._exit(code)
    os.close(result_w)
    os.close(go_r)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # also done by the child; whichever runs first wins the race
    started = now()
    try:
        _write_claim(claim, f"run {pid}")
        _notify_start(events, spec.key, pid, started)
        os.write(go_w, b"g")
    except OSError:
        pass  # the child sees no "g" (or dies by revoke) and is reported below
    finally:
        os.close(go_w)
    header = _read_exact(result_r, _HEADER.size)
    payload = _read_exact(result_r, _HEADER.unpack(header)[0]) if header else None
    os.close(result_r)
    with contextlib.suppress(OSError):
        _write_claim(claim, "done")  # before reaping: a stale pid is never killed
    _, status = os.waitpid(pid, 0)
    finished = now()
    capture.seek(0)
    output = capture.read().decode("utf-8", "replace")
    capture.close()
    note = "" if payload is not None else describe_status(status)
    return Report(spec.key, True, payload, output, pid, started, finished, note)


def _run_unforked(spec: TaskSpec, control_dir: str) -> Report:
    claim = os.path.join(control_dir, f"{spec.key}.claim")
    try:
        fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:
        return Report(spec.key, ran=False, note="revoked before it started")
    os.write(fd, b"inprocess")
    os.close(fd)
    return run_in_process(spec)
