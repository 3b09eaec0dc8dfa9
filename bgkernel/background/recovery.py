"""Tasks that outlive their simulator: found when a store is reopened, failed or run again.

Every task has a row in the store from the moment the step that queued it is saved
(the same transaction), naming the simulator that owns it by its boot token
(:mod:`bgkernel.runtime.owners`).  When a simulator opens a store, each task still
queued or running whose owner is no longer alive is taken over (once: the claim is one
conditional UPDATE) and, by the ``task recovery`` setting:

* ``"fail"`` (the default): finished as failed, with ``error_type`` ``TaskLostError``
  and the message "the simulator that ran this task stopped", as Celery fails a task
  whose worker was lost.  ``ready()`` and ``failed()`` are then True, the error action
  the task's code registered with ``background_error_action()`` runs (the worker wrote
  it to the store when it was registered), and the timeline shows a ``task_failed`` row.
* ``"rerun"``: queued again under the same task id, from the arguments kept in its row
  (at least once: code that ran before the stop runs again).  A task whose arguments
  could not be kept (only a thread pool could carry them) is failed as above.
"""
from __future__ import annotations

import json
import pickle
from typing import TYPE_CHECKING, Any

from ..errors import TaskLostError
from .task import BackgroundResult

if TYPE_CHECKING:
    from .manager import TaskManager

__all__ = ["recover", "LOST", "rerun_spec"]

#: The ``error_type`` of a task whose simulator stopped.
LOST = TaskLostError.__name__


def recover(manager: "TaskManager") -> list[str]:
    """Take over the tasks of stopped simulators; returns their ids."""
    sim = manager.sim
    owner = manager.owner
    mode = sim.config.get("task recovery", "fail")
    taken: list[str] = []
    alive: dict[Any, bool] = {}
    for row in sim.store.unfinished_tasks():
        key = row["owner"]
        if key not in alive:
            alive[key] = owner.alive(key, row["owner_pid"])
        if alive[key] or not sim.store.claim_task(row["id"], key, owner.token, owner.pid):
            continue
        taken.append(row["id"])
        session = manager._session(row["session"])
        spec = _spec(row)
        how = "running" if row["started"] is not None else "queued"
        if mode == "rerun" and session is not None and spec is not None:
            sim.record(row["session"], "task_requeued", row["action"] or "",
                       f"{TaskLostError.MESSAGE} (process {row['owner_pid']}, task {how}); "
                       "task recovery: rerun", task=row["id"])
            manager.submit(session, spec)
            continue
        _lose(manager, row, how)
    return taken


def _lose(manager: "TaskManager", row: dict, how: str) -> None:
    sim = manager.sim
    notification = _notification(row["notification"])
    record = manager.adopt(row["id"], row["session"], row["action"] or "", notification)
    message = f"{TaskLostError.MESSAGE} (simulator process {row['owner_pid']}; the task was {how})"
    result = BackgroundResult(error_type=LOST, error_message=message, error_trace="", variables=[],
                              output=row["output"] or "")
    sim.record(row["session"], "task_failed", row["action"] or "", f"{LOST}: {message}",
               task=row["id"])
    manager.fail(record, result)


def _spec(row: dict) -> dict | None:
    if not row.get("spec"):
        return None
    try:
        return pickle.loads(row["spec"])  # noqa: S301 -- our own store
    except Exception:  # noqa: BLE001 -- a class that no longer exists: cannot run it again
        return None


def _notification(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def rerun_spec(spec: dict) -> bytes | None:
    """What running the task again needs (``task recovery: rerun``); None if unpicklable."""
    try:
        return pickle.dumps({k: spec[k] for k in ("id", "action", "notification", "arguments", "user")},
                            protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 -- arguments only a thread pool could carry
        return None
