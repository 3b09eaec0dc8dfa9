"""What runs in a worker process: one background action on a snapshot of the answers.

The worker loads the interview (cached per process), reads the latest saved answers
from the SQLite store, runs the interview logic with the action, and returns a plain
``dict`` outcome — never the live objects — so any pool (loky, threads, dask) can
carry it.  Its own changes to variables are discarded (SEMANTICS §1.3 step 9).
"""
from __future__ import annotations

import ast
import pickle
import sqlite3
import threading
import uuid
from typing import Any

from ..engine.evaluation import Evaluation
from ..engine.outcome import InterviewRuntimeError, NoEndpointError
from ..errors import DAError, InterviewError
from ..language.blocks import CodeBlock
from ..language.interview import Interview, load_interview
# dates before any freeze: a class defined under freezegun subclasses FakeDatetime, whose
# isinstance() accepts every datetime
from ..library import dates as _dates, namespace as library  # noqa: F401
from ..library.context import RunContext, UserInfo, parent_only, running
from ..library.dastore import apply
from ..library.performed import mark_task_as_performed
from ..lint.background import unread_assignments
from ..mail.inbox import address_from_store, emails_from_store
from ..mail.outgoing import prepare_email
from ..runtime.diagnostics import changed_names, snapshot
from ..runtime.store import Store, load_answers
from .task import BackgroundTask

__all__ = ["run_job", "WorkerServices"]

_OTHER_SESSIONS = {"create": "create_session()", "variables": "get_session_variables()",
                   "set_variables": "set_session_variables()", "run_action": "run_action_in_session()",
                   "go_back": "go_back_in_session()", "question_data": "get_question_data()",
                   "snapshot": "store_variables_snapshot()", "stash": "stash_data()",
                   "retrieve_stash": "retrieve_stashed_data()"}


def _warm() -> None:
    """Import what every task needs once, in the pool's worker: the per-task processes it
    forks (see pool.py) inherit these modules instead of importing them again."""
    library.builtins_dict()
    try:
        import babel.dates  # noqa: F401
        import dateutil.parser  # noqa: F401
    except ImportError:
        pass


_warm()

_interviews: dict[str, Interview] = {}
_lock = threading.Lock()


def _interview(job: dict) -> Interview:
    with _lock:
        found = _interviews.get(job["digest"])
        if found is None:
            found = load_interview(job["source"], path=job.get("path"), name=job.get("name"))
            _interviews[job["digest"]] = found
        return found


def _snapshot(store_path: str, session_id: str) -> bytes | None:
    conn = sqlite3.connect(store_path, timeout=30.0)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        row = conn.execute("SELECT data FROM steps WHERE session = ? ORDER BY idx DESC LIMIT 1",
                           (session_id,)).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


