"""The simulator's settings: docassemble's names and defaults, and the check of each value.

``check_config(config)`` returns the defaults merged with ``config``, or raises a
:class:`~bgkernel.errors.ConfigError` that names the key, what it must be and the value
given, so a setting typed by hand fails at once, where it was typed, never later from
deep inside a scheduled run or a worker.
"""
from __future__ import annotations

import math
import numbers
import zoneinfo
from collections.abc import Mapping
from typing import Any, Callable

from ..calendar.schedule import Schedule
from ..errors import ConfigError

__all__ = ["DEFAULT_CONFIG", "TASK_RECOVERY", "check_config"]

DEFAULT_CONFIG: dict[str, Any] = {
    "checkin interval": 6000,
    "concurrency lock timeout": 4,
    "worker start delay": 1.0,
    "interview delete days": 90,
    "interview delete days by filename": {},
    "incoming mail domain": None,
    "timezone": "America/New_York",
    "reload": 10,
    "wait": 4,
    "refresh loop limit": 20,
    "diagnostics": True,          # record the pitfalls a run shows (kind "diagnostic")
    "cron hourly minute": 17,
    "cron daily time": "06:25",
    "cron weekly": ("sun", "06:47"),
    "cron monthly": (1, "06:52"),
    "smtp": None,
    "record timeline": True,
    "timeline in memory": True,  # False: rows written to the store leave memory (read back on use)
    "cron processes": None,      # processes a large scheduled run uses; None: the usable cores
    "task recovery": "fail",     # tasks of a simulator that stopped: "fail" them, or "rerun" them
}

#: What ``task recovery`` may say (README "What survives what").
TASK_RECOVERY = ("fail", "rerun")


def _number(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _zone(value: Any) -> bool:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return bool(str(value))


def _days_by_file(value: Any) -> bool:
    return isinstance(value, Mapping) and all(_whole(v) and v >= 0 for v in value.values())


#: key -> (test of a value, what the value must be)
_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "checkin interval": (lambda v: _whole(v) and (v == 0 or v >= 1000),
                         "0 or a whole number of ms >= 1000"),
    "concurrency lock timeout": (lambda v: _number(v) and v > 0,
                                 "a positive number of seconds"),
    "worker start delay": (lambda v: _number(v) and v >= 0, "a number of seconds >= 0"),
    "interview delete days": (lambda v: _whole(v) and v >= 0, "a whole number >= 0"),
    "interview delete days by filename": (_days_by_file,
                                          "a dict of interview file name -> whole number of days >= 0"),
    "incoming mail domain": (lambda v: v is None or (isinstance(v, str) and bool(v.strip())
                                                     and "@" not in v and " " not in v.strip()),
                             "None or a domain name such as 'help.example.com'"),
    "timezone": (_zone, "an IANA time zone such as 'America/New_York'"),
    "reload": (lambda v: _number(v) and v > 0, "a positive number of seconds"),
    "wait": (lambda v: _number(v) and v > 0, "a positive number of seconds"),
    "refresh loop limit": (lambda v: _whole(v) and v >= 1, "a whole number >= 1"),
    "record timeline": (lambda v: isinstance(v, bool), "True or False"),
    "diagnostics": (lambda v: isinstance(v, bool), "True or False"),
    "timeline in memory": (lambda v: isinstance(v, bool), "True or False"),
    "cron processes": (lambda v: v is None or (_whole(v) and v >= 1),
                       "None or a whole number >= 1"),
    "task recovery": (lambda v: isinstance(v, str) and v in TASK_RECOVERY,
                      "one of " + ", ".join(map(repr, TASK_RECOVERY))),
}
_CRON_KEYS = ("cron hourly minute", "cron daily time", "cron weekly", "cron monthly")


def check_config(config: Any) -> dict:
    """The defaults merged with ``config``; a ConfigError names the first bad key."""
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ConfigError(f"config must be a dict of settings such as {{'timezone': 'UTC'}}, "
                          f"not {config!r}")
    merged = dict(DEFAULT_CONFIG)
    for key, value in config.items():
        if key not in DEFAULT_CONFIG:
            raise ConfigError(f"unknown config key {key!r}; known keys: " + ", ".join(sorted(DEFAULT_CONFIG)))
        merged[key] = value
    for key, (test, must) in _CHECKS.items():
        if not test(merged[key]):
            raise ConfigError(f"{key!r} must be {must}, not {merged[key]!r}")
    for key in _CRON_KEYS:
        try:
            Schedule(**{_SCHEDULE_ARG[key]: merged[key]}, timezone="UTC")
        except (ValueError, TypeError) as err:
            raise ConfigError(f"{key!r}: {err}") from err
    return merged


_SCHEDULE_ARG = {"cron hourly minute": "hourly_minute", "cron daily time": "daily",
                 "cron weekly": "weekly", "cron monthly": "monthly"}
