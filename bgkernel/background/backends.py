"""Backends of :class:`bgkernel.background.pool.Pool`: a small interface and a registry by name.

A backend runs :class:`~bgkernel.background.pool_worker.TaskSpec` objects and tells its
:class:`Sink` when a task starts and when it has a result.  The pool above it owns
handles, callbacks and outcomes; a backend only runs, revokes and cleans up.

==============  ==========  =============  ==========================================
backend         live start  terminate()    where the task runs
==============  ==========  =============  ==========================================
``loky``        yes         kills it       a child forked by a worker of joblib's loky
                                           pool (``get_memmapping_executor``)
``threading``   yes         dequeue only   a thread of this process
``inline``      yes         never (ran)    the submitting thread, inside ``submit()``
an Executor     no          dequeue only   wherever it runs (dask, ProcessPool...);
                            (cf. pools)    dask futures: never
==============  ==========  =============  ==========================================

Only ``loky`` isolates a task in its own process: with a foreign process pool, a task
that kills its process breaks that pool's other in-flight tasks too (all reported as
``WorkerLostError``), and in-process backends cannot survive ``os._exit`` at all.
"""
from __future__ import annotations

import abc
import concurrent.futures as cf
import contextlib
import functools
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import weakref
from typing import Any, Callable, ClassVar, Protocol

from ..errors import ConfigError
from .fork import run_forked
from .pool_worker import Report, TaskSpec, run_foreign, run_in_process

__all__ = ["Backend", "Sink", "register_backend", "backend_names", "make_backend",
           "LokyBackend", "ThreadingBackend", "InlineBackend", "ExecutorBackend",
           "DEQUEUED", "TERMINATED", "RUNNING", "DONE"]

# What Backend.revoke() found and did.
DEQUEUED = "dequeued"      # had not started; it never will
TERMINATED = "terminated"  # was running; its process has been killed
RUNNING = "running"        # is running and this backend cannot stop it
DONE = "done"              # already finished (or already revoked)

Result = Report | BaseException


class Sink(Protocol):
    """Where a backend reports; callable from any thread."""

    def started(self, key: int, started: float, pid: int) -> None: ...

    def finished(self, key: int, result: Result) -> None: ...


class Backend(abc.ABC):
    """Runs specs.  Capability flags are class-level so callers can ask before use."""

    name: ClassVar[str] = "?"
    live_start: bool = False       # reports the start while the task runs
    can_terminate: bool = False    # revoke(terminate=True) can stop a running task
    synchronous: bool = False      # runs the task inside submit()
    sink: Sink

    def bind(self, sink: Sink) -> None:
        self.sink = sink

    @abc.abstractmethod
    def submit(self, spec: TaskSpec) -> None:
        """Start running ``spec``; report through the sink exactly once per spec."""

    @abc.abstractmethod
    def revoke(self, key: int, terminate: bool) -> str:
        """Dequeue (or, with ``terminate``, kill) the task; one of DEQUEUED, TERMINATED,
        RUNNING, DONE."""

    def settle(self, key: int, result: Result) -> Result | None:
        """Called on the pool's callback thread with each result; None means the
        backend has resubmitted the task and a later result will follow."""
        return result

    def forget(self, key: int) -> None:
        """The pool is done with ``key``: drop its bookkeeping."""

    def shutdown(self, wait: bool) -> None:
        """Release resources; called once no task is outstanding."""


def _result_of(future: cf.Future[Any]) -> Result:
    if future.cancelled():
        return cf.CancelledError()
    exc = future.exception()
    return exc if exc is not None else future.result()


