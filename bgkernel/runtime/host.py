"""The simulator as its parts see it: the interface sessions, the task manager, scheduled
runs, mail and cohorts are handed (as ``sim``), so that no floor imports the facade above
it.  :class:`bgkernel.simulator.Simulator` is the one implementation."""
from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..calendar.clock import Clock
    from ..language.interview import Interview
    from ..library.context import Services, UserInfo
    from .locks import SessionLocks
    from .session import Session
    from .store import Store
    from .users import Users

__all__ = ["Host", "TaskBoard", "EventLog"]


class TaskBoard(Protocol):
    """The background tasks as a session sees them (the simulator's task manager)."""

    def launch(self, ctx: Any, action: str, notification: Any, arguments: dict) -> Any:
        """Queue a background task (``background_action()``); its task object."""

    def dispatch(self, session: "Session", ctx: Any) -> None:
        """Submit the tasks an evaluation queued, once it has saved."""

    def for_session(self, session_id: str) -> list:
        """The session's task objects."""

    def pop_notifications(self, session_id: str) -> list[dict]:
        """What a browser would receive at its next check-in."""

    def wait_session(self, session_id: str | None, timeout: float | None = None) -> bool:
        """Until the session's background work, callbacks included, is done."""

    def persist(self, session_id: str, launched: list[dict]) -> None:
        """Write the rows of tasks a step launched (inside the step's transaction)."""


class EventLog(Protocol):
    """The timeline recorder (``bgkernel.analysis.timeline.Recorder``)."""

    def record(self, session: str, kind: str, name: str = "", detail: Any = "",
               duration: float | None = None, task: str | None = None) -> None:
        """One event."""

    def ordered_frame(self, session: str | None = None) -> Any:
        """The events (of one session) as a DataFrame in wall-clock order."""


class Host(Protocol):
    """The simulator: its settings, clocks, store, locks, tasks, timeline and sessions."""

    config: dict[str, Any]
    clock: "Clock"
    store: "Store"
    locks: "SessionLocks"
    recorder: EventLog
    services: "Services"
    tasks: TaskBoard
    timescale: float
    workers: int
    users: "Users"
    shard_timeline: Any          # a sharded cohort's timeline files (None before one ran)

    @property
    def outbox(self) -> Any:
        """The e-mails sent (``bgkernel.mail.outbox.Outbox``)."""

    @property
    def timeline(self) -> Any:
        """Every event as a DataFrame."""

    def now(self) -> _dt.datetime:
        """The calendar's now."""

    def record(self, session: str, kind: str, name: str = "", detail: Any = "",
               duration: float | None = None, task: str | None = None) -> None:
        """One event on the timeline."""

    def load(self, source: str, name: str | None = None) -> "Interview":
        """An interview from a path or YAML text."""

    def interview(self, digest: str) -> "Interview":
        """A loaded (or stored) interview by its digest."""

    def find_interview(self, filename: str, current: "Interview | None" = None) -> "Interview":
        """The interview a ``yaml_filename`` names."""

    def start(self, interview: Any, user: Any = None, url_args: dict | None = None) -> "Session":
        """A new session, run to its first screen."""

    def session(self, session_id: str) -> "Session":
        """A session of the store."""

    def save_answers(self, session_id: str, ns: dict, new_step: bool,
                     user: "UserInfo | None", launched: list[dict] | None = None,
                     first: Any = None) -> int:
        """Save a namespace as the session's latest step (with the rows of the tasks the
        step launched, in the same transaction)."""

    def delete_session(self, session_id: str, reason: str = "") -> None:
        """Delete a session and say so on the timeline."""

    def reset_session(self, session: "Session") -> None:
        """Restart a session from nothing (``command('restart')``)."""

    def advance(self, days: float = 0, hours: float = 0, minutes: float = 0, **kwargs: Any) -> list:
        """Move the calendar, firing the scheduled runs in the jump."""
