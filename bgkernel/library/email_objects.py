"""docassemble's e-mail objects: ``DAEmail``, ``DAEmailRecipient``, ``DAEmailRecipientList``.

A ``DAEmail`` is what an interview receives for a message sent to one of its
addresses (``get_emails()``, ``action_argument('email')`` in ``incoming_email``);
``bgkernel.mail.received`` builds one from a parsed message.
"""
from __future__ import annotations

import re
from typing import Any

from .collections_list import DAList
from .context import current_or_none
from .objects import DAObject

__all__ = ["DAEmail", "DAEmailRecipient", "DAEmailRecipientList"]


class DAEmailRecipient(DAObject):
    """One mailbox of an e-mail: ``name`` and ``address``; ``empty`` when the header was absent."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        super().init(*pargs, **kwargs)

    def email_address(self, include_name: bool | None = None) -> str:
        """``"Name" <addr>`` when there is a name (or ``include_name``), else ``addr``."""
        if self.__dict__.get("empty"):
            return ""
        name = self.__dict__.get("name")
        if include_name is True or (include_name is not False and name):
            return '"' + re.sub('"', "", str(name or "")) + '" <' + str(self.address) + ">"
        return str(self.address)

    def exists(self) -> bool:
        return "address" in self.__dict__

    def __str__(self) -> str:
        if self.__dict__.get("empty"):
            return ""
        name = str(self.__dict__.get("name") or "")
        address = str(self.address)        # sought when undefined (what gathering asks)
        if not address:
            return name or "EMAIL NOT DEFINED"
        ctx = current_or_none()
        if ctx is not None and ctx.extra.get("evaluation_context") == "docx":
            return address
        return f"[{name or address}](mailto:{address})"


class DAEmailRecipientList(DAList):
    """A list of ``DAEmailRecipient``; positional lists/dicts become items."""

    def init(self, *pargs: Any, **kwargs: Any) -> None:
        kwargs.setdefault("object_type", DAEmailRecipient)
        super().init(**kwargs)
        for parg in pargs:
            for item in (parg if isinstance(parg, list) else [parg]):
                if isinstance(item, dict):
                    self.appendObject(DAEmailRecipient, **item)


class DAEmail(DAObject):
    """An e-mail received at an interview address (see the module docstring)."""

    def __str__(self) -> str:
        return "This is an e-mail"
