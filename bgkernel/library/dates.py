"""docassemble's date functions and the ``DADateTime`` class (ENGINE §10, SEMANTICS §10.5).

"Now" is read at call time: from the running context's ``now`` when the simulator hands
a worker its calendar instant, otherwise from ``datetime.datetime.now`` (which freezegun
patches in the kernel).  Time zones are ``zoneinfo`` names; the default is the
interview's ``timezone`` config (:func:`bgkernel.library.context.default_timezone`).
"""
from __future__ import annotations

import datetime as _dt
import zoneinfo
from typing import Any

import babel.dates
import dateutil.parser
import dateutil.relativedelta

from .context import current_or_none, default_timezone

# The names interviews see (bgkernel.library.catalog puts ``__all__`` in their namespace); as in
# docassemble, DADateTime and DateTimeDelta are not among them but are public here.
__all__ = [
    "today", "current_datetime", "as_datetime",
    "date_difference", "date_interval", "format_date", "format_time", "format_datetime",
    "timezone_list", "day_of", "month_of", "year_of", "dow_of",
]

BAD_DATE = "Bad date"
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                 "nine", "ten")


# --- context lookups ---------------------------------------------------------------

def _zone(timezone: str | None) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(timezone or default_timezone())


def _now_utc() -> _dt.datetime:
    """The current instant, aware, in UTC."""
    ctx = current_or_none()
    if ctx is not None and ctx.now is not None:
        value = ctx.now()
        if isinstance(value, (int, float)):
            return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
        if value.tzinfo is None:        # naive instants are UTC, as docassemble stores them
            return value.replace(tzinfo=_dt.timezone.utc)
        return value.astimezone(_dt.timezone.utc)
    return _dt.datetime.now(_dt.timezone.utc)


def _locale(language: str | None) -> str:
    ctx = current_or_none()
    if language is None:
        language = (ctx.user.language if ctx is not None else None) or "en"
    mapping = ctx.config.get("babel dates map") if ctx is not None else None
    return mapping.get(language, language) if isinstance(mapping, dict) else language


def _default_format(part: str, fallback: str) -> str:
    """The interview's ``date format``/``time format``/``datetime format``, else fallback."""
    ctx = current_or_none()
    if ctx is not None and ctx.extra.get(part):
        return ctx.extra[part]
    return fallback


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or type(value).__name__ == "DAEmpty"


def _parse(value: Any) -> _dt.date:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value
    return dateutil.parser.parse(value)


# --- DADateTime ----------------------------------------------------------------------

def _to_da(obj: _dt.datetime) -> DADateTime:
    if isinstance(obj, DADateTime):
        return obj
    return DADateTime(obj.year, obj.month, obj.day, obj.hour, obj.minute, obj.second,
                      obj.microsecond, obj.tzinfo, fold=getattr(obj, "fold", 0))


def _to_plain(obj: _dt.datetime) -> _dt.datetime:
    return _dt.datetime(obj.year, obj.month, obj.day, obj.hour, obj.minute, obj.second,
                        obj.microsecond, obj.tzinfo, fold=obj.fold)


def _wrap(value: Any) -> Any:
    """Arithmetic results that are dates come back as DADateTime; others unchanged."""
    return _to_da(value) if isinstance(value, _dt.datetime) else value


def _real_datetime_class() -> type:
    """``datetime.datetime`` itself, even when this module is first imported while a
    calendar freeze has replaced it by freezegun's subclass."""
    cls = _dt.datetime
    while cls.__module__.startswith("freezegun"):
        cls = cls.__mro__[1]
    return cls


