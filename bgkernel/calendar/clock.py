"""The two clocks: real wall time, and the simulated calendar that interview code sees.

Wall time is real: ``wall()`` counts real seconds, and ``scaled(s)`` turns a docassemble
wait (lock timeout, worker start delay, reload ...) into this simulation's seconds.
Calendar time is simulated: ``now()`` is an anchor plus the real time since it was set
(1:1); ``advance``/``advance_to`` move the anchor forward, never back.  Interview code
that calls ``datetime.now()`` itself sees the calendar through freezegun, only inside
``Clock.frozen()`` around one synchronous evaluation; workers never inherit a freeze
and use ``worker_freeze(iso)`` (DESIGN.md "Two clocks"; research/ecosystem.md §2).

Traps handled here:
* freezegun's start rewrites every module attribute that *is* a real clock, so the
  real clocks live in a container (``_REAL``), copied from ``freezegun.api``.
* freezegun is process-global.  Scopes in all threads share one freeze, counted under
  a lock: the first starts it (a module scan, 3-10 ms), nested or concurrent scopes
  only count (microseconds), the last one out stops it.  **While any scope is active,
  every thread in the process sees the frozen calendar.**
* ``real_asyncio=True`` plus an ``ignore`` list (``FREEZE_IGNORE``) keep asyncio,
  tornado and kernel timers on real time inside a scope.
* Naive ``now()``/``today()`` read wall time in the clock's zone (``tz_offset``), as on
  a docassemble server whose TIMEZONE is that zone.  freezegun 1.5 also adds
  ``tz_offset`` to aware ``now(tz)`` (spulec/freezegun#348, #553); the first freeze
  installs the fix proposed upstream (PR #608).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import math
import numbers
import threading
import types
from typing import Any, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import freezegun
import freezegun.api as _fzapi

__all__ = ["Clock", "forward", "parse_instant", "get_zone", "localize", "from_epoch", "worker_freeze",
           "real_now", "real_monotonic", "FREEZE_IGNORE"]

# The real clocks, in a container: freezegun's module scan never looks inside it.
_REAL = types.SimpleNamespace(perf_counter=_fzapi.real_perf_counter,
                              monotonic=_fzapi.real_monotonic, time=_fzapi.real_time,
                              datetime=_fzapi.real_datetime, date=_fzapi.real_date)
_UTC = _dt.timezone.utc
_EPOCH = _REAL.datetime(1970, 1, 1, tzinfo=_UTC)

#: Modules that always read real time inside a freeze (added to freezegun's defaults).
FREEZE_IGNORE = ("distributed", "tornado", "asyncio", "zmq", "jupyter_client",
                 "ipykernel", "comm")


# --------------------------------------------------------------------------- parsing
def get_zone(timezone: str | _dt.tzinfo) -> _dt.tzinfo:
    """A tzinfo from an IANA name or a tzinfo; errors name the bad value."""
    if isinstance(timezone, _dt.tzinfo):
        return timezone
    if not isinstance(timezone, str):
        raise TypeError(f"time zone must be an IANA name such as 'America/New_York' "
                        f"or a tzinfo, not {timezone!r} ({type(timezone).__name__})")
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r}; use an IANA name such as "
                         f"'America/New_York'") from None


def real_monotonic() -> float:
    """Real ``time.monotonic()``, even inside a freeze.  Safe to alias at module level
    (``_clock = real_monotonic``), unlike ``time.monotonic`` itself, which freezegun's
    module scan replaces with its fake."""
    return _REAL.monotonic()


def real_now(timezone: str | _dt.tzinfo = _UTC) -> _dt.datetime:
    """Real time now, even inside a freeze (the escape hatch)."""
    return _REAL.datetime.now(get_zone(timezone))


def _as_real(value: _dt.datetime) -> _dt.datetime:
    """The same datetime as the builtin class (not freezegun's or pandas' subclass)."""
    if type(value) is _REAL.datetime:
        return value
    return _REAL.datetime(value.year, value.month, value.day, value.hour, value.minute,
                          value.second, value.microsecond, value.tzinfo, fold=value.fold)


def localize(naive: _dt.datetime, timezone: str | _dt.tzinfo) -> _dt.datetime:
    """Attach ``timezone`` to a naive wall time, handling DST sanely.

    An ambiguous wall time (the repeated hour in autumn) means its first occurrence;
    a nonexistent one (the skipped hour in spring) moves to the first valid instant
    after the gap, i.e. the moment the clocks change.
    """
    tz = get_zone(timezone)
    naive = _as_real(naive).replace(tzinfo=None)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    if first.astimezone(_UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return first                                  # ambiguous: first occurrence
    return _gap_end(first, second, tz)


def _gap_end(first: _dt.datetime, second: _dt.datetime, tz: _dt.tzinfo) -> _dt.datetime:
    """The instant a forward DST gap ends, by bisection on whole seconds."""
    lo, hi = sorted((math.floor(first.timestamp()), math.ceil(second.timestamp())))
    after = from_epoch(hi, tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if from_epoch(mid, tz).utcoffset() == after else (mid, hi)
    return from_epoch(hi, tz)


def from_epoch(seconds: float, tz: _dt.tzinfo) -> _dt.datetime:
    """The aware datetime in ``tz`` for epoch ``seconds`` (fold set right in DST)."""
    return (_EPOCH + _dt.timedelta(seconds=seconds)).astimezone(tz)


def parse_instant(value: Any, timezone: str | _dt.tzinfo = "UTC", *,
                  base: _dt.datetime | None = None) -> _dt.datetime:
    """Read an instant; the one input parser for the clock and the schedule.

    ``value`` may be None (real now), a datetime (naive = wall time in ``timezone``),
    a date (midnight), an ISO 8601 string (date or date-time, with or without an
    offset), epoch seconds (int or float), or a timedelta (added to ``base``, default
    real now).  Returns an aware datetime in ``timezone``.  A value of the wrong type
    raises TypeError, an unreadable one ValueError; both name the value.
    """
    tz = get_zone(timezone)
    if value is None:
        return real_now(tz)
    if isinstance(value, _dt.datetime):
        instant = _as_real(value)
    elif isinstance(value, _dt.date):
        instant = _REAL.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            instant = _REAL.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"cannot read an instant from {value!r}: expected ISO 8601 "
                             f"such as '2031-03-01T09:00' or '2031-03-01'") from None
    elif isinstance(value, _dt.timedelta):
        instant = _as_real(real_now() if base is None else base) + value
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            instant = _EPOCH + _dt.timedelta(seconds=float(value))
        except (OverflowError, ValueError):     # inf, nan, or beyond year 9999
            raise ValueError(f"cannot read an instant from {value!r}: epoch seconds "
                             f"must be finite and within years 1-9999") from None
    else:
        raise TypeError(f"cannot read an instant from {value!r} "
                        f"({type(value).__name__}); expected None, a datetime, a date, "
                        f"an ISO 8601 string, epoch seconds or a timedelta")
    if instant.tzinfo is None:
        return localize(instant, tz)
    return instant.astimezone(tz)


# ------------------------------------------------------------------ the shared freeze
class _Freeze:
    """freezegun's process-global freeze, shared by every scope in every thread."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.depth = 0
        self.freezer: Any = None
        self.factory: Any = None
        self.starts = 0             # module scans so far (tests and diagnostics)

    active = property(lambda self: self.freezer is not None)

    def acquire(self, instant: _dt.datetime) -> None:
        """Enter a scope at ``instant``; only the first scope starts freezegun."""
        with self.lock:
            if self.freezer is None:
                _fix_aware_now()
                freezer = freezegun.freeze_time(
                    _as_real(instant).astimezone(_UTC).replace(tzinfo=None),
                    tz_offset=instant.utcoffset() or _dt.timedelta(0),
                    ignore=list(FREEZE_IGNORE), tick=True, real_asyncio=True)
                self.factory = freezer.start()
                self.freezer = freezer
                self.starts += 1
            self.depth += 1

    def release(self) -> None:
        with self.lock:
            if self.depth <= 0:
                raise RuntimeError("clock freeze released more often than acquired")
            self.depth -= 1
            if self.depth == 0:
                freezer, self.freezer, self.factory = self.freezer, None, None
                freezer.stop()

    def move_to(self, instant: _dt.datetime) -> None:
        """Move the active freeze (2-5 µs; no module scan)."""
        with self.lock:
            if self.factory is None:
                return
            self.factory.move_to(_as_real(instant).astimezone(_UTC).replace(tzinfo=None))
            # Keep naive now() local across a DST change, if ours is the top freeze.
            if _fzapi.freeze_factories and _fzapi.freeze_factories[-1] is self.factory:
                _fzapi.tz_offsets[-1] = instant.utcoffset() or _dt.timedelta(0)


