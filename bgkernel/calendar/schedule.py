"""When docassemble's scheduled tasks fire: cron_hourly, cron_daily, cron_weekly, cron_monthly.

docassemble's Docker image copies its four cron scripts into ``/etc/cron.hourly``,
``/etc/cron.daily``, ``/etc/cron.weekly`` and ``/etc/cron.monthly``
(``Dockerfile``; ``Docker/cron/docassemble-cron-*.sh`` → ``run-cron.sh <type>``), and
Debian's default ``/etc/crontab`` runs those folders with ``run-parts`` (no anacron
in the image), in the container's time zone (``TIMEZONE``, default
America/New_York)::

    17 *    * * *   root    cd / && run-parts --report /etc/cron.hourly
    25 6    * * *   root    test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )
    47 6    * * 7   root    test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.weekly )
    52 6    1 * *   root    test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.monthly )

Those are the defaults here, each configurable.  Around DST changes the schedule
follows Debian cron: the hourly job has a wildcard hour, so it runs at minute 17 of
every real hour (23 runs on the spring-forward day, 25 in autumn); a fixed-time job
whose wall time does not exist runs when the clocks change, and one whose wall time
occurs twice runs once, at the first.  A monthly day that a month lacks (31 in
April) skips that month, as cron does.

Runs are generated arithmetically: a year of hourly runs takes milliseconds.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any, Callable

from .clock import from_epoch, get_zone, localize, parse_instant

__all__ = ["Schedule", "CRON_TYPES", "CONFIG_KEYS"]

#: The four scheduled-task types; also the order of runs that fall at one instant.
CRON_TYPES = ("cron_hourly", "cron_daily", "cron_weekly", "cron_monthly")
_RANK = {name: rank for rank, name in enumerate(CRON_TYPES)}
_US = 1_000_000
_DAY = _dt.timedelta(days=1)
_MICROSECOND = _dt.timedelta(microseconds=1)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_NAMES = {number: name for name, number in _WEEKDAYS.items()}
_FULL = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
         "saturday": 5, "sunday": 6}

#: Config keys read by ``Schedule.from_config`` (other keys are left to others).
CONFIG_KEYS = ("cron hourly minute", "cron daily time", "cron weekly day",
               "cron weekly time", "cron monthly day", "cron monthly time", "timezone")


def _minute(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 59:
        raise ValueError(f"hourly minute must be an integer 0-59, not {value!r}")
    return value


def _time(value: Any, what: str) -> _dt.time:
    """'HH:MM' (or 'HH:MM:SS') or a datetime.time."""
    if isinstance(value, _dt.time):
        if value.tzinfo is not None:
            raise ValueError(f"{what} time must be a wall time without a time zone, "
                             f"not {value!r}")
        return value
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", value) \
        if isinstance(value, str) else None
    if match:
        hour, minute, second = (int(part or 0) for part in match.groups())
        if hour <= 23 and minute <= 59 and second <= 59:
            return _dt.time(hour, minute, second)
    raise ValueError(f"{what} time must be 'HH:MM' (24-hour), not {value!r}")


def _weekday(value: Any) -> int:
    """A Python weekday (Monday = 0) from 'sun', 'Sunday' or cron's 0-7 (0 and 7 = Sunday)."""
    if isinstance(value, str) and value.strip().lower() in _WEEKDAYS:
        return _WEEKDAYS[value.strip().lower()]
    if isinstance(value, str) and value.strip().lower() in _FULL:
        return _FULL[value.strip().lower()]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 7:
        return (value - 1) % 7
    raise ValueError(f"weekly day must be a day name such as 'sun' or cron's number "
                     f"0-7 (0 and 7 are Sunday), not {value!r}")


