"""One process per task, forked by a loky worker: what makes ``terminate()`` local.

:func:`run_forked` runs in a loky worker.  The task runs in a child of that worker,
in its own process group, with fds 1 and 2 (hence prints, ``logging``, C code and
subprocesses) going to a private memfd, and its result coming back over a pipe.
Killing the child (``terminate``) or the child dying (``os._exit``, SIGKILL) only ends
that task: the worker reports it, and loky never sees a worker die.

Spare child.  Forking costs 2–6 ms on a busy 2-core VM, so each worker keeps one child
forked *in advance* — process group, parent-death signal and output redirection
already done — blocked reading its spec from a pipe.  A task goes to the spare, and
the next spare is forked while the task runs.  Without a spare (first task, or the
spec cannot be re-pickled) the worker forks with the spec in memory.  A spare dies
with its worker (PR_SET_PDEATHSIG on Linux; EOF on its spec pipe elsewhere).  A spare
forked before a module was imported in the worker imports it itself, once.

Claim file ``<control_dir>/<key>.claim`` settles the start/revoke race with the parent:
whoever creates it first wins, and the worker creates it before any child gets the
task, and writes ``starting`` before any child can get it (only an empty claim, a
worker dead right after creating it, means "never ran").  A child's first byte on its
result pipe acknowledges that it holds the task; only then does the worker write
``run <pid>`` (whom to kill) and report the start.  Rewrites are atomic (rename).  A spare
that never acks (killed a moment ago) is replaced by a fresh fork: the task had not run.
Once the result is in, and before the child is reaped, the worker writes ``done <pid>``,
so a stale pid is never killed.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import pickle
import signal
import socket
import struct
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

from .pool_worker import LOG_FORMAT, Report, TaskSpec, failure_data, now, run_in_process, run_task

__all__ = ["run_forked", "describe_status"]

_HEADER = struct.Struct(">Q")
_ACK = b"A"  # first byte on a result pipe: "this process holds the task"
_STATE: dict[str, Any] = {}   # per loky worker: spare child, start socket, libc
_ZOMBIES: list[int] = []      # children whose result is in, reaped lazily


@dataclass
class _Child:
    pid: int
    result_r: int
    capture: int
    spec_w: int | None  # None: the spec was inherited by fork


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


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_message(fd: int) -> bytes | None:
    header = _read_exact(fd, _HEADER.size)
    return None if header is None else _read_exact(fd, _HEADER.unpack(header)[0])


def _write_message(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _write_claim(path: str, text: str) -> None:
    """Replace the claim's content atomically: a reader (or a broken pool's settling)
    never sees it half-written."""
    temporary = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(temporary, path)


def _libc() -> Any:
    if "libc" not in _STATE:
        try:
            import ctypes
            _STATE["libc"] = ctypes.CDLL(None) if sys.platform == "linux" else None
        except (ImportError, OSError):
            _STATE["libc"] = None
    return _STATE["libc"]


def _capture_file() -> int:
    if hasattr(os, "memfd_create"):
        return os.memfd_create("bgkernel-task-output")
    with tempfile.TemporaryFile(prefix="bgk-out-") as handle:
        return os.dup(handle.fileno())


def _read_capture(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


# --- in the child ---------------------------------------------------------------------

def _child_main(spec: TaskSpec | None, spec_r: int | None, parent: int, capture: int,
                result_w: int) -> None:
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    libc = _STATE.get("libc")
    if libc is not None:
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the worker
    if os.getppid() != parent:
        return
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    os.close(capture)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    if spec is None:  # a spare: wait for the task
        assert spec_r is not None
        data = _read_message(spec_r)
        if data is None:
            return  # discarded, or the worker is gone
        os.close(spec_r)
        os.write(result_w, _ACK)
        try:
            spec = pickle.loads(data)
        except BaseException as exc:
            _write_message(result_w, pickle.dumps(
                failure_data(exc, "the task could not be loaded in its process: ")))
            return
    else:
        os.write(result_w, _ACK)
    root.setLevel(spec.log_level)
    _write_message(result_w, run_task(spec, shared_process=False))


# --- in the loky worker ---------------------------------------------------------------

def _fork_child(spec: TaskSpec | None, close: tuple[int, ...] = ()) -> _Child:
    """Fork a child: running ``spec`` now, or (spec None) a spare waiting for one."""
    spec_r, spec_w = os.pipe() if spec is None else (None, None)
    result_r, result_w = os.pipe()
    capture = _capture_file()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        for fd in (spec_r, spec_w, result_r, result_w, capture):
            if fd is not None:
                os.close(fd)
        raise
    if pid == 0:  # pragma: no cover - the child never returns from here
        code = 70
        try:
            for fd in (spec_w, result_r, *close):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            _child_main(spec, spec_r, parent, capture, result_w)
            code = 0
        finally:
            os._exit(code)
    os.close(result_w)
    if spec_r is not None:
        os.close(spec_r)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # the child does it too; whichever runs first
    return _Child(pid, result_r, capture, spec_w)


def _discard(child: _Child, reaped: bool = False) -> None:
    for fd in (child.spec_w, child.result_r, child.capture):
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
    if not reaped:
        _ZOMBIES.append(child.pid)


def _reap_zombies() -> None:
    for pid in list(_ZOMBIES):
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue
        except ChildProcessError:
            pass
        _ZOMBIES.remove(pid)


def _spec_bytes(spec: TaskSpec) -> bytes | None:
    """The spec pickled again for a spare, with loky's own pickler (cloudpickle:
    functions defined in ``__main__`` travel by value, as they came)."""
    try:
        from joblib.externals.loky.backend.reduction import dumps
    except ImportError:  # not in a loky worker
        from pickle import dumps
    try:
        return bytes(dumps(spec))
    except Exception:
        return None


def _acked(child: _Child) -> bool:
    """Wait for the child's ack: False (EOF) if it died before holding the task."""
    return os.read(child.result_r, 1) == _ACK


