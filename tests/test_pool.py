"""bgkernel.background.pool on real workers: every backend, revokes, worker deaths, calendars, dask.

Task functions live at module level so loky and dask workers can import them.
No timing thresholds: waits have generous failsafe timeouts only.
"""
from __future__ import annotations

import collections
import concurrent.futures as cf
import datetime
import logging
import os
import signal
import sys
import threading
import time

import pytest

from bgkernel.errors import ConfigError, TaskError
from bgkernel.background.pool import Pool, TaskOutcome, TaskStarted, backend_names, register_backend

BACKENDS = ["loky", "threading", "inline"]
FAILSAFE = 60


# --- tasks --------------------------------------------------------------------------

def hello(x):
    print("hello", x)
    print("to stderr", x, file=sys.stderr)
    logging.getLogger("bgk.test").info("logged %s", x)
    return x * 2


def chatter(tag, n):
    for i in range(n):
        print(f"{tag} print {i}")
        logging.getLogger("bgk.chatter").info("%s log %d", tag, i)
        time.sleep(0.002)
    return tag


def sleeper(seconds):
    time.sleep(seconds)
    return seconds


def stamp():
    return time.time()


def die(code):
    print("about to die")
    os._exit(code)


def raise_value_error():
    raise ValueError("bad value 7")


def raise_system_exit():
    sys.exit(5)


def raise_unpicklable():
    class LocalError(Exception):  # a local class: pickle cannot find it by name
        pass
    raise LocalError("cannot travel home")


def return_unpicklable():
    return threading.Lock()


def shell_echo():
    print("from python", flush=True)
    os.system("echo from-a-subprocess")
    return "ok"


def calendar_probe():
    now = datetime.datetime.now()
    return now.year, now


# --- helpers ------------------------------------------------------------------------