class _MemoryClaims:
    """In-memory start/revoke race for tasks that run in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[int, str] = {}

    def start(self, key: int) -> bool:
        """Worker side: True if the task may start (nobody revoked it first)."""
        with self._lock:
            if key in self._state:
                return False
            self._state[key] = RUNNING
            return True

    def finish(self, key: int) -> None:
        with self._lock:
            self._state[key] = DONE

    def revoke(self, key: int) -> str:
        """Parent side: DEQUEUED if we got there first, else RUNNING or DONE."""
        with self._lock:
            if key not in self._state:
                self._state[key] = DONE
                return DEQUEUED
            return self._state[key]

    def forget(self, key: int) -> None:
        with self._lock:
            self._state.pop(key, None)


class InlineBackend(Backend):
    """Runs each task synchronously inside ``submit()``: deterministic unit tests."""

    name = "inline"
    live_start = True
    synchronous = True

    def submit(self, spec: TaskSpec) -> None:
        report = run_in_process(spec, None, functools.partial(self.sink.started, spec.key))
        self.sink.finished(spec.key, report)

    def revoke(self, key: int, terminate: bool) -> str:
        return DONE


class ThreadingBackend(Backend):
    """A ThreadPoolExecutor of ``workers`` threads; a running thread cannot be killed."""

    name = "threading"
    live_start = True

    def __init__(self, workers: int):
        self._executor = cf.ThreadPoolExecutor(workers, thread_name_prefix="bgkernel-task")
        self._claims = _MemoryClaims()
        self._futures: dict[int, cf.Future[Any]] = {}
        self._stopping = threading.Event()   # ends start delays when the pool shuts down

    def _run(self, spec: TaskSpec) -> Report:
        try:
            return run_in_process(spec, functools.partial(self._claims.start, spec.key),
                                  functools.partial(self.sink.started, spec.key),
                                  interrupt=self._stopping)
        finally:
            self._claims.finish(spec.key)

    def submit(self, spec: TaskSpec) -> None:
        future = self._executor.submit(self._run, spec)
        self._futures[spec.key] = future
        future.add_done_callback(lambda f: self.sink.finished(spec.key, _result_of(f)))

    def revoke(self, key: int, terminate: bool) -> str:
        state = self._claims.revoke(key)
        if state == DEQUEUED:
            future = self._futures.get(key)
            if future is not None:
                future.cancel()  # frees the queue slot; the claim already stops it
        return state

    def forget(self, key: int) -> None:
        self._claims.forget(key)
        self._futures.pop(key, None)

    def interrupt(self) -> None:
        """End start delays now: those tasks finish as interrupted, without running."""
        self._stopping.set()

    def shutdown(self, wait: bool) -> None:
        self._executor.shutdown(wait=wait)


class ExecutorBackend(Backend):
    """Any ``concurrent.futures.Executor``.  Start is reported with the outcome.
    Only ThreadPoolExecutor/ProcessPoolExecutor futures cancel honestly; a dask
    ClientExecutor future "cancels" even while running (the task goes on), so
    revoking is refused there."""

    name = "executor"

    def __init__(self, executor: cf.Executor, owned: bool = False):
        self.executor = executor
        self._owned = owned
        self._honest_cancel = isinstance(executor, (cf.ThreadPoolExecutor, cf.ProcessPoolExecutor))
        self._futures: dict[int, cf.Future[Any]] = {}

    def submit(self, spec: TaskSpec) -> None:
        future = self.executor.submit(run_foreign, spec)
        self._futures[spec.key] = future
        future.add_done_callback(lambda f: self.sink.finished(spec.key, _result_of(f)))

    def revoke(self, key: int, terminate: bool) -> str:
        future = self._futures.get(key)
        if future is None or future.done():
            return DONE
        if self._honest_cancel and future.cancel():
            return DEQUEUED
        return RUNNING

    def forget(self, key: int) -> None:
        self._futures.pop(key, None)

    def shutdown(self, wait: bool) -> None:
        if self._owned:
            self.executor.shutdown(wait=wait)


def _pool_broken(exc: BaseException) -> bool:
    return isinstance(exc, cf.BrokenExecutor) or type(exc).__name__ in (
        "ShutdownExecutorError", "TerminatedWorkerError")


def _read_claim(path: str, patience: float) -> str | None:
    """Content of a claim file; waits (up to ``patience`` s) while it is "" or
    "starting": claimed, but the task's process is not known yet."""
    deadline = time.monotonic() + patience
    while True:
        try:
            with open(path) as handle:
                text = handle.read()
        except FileNotFoundError:
            return None
        if text not in ("", "starting") or time.monotonic() > deadline:
            return text
        time.sleep(0.0005)


