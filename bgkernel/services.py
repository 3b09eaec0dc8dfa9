"""What interview code reaches through ``ctx.services``: the simulator's side.

``functions.py`` calls these for ``background_action``, ``set_save_status('ignore')``,
``send_email``, ``interview_email``, ``get_emails`` and ``DAStore`` (``kv``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import DAError
from .library.dastore import apply
from .mail.inbox import get_emails, interview_email
from .mail.outgoing import deliver_prepared, make_outbox, send_email
from .runtime import other_sessions

if TYPE_CHECKING:
    from .library.context import RunContext
    from .runtime.host import Host

__all__ = ["SimulatorServices"]

#: The ``users`` operations of the Services interface -> the methods of ``runtime.users.Users``.
_USER_OPS = {"create": "create", "info": "info", "update": "update", "list": "all",
             "privileges": "manage", "secret": "secret"}


class SimulatorServices:
    """The simulator's side of the interview-callable functions (foreground): what it installs as
    ``ctx.services`` (the :class:`bgkernel.library.context.Services` interface)."""

    def __init__(self, sim: "Host"):
        self.sim = sim
        self.outbox = make_outbox(sim.config)

    def background_action(self, ctx: "RunContext", action: str, ui_notification: Any,
                          arguments: dict) -> Any:
        return self.sim.tasks.launch(ctx, action, ui_notification, arguments)

    def release_lock(self, session_id: str | None) -> None:
        if session_id is not None:
            self.sim.locks.release(session_id)

    def send_email(self, ctx: "RunContext", to: Any, kwargs: dict) -> bool:
        return send_email(self.sim, ctx, to, kwargs)

    def deliver_prepared(self, prepared: dict, session_id: str | None) -> bool:
        """Send an e-mail that a worker prepared (``outgoing.prepare_email``)."""
        return deliver_prepared(self.sim, prepared, session_id)

    def interview_email(self, ctx: "RunContext", key: Any, index: Any) -> str:
        return interview_email(self.sim, ctx, key, index)

    def get_emails(self, ctx: "RunContext", key: Any, index: Any) -> list:
        return get_emails(self.sim, ctx, key, index)

    def kv(self, ctx: "RunContext", op: str, key: str, value: bytes | None = None) -> Any:
        """A DAStore operation on the simulator's store (see :mod:`bgkernel.library.dastore`)."""
        return apply(self.sim.store, op, key, value)

    def error_action(self, ctx: "RunContext", on_error: dict) -> None:
        """In the foreground an error action has no task to follow: nothing to keep."""
        return None

    def sessions(self, ctx: "RunContext", op: str, **kwargs: Any) -> Any:
        if op in ("stash", "retrieve_stash"):
            return getattr(other_sessions, op)(self.sim, **kwargs)
        return getattr(other_sessions, op)(self.sim, ctx, **kwargs)

    def users(self, ctx: "RunContext", op: str, **kwargs: Any) -> Any:
        if op == "invite":
            return self._invite(ctx, **kwargs)
        method = _USER_OPS.get(op)
        if method is None:
            raise DAError(f"unknown user operation {op!r}")
        return getattr(self.sim.users, method)(**kwargs)

    def _invite(self, ctx: "RunContext", email_address: str, privilege: str | None,
                send: bool) -> str | None:
        """``invite_user``: the user is registered; the link is e-mailed, or returned."""
        record = self.sim.users.ensure(email_address, (privilege or "user",))
        link = f"http://localhost/user/register?invite={record['id']}"
        if not send:
            return link
        self.send_email(ctx, email_address, {"subject": "Invitation", "body": f"Register at {link}"})
        return None
