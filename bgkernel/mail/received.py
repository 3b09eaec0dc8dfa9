"""A received message as the interview sees it: a ``DAEmail`` built from a ``ParsedEmail``.

:func:`build_email` writes the message's parts as ``DAFile`` objects into the running
context's files folder, as docassemble's ``process_email.py`` and ``retrieve_email`` do
(SEMANTICS §11.3):

* ``headers`` — ``headers.json``, a JSON list of ``[name, value]`` pairs;
* ``body_text`` / ``body_html`` — ``attachment.txt`` / ``attachment.html``, or None;
* ``attachment`` — a gathered ``DAFileList`` of every other part.

Deliberate differences from docassemble: ``subject`` and display names are
RFC 2047-decoded; a missing From / Reply-To / Return-Path gives a recipient with
``empty=True`` *and* blank ``name``/``address`` (docassemble leaves them unset, so
reading them would ask a question); ``datetime_message`` is the header's instant in
the simulator's time zone (naive), not the header's wall-clock fields with the zone
dropped.
"""
from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from ..library.email_objects import DAEmail, DAEmailRecipient, DAEmailRecipientList
from ..library.files import DAFile, DAFileList
from ..library.objects import _random_name
from .parse import Address, ParsedEmail

__all__ = ["build_email"]


def build_email(parsed: ParsedEmail, *, short: str, key: Any = None, index: Any = None,
                owner: str | None = None, received: datetime, tz: tzinfo | None = None) -> DAEmail:
    """A ``DAEmail`` for ``parsed``; its files go to the running context's files folder.

    ``received`` is the arrival instant; ``tz`` the time zone naive datetimes are
    expressed in (the simulator's), default the zone of ``received``.
    """
    zone = tz or received.tzinfo
    email = DAEmail(_random_name())
    object.__setattr__(email, "has_nonrandom_instance_name", False)
    email.short, email.key, email.index, email.address_owner = short, key, index, owner
    email.subject = parsed.subject
    for attribute, addresses in (("to_address", parsed.to), ("cc_address", parsed.cc)):
        recipients = email.initializeAttribute(
            attribute, DAEmailRecipientList, [_recipient_fields(a) for a in addresses])
        recipients.there_are_any = bool(recipients.elements)
        recipients.gathered = True
    for attribute, address in (("from_address", parsed.from_), ("reply_to", parsed.reply_to),
                               ("return_path", parsed.return_path)):
        recipient = DAEmailRecipient(email.attr_name(attribute), **_recipient_fields(address))
        setattr(email, attribute, recipient)
    email.datetime_received = _naive(received, zone)
    email.datetime_message = _naive(parsed.date, zone) if parsed.date else email.datetime_received
    email.headers = _file(email, "headers", "headers.json", "application/json",
                          json.dumps(parsed.headers, ensure_ascii=False))
    email.body_text = (_file(email, "body_text", "attachment.txt", "text/plain", parsed.body_text)
                       if parsed.body_text is not None else None)
    email.body_html = (_file(email, "body_html", "attachment.html", "text/html", parsed.body_html)
                       if parsed.body_html is not None else None)
    files = email.initializeAttribute("attachment", DAFileList)
    for part in parsed.attachments:
        files.appendObject().initialize(filename=part.filename, mimetype=part.content_type)
        files.elements[-1].write(part.data, binary=True)
    files.there_are_any = bool(files.elements)
    files.gathered = True
    return email


def _recipient_fields(address: Address | None) -> dict:
    if address is None:
        return {"name": "", "address": "", "empty": True}
    return {"name": address.name, "address": address.address}


def _file(email: DAEmail, attribute: str, filename: str, mimetype: str, content: str) -> DAFile:
    item = DAFile(email.attr_name(attribute))
    item.initialize(filename=filename, mimetype=mimetype)
    item.write(content.encode("utf-8"), binary=True)
    return item


def _naive(when: datetime, zone: tzinfo | None) -> datetime:
    if when.tzinfo is None:
        return when
    return (when.astimezone(zone) if zone is not None else when.astimezone()).replace(tzinfo=None)
