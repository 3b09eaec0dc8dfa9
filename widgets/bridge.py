"""The one module that crosses threads: timers and polling in a thread, widgets on their own.

Two pieces:

* :class:`Marshal` runs callables on the thread that owns the widgets.  In a kernel it
  is the kernel's asyncio loop (``loop.call_soon_threadsafe``, which runs while the
  kernel is idle — research/ecosystem.md §6.2); without a running loop (plain Python,
  pytest) posted updates wait in a queue until the owner calls ``drain()``, which every
  gesture of the app, ``app.pump()`` and ``app.sync()`` do.  Widgets are therefore only
  ever written on the owner's thread (STYLE habit 10).
* :class:`Ticker` is a daemon thread that keeps the browser's timers (SEMANTICS §6, §8.2,
  §9): the initial check-in 100 ms after a screen body appears, a check-in every
  ``checkin interval``, the ``reload`` timer, the ``command('wait')`` timer, and a poll
  of the session's tasks for the Tasks panel.  Times are docassemble's, scaled by the
  simulator's ``timescale``.  It calls the session (under the app's lock, which the
  gestures also take) and posts what the widgets should show; it never touches one.

Nothing that fails in the thread is dropped: the error is kept in ``app.problems`` and
posted to the page.
"""
from __future__ import annotations

import asyncio
import threading
import time
import traceback
from collections import deque
from typing import Any, Callable, Protocol

from bgkernel.calendar.clock import real_monotonic
from bgkernel.engine.screen import Screen

__all__ = ["Marshal", "Ticker", "INITIAL_CHECKIN", "POLL", "BridgedApp"]


class BridgedApp(Protocol):
    """What the bridge reads and calls of the app it serves (:class:`InterviewApp`)."""

    session: Any
    lock: Any
    closed: bool
    generation: int
    problems: list
    marshal: "Marshal"
    view: Any
    calendar: Any
    tasks_panel: Any

    def pump(self) -> None: ...
    def sync(self) -> None: ...
    def raw_form(self) -> dict[str, str]: ...
    def _show(self, screen: Screen, initial: bool = True) -> None: ...
    def _show_status(self, tasks: tuple, calendar: tuple) -> None: ...
    def _problem(self, summary: str, trace: str = "") -> None: ...
    def _after_checkin(self, screen: Screen, commands: list[dict], generation: int) -> None: ...
    def _follow(self) -> None: ...
    def _show_closed(self) -> None: ...


#: docassemble's page script checks in 100 ms after a screen body appears (JS 6033-6035).
INITIAL_CHECKIN = 0.1
#: How often (real seconds) the Tasks panel and the calendar bar are re-read.
POLL = 0.25


class Marshal:
    """Posts callables to the widgets' owner thread (see the module docstring)."""

    def __init__(self, lock: threading.RLock, loop: asyncio.AbstractEventLoop | None = None,
                 on_error: Callable[[str], None] | None = None):
        self.lock = lock
        self.loop = loop
        self.on_error = on_error
        self.owner = threading.get_ident()
        self._queue: deque[tuple[Callable[..., Any], tuple]] = deque()
        self._draining = False
        self.errors: list[str] = []

    @classmethod
    def here(cls, lock: threading.RLock, on_error: Callable[[str], None] | None = None) -> "Marshal":
        """A marshal for the calling thread: its running asyncio loop if there is one."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        return cls(lock, loop, on_error)

    @property
    def mode(self) -> str:
        return "loop" if self.loop is not None else "manual"

    def on_owner(self) -> bool:
        return threading.get_ident() == self.owner

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the owner thread: now if this is it, else soon."""
        self._queue.append((fn, args))
        if self.on_owner():
            self.drain()
        elif self.loop is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(self.drain)
            except RuntimeError:          # the loop closed meanwhile: keep it queued
                pass

    def pending(self) -> int:
        return len(self._queue)

    def drain(self) -> int:
        """Run everything posted so far (on the owner thread), in order; returns how many
        ran.  Not re-entrant: what a running callable posts runs after it, in the same drain."""
        ran = 0
        with self.lock:
            if self._draining:
                return 0
            self._draining = True
            try:
                while self._queue:
                    fn, args = self._queue.popleft()
                    ran += 1
                    try:
                        fn(*args)
                    except Exception:  # noqa: BLE001 -- keep the page alive, keep the error
                        trace = traceback.format_exc()
                        self.errors.append(trace)
                        if self.on_error is not None:
                            self.on_error(trace)
            finally:
                self._draining = False
        return ran


