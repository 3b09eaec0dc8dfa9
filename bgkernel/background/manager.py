"""Background actions: the manager that runs them, and their response and error actions.

A task is queued by ``background_action()`` during an evaluation and submitted to the
pool only once that evaluation has saved (docassemble's worker waits for the page's
lock, so it reads the launching save).  The worker returns a plain outcome; the
response or error action then runs here, against the latest saved answers, under the
session lock, and saves.  UI notifications are queued per session for the next
check-in.  Every step goes on the timeline.
"""
from __future__ import annotations

import datetime as _dt
import pickle
import threading
import time
import uuid
from collections import defaultdict, deque
from typing import TYPE_CHECKING, Any

from ..calendar.clock import real_now
from ..errors import ConfigError, InterviewError, TaskError
from ..library.context import RunContext, UserInfo
from ..runtime.diagnostics import diagnose_task
from ..runtime.owners import Ownership
from ..runtime.store import load_answers
from .backends import backend_names
from .open_tasks import OpenTasks
from .pool import Pool
from .recovery import recover, rerun_spec
from .task import MANAGERS, BackgroundResult, BackgroundTask
from .worker import run_job

if TYPE_CHECKING:
    from ..runtime.host import Host
    from ..runtime.session import Session

__all__ = ["TaskManager"]

class _Record:
    """The manager's state for one task."""

    def __init__(self, task_id: str, session_id: str, action: str, notification: Any):
        self.id = task_id
        self.session_id = session_id
        self.action = action
        self.notification = notification
        self.state = "PENDING"
        self.result: BackgroundResult | None = None
        self.done = threading.Event()
        self.handle: Any = None
        self.queued_wall = 0.0
        self.output = ""
        self.started_recorded = False
        self.start_delay = 0.0
        self.user: Any = None
        self.stored: str | None = None     # the state written to the store's row


