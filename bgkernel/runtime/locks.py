"""Session locks with docassemble's rule: wait up to the lock timeout, then take over.

docassemble keeps a Redis key with a time-to-live of ``concurrency lock timeout``
(4 s); a waiter polls, and the key expires under a holder that runs too long.  Here a
waiter waits on a condition for at most the timeout and then takes the lock over;
waits and takeovers are reported through ``on_event`` for the timeline.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from ..calendar.clock import real_monotonic as _clock  # noqa: E402 -- freezegun-proof

__all__ = ["SessionLocks"]



class _Entry:
    __slots__ = ("holder", "since", "token")

    def __init__(self) -> None:
        self.holder: str | None = None
        self.since = 0.0
        self.token = 0


class SessionLocks:
    """One lock per session id."""

    def __init__(self, timeout: Callable[[], float],
                 on_event: Callable[[str, str, str, float], None] | None = None):
        self._timeout = timeout
        self._on_event = on_event
        self._cond = threading.Condition()
        self._entries: dict[str, _Entry] = {}

    def acquire(self, session: str, who: str) -> int:
        """Take the lock; returns a token that ``release`` needs."""
        start = _clock()
        waited = False
        with self._cond:
            entry = self._entries.setdefault(session, _Entry())
            while entry.holder is not None:
                remaining = entry.since + self._timeout() - _clock()
                if remaining <= 0:
                    if self._on_event:
                        self._on_event(session, "lock_timeout", who,
                                       _clock() - start, )
                    break
                waited = True
                self._cond.wait(remaining)
            entry.holder = who
            entry.since = _clock()
            entry.token += 1
            token = entry.token
        if waited and self._on_event:
            self._on_event(session, "lock_wait", who, _clock() - start)
        return token

    def release(self, session: str, token: int | None = None) -> None:
        with self._cond:
            entry = self._entries.get(session)
            if entry is None or (token is not None and entry.token != token):
                return   # taken over meanwhile: the new holder keeps it
            entry.holder = None
            self._cond.notify_all()

    def held_by(self, session: str) -> str | None:
        with self._cond:
            entry = self._entries.get(session)
            return entry.holder if entry else None

    def held_for(self, session: str) -> float:
        with self._cond:
            entry = self._entries.get(session)
            if entry is None or entry.holder is None:
                return 0.0
            return _clock() - entry.since

    @contextmanager
    def hold(self, session: str, who: str) -> Iterator[int]:
        token = self.acquire(session, who)
        try:
            yield token
        finally:
            self.release(session, token)