class DADateTime(_real_datetime_class()):  # type: ignore[misc]
    """A datetime whose ``str()`` is the long date, with docassemble's helpers."""

    def format(self, format: str | None = None, language: str | None = None) -> str:  # noqa: A002
        return format_date(self, format=format, language=language)

    def format_date(self, format: str | None = None, language: str | None = None) -> str:  # noqa: A002
        return format_date(self, format=format, language=language)

    def format_datetime(self, format: str | None = None, language: str | None = None) -> str:  # noqa: A002
        return format_datetime(self, format=format, language=language)

    def format_time(self, format: str | None = None, language: str | None = None) -> str:  # noqa: A002
        return format_time(self, format=format, language=language)

    def replace_time(self, the_time: _dt.time | _dt.datetime) -> DADateTime:
        return self.replace(hour=the_time.hour, minute=the_time.minute,
                            second=the_time.second, microsecond=the_time.microsecond)

    @property
    def nanosecond(self) -> int:
        return 0

    @property
    def dow(self) -> int:
        """ISO day of week: Monday 1 ... Sunday 7."""
        return self.isocalendar()[2]

    @property
    def week(self) -> int:
        return self.isocalendar()[1]

    def plus(self, **kwargs: Any) -> DADateTime:
        return _to_da(_to_plain(self) + date_interval(**kwargs))

    def minus(self, **kwargs: Any) -> DADateTime:
        return _to_da(_to_plain(self) - date_interval(**kwargs))

    def __str__(self) -> str:
        return format_date(self)

    def __add__(self, other: Any) -> Any:
        if isinstance(other, str):
            return str(self) + other
        return _wrap(_to_plain(self) + other)

    def __radd__(self, other: Any) -> Any:
        if isinstance(other, str):
            return other + str(self)
        return _wrap(_to_plain(self) + other)

    def __sub__(self, other: Any) -> Any:
        return _wrap(_to_plain(self) - other)

    def __rsub__(self, other: Any) -> Any:
        return _wrap(other - _to_plain(self))


# --- now, today, conversion -------------------------------------------------------------

def current_datetime(timezone: str | None = None) -> DADateTime:
    """Now, in ``timezone`` or the interview's default zone."""
    return _to_da(_now_utc().astimezone(_zone(timezone)))