def _listen(sock: socket.socket, sink_ref: Callable[[], Sink | None]) -> None:
    while True:
        try:
            data = sock.recv(256)
        except OSError:
            return
        if data == b"stop":
            return
        sink = sink_ref()
        if sink is None:
            return
        with contextlib.suppress(ValueError):
            key, pid, started = data.split()
            sink.started(int(key), float(started), int(pid))


def _fast_tmp() -> str | None:
    """tmpfs if there is one: a claim file costs ~0.02 ms there, ~2 ms on a journaled disk."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


class LokyBackend(Backend):
    """joblib's loky pool; each task runs in a child forked by the worker.

    ``terminate`` kills that child's process group, so the loky worker, its pool and
    every other task are untouched.  Start is reported live over a unix datagram
    socket; the revoke/start race is settled by a claim file per task (see
    :mod:`bgkernel.background.fork`).  If the loky pool itself breaks (a
    worker process killed from outside, a joblib ``Parallel`` abort), tasks that had
    not started are resubmitted to a fresh pool; tasks that had started are lost
    (``WorkerLostError``), as with Celery, because re-running them could repeat side
    effects.  loky kills a worker's children before the worker, so a dying worker can
    still take one queued task in that instant: it started, so it is lost too.
    """

    name = "loky"
    live_start = True
    can_terminate = hasattr(os, "fork")
    MAX_RESUBMITS = 3

    def __init__(self, workers: int):
        self.workers = workers
        self._executor: Any = None
        self._lock = threading.Lock()
        self._specs: dict[int, TaskSpec] = {}
        self._futures: dict[int, tuple[cf.Future[Any], Any]] = {}  # key -> (future, executor)
        self._resubmits: dict[int, int] = {}
        self.control_dir = tempfile.mkdtemp(prefix="bgk-pool-", dir=_fast_tmp())
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.control_dir, True)
        self._events: str | None = os.path.join(self.control_dir, "events")
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._socket.bind(self._events)
        except OSError:  # path too long for AF_UNIX: starts come with the outcome
            self._socket.close()
            self._events = None
            self.live_start = False
        self._listener: threading.Thread | None = None

    def bind(self, sink: Sink) -> None:
        super().bind(sink)
        if self._events is not None:
            self._listener = threading.Thread(
                target=_listen, args=(self._socket, weakref.ref(sink)),
                name="bgkernel-pool-starts", daemon=True)
            self._listener.start()

    def _get_executor(self, fresh: bool) -> Any:
        if fresh or self._executor is None:
            from joblib.executor import get_memmapping_executor  # never loky's own (F8)
            self._executor = get_memmapping_executor(self.workers)
        return self._executor

    def _send(self, spec: TaskSpec) -> None:
        args = (run_forked, spec, self.control_dir, self._events)
        try:
            executor = self._get_executor(fresh=False)
            future = executor.submit(*args)
        except RuntimeError:  # broken or shut down (loky raises RuntimeError subclasses)
            executor = self._get_executor(fresh=True)
            future = executor.submit(*args)
        with self._lock:
            self._futures[spec.key] = (future, executor)
        future.add_done_callback(lambda f: self.sink.finished(spec.key, _result_of(f)))

    def submit(self, spec: TaskSpec) -> None:
        with self._lock:
            self._specs[spec.key] = spec
        self._send(spec)

    def _claim_path(self, key: int) -> str:
        return os.path.join(self.control_dir, f"{key}.claim")

    def revoke(self, key: int, terminate: bool) -> str:
        path = self._claim_path(key)
        for _ in range(3):  # the claim can vanish under us when a broken pool is settled
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                state = _read_claim(path, patience=5.0)
                if state is not None:
                    break
            else:
                os.write(fd, b"revoked")
                os.close(fd)
                entry = self._futures.get(key)
                if entry is not None:
                    entry[0].cancel()  # False if loky already queued it; the claim stops it
                return DEQUEUED
        else:
            return RUNNING
        if not state.startswith("run "):
            return RUNNING if state in ("", "starting", "inprocess") else DONE
        if not terminate:
            return RUNNING
        try:
            os.killpg(int(state.split()[1]), signal.SIGKILL)
        except ProcessLookupError:
            return DONE
        return TERMINATED

    def settle(self, key: int, result: Result) -> Result | None:
        if not (isinstance(result, BaseException) and _pool_broken(result)):
            return result
        with self._lock:
            entry = self._futures.get(key)
        if entry is not None:
            # Join the broken pool first: loky kills a busy worker's child before the
            # worker, which may still take a queued call and claim it.  After the join no
            # old worker touches a claim, so the claim below tells the truth.
            entry[1].shutdown(wait=True)
        path = self._claim_path(key)
        state = _read_claim(path, patience=0.0)
        if state == "":  # its worker died right after claiming it: it never started
            with contextlib.suppress(OSError):
                os.unlink(path)
            state = None
        if state is None and self._resubmits.get(key, 0) < self.MAX_RESUBMITS:
            self._resubmits[key] = self._resubmits.get(key, 0) + 1
            self._send(self._specs[key])
            return None
        words = (state or "").split()
        if words and words[0] in ("starting", "run", "done"):  # it may have run: never twice
            lines = [line.strip() for line in str(result).splitlines() if line.strip()]
            detail = next((line for line in lines if "exit codes" in line), lines[0] if lines else "")
            pid = int(words[1]) if len(words) == 2 else None
            return Report(key, True, pid=pid, note=(
                f"was lost when its loky pool broke ({type(result).__name__}: {detail})"))
        return result

    def forget(self, key: int) -> None:
        with self._lock:
            self._specs.pop(key, None)
            self._futures.pop(key, None)
            self._resubmits.pop(key, None)
        with contextlib.suppress(OSError):
            os.unlink(self._claim_path(key))

    def shutdown(self, wait: bool) -> None:
        """Stops the start listener and removes the control folder.  The loky pool is
        joblib's shared, reusable one: it is left running (idle workers exit after
        300 s) so that joblib.Parallel keeps it."""
        if self._events is not None and self._listener is not None:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as poke, \
                    contextlib.suppress(OSError):
                poke.sendto(b"stop", self._events)
            self._listener.join(timeout=5)
            self._socket.close()
        self._finalizer()


# --- the registry ---------------------------------------------------------------------

BackendFactory = Callable[[int], "Backend | cf.Executor"]
_FACTORIES: dict[str, BackendFactory] = {
    "loky": LokyBackend,
    "threading": ThreadingBackend,
    "inline": lambda workers: InlineBackend(),
}


def backend_names() -> list[str]:
    return sorted(_FACTORIES)


def register_backend(name: str, factory: BackendFactory, *, replace: bool = False) -> None:
    """Make ``Pool(backend=name)`` call ``factory(workers)``, which returns a
    :class:`Backend` or a ``concurrent.futures.Executor`` (the pool then owns it)."""
    if not isinstance(name, str) or not name:
        raise ConfigError(f"a backend name must be a non-empty string, not {name!r}")
    if not callable(factory):
        raise ConfigError(f"the factory for backend {name!r} must be callable, not {factory!r}")
    if name in _FACTORIES and not replace:
        raise ConfigError(f"pool backend {name!r} is already registered; pass replace=True")
    _FACTORIES[name] = factory


def make_backend(backend: str | cf.Executor | Backend, workers: int) -> Backend:
    if isinstance(backend, Backend):
        return backend
    if isinstance(backend, cf.Executor):
        return ExecutorBackend(backend, owned=False)
    if not isinstance(backend, str):
        raise ConfigError(f"pool backend must be one of {', '.join(backend_names())} or a "
                          f"concurrent.futures.Executor, not {backend!r}")
    factory = _FACTORIES.get(backend)
    if factory is None:
        raise ConfigError(f"unknown pool backend {backend!r}; valid names: "
                          f"{', '.join(backend_names())}")
    made = factory(workers)
    if isinstance(made, cf.Executor):
        return ExecutorBackend(made, owned=True)
    if not isinstance(made, Backend):
        raise ConfigError(f"the factory for pool backend {backend!r} returned {made!r}, "
                          "not a Backend or a concurrent.futures.Executor")
    return made