def _give_to_spare(spec: TaskSpec) -> _Child | None:
    """Hand ``spec`` to the spare; None if there is none or it never took the task (it
    may have been killed a moment ago: only its ack proves it holds the task)."""
    spare: _Child | None = _STATE.pop("spare", None)
    if spare is None or spare.spec_w is None:
        return None
    data = _spec_bytes(spec)
    try:
        if data is None:
            raise ChildProcessError
        _write_message(spare.spec_w, data)
        os.close(spare.spec_w)
        spare.spec_w = None
        if not _acked(spare):
            raise ChildProcessError
    except (OSError, ChildProcessError):  # cannot take this spec, or gone: fork afresh
        _discard(spare)
        return None
    return spare


def _ensure_spare(close: tuple[int, ...]) -> None:
    if "spare" not in _STATE:
        with contextlib.suppress(OSError):
            _STATE["spare"] = _fork_child(None, close)


def _notify_start(events: str | None, key: int, pid: int, started: float) -> None:
    if events is None:
        return
    try:
        sock = _STATE.get("socket")
        if sock is None:
            sock = _STATE["socket"] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.sendto(f"{key} {pid} {started!r}".encode(), events)
    except OSError:
        pass  # the pool is gone or busy; the start is reported with the outcome instead


def _prepare(spec: TaskSpec) -> None:
    """Let the task's function warm this worker (``fn.prepare(*args)``) while the child
    runs, so the next spare, forked from here, inherits what it loaded (e.g. a parsed
    interview); a failure here only loses the warm-up."""
    hook = getattr(spec.fn, "prepare", None)
    if hook is not None:
        with contextlib.suppress(Exception):
            hook(*spec.args)


def run_forked(spec: TaskSpec, control_dir: str, events: str | None) -> Report:
    """Run ``spec`` in a child of this loky worker; see the module docstring."""
    claim = os.path.join(control_dir, f"{spec.key}.claim")
    if not hasattr(os, "fork"):  # Windows: the task runs in the worker; only dequeue works
        try:
            fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except OSError:
            return Report(spec.key, ran=False, note="revoked before it started")
        os.write(fd, b"inprocess")
        os.close(fd)
        return run_in_process(spec)
    _reap_zombies()
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return Report(spec.key, ran=False, note="revoked before it started")
    except FileNotFoundError:
        return Report(spec.key, ran=False, note="the pool was shut down before it started")
    _write_claim(claim, "starting")  # from here on the task may run: never resubmit it
    if spec.calendar is not None:
        importlib.import_module("freezegun")  # once per worker, inherited by children
    _libc()
    started = now()
    child = _give_to_spare(spec)
    acked = child is not None
    if child is None:
        try:
            child = _fork_child(spec)
        except OSError as exc:
            _write_claim(claim, "done")
            failed = pickle.dumps(failure_data(exc, "could not fork a task process: "))
            return Report(spec.key, True, failed, started=started, finished=now())
        acked = _acked(child)
    if acked:
        with contextlib.suppress(OSError):
            _write_claim(claim, f"run {child.pid}")
        _notify_start(events, spec.key, child.pid, started)
    _prepare(spec)
    _ensure_spare(close=(child.result_r, child.capture))
    payload = _read_message(child.result_r) if acked else None
    os.close(child.result_r)
    with contextlib.suppress(OSError):
        _write_claim(claim, f"done {child.pid}")
    finished = now()
    note = ""
    if payload is None:  # died first: its exit status is the news
        note = describe_status(os.waitpid(child.pid, 0)[1])
    else:  # the result is in; the child's teardown is reaped later, off the result path
        _ZOMBIES.append(child.pid)
    output = _read_capture(child.capture)
    return Report(spec.key, True, payload, output, child.pid, started, finished, note)