_FREEZE = _Freeze()


def forward(days: float = 0, hours: float = 0, minutes: float = 0,
            seconds: float = 0) -> _dt.timedelta:
    """A jump of the calendar, which only moves forward."""
    try:
        delta = _dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except TypeError:
        raise TypeError(f"advance() takes numbers, not days={days!r}, hours={hours!r}, "
                        f"minutes={minutes!r}, seconds={seconds!r}") from None
    if delta < _dt.timedelta(0):
        raise ValueError(f"the calendar only moves forward; advance by {delta} would move it back")
    return delta


def _fix_aware_now() -> None:
    """freezegun 1.5 adds tz_offset to aware ``now(tz)`` too; give it the upstream fix."""
    fake = _fzapi.FakeDatetime
    if getattr(fake.now, "_bgkernel_fixed", False):
        return
    buggy = fake.now.__func__

    def now(cls: Any, tz: _dt.tzinfo | None = None) -> Any:
        if tz is None:
            return buggy(cls)
        frozen = cls._time_to_freeze() or _REAL.datetime.now(_UTC).replace(tzinfo=None)
        return _fzapi.datetime_to_fakedatetime(tz.fromutc(frozen.replace(tzinfo=tz)))

    now._bgkernel_fixed = True  # type: ignore[attr-defined]
    fake.now = classmethod(now)  # type: ignore[method-assign,assignment]