class TaskManager:
    """Runs a simulator's background actions on its pool."""

    def __init__(self, sim: "Host", backend: Any = "loky", workers: int = 4):
        self.sim = sim
        self._backend = backend
        self._workers = workers
        self._pool: Any = None
        if isinstance(backend, str):
            if backend not in backend_names():
                raise ConfigError(f"unknown backend {backend!r}; valid backends: "
                                  + ", ".join(backend_names()) + ", or any concurrent.futures.Executor")
        self._records: dict[str, _Record] = {}
        self._by_session: dict[str, list[str]] = defaultdict(list)
        self._notes: dict[str, deque] = defaultdict(deque)
        self._lock = threading.RLock()
        self._open = OpenTasks(self._lock)
        self.owner = Ownership(sim.store.path)
        self._previous = MANAGERS.get(sim.store.path)   # another simulator on this store
        self.closed = False
        MANAGERS[sim.store.path] = self

    @property
    def pool(self) -> Any:
        """The worker pool, started on first use."""
        if self._pool is None:
            self._pool = Pool(self._backend, self._workers)
        return self._pool

    # --- queueing ---------------------------------------------------------------------------

    def launch(self, ctx: RunContext, action: str, notification: Any, arguments: dict) -> BackgroundTask:
        task_id = uuid.uuid4().hex
        ctx.launched.append({"id": task_id, "action": action, "notification": notification,
                             "arguments": dict(arguments), "user": ctx.user})
        return BackgroundTask(task_id, ctx.session_id, self.sim.store.path, action)

    def dispatch(self, session: "Session", ctx: RunContext) -> None:
        """Submit what the evaluation launched (it has saved)."""
        for spec in ctx.launched:
            self.submit(session, spec)
        ctx.launched.clear()

    def persist(self, session_id: str, launched: list[dict]) -> None:
        """Write the rows of the tasks a step queued, in the step's transaction: a task
        saved in the answers is then always known to the store, even if the process
        stops before it reaches the pool."""
        now = self.sim.clock.now().timestamp()
        for spec in launched:
            self.sim.store.save_task(spec["id"], session_id, spec["action"], spec["notification"],
                                     "PENDING", now, self.owner.token, self.owner.pid, rerun_spec(spec))

    def submit(self, session: "Session", spec: dict) -> None:
        sim = self.sim
        record = _Record(spec["id"], session.id, spec["action"], spec["notification"])
        record.user = spec["user"]
        record.start_delay = sim.clock.scaled(float(sim.config["worker start delay"]))
        record.queued_wall = sim.clock.wall()
        interview = session.interview
        job = {"store_path": sim.store.path, "session": session.id, "digest": interview.digest,
               "source": interview.source, "path": interview.path, "name": interview.name,
               "action": spec["action"], "arguments": spec["arguments"],
               "user": _user_dict(spec["user"]), "config": dict(sim.config),
               "files_dir": sim.store.files_dir, "task": record.id}
        with self._lock:
            self._records[record.id] = record
            self._by_session[session.id].append(record.id)
            self._open.opened(session.id)
        sim.store.save_task(record.id, session.id, record.action, record.notification, "PENDING",
                            sim.clock.now().timestamp(), self.owner.token, self.owner.pid,
                            rerun_spec(spec))
        sim.record(session.id, "task_queued", record.action, _args(spec["arguments"]), task=record.id)
        calendar = None if sim.clock.is_real() else sim.clock.now().isoformat()
        try:
            record.handle = self.pool.submit(
                run_job, job, task_id=record.id, calendar=calendar,
                start_delay=record.start_delay,
                on_done=lambda outcome, rec=record: self._finished(rec, outcome),
                on_start=lambda started, rec=record: self._started(rec, started.started, started.pid))
        except Exception as err:  # noqa: BLE001 -- an unpicklable argument, a closed pool ...
            self._finalize(record, BackgroundResult(error_type=type(err).__name__,
                                                    error_message=str(err), error_trace=""),
                           "FAILURE", extra=None)

    def recover(self) -> list[str]:
        """Take over the tasks of simulators that stopped (:mod:`.recovery`)."""
        return recover(self)

    # --- results ----------------------------------------------------------------------------

    def _started(self, record: _Record, started: float, pid: int | None) -> None:
        """The worker took the task at epoch ``started``; its action code starts after the
        worker start delay (docassemble's worker sleeps first), which the timeline counts
        as queue time."""
        if record.started_recorded:
            return
        record.started_recorded = True
        sim = self.sim
        try:
            sim.store.task_started(record.id, started, pid)
        except Exception:  # noqa: BLE001,S110 -- the store was closed under us
            pass
        ago = real_now().timestamp() - (started + record.start_delay)
        started_wall = sim.clock.wall() - ago
        sim.recorder.record(record.session_id, "task_started", record.action, f"pid {pid}",
                            max(started_wall - record.queued_wall, 0.0), wall=started_wall,
                            at=sim.clock.now() - _dt.timedelta(seconds=ago), task=record.id)

    def _finished(self, record: _Record, outcome: Any) -> None:
        """Pool callback (another thread): record, run response/error actions, notify."""
        sim = self.sim
        record.output = outcome.output or ""
        if record.output.strip():
            sim.record(record.session_id, "task_output", record.action, record.output[-4000:],
                       task=record.id)
        if outcome.started and not record.started_recorded:
            self._started(record, outcome.started, outcome.pid)
        run_time = (outcome.finished - outcome.started - record.start_delay) \
            if outcome.started and outcome.finished else None
        if outcome.revoked:
            self._finalize(record, BackgroundResult(output=record.output), "REVOKED", extra=None)
            sim.record(record.session_id, "task_revoked", record.action, "", run_time, task=record.id)
            return
        if not outcome.ok:
            result = BackgroundResult(error_type=outcome.error_type, error_message=outcome.error_message,
                                      error_trace=outcome.error_trace, variables=[], output=record.output)
            sim.record(record.session_id, "task_failed", record.action,
                       f"{outcome.error_type}: {outcome.error_message}", run_time, task=record.id)
            self.fail(record, result)
            return
        data = outcome.value
        try:
            self._handle(record, data, run_time)
        except Exception as err:  # noqa: BLE001 -- never lose a task: record the failure
            self._finalize(record, BackgroundResult(error_type=type(err).__name__, error_message=str(err),
                                                    error_trace="", output=record.output),
                           "FAILURE", extra=None)

    def _handle(self, record: _Record, data: dict, run_time: float | None) -> None:
        sim = self.sim
        session = self._session(record.session_id)
        for email in data.get("emails", ()):
            sim.services.deliver_prepared(email, record.session_id)
        for spec in data.get("launched", ()):
            if session is not None:
                self.submit(session, spec)
        for doc in data.get("documents", ()):
            sim.record(record.session_id, "document", doc["name"], ", ".join(doc["formats"]),
                       doc["seconds"], task=record.id)
        kind = data.get("kind")
        diagnose_task(sim, record.session_id, record.action, data)
        if kind == "error":
            detail = f"{data['error_type']}: {data['error_message']}"
            if data.get("location"):
                detail += f" ({data['location']})"
            sim.record(record.session_id, "task_failed", record.action, detail, run_time, task=record.id)
            result = BackgroundResult(error_type=data["error_type"], error_message=data["error_message"],
                                      error_trace=data["error_trace"], variables=data.get("variables") or [],
                                      output=record.output)
            on_error = data.get("on_error")
            if on_error and session is not None:
                self._error_action(record, session, on_error, result)
                return
            extra = record.notification if data.get("question") else None
            self._finalize(record, result, "FAILURE", extra=extra)
            return
        sim.record(record.session_id, "task_finished", record.action, _brief(data.get("value")),
                   run_time, task=record.id)
        if kind == "response_action" and session is not None:
            value, error = self._response_action(record, session, data["action"], data["arguments"],
                                                 ignore=data.get("save_status") == "ignore")
            if error is not None:
                self._finalize(record, error, "FAILURE", extra=record.notification)
            else:
                self._finalize(record, BackgroundResult(value=value, output=record.output), "SUCCESS",
                               extra=record.notification)
            return
        if kind == "command" and data.get("command") in ("exit", "restart", "exit_logout"):
            sim.delete_session(record.session_id, reason=f"background {data['command']}")
        self._finalize(record, BackgroundResult(value=data.get("value"), output=record.output), "SUCCESS",
                       extra=record.notification)

    def _response_action(self, record: _Record, session: "Session", action: str, arguments: dict,
                         ignore: bool = False) -> tuple[Any, BackgroundResult | None]:
        """Run ``action`` against the latest saved answers under the session lock; save."""
        sim = self.sim
        t0 = sim.clock.wall()
        with sim.locks.hold(session.id, f"response action {action}"):
            if not sim.store.exists(session.id):
                return None, None
            _, data = sim.store.latest(session.id)
            ns = load_answers(data)
            ctx = session._context(ns, action=action, arguments=arguments, interface="worker",
                                   user=_user_info(record, session))
            if ignore:
                ctx.save_status = "ignore"
            try:
                result, _ = session.evaluate(ns, ctx)
            except InterviewError as err:
                error = BackgroundResult(
                    error_type=getattr(err, "error_type", None) or type(err).__name__,
                    error_message=getattr(err, "error_message", None) or str(err), error_trace=None,
                    variables=list(getattr(err, "variables", ())), output=record.output)
                sim.record(session.id, "response_action", action, f"failed: {err}",
                           sim.clock.wall() - t0, task=record.id)
                return None, error
            value = result.payload if result.kind == "backgroundresponse" \
                else {"action": action, "arguments": arguments}
            with sim.store.write():     # the answers and the task's end: one step
                if ctx.save_status != "ignore":
                    sim.save_answers(session.id, ns, new_step=False, user=ctx.user,
                                     launched=ctx.launched)
                self._store_finish(record, BackgroundResult(value=value, output=record.output),
                                   "SUCCESS")
        sim.tasks.dispatch(session, ctx)
        sim.record(session.id, "response_action", action, _args(arguments), sim.clock.wall() - t0,
                   task=record.id)
        return value, None

    def fail(self, record: _Record, result: BackgroundResult) -> None:
        """A task that ended without an outcome of its own (its worker died, its simulator
        stopped): the error action its code registered runs, if it registered one."""
        on_error = None
        try:
            row = self.sim.store.task_row(record.id)
            if row and row.get("on_error"):
                on_error = pickle.loads(row["on_error"])  # noqa: S301 -- our own store
        except Exception:  # noqa: BLE001 -- a closed store, an unreadable blob: no error action
            on_error = None
        session = self._session(record.session_id) if on_error else None
        if on_error and session is not None:
            self._error_action(record, session, on_error, result)
        else:
            self._finalize(record, result, "FAILURE", extra=None)

    def adopt(self, task_id: str, session_id: str, action: str, notification: Any) -> _Record:
        """A record for a task of the store that this manager takes over (recovery)."""
        record = _Record(task_id, session_id, action, notification)
        record.queued_wall = self.sim.clock.wall()
        with self._lock:
            self._records[task_id] = record
            self._by_session[session_id].append(task_id)
            self._open.opened(session_id)
        return record

    def _error_action(self, record: _Record, session: "Session", on_error: dict,
                      failure: BackgroundResult) -> None:
        sim = self.sim
        arguments = dict(on_error.get("arguments") or {})
        arguments.update(error_type=failure.error_type, error_message=failure.error_message,
                         error_trace=failure.error_trace, variables=failure.variables)
        action = on_error["action"]
        t0 = sim.clock.wall()
        value = None
        with sim.locks.hold(session.id, f"error action {action}"):
            if not sim.store.exists(session.id):
                self._finalize(record, failure, "FAILURE", extra=None)
                return
            _, data = sim.store.latest(session.id)
            ns = load_answers(data)
            ctx = session._context(ns, action=action, arguments=arguments, interface="worker",
                                   user=_user_info(record, session))
            try:
                result, _ = session.evaluate(ns, ctx)
                if result.kind == "backgroundresponse":
                    value = result.payload
            except InterviewError as err:
                failure.error_type = getattr(err, "error_type", None) or type(err).__name__
                failure.error_message = getattr(err, "error_message", None) or str(err)
                failure.error_trace = None
            failure.value = value
            with sim.store.write():     # the answers and the task's end: one step
                if ctx.save_status != "ignore":
                    sim.save_answers(session.id, ns, new_step=False, user=ctx.user,
                                     launched=ctx.launched)
                self._store_finish(record, failure, "FAILURE")
        sim.tasks.dispatch(session, ctx)
        sim.record(session.id, "error_action", action, f"{failure.error_type}: {failure.error_message}",
                   sim.clock.wall() - t0, task=record.id)
        failure.value = value
        self._finalize(record, failure, "FAILURE", extra=record.notification)

    def _store_finish(self, record: _Record, result: BackgroundResult, state: str) -> None:
        """The task's end in the store (inside a step's transaction when there is one)."""
        try:
            blob = pickle.dumps(result)
        except Exception:  # noqa: BLE001 -- keep the text of what cannot be pickled
            blob = pickle.dumps(BackgroundResult(value=repr(result.value), error_type=result.error_type,
                                                 error_message=result.error_message,
                                                 error_trace=result.error_trace, output=result.output))
        self.sim.store.finish_task(record.id, state, blob, None, time.time(), record.output)
        record.stored = state

    def _finalize(self, record: _Record, result: BackgroundResult, state: str, extra: Any) -> None:
        record.result = result
        record.state = state
        if record.stored != state:
            try:
                self._store_finish(record, result, state)
            except Exception:  # noqa: BLE001 -- the store was closed under us; the record stays
                pass
        if extra is not None and state != "REVOKED":
            with self._lock:
                self._notes[record.session_id].append(
                    {"value": result.value, "extra": extra, "task": record.id})
        with self._lock:
            if not record.done.is_set():
                record.done.set()
                self._open.closed(record.session_id)

    # --- queries ----------------------------------------------------------------------------

    def _session(self, session_id: str) -> "Session | None":
        try:
            return self.sim.session(session_id)
        except Exception:  # noqa: BLE001 -- deleted meanwhile
            return None

    def state(self, task_id: str) -> str:
        record = self._records.get(task_id)
        if record is not None:
            return record.state
        row = self.sim.store.task_row(task_id)
        return row["state"] if row else "PENDING"

    def result(self, task_id: str, wait: bool = True) -> BackgroundResult:
        record = self._records.get(task_id)
        if record is not None:
            if wait:
                record.done.wait()
            if record.result is None:
                raise TaskError(f"task {task_id} has no result yet")
            return record.result
        row = self.sim.store.task_row(task_id)
        if row is None or row["outcome"] is None:
            raise TaskError(f"task {task_id} is unknown or was not finished when its simulator stopped")
        return pickle.loads(row["outcome"])  # noqa: S301 -- our own store

    def output(self, task_id: str) -> str:
        record = self._records.get(task_id)
        if record is not None:
            return record.output
        row = self.sim.store.task_row(task_id)
        return (row or {}).get("output") or ""

    def revoke(self, task_id: str, terminate: bool = True) -> bool:
        record = self._records.get(task_id)
        if record is None or record.handle is None or record.done.is_set():
            return False
        stopped = record.handle.terminate() if terminate else record.handle.cancel()
        return bool(stopped)

    def for_session(self, session_id: str) -> list[BackgroundTask]:
        """The session's tasks: those of the store (a reopened one's too), then any not yet
        written there."""
        with self._lock:
            live = [(i, self._records[i].action) for i in self._by_session.get(session_id, ())]
        try:
            stored = self.sim.store.session_tasks(session_id)
        except Exception:  # noqa: BLE001 -- a closed store: what this manager knows
            stored = []
        seen = {i for i, _ in stored}
        return [BackgroundTask(i, session_id, self.sim.store.path, action)
                for i, action in stored + [(i, a) for i, a in live if i not in seen]]

    def pop_notifications(self, session_id: str) -> list[dict]:
        with self._lock:
            queue = self._notes.get(session_id)
            items = list(queue) if queue else []
            if queue:
                queue.clear()
        for item in items:
            self.sim.record(session_id, "notification", str(item["extra"]), _brief(item["value"]),
                            task=item.get("task"))
        return [{"value": i["value"], "extra": i["extra"]} for i in items]

    def pending(self, session_id: str | None = None) -> int:
        return self._open.count(session_id)

    def wait_session(self, session_id: str | None, timeout: float | None = None) -> bool:
        return self._open.wait(session_id, timeout)

    def shutdown(self) -> None:
        """Stop the pool: tasks still queued or running are revoked (a closed simulator
        has no server left to deliver their results to)."""
        self.closed = True
        if MANAGERS.get(self.sim.store.path) is self:
            previous = self._previous
            if previous is not None and not previous.closed:
                MANAGERS[self.sim.store.path] = previous
            else:
                MANAGERS.pop(self.sim.store.path, None)
        if self._pool is not None:
            self._pool.shutdown(wait=False, terminate=True)


def _user_dict(user: Any) -> dict:
    if isinstance(user, UserInfo):
        out = dict(user.__dict__)
        out["roles"] = tuple(user.roles)
        return out
    return dict(user)


def _user_info(record: _Record, session: "Session") -> UserInfo:
    user = record.user
    if isinstance(user, UserInfo):
        return user
    if isinstance(user, dict):
        return UserInfo(**{**user, "roles": tuple(user.get("roles", ()))})
    return session.user


def _args(arguments: dict) -> str:
    return ", ".join(f"{k}={_brief(v)}" for k, v in arguments.items())[:300]


def _brief(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = f"<{type(value).__name__}>"
    return text[:200]