def today(timezone: str | None = None, format: str | None = None) -> DADateTime | str:  # noqa: A002
    """Midnight today in the zone, or that date formatted if ``format`` is given."""
    midnight = current_datetime(timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.format_date(format) if format is not None else midnight


def _localize(value: Any, zone: zoneinfo.ZoneInfo) -> _dt.datetime:
    """Dates become midnight, strings are parsed; naive values get ``zone``, aware convert."""
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime.combine(value, _dt.time())
    if not isinstance(value, _dt.datetime):
        value = dateutil.parser.parse(value)
    if value.tzinfo is not None:
        return value.astimezone(zone)
    return value.replace(tzinfo=zone)


def as_datetime(value: Any, timezone: str | None = None) -> DADateTime:
    """A DADateTime from a date, datetime or string, in ``timezone`` (default zone)."""
    return _to_da(_localize(value, _zone(timezone)))


def date_interval(**kwargs: Any) -> dateutil.relativedelta.relativedelta:
    """A ``relativedelta``: ``date_interval(months=1, days=2)``."""
    return dateutil.relativedelta.relativedelta(**kwargs)


# --- differences -------------------------------------------------------------------------

def _count(number: int, unit: str, nice: bool) -> str:
    if nice and 0 <= number <= 10:
        text = _NUMBER_WORDS[number]
    else:
        text = f"{number:,}" if nice else str(number)
    return f"{text} {unit if number == 1 else unit + 's'}"


def _and_list(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


_BROADER = {"year": 0, "month": 1, "day": 2, "hour": 3, "minute": 4, "second": 5}


class DateTimeDelta:
    """The result of :func:`date_difference`: ``start``, ``end``, ``delta`` and totals."""

    start: _dt.datetime
    end: _dt.datetime
    delta: _dt.timedelta
    weeks: float
    days: float
    hours: float
    minutes: float
    seconds: int
    years: float

    def __str__(self) -> str:
        return self.describe()

    def describe(self, specificity: str | None = None, nice: bool = True,
                 capitalize: bool = False) -> str:
        """In words, e.g. "two years, three months, and one day"."""
        diff = dateutil.relativedelta.relativedelta(self.end, self.start)
        level = _BROADER.get(specificity or "", 6)   # how fine a unit may be shown
        finer = specificity in ("hour", "minute", "second")
        parts: list[tuple[int, str]] = []
        for unit, limit in (("year", 0), ("month", 1), ("day", 2)):
            value = getattr(diff, unit + "s")
            if value and level >= limit:
                parts.append((abs(value), unit))
        if not parts or finer:
            if diff.hours and level >= 3:
                parts.append((abs(diff.hours), "hour"))
            if diff.minutes and level >= 4 and (abs(diff.hours) < 2 or level in (4, 5)):
                parts.append((abs(diff.minutes), "minute"))
        if not parts or specificity == "second":
            if diff.seconds and level >= 5:
                parts.append((abs(diff.seconds), "second"))
        if not parts:
            parts.append((0, specificity or "second"))
        text = _and_list([_count(n, unit, nice) for n, unit in parts])
        return text[:1].upper() + text[1:] if capitalize and nice else text


def date_difference(starting: Any = None, ending: Any = None,
                    timezone: str | None = None) -> DateTimeDelta:
    """``ending - starting`` (each defaulting to now) with totals in several units."""
    zone = _zone(timezone)
    start = _localize(current_datetime() if starting is None else starting, zone)
    end = _localize(current_datetime() if ending is None else ending, zone)
    delta = end - start
    out = DateTimeDelta()
    out.start, out.end, out.delta = start, end, delta
    out.weeks = delta.days / 7.0 + delta.seconds / 604800.0
    out.days = delta.days + delta.seconds / 86400.0
    out.hours = delta.days * 24.0 + delta.seconds / 3600.0
    out.minutes = delta.days * 1440.0 + delta.seconds / 60.0
    out.seconds = delta.days * 86400 + delta.seconds
    out.years = (delta.days + delta.seconds / 86400.0) / 365.2425
    return out


# --- formatting ----------------------------------------------------------------------------

def _babel(formatter: Any, value: Any, format: str | None, setting: str,  # noqa: A002
           language: str | None) -> str:
    if _is_empty(value):
        return ""
    try:
        return formatter(_parse(value), format=format or _default_format(setting, "long"),
                         locale=_locale(language))
    except Exception:  # docassemble shows any failure as "Bad date"
        return BAD_DATE


def format_date(value: Any, format: str | None = None, language: str | None = None) -> str:  # noqa: A002
    """The date with Babel, ``format`` default ``'long'``: "January 1, 2024"."""
    return _babel(babel.dates.format_date, value, format, "date format", language)


def format_datetime(value: Any, format: str | None = None, language: str | None = None) -> str:  # noqa: A002
    """Date and time with Babel, ``format`` default ``'long'``."""
    return _babel(babel.dates.format_datetime, value, format, "datetime format", language)


def format_time(value: Any, format: str | None = None, language: str | None = None) -> str:  # noqa: A002
    """The time with Babel, ``format`` default ``'short'``: "3:30 PM"."""
    if _is_empty(value):
        return ""
    try:
        if not isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            value = dateutil.parser.parse(value)
        return babel.dates.format_time(value, format=format or _default_format(
            "time format", "short"), locale=_locale(language))
    except Exception as err:  # docassemble appends the reason here
        return f"{BAD_DATE}: {err}"


def timezone_list() -> list[str]:
    """All IANA zone names, sorted."""
    return sorted(zoneinfo.available_timezones())


# --- parts of a date -------------------------------------------------------------------------

def _part(value: Any, strftime: str, babel_format: str | None, language: str | None) -> Any:
    try:
        date = _parse(value)
        if babel_format is not None:
            return babel.dates.format_date(date, format=babel_format, locale=_locale(language))
        return int(date.strftime(strftime))
    except Exception:  # docassemble shows any failure as "Bad date"
        return BAD_DATE


def day_of(the_date: Any, language: str | None = None) -> int | str:
    """Day of the month."""
    return _part(the_date, "%d", None, language)


def month_of(the_date: Any, as_word: bool = False, language: str | None = None) -> int | str:
    """Month number, or its name ("January") with ``as_word``."""
    return _part(the_date, "%m", "MMMM" if as_word else None, language)


def year_of(the_date: Any, language: str | None = None) -> int | str:
    """The four-digit year."""
    return _part(the_date, "%Y", None, language)


def dow_of(the_date: Any, as_word: bool = False, language: str | None = None) -> int | str:
    """ISO weekday (Monday 1 ... Sunday 7), or its name with ``as_word``."""
    return _part(the_date, "%u", "EEEE" if as_word else None, language)
