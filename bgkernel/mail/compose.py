"""Writing e-mail: recipients, attachments and bodies → RFC 822 bytes.

``compose_message`` builds the message with ``email.message.EmailMessage`` and
returns it with CRLF line ends, ready for SMTP.  Recipients may be strings
(comma-separated lists allowed), ``Address`` objects, ``(name, address)``
pairs, or objects with an ``address`` or ``email`` attribute (and an optional
``name``).  Attachments may be paths, ``(filename, data[, content_type])``
tuples, ``Attachment`` objects, or file objects with ``.path()`` and optional
``.filename`` / ``.mimetype`` (docassemble's ``DAFile``).  Anything unusable
raises ``MailError``, which ``send_email`` turns into ``False``.
"""
from __future__ import annotations

import mimetypes
import os
import re
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Iterable

from ..errors import BgkernelError
from .parse import Address, Attachment, format_address, parse_addresses

__all__ = ["MailError", "compose_message", "to_addresses", "load_attachment",
           "load_attachments"]


class MailError(BgkernelError, ValueError):
    """An e-mail cannot be built or sent: no recipients, a bad address or attachment."""


def to_addresses(value: Any) -> list[Address]:
    """Every recipient named by ``value`` (see the module docstring for the forms)."""
    if value is None or value == "":
        return []
    if isinstance(value, Address):
        return [value]
    if isinstance(value, str):
        found = parse_addresses(value)
        if not found or not all(a.address for a in found):
            raise MailError(f"not an e-mail address: {value!r}")
        return found
    if (isinstance(value, tuple) and len(value) == 2
            and all(isinstance(item, str) for item in value)):
        return [Address(value[0], value[1])]
    for attribute in ("address", "email"):
        address = getattr(value, attribute, None)
        if isinstance(address, str) and address:
            return [Address(str(getattr(value, "name", "") or ""), address)]
    if isinstance(value, Iterable) and not isinstance(value, (bytes, bytearray)):
        return [address for item in value for address in to_addresses(item)]
    raise MailError(f"cannot use {value!r} as an e-mail recipient")


def load_attachment(item: Any) -> Attachment:
    """One attachment, read into memory."""
    if isinstance(item, Attachment):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[0], str):
        filename, data = item[0], item[1]
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not isinstance(data, (bytes, bytearray)):
            raise MailError(f"attachment {filename!r}: data must be bytes or str, "
                            f"not {type(data).__name__}")
        content_type = item[2] if len(item) == 3 and item[2] else _guess_type(filename)
        return Attachment(filename, str(content_type), bytes(data))
    if isinstance(item, (str, os.PathLike)):
        return _read_path(os.fspath(item), None, None)
    path_method = getattr(item, "path", None)
    if callable(path_method):
        if getattr(item, "ok", True) is False:
            raise MailError(f"attachment {item!r} is not ready (ok is False)")
        return _read_path(os.fspath(path_method()), getattr(item, "filename", None),
                          getattr(item, "mimetype", None))
    raise MailError(f"cannot attach {item!r}: give a path, a (filename, bytes, type) "
                    "tuple, or a file object with .path()")


def load_attachments(items: Any) -> list[Attachment]:
    """A list of attachments; a single attachment (not in a list) is allowed too."""
    if items is None:
        return []
    if _is_single_attachment(items):
        return [load_attachment(items)]
    return [load_attachment(item) for item in items]


def _is_single_attachment(item: Any) -> bool:
    if isinstance(item, (str, os.PathLike, Attachment)) or callable(getattr(item, "path", None)):
        return True
    return (isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[0], str)
            and isinstance(item[1], (bytes, bytearray)))


def compose_message(to: Any, subject: str = "", body: str = "", sender: Any = "",
                    html: str | None = None, attachments: Iterable[Any] = (),
                    cc: Any = (), reply_to: Any = None, *,
                    date: datetime | None = None, message_id: str | None = None,
                    headers: Iterable[tuple[str, str]] = ()) -> bytes:
    """An RFC 822 message (CRLF line ends).  Bcc recipients belong to the envelope only.

    The subject's line breaks become spaces, as docassemble's ``send_email``
    does.  ``date`` defaults to now (UTC); pass the simulated clock's time.
    """
    to_list, cc_list = to_addresses(to), to_addresses(cc)
    senders, reply = to_addresses(sender), to_addresses(reply_to)
    files = load_attachments(attachments)
    msg = EmailMessage()
    if senders:
        msg["From"] = _header_list(senders)
    if to_list:
        msg["To"] = _header_list(to_list)
    if cc_list:
        msg["Cc"] = _header_list(cc_list)
    if reply:
        msg["Reply-To"] = _header_list(reply)
    msg["Subject"] = re.sub(r"[\r\n]+", " ", subject or "")
    msg["Date"] = format_datetime(_aware(date or datetime.now(timezone.utc)))
    msg["Message-ID"] = message_id or make_msgid(domain=message_domain(senders))
    for name, value in headers:
        msg[name] = value
    msg.set_content(body or "", cte=_transfer_encoding(body or ""))
    if html is not None:
        msg.add_alternative(html, subtype="html", cte=_transfer_encoding(html))
    for item in files:
        maintype, _, subtype = item.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(item.data, maintype=maintype, subtype=subtype,
                           filename=item.filename)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def _transfer_encoding(text: str) -> str:
    """7-bit safe for any relay: plain ASCII as is, anything else quoted-printable."""
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def _header_list(addresses: list[Address]) -> str:
    return ", ".join(format_address(a.name, a.address) for a in addresses)


def message_domain(senders: list[Address]) -> str:
    if senders and "@" in senders[0].address:
        return senders[0].address.rpartition("@")[2] or "bgkernel.local"
    return "bgkernel.local"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.astimezone()


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _read_path(path: str, filename: str | None, mimetype: str | None) -> Attachment:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise MailError(f"attachment {path!r} cannot be read: {exc}") from exc
    name = filename or os.path.basename(path) or "attachment.bin"
    return Attachment(name, mimetype or _guess_type(name), data)
