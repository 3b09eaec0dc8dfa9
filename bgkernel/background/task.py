"""The task object interview code holds: what ``background_action()`` returns
(docassemble's ``MyAsyncResult``), its result, and the error of a revoked task.

It is saved with the answers, so it finds its live state by the store's path: the running
simulator's task manager when there is one, the store's ``tasks`` table otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DAError, TaskError
from ..library.context import parent_only
from ..runtime.store import Store

__all__ = ["BackgroundTask", "BackgroundResult", "TaskRevokedError", "MANAGERS"]


#: The task managers of the running simulators, by store path: where a task object, which is
#: saved with the answers and may be unpickled anywhere, finds its live state.
MANAGERS: dict[str, Any] = {}


class TaskRevokedError(DAError):
    """``get()`` on a revoked task (Celery's TaskRevokedError)."""


@dataclass
class BackgroundResult:
    """docassemble's BackgroundResult: five attributes, plus what the worker printed."""

    value: Any = None
    error_type: str | None = None
    error_trace: str | None = None
    error_message: str | None = None
    variables: list | None = None
    output: str = ""

    def __str__(self) -> str:
        return str(self.error_message if self.error_type else self.value)


class BackgroundTask:
    """What ``background_action()`` returns (docassemble's MyAsyncResult); saved with the answers."""

    def __init__(self, task_id: str, session_id: str | None, store_path: str | None,
                 action: str | None = None):
        self.id = task_id
        self.session_id = session_id
        self.store_path = store_path
        self.action = action
        self._cached_result: BackgroundResult | None = None

    def __repr__(self) -> str:
        return f"<BackgroundTask {self.id[:8]} {self.status()}>"

    def _manager(self) -> Any:
        parent_only("a background task's state")
        return MANAGERS.get(self.store_path or "")

    def _state(self) -> str:
        manager = self._manager()
        if manager is not None:
            return manager.state(self.id)
        row = None
        if self.store_path:
            store = Store(self.store_path)
            try:
                row = store.task_row(self.id)
            finally:
                store.close()
        return row["state"] if row else "PENDING"

    def ready(self) -> bool:
        return self._state() in ("SUCCESS", "FAILURE", "REVOKED")

    def _fetch(self) -> BackgroundResult:
        if self._cached_result is not None:
            return self._cached_result
        manager = self._manager()
        if manager is None:
            raise TaskError(f"task {self.id} belongs to a simulator that is not running")
        result = manager.result(self.id, wait=True)
        self._cached_result = result
        return result

    def wait(self) -> bool:
        self._fetch()
        return True

    def result(self) -> BackgroundResult:
        return self._fetch()

    def get(self) -> Any:
        if self._state() == "REVOKED" and self._cached_result is None:
            raise TaskRevokedError(f"task {self.id} was revoked")
        return self._fetch().value

    def failed(self) -> bool:
        return self._fetch().error_type is not None

    def revoke(self, terminate: bool = True) -> bool:
        manager = self._manager()
        return manager.revoke(self.id, terminate) if manager is not None else False

    def status(self) -> str:
        return self._state()

    state = status

    @property
    def output(self) -> str:
        """What the task printed or logged (docassemble's worker.log for this task)."""
        manager = self._manager()
        return manager.output(self.id) if manager is not None else ""
