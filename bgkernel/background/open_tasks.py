"""The tasks not yet finished, counted per session, and the threads waiting for them.

A cohort runs hundreds of sessions on threads, each waiting for its own tasks: a count per
session answers "pending?" at once (not a scan of every task ever queued), and a task's
end wakes only the threads waiting for its session (and those waiting for every task).
"""
from __future__ import annotations

import threading
import time
from collections import Counter

__all__ = ["OpenTasks"]


class OpenTasks:
    """Counts under the task manager's lock (``lock``, re-entrant)."""

    def __init__(self, lock: threading.RLock):
        self._lock = lock
        self._total = 0
        self._by_session: Counter[str] = Counter()
        self._all_done = threading.Condition(lock)           # for waits on every task
        self._waiting: dict[str, list] = {}  # session -> [its Condition, waiting threads]

    def opened(self, session_id: str) -> None:
        with self._lock:
            self._total += 1
            self._by_session[session_id] += 1

    def closed(self, session_id: str) -> None:
        with self._lock:
            self._total -= 1
            left = self._by_session[session_id] - 1
            if left > 0:
                self._by_session[session_id] = left
            else:
                del self._by_session[session_id]
            self._all_done.notify_all()
            waiting = self._waiting.get(session_id)
            if waiting is not None:
                waiting[0].notify_all()

    def count(self, session_id: str | None = None) -> int:
        with self._lock:
            return self._total if session_id is None else self._by_session.get(session_id, 0)

    def wait(self, session_id: str | None, timeout: float | None = None) -> bool:
        """Until the session's tasks (every task: None) are done; False on ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if session_id is None:
                waiting = [self._all_done, 0]
            else:
                waiting = self._waiting.setdefault(session_id, [threading.Condition(self._lock), 0])
            waiting[1] += 1
            try:
                while self.count(session_id):
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    waiting[0].wait(remaining if remaining is not None else 0.5)
            finally:
                waiting[1] -= 1
                if session_id is not None and not waiting[1]:
                    self._waiting.pop(session_id, None)
        return True
