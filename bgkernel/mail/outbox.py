"""E-mail plumbing: the outbox behind ``send_email``, and the public mail API.

No interview objects live here; the engine wraps this data into docassemble's
``DAEmail`` and friends.  The pieces:

* ``mail_parse``   — ``parse_message`` (bytes → ``ParsedEmail``, never raises),
  ``Address``, ``Attachment``, address helpers;
* ``mail_compose`` — ``compose_message`` (→ RFC 822 bytes), ``MailError``;
* ``mail_smtp``    — ``SMTPReceiver`` (aiosmtpd) and ``deliver_smtp`` (smtplib);
* this module      — ``Outbox`` and ``SentEmail``: what ``send_email`` records.

``Outbox.send`` is the core of ``send_email`` (SEMANTICS §10.6): it raises
``MailError`` for an empty recipient list or an unusable attachment, and lets
transport errors propagate, so the engine can log them and return False.  A
message is recorded only once its transport (if any) has taken it.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import make_msgid
from typing import Any, Callable, Iterator, Union, overload

from .compose import (MailError, compose_message, load_attachment, load_attachments, message_domain,
                      to_addresses)
from .parse import (Address, Attachment, ParsedEmail, decode_words, default_filename,
                    envelope_recipients, format_address, parse_addresses, parse_message,
                    sanitize_filename)
from .smtp import REFUSED_REPLY, SMTPReceiver, deliver_smtp

__all__ = [
    # reading
    "ParsedEmail", "Address", "Attachment", "parse_message", "parse_addresses",
    "format_address", "envelope_recipients", "sanitize_filename", "default_filename",
    "decode_words",
    # writing and sending
    "compose_message", "to_addresses", "load_attachment", "load_attachments", "MailError",
    "Outbox", "SentEmail", "SMTPSettings", "Transport",
    # SMTP
    "SMTPReceiver", "deliver_smtp", "REFUSED_REPLY",
]


@dataclass(frozen=True)
class SMTPSettings:
    """Where ``Outbox`` hands messages over SMTP (docassemble's ``mail`` config)."""

    host: str
    port: int
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10


Transport = Union[SMTPSettings, Callable[[bytes, str, list[str]], Any]]
"""SMTP settings, or a callable ``(raw, envelope_sender, recipients)`` that raises on failure."""


@dataclass(frozen=True)
class SentEmail:
    """One message that ``send_email`` sent.  ``to``/``cc``/``bcc`` hold bare addresses."""

    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    text: str
    html: str | None
    attachments: list[tuple[str, str, bytes]] = field(repr=False)
    sender: str
    at: datetime
    session: str | None
    #: the RFC 822 bytes, or how to make them (composed on first use when nothing was delivered)
    _raw: bytes | Callable[[], bytes] = field(repr=False, compare=False)

    @property
    def raw(self) -> bytes:
        """The message as sent, RFC 822 bytes with CRLF line ends."""
        raw = self._raw
        if callable(raw):
            raw = raw()           # deterministic (date and Message-ID fixed): a race is harmless
            object.__setattr__(self, "_raw", raw)
        return raw

    @property
    def recipients(self) -> list[str]:
        return self.to + self.cc + self.bcc

    def parsed(self) -> ParsedEmail:
        """The message as a receiver would read it."""
        return parse_message(self.raw)


class Outbox(Sequence[SentEmail]):
    """The mail ``send_email`` sent, in order; thread-safe.

    ``transport`` is None (record only: the simulator's default), an
    ``SMTPSettings``, or a callable ``(raw, envelope_sender, recipients)``.
    """

    def __init__(self, transport: Transport | None = None):
        self.transport = transport
        self._sent: list[SentEmail] = []
        self._lock = threading.Lock()

    def send(self, to: Any, subject: str = "", body: str = "", *, html: str | None = None,
             attachments: Any = (), cc: Any = (), bcc: Any = (), sender: Any = "",
             reply_to: Any = None, session: str | None = None,
             at: datetime | None = None) -> SentEmail:
        """Compose, hand to the transport, record, and return the message."""
        to_list, cc_list, bcc_list = to_addresses(to), to_addresses(cc), to_addresses(bcc)
        if not to_list:
            raise MailError("send_email: no recipients in 'to'")
        senders = to_addresses(sender)
        files = load_attachments(attachments)
        when = at or datetime.now(timezone.utc)
        subject = re.sub(r"[\r\n]+", " ", subject or "")
        message_id = make_msgid(domain=message_domain(senders))

        def compose() -> bytes:
            return compose_message(to_list, subject, body, senders, html, files, cc_list,
                                   reply_to, date=when, message_id=message_id)
        raw: bytes | Callable[[], bytes] = compose
        if self.transport is not None:       # only a delivery needs the bytes now
            raw = compose()
            envelope_sender = senders[0].address if senders else ""
            recipients = [a.address for a in to_list + cc_list + bcc_list]
            self._hand_over(raw, envelope_sender, recipients)
        sent = SentEmail(
            to=[a.address for a in to_list], cc=[a.address for a in cc_list],
            bcc=[a.address for a in bcc_list], subject=subject, text=body or "", html=html,
            attachments=[(f.filename, f.content_type, f.data) for f in files],
            sender=str(senders[0]) if senders else "", at=when, session=session, _raw=raw)
        self.record(sent)
        return sent

    def _hand_over(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        transport = self.transport
        if transport is None:
            return
        if isinstance(transport, SMTPSettings):
            deliver_smtp(raw, transport.host, transport.port, sender, recipients,
                         timeout=transport.timeout, starttls=transport.starttls,
                         username=transport.username, password=transport.password)
        else:
            transport(raw, sender, recipients)

    # ---------------------------------------------------------------- the store
    def record(self, sent: SentEmail) -> None:
        with self._lock:
            self._sent.append(sent)

    append = record

    def extend(self, sent: "Iterable[SentEmail]") -> None:
        """Record messages sent elsewhere (another simulator's outbox), in order."""
        sent = list(sent)
        with self._lock:
            self._sent.extend(sent)

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()

    def addressed_to(self, address: str) -> list[SentEmail]:
        """Messages with ``address`` among To, Cc or Bcc (ignoring case)."""
        wanted = address.lower()
        return [m for m in self if wanted in (r.lower() for r in m.recipients)]

    def __len__(self) -> int:
        return len(self._sent)

    @overload
    def __getitem__(self, index: int) -> SentEmail: ...
    @overload
    def __getitem__(self, index: slice) -> list[SentEmail]: ...

    def __getitem__(self, index: int | slice) -> SentEmail | list[SentEmail]:
        with self._lock:
            return self._sent[index]

    def __iter__(self) -> Iterator[SentEmail]:
        with self._lock:
            snapshot = list(self._sent)
        return iter(snapshot)

    def __repr__(self) -> str:
        return f"<Outbox: {len(self)} sent>"