def _monthday(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
        raise ValueError(f"monthly day must be an integer 1-31, not {value!r}")
    return value


def _pair(value: Any, what: str) -> tuple[Any, Any]:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value[0], value[1]
    raise ValueError(f"{what} must be a (day, 'HH:MM') pair or None, not {value!r}")


class Schedule:
    """When each cron type fires, in one time zone.  None disables a type.

    ``Schedule(hourly_minute=17, daily="06:25", weekly=("sun", "06:47"),
    monthly=(1, "06:52"), timezone="America/New_York")``, or
    ``Schedule({"cron daily time": "07:00", ...})`` / ``Schedule.from_config(...)``.
    """

    def __init__(self, hourly_minute: Any = 17, daily: Any = "06:25",
                 weekly: Any = ("sun", "06:47"), monthly: Any = (1, "06:52"),
                 timezone: str | _dt.tzinfo = "America/New_York"):
        if isinstance(hourly_minute, Mapping):
            other = Schedule.from_config(hourly_minute)
            self.__dict__.update(other.__dict__)
            return
        self.tz = get_zone(timezone)
        self.timezone = timezone if isinstance(timezone, str) else str(self.tz)
        self.hourly_minute = None if hourly_minute is None else _minute(hourly_minute)
        self.daily = None if daily is None else _time(daily, "daily")
        self.weekly: tuple[int, _dt.time] | None = None
        if weekly is not None:
            day, at = _pair(weekly, "weekly")
            self.weekly = (_weekday(day), _time(at, "weekly"))
        self.monthly: tuple[int, _dt.time] | None = None
        if monthly is not None:
            day, at = _pair(monthly, "monthly")
            self.monthly = (_monthday(day), _time(at, "monthly"))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Schedule:
        """From docassemble-style settings; keys not about cron are ignored.

        ``{"cron hourly minute": 17, "cron daily time": "06:25", "cron weekly day":
        "sun", "cron weekly time": "06:47", "cron monthly day": 1,
        "cron monthly time": "06:52", "timezone": "America/New_York"}``; any key may
        be left out, and None disables a type.
        """
        unknown = [k for k in config if isinstance(k, str) and k.startswith("cron ")
                   and k not in CONFIG_KEYS]
        if unknown:
            raise ValueError(f"unknown schedule setting {unknown[0]!r}; known settings: "
                             f"{', '.join(CONFIG_KEYS)}")
        def pair(kind: str, day: Any, at: str) -> Any:
            day = config.get(f"cron {kind} day", day)
            at = config.get(f"cron {kind} time", at)
            return None if day is None or at is None else (day, at)

        return cls(hourly_minute=config.get("cron hourly minute", 17),
                   daily=config.get("cron daily time", "06:25"),
                   weekly=pair("weekly", "sun", "06:47"),
                   monthly=pair("monthly", 1, "06:52"),
                   timezone=config.get("timezone", "America/New_York"))

    def as_config(self) -> dict[str, Any]:
        """The settings, as ``from_config`` reads them."""
        def hhmm(at: _dt.time | None) -> str | None:
            return None if at is None else at.isoformat(timespec="minutes" if not
                                                          at.second else "seconds")
        return {"cron hourly minute": self.hourly_minute,
                "cron daily time": hhmm(self.daily),
                "cron weekly day": None if self.weekly is None else _NAMES[self.weekly[0]],
                "cron weekly time": None if self.weekly is None else hhmm(self.weekly[1]),
                "cron monthly day": None if self.monthly is None else self.monthly[0],
                "cron monthly time": None if self.monthly is None else hhmm(self.monthly[1]),
                "timezone": self.timezone}

    def __repr__(self) -> str:
        return f"Schedule({self.as_config()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schedule) and self.as_config() == other.as_config()

    # ------------------------------------------------------------------ queries
    def due(self, start: Any, end: Any) -> list[tuple[_dt.datetime, str]]:
        """Every run with ``start < instant <= end``, in calendar order.

        Runs at one instant come hourly, daily, weekly, monthly.  Instants are aware
        datetimes in the schedule's time zone.  ``start`` and ``end`` take anything
        ``parse_instant`` reads (naive = wall time in the schedule's zone).
        """
        low, high = self._bounds(start, end)
        runs = [(us, _RANK[kind]) for kind in CRON_TYPES for us in self._runs(kind, low, high)]
        runs.sort()
        return [(self._instant(us), CRON_TYPES[rank]) for us, rank in runs]

    def next_run(self, after: Any, type: str) -> _dt.datetime | None:
        """The first run of ``type`` strictly after ``after``; None if it is disabled."""
        if type not in _RANK:
            raise ValueError(f"unknown scheduled task type {type!r}; known types: "
                             f"{', '.join(CRON_TYPES)}")
        low = self._us(parse_instant(after, self.tz))
        window = {"cron_hourly": 2, "cron_daily": 3, "cron_weekly": 9, "cron_monthly": 95}
        runs = self._runs(type, low, low + window[type] * 86_400 * _US)
        return self._instant(runs[0]) if runs else None

    # ------------------------------------------------------------------ generation
    # All instants are integer microseconds since the epoch, compared exactly.
    @staticmethod
    def _us(instant: _dt.datetime) -> int:
        return (instant - _EPOCH) // _MICROSECOND

    def _instant(self, us: int) -> _dt.datetime:
        return (_EPOCH + _dt.timedelta(microseconds=us)).astimezone(self.tz)

    def _bounds(self, start: Any, end: Any) -> tuple[int, int]:
        low = self._us(parse_instant(start, self.tz))
        high = self._us(parse_instant(end, self.tz))
        if high < low:
            raise ValueError(f"due() needs start <= end, not {start!r} after {end!r}")
        return low, high

    def _runs(self, kind: str, low: int, high: int) -> list[int]:
        if kind == "cron_hourly":
            return [] if self.hourly_minute is None else self._hourly(low, high)
        if kind == "cron_daily":
            return [] if self.daily is None else self._fixed(low, high, self.daily,
                                                              lambda d: True)
        if kind == "cron_weekly":
            if self.weekly is None:
                return []
            weekday, at = self.weekly
            return self._fixed(low, high, at, lambda d: d.weekday() == weekday)
        if self.monthly is None:
            return []
        day, at = self.monthly
        return self._fixed(low, high, at, lambda d: d.day == day)

    def _offset(self, seconds: int) -> int:
        offset = from_epoch(seconds, self.tz).utcoffset()
        return round(offset.total_seconds()) if offset is not None else 0

    def _hourly(self, low: int, high: int) -> list[int]:
        """Minute M of every real hour: step an hour in UTC, realign when the offset changes."""
        target = self.hourly_minute * 60           # type: ignore[operator]
        first, last = low // _US, high // _US
        offset = self._offset(first)
        candidate = first + (target - (first + offset)) % 3600
        previous, out = first, []
        while candidate <= last:
            now_offset = self._offset(candidate)
            if now_offset != offset:               # a clock change since `previous`
                previous = self._change(previous, candidate, offset)
                offset = self._offset(previous)
                candidate = previous + (target - (previous + offset)) % 3600
                continue
            if candidate * _US > low:
                out.append(candidate * _US)
            previous, candidate = candidate, candidate + 3600
        return out

    def _change(self, before: int, after: int, offset: int) -> int:
        """The first second in (before, after] whose UTC offset is not ``offset``."""
        while after - before > 1:
            middle = (before + after) // 2
            if self._offset(middle) == offset:
                before = middle
            else:
                after = middle
        return after

    def _fixed(self, low: int, high: int, at: _dt.time,
               wanted: Callable[[_dt.date], bool]) -> list[int]:
        """Wall time ``at`` on each local day that ``wanted`` accepts, in (low, high]."""
        first = self._instant(low).date() - _DAY
        last = self._instant(high).date() + _DAY
        out = []
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            day = _dt.date.fromordinal(ordinal)
            if wanted(day):
                us = self._us(localize(_dt.datetime.combine(day, at), self.tz))
                if low < us <= high:
                    out.append(us)
        return out
