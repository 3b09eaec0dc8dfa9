"""When a session's answers were last touched, and by whom: ``last_access_time()``.

Every save records ``_internal['accesstime'][user id] = naive UTC now`` (``-1`` for an
anonymous user) and, for a logged-in user, ``_internal['access_roles'][user id]`` = that
user's roles (``Simulator.save_answers``).  docassemble reads the roles from its user
table; here they travel with the answers, so a reopened store answers the same.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from .dates import as_datetime

__all__ = ["last_access_time", "ANONYMOUS"]

#: The accesstime key of an anonymous (not logged-in) user.
ANONYMOUS = -1


def _names(value: Any) -> list | None:
    """A privilege list from a string, a list/tuple/dict, or a DAList-like object."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return list(value)
    elements = getattr(value, "elements", None)
    if isinstance(elements, (list, tuple)):
        return list(elements)
    return [value]


def _privileges(user_id: Any, roles: dict) -> list[str]:
    """The privileges an accesstime entry counts under."""
    if user_id == ANONYMOUS:
        return ["anonymous"]
    names = roles.get(user_id)
    if not names:
        return ["user"]            # docassemble: a user with no roles is "user"
    return [str(name) for name in names]


def last_access_time(internal: dict, include_privileges: Any = None, exclude_privileges: Any = None,
                     include_cron: bool = False, timezone: str | None = None) -> Any:
    """The latest access by a qualifying user, as a DADateTime (UTC or ``timezone``), or None.

    SEMANTICS §10.5.  Entry ``-1`` counts as the privilege ``anonymous``, a user without
    roles as ``user``, any other user under each of their roles.  The role ``cron`` is
    skipped unless ``include_cron`` (listing ``'cron'`` in ``include_privileges`` turns it
    on); ``exclude_privileges`` skips those roles.

    docassemble (util.py ``last_access_time``) has a ``break`` that leaves the *outer*
    loop as soon as an anonymous or role-less entry raises the maximum, so its answer
    is the maximum only up to that entry (SEMANTICS §10.5 DEFECT?).  This implements the
    documented intent instead: the true maximum over every qualifying entry.
    """
    include = _names(include_privileges)
    exclude = _names(exclude_privileges) or []
    if include is not None and "cron" in include:
        include_cron = True
    roles = internal.get("access_roles") or {}
    latest: _dt.datetime | None = None
    for user_id, when in (internal.get("accesstime") or {}).items():
        if when is None:
            continue
        for privilege in _privileges(user_id, roles):
            if privilege == "cron" and not include_cron:
                continue
            if privilege in exclude:
                continue
            if include is not None and privilege not in include:
                continue
            if latest is None or _naive_utc(when) > latest:
                latest = _naive_utc(when)
            break
    if latest is None:
        return None
    return as_datetime(latest.replace(tzinfo=_dt.timezone.utc), timezone=timezone or "UTC")


def _naive_utc(when: _dt.datetime) -> _dt.datetime:
    if when.tzinfo is None:
        return when
    return when.astimezone(_dt.timezone.utc).replace(tzinfo=None)