class Recorder:
    """Collects on_start/on_done calls, thread-safely, in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.done: dict[str, list[TaskOutcome]] = collections.defaultdict(list)
        self.started: dict[str, threading.Event] = collections.defaultdict(threading.Event)
        self.starts: dict[str, list[TaskStarted]] = collections.defaultdict(list)

    def on_done(self, outcome: TaskOutcome) -> None:
        with self.lock:
            self.events.append(("done", outcome.task_id))
            self.done[outcome.task_id].append(outcome)

    def on_start(self, started: TaskStarted) -> None:
        with self.lock:
            self.events.append(("start", started.task_id))
            self.starts[started.task_id].append(started)
        self.started[started.task_id].set()

    def submit(self, pool, fn, *args, task_id, **kw):
        return pool.submit(fn, *args, task_id=task_id, on_done=self.on_done,
                           on_start=self.on_start, **kw)


@pytest.fixture
def make_pool():
    pools = []

    def make(backend, workers=4):
        pool = Pool(backend, workers)
        pools.append(pool)
        return pool
    yield make
    for pool in pools:
        pool.shutdown(wait=True, terminate=True)


def run_one(pool, fn, *args, **kw):
    rec = Recorder()
    handle = rec.submit(pool, fn, *args, task_id="t", **kw)
    assert handle.wait(FAILSAFE)
    assert rec.done["t"] == [handle.outcome()]
    return handle.outcome(), rec


# --- every backend ------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_runs_a_task_and_captures_output(make_pool, backend):
    outcome, rec = run_one(make_pool(backend), hello, 21)
    assert outcome.ok and outcome.value == 42 and not outcome.revoked
    assert outcome.error_type is None
    assert "hello 21\n" in outcome.output
    assert "to stderr 21\n" in outcome.output
    assert "INFO:bgk.test:logged 21\n" in outcome.output
    assert outcome.started <= outcome.finished
    assert outcome.pid is not None
    assert (outcome.pid != os.getpid()) == (backend == "loky")
    assert rec.events == [("start", "t"), ("done", "t")]  # start first, even if not live
    assert rec.starts["t"][0].started == outcome.started and rec.starts["t"][0].pid == outcome.pid


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_concurrent_outputs_do_not_mix(make_pool, backend):
    pool, rec = make_pool(backend), Recorder()
    tags = [f"task{i}" for i in range(4)]
    handles = [rec.submit(pool, chatter, tag, 25, task_id=tag) for tag in tags]
    for handle in handles:
        assert handle.wait(FAILSAFE)
    for tag in tags:
        [outcome] = rec.done[tag]
        lines = outcome.output.splitlines()
        assert len(lines) == 50
        assert all(tag in line for line in lines), outcome.output
        assert sum("print" in line for line in lines) == 25


@pytest.mark.parametrize("backend", BACKENDS)
def test_exception_becomes_data(make_pool, backend):
    outcome, _ = run_one(make_pool(backend), raise_value_error)
    assert not outcome.ok and not outcome.revoked
    assert outcome.error_type == "ValueError"
    assert outcome.error_message == "bad value 7"
    assert "raise ValueError" in outcome.error_trace


@pytest.mark.parametrize("backend", BACKENDS)
def test_unpicklable_exception_still_reports(make_pool, backend):
    outcome, _ = run_one(make_pool(backend), raise_unpicklable)
    assert outcome.error_type == "LocalError"
    assert outcome.error_message == "cannot travel home"
    assert "raise LocalError" in outcome.error_trace and "raise_unpicklable" in outcome.error_trace


@pytest.mark.parametrize("backend", BACKENDS)
def test_system_exit_is_a_failure_not_a_death(make_pool, backend):
    outcome, _ = run_one(make_pool(backend), raise_system_exit)
    assert outcome.error_type == "SystemExit" and outcome.error_message == "5"


@pytest.mark.parametrize("backend", BACKENDS)
def test_unpicklable_result_is_a_failure(make_pool, backend):
    outcome, _ = run_one(make_pool(backend), return_unpicklable)
    assert not outcome.ok
    assert "cannot be pickled" in outcome.error_message


@pytest.mark.parametrize("backend", BACKENDS)
def test_calendar_is_visible_in_the_worker(make_pool, backend):
    outcome, _ = run_one(make_pool(backend), calendar_probe, calendar="2031-05-01T09:00:00")
    year, when = outcome.value
    assert year == 2031
    assert when >= datetime.datetime(2031, 5, 1, 9, 0)
    assert type(when) is datetime.datetime  # FakeDatetime comes back as a real datetime
    assert datetime.datetime.now().year != 2031  # the parent is not frozen afterwards


@pytest.mark.parametrize("backend", BACKENDS)
def test_start_delay_counts_as_running(make_pool, backend):
    outcome, _ = run_one(make_pool(backend), stamp, start_delay=0.3)
    assert outcome.ok and outcome.value >= outcome.started + 0.3


# --- loky: terminate, cancel, worker death ------------------------------------------

def test_terminate_stops_one_task_and_spares_the_others(make_pool):
    pool, rec = make_pool("loky"), Recorder()
    long = rec.submit(pool, sleeper, 30, task_id="long")
    short = rec.submit(pool, sleeper, 2, task_id="short")
    assert rec.started["long"].wait(FAILSAFE) and rec.started["short"].wait(FAILSAFE)
    assert pool.reports_start_live and rec.starts["long"][0].live
    assert long.pid == rec.starts["long"][0].pid and long.pid != os.getpid()
    assert long.terminate() is True
    assert long.wait(FAILSAFE)
    outcome = long.outcome()
    assert outcome.revoked and not outcome.ok and outcome.error_type == "TaskRevokedError"
    assert "SIGKILL" in outcome.error_message
    assert long.terminate() is False  # already stopped
    assert short.wait(FAILSAFE)
    assert short.outcome().ok and short.outcome().value == 2 and not short.outcome().revoked
    assert {k: len(v) for k, v in rec.done.items()} == {"long": 1, "short": 1}


def test_queued_task_is_dequeued_and_running_ones_are_not_cancelled(make_pool):
    pool, rec = make_pool("loky", 4), Recorder()
    busy = [rec.submit(pool, sleeper, 30, task_id=f"busy{i}") for i in range(4)]
    for i in range(4):
        assert rec.started[f"busy{i}"].wait(FAILSAFE)
    queued = rec.submit(pool, sleeper, 30, task_id="queued")
    assert queued.cancel() is True
    assert queued.wait(FAILSAFE)
    outcome = queued.outcome()
    assert outcome.revoked and outcome.started is None and outcome.pid is None
    assert busy[0].cancel() is False  # cancel never stops a running task
    assert all(handle.terminate() for handle in busy)
    for handle in busy:
        assert handle.wait(FAILSAFE) and handle.outcome().revoked
    after = rec.submit(pool, hello, 3, task_id="after")
    assert after.wait(FAILSAFE) and after.outcome().value == 6
    assert "queued" not in rec.starts
    assert all(len(v) == 1 for v in rec.done.values())


def test_os_exit_is_a_worker_loss_and_the_pool_goes_on(make_pool):
    pool, rec = make_pool("loky"), Recorder()
    other = rec.submit(pool, sleeper, 1, task_id="other")
    dying = rec.submit(pool, die, 3, task_id="dying")
    assert dying.wait(FAILSAFE)
    outcome = dying.outcome()
    assert not outcome.ok and outcome.error_type == "WorkerLostError"
    assert "exited with code 3" in outcome.error_message
    assert outcome.output == "about to die\n"
    assert other.wait(FAILSAFE) and other.outcome().ok
    nxt = rec.submit(pool, hello, 5, task_id="next")
    assert nxt.wait(FAILSAFE) and nxt.outcome().value == 10


def test_sigkill_from_outside_is_a_worker_loss(make_pool):
    pool, rec = make_pool("loky"), Recorder()
    victim = rec.submit(pool, sleeper, 30, task_id="victim")
    bystander = rec.submit(pool, sleeper, 1, task_id="bystander")
    assert rec.started["victim"].wait(FAILSAFE)
    os.kill(victim.pid, signal.SIGKILL)
    assert victim.wait(FAILSAFE)
    outcome = victim.outcome()
    assert outcome.error_type == "WorkerLostError" and not outcome.revoked
    assert "signal 9" in outcome.error_message
    assert bystander.wait(FAILSAFE) and bystander.outcome().ok


def test_output_of_subprocesses_is_captured(make_pool):
    outcome, _ = run_one(make_pool("loky"), shell_echo)
    assert outcome.output == "from python\nfrom-a-subprocess\n"


def _children_of(ppid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == ppid and fields[0] != "Z":
                kids.append(int(entry))
    return kids


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_pool_survives_its_spare_children_being_killed(make_pool):
    pool, rec = make_pool("loky"), Recorder()
    long = rec.submit(pool, sleeper, 30, task_id="long")
    assert rec.started["long"].wait(FAILSAFE)
    with open(f"/proc/{long.pid}/stat") as handle:
        worker = int(handle.read().rsplit(")", 1)[1].split()[1])  # its ppid
    deadline = time.monotonic() + FAILSAFE
    while not (spares := [pid for pid in _children_of(worker) if pid != long.pid]):
        assert time.monotonic() < deadline, "the worker never forked a spare child"
        time.sleep(0.01)
    for pid in spares:
        os.kill(pid, signal.SIGKILL)
    assert long.terminate() and long.wait(FAILSAFE)
    handles = [rec.submit(pool, hello, i, task_id=f"after{i}") for i in range(12)]
    for i, handle in enumerate(handles):
        assert handle.wait(FAILSAFE)
        assert handle.outcome().ok and handle.outcome().value == 2 * i


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_killing_a_loky_worker_itself_loses_started_tasks_only(make_pool):
    """Not a task dying: the loky worker process is killed from outside, which breaks
    loky's whole pool.  Started tasks are lost (re-running could repeat side effects);
    queued ones are resubmitted to a fresh pool and complete -- except one that a dying
    worker took in the instant between loky killing its child and killing it: that one
    had started, so it is reported lost too."""
    pool, rec = make_pool("loky", 4), Recorder()
    busy = [rec.submit(pool, sleeper, 30, task_id=f"busy{i}") for i in range(4)]
    for i in range(4):
        assert rec.started[f"busy{i}"].wait(FAILSAFE)
    queued = [rec.submit(pool, hello, i, task_id=f"queued{i}") for i in range(8)]
    with open(f"/proc/{busy[0].pid}/stat") as handle:
        worker = int(handle.read().rsplit(")", 1)[1].split()[1])
    os.kill(worker, signal.SIGKILL)
    for handle in busy:
        assert handle.wait(FAILSAFE)
        outcome = handle.outcome()
        assert outcome.error_type == "WorkerLostError" and not outcome.revoked
    for i, handle in enumerate(queued):
        assert handle.wait(FAILSAFE)
        outcome = handle.outcome()
        assert not outcome.revoked
        if not outcome.ok:
            assert outcome.error_type == "WorkerLostError", outcome
            assert "loky pool broke" in outcome.error_message
        else:
            assert outcome.value == 2 * i
    assert sum(handle.outcome().ok for handle in queued) >= 4  # at most 4 dying workers
    after = rec.submit(pool, hello, 9, task_id="after")
    assert after.wait(FAILSAFE) and after.outcome().value == 18
    assert all(len(v) == 1 for v in rec.done.values())


def test_hundred_tasks_complete(make_pool):
    pool, rec = make_pool("loky"), Recorder()
    handles = [rec.submit(pool, sleeper, 0.01, task_id=f"t{i}") for i in range(100)]
    for handle in handles:
        assert handle.wait(FAILSAFE)
    assert len(rec.done) == 100
    assert all(len(v) == 1 and v[0].ok for v in rec.done.values())
    assert all(len(v) == 1 for v in rec.starts.values())


# --- threading / inline revokes ---------------------------------------------------------

def test_threading_dequeues_but_cannot_kill(make_pool):
    pool, rec = make_pool("threading", 1), Recorder()
    running = rec.submit(pool, sleeper, 2, task_id="running")
    assert rec.started["running"].wait(FAILSAFE)
    queued = rec.submit(pool, hello, 1, task_id="queued")
    assert queued.terminate() is True
    assert running.terminate() is False
    assert queued.wait(FAILSAFE) and queued.outcome().revoked
    assert running.wait(FAILSAFE) and running.outcome().ok


def test_inline_runs_inside_submit(make_pool):
    pool, rec = make_pool("inline"), Recorder()
    handle = rec.submit(pool, hello, 2, task_id="x")
    assert handle.done() and rec.done["x"][0].value == 4
    assert handle.terminate() is False and handle.cancel() is False


# --- pool API -------------------------------------------------------------------------

def test_unknown_backend_lists_valid_names():
    with pytest.raises(ConfigError) as info:
        Pool("celery")
    for name in ("inline", "loky", "threading"):
        assert name in str(info.value)


def test_register_backend_by_name(make_pool):
    register_backend("test-threads", lambda workers: cf.ThreadPoolExecutor(workers),
                     replace=True)
    assert "test-threads" in backend_names()
    with pytest.raises(ConfigError):
        register_backend("test-threads", lambda workers: None)
    outcome, rec = run_one(make_pool("test-threads"), hello, 4)
    assert outcome.value == 8 and "hello 4" in outcome.output
    assert not rec.starts["t"][0].live  # foreign executors report start with the outcome


def test_bad_arguments_are_named():
    pool = Pool("inline")
    with pytest.raises(ValueError, match="not-a-date"):
        pool.submit(hello, 1, task_id="x", on_done=print, calendar="not-a-date")
    with pytest.raises(ValueError, match="-1"):
        pool.submit(hello, 1, task_id="x", on_done=print, start_delay=-1)
    with pytest.raises(ConfigError, match="0"):
        Pool("inline", workers=0)


def test_failing_callback_does_not_lose_the_pool(make_pool, caplog):
    pool = make_pool("threading")

    def explode(outcome):
        raise RuntimeError("callback bug")
    handle = pool.submit(hello, 1, task_id="cb", on_done=explode)
    assert handle.wait(FAILSAFE) and handle.outcome().ok
    assert "callback bug" in caplog.text
    outcome, _ = run_one(pool, hello, 2)
    assert outcome.ok


def test_submit_after_shutdown_is_refused():
    pool = Pool("threading", 2)
    pool.shutdown()
    with pytest.raises(TaskError, match="shut down"):
        pool.submit(hello, 1, task_id="late", on_done=print)


# --- dask -----------------------------------------------------------------------------

@pytest.mark.slow
def test_dask_executor(make_pool):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        pool = make_pool(client.get_executor())
        outcome, rec = run_one(pool, hello, 6)
        assert outcome.ok and outcome.value == 12
        assert "hello 6" in outcome.output and "INFO:bgk.test:logged 6" in outcome.output
        assert outcome.pid != os.getpid()
        assert rec.events == [("start", "t"), ("done", "t")]
        assert not rec.starts["t"][0].live
        failing, _ = run_one(pool, raise_unpicklable)
        assert failing.error_type == "LocalError" and "raise LocalError" in failing.error_trace
        slow = pool.submit(sleeper, 1, task_id="slow", on_done=lambda o: None)
        assert slow.terminate() is False  # dask cannot stop a running (or queued) task
        assert slow.wait(FAILSAFE) and slow.outcome().ok
        pool.shutdown()
    finally:
        client.close()
        cluster.close()