@contextlib.contextmanager
def worker_freeze(instant_iso: str | None,
                  timezone: str | _dt.tzinfo = "America/New_York"
                  ) -> Iterator[_dt.datetime | None]:
    """Freeze a worker at the instant it was handed (``clock.now().isoformat()``), ticking.

    A naive string is read in ``timezone``; None does nothing.  Inside an active freeze
    (the threading backend) the scope shares that freeze and does not move it.
    """
    if instant_iso is None:
        yield None
        return
    instant = parse_instant(instant_iso, timezone)
    _FREEZE.acquire(instant)
    try:
        yield instant
    finally:
        _FREEZE.release()


# ---------------------------------------------------------------------------- Clock
class Clock:
    """Real wall time plus a simulated calendar that flows with it.

    ``start``: None (real now), a datetime (naive = wall time in ``timezone``), a
    date, an ISO string, or epoch seconds.  ``timescale`` multiplies every real-time
    wait the simulator makes (``scaled``); the calendar always flows at 1:1.
    """

    #: How far behind ``now()`` ``advance_to`` accepts an instant (treated as now).
    TOLERANCE = _dt.timedelta(seconds=1)

    def __init__(self, start: Any = None, timezone: str | _dt.tzinfo = "America/New_York",
                 timescale: float = 1.0):
        self.tz = get_zone(timezone)
        self.timezone = timezone if isinstance(timezone, str) else str(self.tz)
        if (isinstance(timescale, bool) or not isinstance(timescale, numbers.Real)
                or not math.isfinite(timescale) or timescale <= 0):
            raise ValueError(f"timescale must be a positive number, not {timescale!r}")
        self.timescale = float(timescale)
        self._origin = _REAL.perf_counter()
        self._set_anchor(parse_instant(start, self.tz))
        self._scopes = 0            # this clock's active frozen() scopes, all threads
        self._lazy = False          # a freeze started by move_to inside a no-op scope

    # ---- wall time
    def wall(self) -> float:
        """Real seconds since this clock was created."""
        return _REAL.perf_counter() - self._origin

    def resume_wall(self, seconds: float) -> None:
        """Let ``wall()`` go on from ``seconds`` (a reopened store's last event), if later."""
        self._origin = min(self._origin, _REAL.perf_counter() - float(seconds))

    def scaled(self, seconds: float) -> float:
        """A real-time wait (lock timeout, worker delay, reload ...) at this timescale."""
        return float(seconds) * self.timescale

    # ---- calendar time
    def _set_anchor(self, instant: _dt.datetime) -> None:
        # One tuple, assigned at once, so a reader in another thread sees a whole pair.
        anchor = _as_real(instant).astimezone(_UTC)
        self._anchor = (anchor, _REAL.perf_counter(), anchor.timestamp())

    def now(self) -> _dt.datetime:
        """The calendar instant now: aware, in the clock's time zone."""
        anchor, since, _ = self._anchor
        elapsed = _REAL.perf_counter() - since
        return (anchor + _dt.timedelta(seconds=elapsed)).astimezone(self.tz)

    def timestamp(self) -> float:
        """``now()`` as epoch seconds, without making a datetime (the timeline's clock)."""
        _, since, epoch = self._anchor
        return epoch + (_REAL.perf_counter() - since)

    def offset(self) -> _dt.timedelta:
        """How far the calendar is ahead of real time."""
        return self.now() - real_now()

    def is_real(self) -> bool:
        """True while the calendar is within a second of real time."""
        return abs(self.timestamp() - _REAL.time()) < 1.0

    def advance(self, days: float = 0, hours: float = 0, minutes: float = 0,
                seconds: float = 0) -> _dt.datetime:
        """Jump the calendar forward; returns the new ``now()``."""
        return self.advance_to(self.now() + forward(days, hours, minutes, seconds))

    def advance_to(self, instant: Any) -> _dt.datetime:
        """Jump the calendar forward to ``instant``; returns the new ``now()``.

        An instant up to ``TOLERANCE`` behind ``now()`` (the calendar flowed on while
        a run executed) leaves the calendar where it is; further back is a ValueError.
        Inside a ``frozen()`` scope the freeze follows (cheaply, no module scan).
        """
        target = parse_instant(instant, self.tz, base=self.now())
        now = self.now()
        if target < now:
            if now - target > self.TOLERANCE:
                raise ValueError(f"the calendar only moves forward: {instant!r} is "
                                 f"before now ({now.isoformat()})")
            return now
        self._set_anchor(target)
        self._follow()
        return self.now()

    move_to = advance_to

    # ---- the freeze
    def _follow(self) -> None:
        """After the anchor moved: bring the freeze of an active scope along."""
        with _FREEZE.lock:
            if self._scopes == 0:
                return
            if _FREEZE.active:
                _FREEZE.move_to(self.now())
            elif not self.is_real():
                _FREEZE.acquire(self.now())
                self._lazy = True

    @contextlib.contextmanager
    def frozen(self) -> Iterator[Clock]:
        """Make ``datetime.now()``, ``date.today()`` and ``time.time()`` read the calendar.

        For one synchronous evaluation (interview code, a cron body); time ticks on
        inside.  Does nothing while the calendar is real time.  Nested scopes cost
        microseconds; ``move_to``/``advance`` inside a scope move the freeze without
        re-scanning modules, so a long advance can run under one freeze.  The freeze
        is process-global: every thread sees it while any scope is active.
        """
        with _FREEZE.lock:
            held = _FREEZE.active or not self.is_real()
            if held:
                if _FREEZE.active and self._scopes > 0:
                    _FREEZE.move_to(self.now())       # resync a nested scope: µs
                _FREEZE.acquire(self.now())
            self._scopes += 1
        try:
            yield self
        finally:
            with _FREEZE.lock:
                self._scopes -= 1
                if held:
                    _FREEZE.release()
                if self._scopes == 0 and self._lazy:
                    self._lazy = False
                    _FREEZE.release()

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy (in another process, say) carries on from the same calendar instant.
        return (Clock, (self.now().isoformat(), self.tz, self.timescale))

    def __repr__(self) -> str:
        return (f"Clock(now={self.now().isoformat(timespec='seconds')!r}, "
                f"timezone={self.timezone!r}, timescale={self.timescale})")
