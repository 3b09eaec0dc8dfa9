"""The one ContextVar through which interview-callable helpers find their run.

``functions.py`` (``action_argument()``, ``background_action()``, ``user_info()`` ...)
and the objects read the current evaluation through :func:`current`.  The engine
installs a :class:`RunContext` for the duration of one evaluation with :func:`running`.

What interview code asks of the floors above this one (start a task, send or read mail,
a DAStore, let go of the session lock) it asks of ``ctx.services``, an object with the
:class:`Services` interface: the simulator installs its own, a worker process another.
The library never imports those floors.
"""
from __future__ import annotations

import contextvars
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

from ..errors import DAError

__all__ = ["RunContext", "UserInfo", "Services", "current", "current_or_none", "running", "services", "internal",
           "default_timezone", "files_dir", "ParentOnly", "parent_only"]

DEFAULT_TIMEZONE = "America/New_York"

#: True in a process forked to run a chunk of a scheduled run (:mod:`bgkernel.cron.chunks`).
FORKED_CHUNK = False


class ParentOnly(BaseException):
    """Raised in a forked chunk by what needs the simulator's live state; the session-run is
    dropped there and run again by the simulator.  A BaseException, so that code catching
    ``Exception`` does not swallow it."""


def parent_only(what: str) -> None:
    """Stop here in a forked chunk of a scheduled run (``what`` needs the simulator)."""
    if FORKED_CHUNK:
        raise ParentOnly(what)


@dataclass
class UserInfo:
    """Who is running the interview (docassemble's ``user_info()`` fields)."""

    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    roles: tuple[str, ...] = ()
    id: int | str | None = None
    logged_in: bool = False
    nickname: str = ""
    country: str = ""
    subdivisionfirst: str = ""
    subdivisionsecond: str = ""
    subdivisionthird: str = ""
    organization: str = ""
    language: str = "en"
    session: str | None = None
    filename: str | None = None
    package: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def theid(self):
        return self.id

    def privileges(self) -> list[str]:
        if not self.logged_in:
            return ["user"]
        return list(self.roles) or ["user"]

    @property
    def key(self) -> str:
        """The identity docassemble keys per-user data on: ``id`` or ``t<anon>``."""
        return str(self.id) if self.logged_in else f"t{self.id}"


class Services(Protocol):
    """What interview code reaches above the library, through ``ctx.services``."""

    def background_action(self, ctx: "RunContext", action: str, ui_notification: Any,
                          arguments: dict) -> Any:
        """Queue a background task (``background_action()``); returns the task object."""

    def release_lock(self, session_id: str | None) -> None:
        """``set_save_status('ignore')``: the session lock is let go early."""

    def send_email(self, ctx: "RunContext", to: Any, kwargs: dict) -> bool:
        """``send_email()``."""

    def interview_email(self, ctx: "RunContext", key: Any, index: Any) -> str:
        """``interview_email()``: the address that delivers to this session."""

    def get_emails(self, ctx: "RunContext", key: Any, index: Any) -> list:
        """``get_emails()``: the mail received at this session's addresses."""

    def kv(self, ctx: "RunContext", op: str, key: str, value: bytes | None = None) -> Any:
        """A ``DAStore`` operation."""

    def error_action(self, ctx: "RunContext", on_error: dict) -> None:
        """``background_error_action()`` in a task: keep it where the task's simulator finds
        it even if the task's process dies."""

    def sessions(self, ctx: "RunContext", op: str, **kwargs: Any) -> Any:
        """Other sessions and stashed data: ``op`` is ``create``, ``variables``,
        ``set_variables``, ``run_action``, ``go_back``, ``question_data``, ``snapshot``,
        ``stash`` or ``retrieve_stash`` (``bgkernel.runtime.other_sessions``)."""

    def users(self, ctx: "RunContext", op: str, **kwargs: Any) -> Any:
        """The server's users: ``create``, ``info``, ``update``, ``list``, ``privileges``,
        ``invite``, ``secret`` (``bgkernel.runtime.users``)."""


@dataclass
class RunContext:
    """Everything one evaluation of an interview needs beyond its answers."""

    session_id: str | None = None
    interview: Any = None
    namespace: dict | None = None
    user: UserInfo = field(default_factory=UserInfo)
    interface: str = "web"
    action: str | None = None
    arguments: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    services: Services | None = None   # the simulator's side (or a worker's): tasks, mail, store
    save_status: str = "new"
    on_error: dict | None = None
    checkin: bool = False
    in_worker: bool = False
    prior: dict | None = None       # the answers discarded by Back (showifdef(prior=True))
    reconsidered: set = field(default_factory=set)
    seeking: list = field(default_factory=list)   # the stack of names being sought
    launched: list = field(default_factory=list)  # background tasks queued by this run
    messages: list = field(default_factory=list)  # what the interview printed/logged
    documents: list = field(default_factory=list)  # documents assembled: name, formats, seconds
    extra: dict = field(default_factory=dict)
    files_dir: str | None = None
    now: Callable[[], Any] | None = None

    @property
    def session(self) -> str | None:
        """docassemble's ``current_context().session``: the session id."""
        return self.session_id

    @property
    def filename(self) -> str | None:
        return getattr(self.interview, "name", None)


_current: contextvars.ContextVar[RunContext | None] = contextvars.ContextVar("bgkernel_run", default=None)


def current() -> RunContext:
    """The running evaluation; outside one, an empty context (functions still work)."""
    ctx = _current.get()
    if ctx is None:
        ctx = RunContext()
        _current.set(ctx)
    return ctx


def services() -> Services:
    """The services of the running evaluation (the simulator's, or a worker's)."""
    found = current().services
    if found is None:
        raise DAError("this function needs a session of a bgkernel Simulator")
    return found


def internal() -> dict:
    """The ``_internal`` dict of the running answers (docassemble's ``this_thread.internal``)."""
    ctx = current()
    if ctx.namespace is None:
        ctx.namespace = {}
    return ctx.namespace.setdefault("_internal", {})


def current_or_none() -> RunContext | None:
    return _current.get()


@contextmanager
def running(ctx: RunContext) -> Iterator[RunContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def default_timezone() -> str:
    """The IANA time zone interview dates use (config ``timezone``)."""
    ctx = _current.get()
    if ctx is not None:
        tz = ctx.config.get("timezone")
        if tz:
            return tz
    return DEFAULT_TIMEZONE


_fallback_files: list[str] = []


def files_dir() -> str:
    """The folder where DAFile contents of the running session are stored."""
    ctx = _current.get()
    if ctx is not None and ctx.files_dir:
        os.makedirs(ctx.files_dir, exist_ok=True)
        return ctx.files_dir
    if not _fallback_files:
        _fallback_files.append(tempfile.mkdtemp(prefix="bgkernel-files-"))
    return _fallback_files[0]
