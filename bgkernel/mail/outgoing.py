"""``send_email()``: docassemble's outgoing mail, into ``sim.outbox`` and optionally over SMTP.

Two halves, so a worker process can send too:

* :func:`prepare_email` runs where the interview code runs (kernel or worker).  It
  resolves recipients (which may ask questions: ``person.email`` is sought like any
  name), renders the template, reads the attachments, and returns a picklable dict,
  or None when docassemble's ``send_email`` would return False before sending
  (no recipient, a missing attachment, ``dry_run=True``).
* :func:`deliver_prepared` runs in the simulator: ``Outbox.send`` with the calendar
  time and the session, handing the message to SMTP when config ``smtp`` is set.
  A transport failure is logged and gives False.

:func:`send_email` (the kernel path) does both and marks ``task`` only on success
(SEMANTICS §10.6; docassemble ``util.py`` ``send_email``).
"""
from __future__ import annotations

import logging
import os
import re
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..language.markup import to_html, to_text
from ..library.files import DAFileCollection, DAFileList
from ..library.performed import mark_task_as_performed
from .compose import load_attachment
from .outbox import MailError, Outbox, SMTPSettings

if TYPE_CHECKING:
    from ..library.context import RunContext
    from ..runtime.host import Host

__all__ = ["send_email", "prepare_email", "deliver_prepared", "make_outbox", "SEND_EMAIL_ARGS"]

logger = logging.getLogger("bgkernel.language.interview")

#: docassemble's ``send_email`` keyword arguments (others are a TypeError, as there).
SEND_EMAIL_ARGS = ("sender", "reply_to", "cc", "bcc", "body", "html", "subject", "template",
                   "task", "task_persistent", "attachments", "mailgun_variables", "dry_run",
                   "config")
_SMTP_KEYS = {"host", "port", "starttls", "username", "password", "timeout", "default sender"}


# --- the outbox ------------------------------------------------------------------------------

def make_outbox(config: dict) -> Outbox:
    """The simulator's outbox; config ``smtp`` ({"host", "port", ...}) adds real delivery."""
    smtp = config.get("smtp")
    if smtp is None:
        return Outbox()
    if not isinstance(smtp, dict) or "host" not in smtp:
        raise ConfigError(f"'smtp' must be None or a dict with at least 'host', not {smtp!r}")
    unknown = set(smtp) - _SMTP_KEYS
    if unknown:
        raise ConfigError(f"unknown 'smtp' setting(s) {sorted(unknown)}; known: {sorted(_SMTP_KEYS)}")
    settings = SMTPSettings(host=str(smtp["host"]), port=int(smtp.get("port", 25)),
                            starttls=bool(smtp.get("starttls", False)),
                            username=smtp.get("username"), password=smtp.get("password"),
                            timeout=float(smtp.get("timeout", 10)))
    return Outbox(transport=settings)


def default_sender(config: dict) -> str:
    smtp = config.get("smtp") or {}
    if isinstance(smtp, dict) and smtp.get("default sender"):
        return str(smtp["default sender"])
    return "no-reply@" + str(config.get("incoming mail domain") or "bgkernel.local")


# --- the kernel path -------------------------------------------------------------------------

def send_email(sim: "Host", ctx: "RunContext", to: Any, kwargs: dict) -> bool:
    """docassemble's ``send_email``: True once the message is sent; marks ``task`` then."""
    prepared = prepare_email(ctx, to, kwargs)
    if prepared is None:
        return False
    if not deliver_prepared(sim, prepared, ctx.session_id):
        return False
    task = kwargs.get("task")
    if task is not None:
        mark_task_as_performed(task)
    return True


def deliver_prepared(sim: "Host", prepared: dict, session_id: str | None) -> bool:
    """Send what :func:`prepare_email` built; record it on the timeline.  False on failure."""
    logger.info("send_email: starting to send")
    try:
        sent = sim.services.outbox.send(
            prepared["to"], prepared["subject"], prepared["body"], html=prepared["html"],
            attachments=prepared["attachments"], cc=prepared["cc"], bcc=prepared["bcc"],
            sender=prepared["sender"] or default_sender(sim.config),
            reply_to=prepared["reply_to"], session=session_id, at=sim.clock.now())
    except Exception as err:  # noqa: BLE001 -- docassemble catches everything here too
        logger.info("send_email: sending mail failed with error of  type %s: %s",
                    type(err).__name__, err)
        sim.record(session_id or "", "email_failed", prepared["subject"],
                   f"{type(err).__name__}: {err}")
        return False
    logger.info("send_email: finished sending")
    sim.record(session_id or "", "email_sent", sent.subject, ", ".join(sent.recipients))
    return True


# --- the half that runs with the interview code ----------------------------------------------

