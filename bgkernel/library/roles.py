"""``RoleChangeTracker``: in a multi-user interview, e-mail the person whose turn it is, once
per change of role (docassemble's role-change notifications)."""
from __future__ import annotations

from typing import Any

from ..errors import DAError
from .functions import need, send_email
from .objects import DAObject

__all__ = ["RoleChangeTracker"]


class RoleChangeTracker(DAObject):
    """Remembers the role last notified; ``send_email(roles_needed, role=dict(to=..., email=...))``
    sends to the first needed role not notified yet."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        self.last_role = None

    def _update(self, target_role: str) -> None:
        self.last_role = target_role

    def send_email(self, roles_needed: list, **kwargs: Any) -> bool:
        for info in kwargs.values():
            if isinstance(info, dict) and "to" in info:
                need(info["to"].email)
        config = kwargs.get("config")
        for role in roles_needed:
            if role == self.last_role:
                return False
            info = kwargs.get(role)
            if isinstance(info, dict) and "to" in info and "email" in info:
                try:
                    sent = send_email(to=info["to"], html=info["email"].content,
                                      subject=info["email"].subject, config=config)
                except DAError:
                    sent = False
                if sent:
                    self._update(role)
                return sent
        return False