class WorkerServices:
    """``ctx.services`` inside a worker: what it asks of the simulator is returned."""

    def __init__(self) -> None:
        self.launched: list[dict] = []
        self.emails: list[dict] = []

    def background_action(self, ctx: RunContext, action: str, ui_notification: Any,
                          arguments: dict) -> Any:
        task_id = uuid.uuid4().hex
        self.launched.append({"id": task_id, "action": action, "notification": ui_notification,
                              "arguments": arguments, "user": ctx.user})
        return BackgroundTask(task_id, ctx.session_id, ctx.extra.get("store_path"), action)

    def release_lock(self, session_id: str | None) -> None:
        return None

    def send_email(self, ctx: RunContext, to: Any, kwargs: dict) -> bool:
        prepared = prepare_email(ctx, to, kwargs)
        if prepared is None:
            return False
        self.emails.append(prepared)
        task = kwargs.get("task")
        if task:
            mark_task_as_performed(task)
        return True

    def interview_email(self, ctx: RunContext, key: Any, index: Any) -> str:
        return address_from_store(ctx, key, index)

    def get_emails(self, ctx: RunContext, key: Any, index: Any) -> list:
        return emails_from_store(ctx, key, index)

    def error_action(self, ctx: RunContext, on_error: dict) -> None:
        """Write the error action to the task's row: if this process dies before it returns,
        the simulator still runs it (``TaskManager.fail``)."""
        path, task = ctx.extra.get("store_path"), ctx.extra.get("task_id")
        if not path or not task:
            return
        try:
            blob = pickle.dumps(on_error, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 -- unpicklable arguments: kept in memory only
            return
        conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("UPDATE tasks SET on_error = ? WHERE id = ?", (blob, task))
        except sqlite3.Error:
            pass                  # the store is unwritable: the error action stays in memory
        finally:
            conn.close()

    def sessions(self, ctx: RunContext, op: str, **kwargs: Any) -> Any:
        raise DAError(f"{_OTHER_SESSIONS.get(op, op)} is not available in a background task here: "
                      "call it from a response action (background_response_action)")

    def users(self, ctx: RunContext, op: str, **kwargs: Any) -> Any:
        raise DAError("the server's users are not available in a background task here: call "
                      "the function from a response action (background_response_action)")

    def kv(self, ctx: RunContext, op: str, key: str, value: bytes | None = None) -> Any:
        """A DAStore operation, on a connection of this process to the store file."""
        parent_only("a DAStore")
        path = ctx.extra.get("store_path")
        if not path:
            raise DAError("DAStore needs the simulator's store (no store_path in this context)")
        store = Store(path)
        try:
            return apply(store, op, key, value)
        finally:
            store.close()


def prepare_job(job: dict) -> None:
    """Warm a pool worker for jobs like this one: parse and cache the interview."""
    _interview(job)


def run_job(job: dict) -> dict:
    """Run one background action; returns the outcome as plain data."""
    interview = _interview(job)
    data = _snapshot(job["store_path"], job["session"])
    if data is None:
        print("background_action: dictionary could not be found")
        return {"kind": "none", "launched": [], "emails": []}
    ns = load_answers(data)
    services = WorkerServices()
    user = job["user"] if isinstance(job["user"], UserInfo) else UserInfo(**job["user"])
    ctx = RunContext(session_id=job["session"], interview=interview, namespace=ns, user=user,
                     interface="worker", action=job["action"], arguments=dict(job["arguments"]),
                     config=job["config"], services=services, in_worker=True,
                     files_dir=job.get("files_dir"))
    ctx.extra["action_name"] = job["action"]
    ctx.extra["store_path"] = job["store_path"]
    ctx.extra["task_id"] = job.get("task")
    print(f"background_action: yaml_filename is {interview.name} and session code is "
          f"{job['session']} and action is {{'action': {job['action']!r}, 'arguments': {job['arguments']!r}}}")
    out: dict[str, Any] = {"launched": services.launched, "emails": services.emails,
                           "documents": ctx.documents}
    # the variables the action's own code sets and never reads (few, often none): watched
    # for the diagnostic of a change the task's end discards (BGK103)
    watched = _unread(interview, job["action"]) if job["config"].get("diagnostics", True) else set()
    before = snapshot(ns, watched) if watched else None
    try:
        with running(ctx):
            result = Evaluation(interview, ns, ctx).assemble()
    except InterviewRuntimeError as err:
        out.update(kind="error", error_type=err.error_type, error_message=err.error_message,
                   error_trace=err.error_trace, variables=list(err.variables),
                   location=err.location())
    except NoEndpointError as err:
        out.update(kind="error", error_type="DAErrorNoEndpoint", error_message=err.message,
                   error_trace="", variables=list(reversed(ctx.seeking)), location=err.location())
    except InterviewError as err:
        out.update(kind="error", error_type=type(err).__name__, error_message=str(err),
                   error_trace="", variables=list(reversed(ctx.seeking)), location=err.location())
    else:
        out.update(_outcome(result, ctx))
        if before is not None and out["kind"] != "error":
            out["discarded"] = changed_names(before, ns, watched, _passed(result))
    out["on_error"] = ctx.on_error
    out["save_status"] = ctx.save_status
    return out


run_job.prepare = prepare_job  # type: ignore[attr-defined]  -- see pool_fork._prepare


def _unread(interview: Interview, action: str) -> set[str]:
    """The variables the action's own code sets and never reads or passes on (the linter's
    BGK103): a change of one of those is an author's change lost, not a temporary."""
    key = (interview.digest, action)
    if key not in _UNREAD:
        names: set[str] = set()
        for block in interview.blocks:
            if isinstance(block, CodeBlock) and action in block.events and block.code is not None:
                try:
                    names.update(n for n, _, _ in unread_assignments(ast.parse(block.code.source)))
                except SyntaxError:
                    pass
        _UNREAD[key] = names
    return _UNREAD[key]


_UNREAD: dict[tuple[str, str], set[str]] = {}


def _passed(result: Any) -> tuple:
    """The values a background run hands on: its response's value, its response action's
    arguments (and their items), which are therefore not lost with the snapshot."""
    values: list = []
    if result.kind == "backgroundresponse":
        values.append(result.payload)
    elif result.kind == "backgroundresponseaction":
        values.extend((result.signal.arguments or {}).values())
    for value in list(values):
        if isinstance(value, dict):
            values.extend(value.values())
        elif isinstance(value, (list, tuple)):
            values.extend(value)
    return tuple(values)


def _outcome(result: Any, ctx: RunContext) -> dict:
    kind = result.kind
    if kind == "backgroundresponse":
        return {"kind": "value", "value": result.payload}
    if kind == "backgroundresponseaction":
        return {"kind": "response_action", "action": result.signal.action,
                "arguments": result.signal.arguments}
    if kind == "command":
        return {"kind": "command", "command": result.signal.command}
    if kind == "response":
        signal = result.signal
        if signal.content is not None and not signal.null:
            print(str(signal.content).rstrip())
        return {"kind": "value", "value": None}
    if kind in ("question", "message", "template"):
        text = ""
        if kind == "question":
            text = result.payload.question
        elif kind == "message":
            text = result.signal.question
        else:
            text = result.content or ""
        sought = ctx.extra.get("last_sought") or ""
        print("background_action: The end result of the background action was the seeking of the "
              f"variable {sought}, which resulted in asking this question: {text!r}")
        print("background_action: Perhaps your interview did not ask all of the questions needed "
              "for the background action to do its work.")
        print("background_action: Or perhaps your background action did its job, but you did not "
              "end it with a call to background_response().")
        return {"kind": "error", "error_type": "QuestionError", "error_message": text,
                "error_trace": None, "variables": [], "question": True}
    return {"kind": "value", "value": None}