class Ticker:
    """The browser's timers for one app, in a daemon thread."""

    def __init__(self, app: "BridgedApp", poll: float = POLL, eager: bool = False):
        self.app = app
        self.poll = poll
        self.eager = eager
        self._due: dict[str, float] = {}
        self._generation = 0
        self._wake = threading.Condition()
        self._stopped = False
        self._last_snapshot: Any = None
        self._finished: set[str] = set()
        self.thread = threading.Thread(target=self._run, name=f"bgkernel-bridge-{app.session.id}",
                                       daemon=True)

    # --- control (any thread) -------------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._due.clear()
            self._wake.notify_all()

    @property
    def running(self) -> bool:
        return self.thread.is_alive() and not self._stopped

    def arm(self, screen: Screen, generation: int, initial: bool = True) -> None:
        """A new screen body: restart every timer for it (``initial``: with the 100 ms
        initial check-in; a refresh asked for by a check-in already ran it)."""
        sim = self.app.session.sim
        now = real_monotonic()
        due: dict[str, float] = {"poll": now}
        interval = _interval(screen, sim)
        if screen.kind == "wait":
            if screen.sleep:
                due["reload"] = now + sim.clock.scaled(float(screen.sleep))
        elif screen.kind in ("question", "message"):
            if interval and initial:
                due["initial"] = now + sim.clock.scaled(INITIAL_CHECKIN)
            if interval:
                due["checkin"] = now + sim.clock.scaled(interval / 1000.0)
            if screen.reload:
                due["reload"] = now + sim.clock.scaled(float(screen.reload))
        with self._wake:
            self._generation = generation
            self._due = due
            self._wake.notify_all()

    def restart_interval(self) -> None:
        """A change-triggered check-in restarts the periodic interval (SEMANTICS §8.2)."""
        with self._wake:
            if "checkin" in self._due:
                screen = self.app.view.screen
                sim = self.app.session.sim
                self._due["checkin"] = real_monotonic() + sim.clock.scaled(_interval(screen, sim) / 1000.0)
                self._wake.notify_all()

    def due(self) -> dict[str, float]:
        """Seconds until each armed timer (for display and tests)."""
        now = real_monotonic()
        with self._wake:
            return {k: max(v - now, 0.0) for k, v in self._due.items()}

    # --- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopped:
                    return
                now = real_monotonic()
                ready = sorted((t, k) for k, t in self._due.items() if t <= now)
                if not ready:
                    wait = min(self._due.values(), default=now + self.poll) - now
                    self._wake.wait(max(min(wait, self.poll), 0.005))
                    continue
                generation = self._generation
                for _, key in ready:
                    del self._due[key]
            for _, key in ready:
                if self._stopped or not self._alive():
                    if self.app.session.sim.closed and not self.app.closed:
                        self.app.marshal.post(self.app._show_closed)
                    self.stop()
                    return
                self._job(key, generation)

    def _alive(self) -> bool:
        app = self.app
        return not (app.closed or app.session.sim.closed)

    def _job(self, key: str, generation: int) -> None:
        try:
            if key == "poll":
                self._poll()
            elif key in ("initial", "checkin"):
                self._checkin(initial=key == "initial", generation=generation)
            elif key == "reload":
                self._reload(generation)
        except Exception as err:  # noqa: BLE001 -- never lost: shown on the page, kept
            self.app._problem(f"{key}: {type(err).__name__}: {err}", traceback.format_exc())
        finally:
            self._reschedule(key, generation)

    def _reschedule(self, key: str, generation: int) -> None:
        sim = self.app.session.sim
        with self._wake:
            if self._stopped or generation != self._generation:
                return
            if key == "poll":
                self._due["poll"] = real_monotonic() + self.poll
            elif key == "checkin" and "checkin" not in self._due:
                interval = _interval(self.app.view.screen, sim)
                if interval:
                    self._due["checkin"] = real_monotonic() + sim.clock.scaled(interval / 1000.0)

    def _checkin(self, initial: bool, generation: int) -> None:
        app = self.app
        with app.lock:
            if generation != app.generation or app.session.deleted:
                return
            commands = app.session.checkin(initial=initial, **app.raw_form())
            screen = app.session.screen
        app.marshal.post(app._after_checkin, screen, commands, generation)

    def _reload(self, generation: int) -> None:
        app = self.app
        with app.lock:
            if generation != app.generation or app.session.deleted:
                return
            app.session.refresh()
            screen = app.session.screen
        app.marshal.post(app._show, screen)

    def _poll(self) -> None:
        app = self.app
        view = app.view
        if view is not None and not app.session.deleted:
            with app.lock:
                moved = app.session.screen is not view.screen
            if moved:                    # another view (or a cell) moved the session on
                app.marshal.post(app._follow)
        snapshot = app.tasks_panel.snapshot(app.session)
        calendar = app.calendar.snapshot()
        if (snapshot, calendar) != self._last_snapshot:
            self._last_snapshot = (snapshot, calendar)
            app.marshal.post(app._show_status, snapshot, calendar)
        if self.eager:
            finished = {row[0] for row in snapshot if row[2] in ("SUCCESS", "FAILURE", "REVOKED")}
            if finished - self._finished:
                with self._wake:
                    if "checkin" in self._due:
                        self._due["checkin"] = real_monotonic()
            self._finished = finished


def _interval(screen: Screen, sim: Any) -> int:
    interval = screen.checkin_interval
    if interval is None:
        interval = int(sim.config["checkin interval"])
    return int(interval or 0)


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout`` real seconds pass (for tests and notebooks)."""
    deadline = real_monotonic() + timeout
    while True:
        if predicate():
            return True
        if real_monotonic() >= deadline:
            return False
        time.sleep(step)