def prepare_email(ctx: "RunContext", to: Any, kwargs: dict) -> dict | None:
    """A picklable message, or None where docassemble's ``send_email`` returns False unsent."""
    unknown = set(kwargs) - set(SEND_EMAIL_ARGS)
    if unknown:
        raise TypeError(f"send_email() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    if to is None or (isinstance(to, (list, tuple)) and not to):
        logger.info("send_email: no recipients")
        return None
    subject, body, html = _bodies(kwargs)     # the template first, then the addresses
    recipients = recipient_strings(to)
    if not recipients:
        logger.info("send_email: no recipients")
        return None
    attachments = _attachments(kwargs.get("attachments"))
    if attachments is None or kwargs.get("dry_run"):
        return None
    sender = recipient_strings(kwargs.get("sender"))
    reply_to = recipient_strings(kwargs.get("reply_to"))
    return {"to": recipients, "cc": recipient_strings(kwargs.get("cc")),
            "bcc": recipient_strings(kwargs.get("bcc")),
            "sender": sender[0] if sender else "", "reply_to": reply_to[:1] or None,
            "subject": subject, "body": body, "html": html, "attachments": attachments,
            "task": kwargs.get("task")}


def _bodies(kwargs: dict) -> tuple[str, str, str]:
    """Subject, text and HTML as docassemble builds them (an HTML part is always sent)."""
    subject = kwargs.get("subject") or ""
    body, html = kwargs.get("body"), kwargs.get("html")
    template = kwargs.get("template")
    if template is not None:
        if subject is None or subject == "":
            subject = str(template.subject)
        body_html = "<html><body>" + to_html(template.content) + "</body></html>"
        if body is None:
            body = to_text(body_html, "\n")
        if html is None:
            html = body_html
    if body is None and html is None:
        body = ""
    if html is None:
        html = "<html><body>" + str(body) + "</body></html>"
    subject = re.sub(r"[\n\r]+", " ", str(subject))
    return subject, "" if body is None else str(body), str(html)


def recipient_strings(value: Any) -> list[str]:
    """docassemble's ``email_string``: strings, lists, DAList, Person (``.email``, asked if
    undefined), DAEmailRecipient-like (``.address``), or anything with ``email_address()``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [text for item in value for text in recipient_strings(item)]
    method = getattr(type(value), "email_address", None)
    if callable(method):
        return recipient_strings(value.email_address())
    state = getattr(value, "__dict__", {})
    address = state.get("address")
    if isinstance(address, str):                      # DAEmailRecipient-like
        name = state.get("name")
        return [f'"{_quote(name)}" <{address}>' if name else address] if address else []
    elements = state.get("elements")
    if isinstance(elements, (list, set)):             # DAList, DASet
        return recipient_strings(list(elements))
    if "instanceName" in state or hasattr(value, "name"):   # a Person: seek .email
        email = str(value.email)
        name = state.get("name")
        defined = getattr(name, "defined", None)
        if callable(defined) and defined():
            return [f'"{_quote(name)}" <{email}>']
        return [email]
    return recipient_strings(str(value))


def _quote(name: Any) -> str:
    return str(name).replace('"', "")


def _attachments(value: Any) -> list[tuple[str, bytes, str]] | None:
    """(filename, data, content type) for each attachment; None if any is unusable."""
    if value is None:
        return []
    if isinstance(value, str) or not _iterable(value):
        value = [value]
    out: list[tuple[str, bytes, str]] = []
    used: set[str] = set()
    for item in value:
        try:
            files = _files_of(item)
            if files is None:
                logger.info("send_email: could not use attachment %r", item)
                return None
            for one in files:
                loaded = load_attachment(one)
                out.append((_unique(loaded.filename, used), loaded.data, loaded.content_type))
        except MailError as err:
            logger.info("send_email: %s", err)
            return None
    return out


def _iterable(value: Any) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return not (isinstance(value, tuple) and len(value) in (2, 3) and isinstance(value[0], str)
                    and isinstance(value[1], (bytes, bytearray)))
    return isinstance(getattr(value, "__dict__", {}).get("elements"), (list, set))


def _files_of(item: Any) -> list | None:
    """The files one attachment stands for (docassemble's order for a collection)."""
    if isinstance(item, DAFileCollection):
        for ext in ("pdf", "docx", "rtf", "tex", "raw"):
            found = item.__dict__.get(ext)
            if found is not None:
                return [found]
        return None
    if isinstance(item, DAFileList):
        return list(item.elements)
    if isinstance(item, (str, os.PathLike, tuple)) or callable(getattr(item, "path", None)):
        return [item]
    return None


def _unique(filename: str, used: set[str]) -> str:
    """docassemble's ``attachment_name``: ``a.pdf``, ``a_001.pdf``, ``a_002.pdf`` ..."""
    if filename not in used:
        used.add(filename)
        return filename
    stem, ext = os.path.splitext(filename)
    index = 1
    while f"{stem}_{index:03d}{ext}" in used:
        index += 1
    name = f"{stem}_{index:03d}{ext}"
    used.add(name)
    return name
