"""docassemble's task system: how many times each named task (an e-mail sent, a reminder)
was performed in the session, so that scheduled code does it once."""
from __future__ import annotations

from typing import Any

from .context import internal

__all__ = ["task_performed", "task_not_yet_performed", "mark_task_as_performed",
           "times_task_performed", "set_task_counter"]


def _tasks() -> dict:
    return internal().setdefault("tasks", {})


def task_performed(task: str, persistent: Any = False) -> bool:
    return bool(_tasks().get(task))


def task_not_yet_performed(task: str, persistent: Any = False) -> bool:
    return not task_performed(task)


def mark_task_as_performed(task: str, persistent: Any = False) -> int:
    tasks = _tasks()
    tasks[task] = tasks.get(task, 0) + 1
    return tasks[task]


def times_task_performed(task: str, persistent: Any = False) -> int:
    return int(_tasks().get(task, 0))


def set_task_counter(task: str, number: int, persistent: Any = False) -> None:
    _tasks()[task] = int(number)
