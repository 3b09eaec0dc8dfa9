"""What docassemble's modules hold besides the names they export with ``*``: the names
packages import one by one (``from docassemble.base.util import DADateTime``), and the
small modules they import (``docassemble.base.logger``, ``docassemble.base.config``,
``docassemble.base.generate_key``).  :mod:`bgkernel.library.compat` serves them."""
from __future__ import annotations

import logging
import re
import secrets
import string
import zoneinfo
from collections.abc import Iterator, Mapping
from typing import Any

from .context import current
from .custom_types import CustomDataType
from .dates import DADateTime
from .functions import word
from .navigation import DANav
from .objects import serializable
from .words import ordinal

__all__ = ["UTIL_EXTRAS", "FUNCTIONS_EXTRAS", "SMALL_MODULES"]

_log = logging.getLogger("bgkernel.interview")
_BRACKETS = re.compile(r"^(.*)\[(.+)\]$")


def object_name_convert(text: str) -> str:
    """``jobs[0]`` as "first jobs", ``home_address`` as "home address"."""
    found = _BRACKETS.match(str(text))
    if found is None:
        return word(str(text).replace("_", " "))
    index = found.group(2).strip("'\"")
    prefix = ordinal(int(index)) if index.isdigit() else index
    return f"{prefix} {word(found.group(1).replace('_', ' '))}"


def get_current_info() -> dict:
    """The request's facts as docassemble keeps them: the user, the session, the file."""
    ctx = current()
    user = ctx.user
    return {"user": {"is_authenticated": bool(getattr(user, "email", None)),
                     "email": getattr(user, "email", None), "theid": getattr(user, "id", None),
                     "session_uid": ctx.session_id,
                     "roles": list(getattr(user, "roles", []) or [])},
            "session": ctx.session_id,
            "yaml_filename": getattr(ctx.interview, "name", None),
            "url": None, "action": None, "arguments": {}}


def reset_local_variables() -> None:
    """docassemble clears its per-request caches here; bgkernel keeps none."""


def logmessage(message: Any, *pargs: Any, **kwargs: Any) -> None:
    _log.info("%s", message)


class _ConfigView(Mapping):
    """``daconfig``: the running simulator's configuration, read when it is used."""

    def _config(self) -> Mapping:
        try:
            return current().config or {}
        except Exception:  # noqa: BLE001 -- outside an interview: an empty configuration
            return {}

    def __getitem__(self, key: str) -> Any:
        return self._config()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._config())

    def __len__(self) -> int:
        return len(self._config())


_ALPHANUMERIC = string.ascii_letters + string.digits


def _random(alphabet: str, length: int = 32) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(int(length)))


UTIL_EXTRAS: dict[str, Any] = {
    "DADateTime": DADateTime, "zoneinfo": zoneinfo, "object_name_convert": object_name_convert,
    "CustomDataType": CustomDataType}
def temp_redirect(url: str, expire: Any = None, local: bool = False, one_time: bool = False) -> str:
    """docassemble hands out a short-lived URL that redirects to ``url``; here, ``url``."""
    return str(url)


FUNCTIONS_EXTRAS: dict[str, Any] = {
    "temp_redirect": temp_redirect,
    "safe_json": lambda value, level=0, is_key=False: serializable(value, level),
    "get_current_info": get_current_info, "reset_local_variables": reset_local_variables,
    "DANav": DANav, "CustomDataType": CustomDataType}
SMALL_MODULES: dict[str, dict[str, Any]] = {
    "docassemble.base.logger": {"logmessage": logmessage, "default_logmessage": logmessage,
                                "set_logmessage": lambda func: None},
    "docassemble.base.config": {"daconfig": _ConfigView(), "in_celery": False, "in_cron": False,
                                "hostname": "localhost", "loaded": True, "errors": [],
                                "load": lambda *pargs, **kwargs: None},
    "docassemble.base.generate_key": {
        "random_string": lambda length=32: _random(_ALPHANUMERIC, length),
        "random_alphanumeric": lambda length=32: _random(_ALPHANUMERIC, length),
        "random_lower_string": lambda length=32: _random(string.ascii_lowercase, length),
        "random_digits": lambda length=32: _random(string.digits, length),
        "random_bytes": lambda length=32: secrets.token_bytes(int(length))},
}
