"""E-mail to an interview: addresses, the store of received mail, delivery, SMTP.

docassemble's pieces (SEMANTICS §11) and where they live here:

* ``interview_email()`` — :func:`interview_email` (foreground) and
  :func:`address_from_store` (inside a worker): ``<6 lowercase letters>@<domain>``,
  one per (interview, session, calling user, key, index), created on first call;
* ``get_emails()`` — :func:`get_emails` / :func:`emails_from_store`: the calling
  user's addresses as :class:`AddressEmail` objects, each with its ``DAEmail``s in
  arrival order;
* ``process_email.py`` — :func:`deliver` (``sim.deliver_email``) and :func:`serve`
  (``sim.serve_smtp``, a real SMTP receiver on 127.0.0.1): the message is stored
  (raw bytes and the ``DAEmail``), ``email_received`` goes on the timeline, and, if
  the interview has an ``incoming_email`` event and the session is ``multi_user``,
  that event runs as a background action with ``action_argument('email')`` and the
  identity of the user who obtained the address.

The addresses and messages live in two tables of the simulator's SQLite file, so a
worker process reads them directly and a reopened store keeps them.  A message is
for the session named by the local part of its first recipient that is a known
address (the SMTP envelope first, then Envelope-to, To, Cc, Resent-To, Resent-Cc);
the domain is not checked, as in docassemble.  Mail for no known address is refused:
``550`` over SMTP, ``Delivery.accepted`` False from ``deliver``, and an
``email_refused`` row on the timeline; it is never delivered elsewhere.  Over SMTP
each accepted envelope recipient gets its own delivery, as Exim's per-recipient pipe
to docassemble's ``process_email.py`` does.
"""
from __future__ import annotations

import json
import pickle
import secrets
import sqlite3
import string
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator
from zoneinfo import ZoneInfo

from ..errors import DAError
from ..library.context import RunContext, UserInfo, parent_only, running
from ..library.email_objects import DAEmail
from ..runtime.store import transaction
from .compose import MailError, compose_message, to_addresses
from .parse import ParsedEmail, envelope_recipients, parse_message
from .received import build_email
from .smtp import SMTPReceiver

if TYPE_CHECKING:
    from ..runtime.host import Host

__all__ = ["AddressEmail", "Delivery", "StoredMessage", "DEFAULT_DOMAIN", "mail_domain",
           "interview_email", "get_emails", "address_from_store", "emails_from_store",
           "deliver", "receive", "serve", "stored_messages"]

DEFAULT_DOMAIN = "bgkernel.local"
SHORT_LENGTH = 6
SHORT_RETRIES = 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mail_addresses (
    short TEXT PRIMARY KEY, session TEXT NOT NULL, interview TEXT NOT NULL,
    user_key TEXT NOT NULL, key TEXT NOT NULL, idx TEXT NOT NULL, owner TEXT,
    user TEXT, created REAL,
    UNIQUE (interview, session, user_key, key, idx));
CREATE TABLE IF NOT EXISTS mail_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, short TEXT NOT NULL, session TEXT NOT NULL,
    received REAL NOT NULL, raw BLOB NOT NULL, email BLOB, subject TEXT, sender TEXT,
    recipients TEXT, defects TEXT);
CREATE INDEX IF NOT EXISTS mail_messages_by_short ON mail_messages (short, id);
"""
_ADDRESS_COLUMNS = "a.short, a.session, a.interview, a.user_key, a.key, a.idx, a.owner, a.user"
_ready: set[str] = set()
_ready_lock = threading.Lock()


# --- what interview code sees -----------------------------------------------------------

class AddressEmail:
    """One address of ``get_emails()``: ``address`` is the short code (no ``@domain``),
    as in docassemble; ``str()`` is the same."""

    def __init__(self, address: str, key: Any, index: Any, owner: str | None,
                 emails: list[DAEmail]):
        self.address = address
        self.key = key
        self.index = index
        self.owner = owner
        self.emails = emails

    def __str__(self) -> str:
        return self.address

    def __repr__(self) -> str:
        return (f"AddressEmail(address={self.address!r}, key={self.key!r}, index={self.index!r}, "
                f"emails={len(self.emails)})")


@dataclass
class Delivery:
    """What became of one message handed to the inbox.  True when it was accepted."""

    accepted: bool
    reason: str = ""
    address: str | None = None          # the interview address it was delivered to
    session: str | None = None
    message_id: int | None = None
    task: str | None = None             # the incoming_email task id, when one was queued
    incoming_email: str = ""            # queued / not defined / not multi_user / ...
    recipients: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    email: DAEmail | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.accepted


@dataclass(frozen=True)
class StoredMessage:
    """A message as the store keeps it (for inspection and tests)."""

    id: int
    address: str
    session: str
    received: datetime
    subject: str | None
    sender: str | None
    defects: tuple[str, ...]
    raw: bytes = field(repr=False)


def mail_domain(config: dict | None) -> str:
    """Config ``incoming mail domain``, else ``bgkernel.local``."""
    return str((config or {}).get("incoming mail domain") or DEFAULT_DOMAIN)


# --- the tables -----------------------------------------------------------------------

def _prepare(conn: sqlite3.Connection, path: str) -> None:
    with _ready_lock:
        if path in _ready:
            return
        conn.executescript(_SCHEMA)
        _ready.add(path)


@contextmanager
def _store_connection(sim: "Host") -> Iterator[sqlite3.Connection]:
    conn = sim.store.connection()
    _prepare(conn, sim.store.path)
    yield conn


@contextmanager
def _file_connection(path: str) -> Iterator[sqlite3.Connection]:
    """A connection of its own to the store file (inside a worker process)."""
    parent_only("the interview's e-mail addresses")
    conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        _prepare(conn, path)
        yield conn
    finally:
        conn.close()


def _encode(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _obtain_short(conn: sqlite3.Connection, ctx: RunContext, key: Any, index: Any,
                  now: float) -> tuple[str, bool]:
    """The caller's short code for (key, index), created if needed; (short, created)."""
    if ctx.session_id is None:
        raise DAError("interview_email: there is no interview session to receive e-mail")
    user = ctx.user
    identity = (_interview_name(ctx), ctx.session_id, user.key, _encode(key), _encode(index))
    with transaction(conn):
        row = conn.execute("SELECT short FROM mail_addresses WHERE interview = ? AND session = ? "
                           "AND user_key = ? AND key = ? AND idx = ?", identity).fetchone()
        if row is not None:
            return row[0], False
        for _ in range(SHORT_RETRIES):
            short = "".join(secrets.choice(string.ascii_lowercase) for _ in range(SHORT_LENGTH))
            if conn.execute("SELECT 1 FROM mail_addresses WHERE short = ?", (short,)).fetchone() is None:
                break
        else:
            raise DAError(f"interview_email: no free short code after {SHORT_RETRIES} tries")
        conn.execute("INSERT INTO mail_addresses (short, session, interview, user_key, key, idx, "
                     "owner, user, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (short, identity[1], identity[0], identity[2], identity[3], identity[4],
                      user.email if user.logged_in else None, _user_json(user), now))
    return short, True


def _address_rows(conn: sqlite3.Connection, ctx: RunContext, key: Any, index: Any) -> list[tuple]:
    """The caller's addresses in this session, oldest first, filtered by key and index."""
    if ctx.session_id is None:
        return []
    sql = (f"SELECT {_ADDRESS_COLUMNS} FROM mail_addresses a WHERE a.interview = ? "
           "AND a.session = ? AND a.user_key = ?")
    params: list[Any] = [_interview_name(ctx), ctx.session_id, ctx.user.key]
    if key is not None:
        sql += " AND a.key = ?"
        params.append(_encode(key))
    if index is not None:
        sql += " AND a.idx = ?"
        params.append(_encode(index))
    return conn.execute(sql + " ORDER BY a.created, a.rowid", params).fetchall()


def _address_emails(conn: sqlite3.Connection, rows: list[tuple], tz: Any) -> list[AddressEmail]:
    out = []
    for short, session, _, _, key, index, owner, _ in rows:
        messages = conn.execute("SELECT id, received, raw, email FROM mail_messages WHERE short = ? "
                                "ORDER BY id", (short,)).fetchall()
        emails = [_email_of(m, short, json.loads(key), json.loads(index), owner, tz)
                  for m in messages]
        out.append(AddressEmail(short, json.loads(key), json.loads(index), owner,
                                [e for e in emails if e is not None]))
    return out


def _email_of(message: tuple, short: str, key: Any, index: Any, owner: str | None,
              tz: Any) -> DAEmail | None:
    """The stored DAEmail, or one built afresh from the raw bytes."""
    _, received, raw, blob = message
    if blob is not None:
        try:
            return pickle.loads(blob)  # noqa: S301 -- our own store
        except Exception:  # noqa: BLE001 -- an old or broken pickle: rebuild from the raw bytes
            pass
    try:
        return build_email(parse_message(raw), short=short, key=key, index=index, owner=owner,
                           received=datetime.fromtimestamp(received, timezone.utc), tz=tz)
    except Exception:  # noqa: BLE001 -- recorded as a defect when it arrived; the raw bytes stay
        return None


def _known(conn: sqlite3.Connection, address: str) -> tuple | None:
    """The address row for ``address`` (its local part), if its session still exists."""
    local = address.strip().strip("<>").rpartition("@")[0] if "@" in address else address.strip()
    local = local.strip().lower()
    if len(local) != SHORT_LENGTH:
        return None
    return conn.execute(f"SELECT {_ADDRESS_COLUMNS} FROM mail_addresses a JOIN sessions s "
                        "ON s.id = a.session WHERE a.short = ?", (local,)).fetchone()


# --- foreground: the simulator's services ---------------------------------------------

def interview_email(sim: "Host", ctx: RunContext, key: Any = None, index: Any = None) -> str:
    """``interview_email()`` in the simulator: the caller's address for (key, index)."""
    with _store_connection(sim) as conn:
        short, created = _obtain_short(conn, ctx, key, index, sim.now().timestamp())
    address = f"{short}@{mail_domain(ctx.config or sim.config)}"
    if created:
        sim.record(ctx.session_id or "", "email_address", address,
                   f"user {ctx.user.key}, key {key!r}, index {index!r}")
    return address


def get_emails(sim: "Host", ctx: RunContext, key: Any = None, index: Any = None) -> list:
    """``get_emails()`` in the simulator: the caller's addresses with their e-mails."""
    with _store_connection(sim) as conn:
        rows = _address_rows(conn, ctx, key, index)
        return _address_emails(conn, rows, sim.clock.tz)


# --- inside a worker process ------------------------------------------------------------

def address_from_store(ctx: RunContext, key: Any = None, index: Any = None) -> str:
    """``interview_email()`` inside a worker: the same address, read from the store file."""
    with _file_connection(_store_path(ctx)) as conn:
        short, _ = _obtain_short(conn, ctx, key, index, datetime.now(timezone.utc).timestamp())
    return f"{short}@{mail_domain(ctx.config)}"


def emails_from_store(ctx: RunContext, key: Any = None, index: Any = None) -> list:
    """``get_emails()`` inside a worker, read from the store file."""
    tz = ZoneInfo(str(ctx.config.get("timezone") or "America/New_York"))
    with _file_connection(_store_path(ctx)) as conn:
        return _address_emails(conn, _address_rows(conn, ctx, key, index), tz)


def _store_path(ctx: RunContext) -> str:
    path = ctx.extra.get("store_path")
    if not path:
        raise DAError("e-mail functions need the simulator's store (no store_path in this context)")
    return str(path)


# --- delivery -------------------------------------------------------------------------

def deliver(sim: "Host", to: Any = None, subject: str = "", body: str = "", sender: Any = "",
            html: str | None = None, attachments: Any = (), raw: bytes | str | None = None,
            ) -> Delivery:
    """Deliver one message, built from the fields or given ``raw`` (RFC 822 bytes).

    ``to`` is the envelope: with ``raw`` it overrides the headers' recipients.
    Only the first recipient that is a known address receives the message.
    """
    if raw is None:
        if not to:
            raise MailError("deliver_email: give the recipient 'to', or a whole message as 'raw'")
        raw = compose_message(to, subject, body, sender, html, attachments, date=sim.now())
    elif isinstance(raw, str):
        try:
            raw = raw.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:     # a lone surrogate: kept as an escape, as mail would
            raw = raw.encode("utf-8", "backslashreplace")
    elif not isinstance(raw, (bytes, bytearray)):
        raise MailError(f"deliver_email: raw must be bytes, not {type(raw).__name__}")
    envelope = [a.address for a in to_addresses(to)] if to else []
    return receive(sim, bytes(raw), envelope)


def receive(sim: "Host", raw: bytes, envelope: Iterable[str] = ()) -> Delivery:
    """Store ``raw`` for the first known recipient and run ``incoming_email``; or refuse it."""
    parsed = parse_message(raw)
    candidates = envelope_recipients(parsed, envelope)
    with _store_connection(sim) as conn:
        row = next((found for found in (_known(conn, c) for c in candidates) if found), None)
    if row is None:
        reason = "short code not found" if candidates else "no recipient"
        _record_refusal(sim, ", ".join(candidates) or "(no recipient)",
                        f"{reason}; subject {parsed.subject!r}, from {_sender(parsed)}")
        return Delivery(False, reason=reason, recipients=candidates, defects=list(parsed.defects))
    return _accept(sim, row, raw, parsed, candidates)


def _accept(sim: "Host", row: tuple, raw: bytes, parsed: ParsedEmail,
            candidates: list[str]) -> Delivery:
    short, session_id, _, _, key_json, index_json, owner, user_json = row
    key, index = json.loads(key_json), json.loads(index_json)
    now = sim.now()
    defects = list(parsed.defects)
    email = None
    try:
        with running(RunContext(files_dir=sim.store.files_dir, config=sim.config)):
            email = build_email(parsed, short=short, key=key, index=index, owner=owner,
                                received=now, tz=sim.clock.tz)
        blob = pickle.dumps(email, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 -- keep the raw message whatever went wrong
        defects.append(f"DAEmail could not be built: {exc!r}")
        email, blob = None, None
    with _store_connection(sim) as conn, transaction(conn):
        cursor = conn.execute(
            "INSERT INTO mail_messages (short, session, received, raw, email, subject, sender, "
            "recipients, defects) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (short, session_id, now.timestamp(), raw, blob, parsed.subject, _sender(parsed),
             json.dumps(candidates), json.dumps(defects)))
        message_id = cursor.lastrowid
    address = f"{short}@{mail_domain(sim.config)}"
    sim.record(session_id, "email_received", address, _summary(parsed, raw, defects))
    delivery = Delivery(True, reason="stored", address=address, session=session_id,
                        message_id=message_id, recipients=candidates, defects=defects, email=email)
    _incoming_email(sim, delivery, _user_from_json(user_json))
    return delivery


def _incoming_email(sim: "Host", delivery: Delivery, owner: UserInfo) -> None:
    """Run the interview's ``incoming_email`` event in the background, as the owner."""
    session_id = delivery.session or ""
    try:
        session = sim.session(session_id)
        multi_user = bool(sim.store.session_row(session_id)["multi_user"])
    except Exception as exc:  # noqa: BLE001 -- deleted meanwhile
        delivery.incoming_email = f"not run: the session is gone ({exc})"
    else:
        if not session.interview.defines("incoming_email"):
            delivery.incoming_email = "not defined"
            return
        if not multi_user:
            delivery.incoming_email = "not run: the session is not multi_user"
        elif delivery.email is None:
            delivery.incoming_email = "not run: the message could not be read as a DAEmail"
        else:
            delivery.task = uuid.uuid4().hex
            sim.tasks.submit(session, {"id": delivery.task, "action": "incoming_email",
                                       "notification": None, "arguments": {"email": delivery.email},
                                       "user": owner})
            delivery.incoming_email = "queued"
            return
    sim.record(session_id, "email_action_skipped", "incoming_email",
               delivery.incoming_email + " (docassemble's worker runs incoming_email without the "
               "user's password, so only a multi_user session's answers can be read)")


def _record_refusal(sim: "Host", recipients: str, detail: str) -> None:
    sim.record("", "email_refused", recipients, detail)


# --- SMTP ------------------------------------------------------------------------------

def serve(sim: "Host", port: int | None = None) -> SMTPReceiver:
    """A real SMTP receiver on 127.0.0.1 (a free port by default), kept as ``sim._mail``."""
    running_now = getattr(sim, "_mail", None)
    if running_now is not None and running_now.running and port in (None, running_now.port):
        return running_now
    if running_now is not None:
        running_now.close()
    receiver = SMTPReceiver(lambda address: _accepts(sim, address),
                            lambda raw, rcpts, mail_from: _smtp_deliver(sim, raw, rcpts, mail_from),
                            port=port, on_refused=lambda address, mail_from: _record_refusal(
                                sim, address, f"SMTP 550 short code not found; from {mail_from}"),
                            server_hostname=mail_domain(sim.config))
    receiver.start()
    sim._mail = receiver
    return receiver


def _accepts(sim: "Host", address: str) -> bool:
    with _store_connection(sim) as conn:
        return _known(conn, address) is not None


def _smtp_deliver(sim: "Host", raw: bytes, rcpt_tos: list[str], mail_from: str | None) -> None:
    """One delivery per accepted envelope recipient, as Exim pipes to docassemble."""
    if mail_from:
        raw = b"Return-Path: <" + mail_from.encode("utf-8", "replace") + b">\r\n" + raw
    seen: set[str] = set()
    for rcpt in rcpt_tos:
        if rcpt.lower() not in seen:
            seen.add(rcpt.lower())
            receive(sim, raw, [rcpt])


# --- inspection -------------------------------------------------------------------------

def stored_messages(sim: "Host", address: str | None = None) -> list[StoredMessage]:
    """Every received message (for one address, given whole or as its short code), in order."""
    sql = "SELECT id, short, session, received, subject, sender, defects, raw FROM mail_messages"
    params: tuple = ()
    if address is not None:
        sql += " WHERE short = ?"
        params = (address.partition("@")[0].lower(),)
    domain = mail_domain(sim.config)
    with _store_connection(sim) as conn:
        rows = conn.execute(sql + " ORDER BY id", params).fetchall()
    return [StoredMessage(r[0], f"{r[1]}@{domain}", r[2],
                          datetime.fromtimestamp(r[3], sim.clock.tz), r[4], r[5],
                          tuple(json.loads(r[6] or "[]")), bytes(r[7])) for r in rows]


# --- small helpers ------------------------------------------------------------------------

def _interview_name(ctx: RunContext) -> str:
    interview = ctx.interview
    return str(getattr(interview, "name", None) or interview or "")


def _user_json(user: UserInfo) -> str:
    data = dict(user.__dict__)
    data["roles"] = list(user.roles)
    return json.dumps(data, default=str)


def _user_from_json(text: str | None) -> UserInfo:
    data = json.loads(text or "{}")
    known = set(UserInfo.__dataclass_fields__)
    data = {k: v for k, v in data.items() if k in known}
    data["roles"] = tuple(data.get("roles") or ())
    return UserInfo(**data)


def _sender(parsed: ParsedEmail) -> str:
    return str(parsed.from_) if parsed.from_ is not None else ""


def _summary(parsed: ParsedEmail, raw: bytes, defects: list[str]) -> str:
    text = (f"{parsed.subject!r} from {_sender(parsed) or '(no sender)'}, {len(raw)} bytes, "
            f"{len(parsed.attachments)} attachment(s)")
    if defects:
        text += f"; {len(defects)} defect(s): " + "; ".join(defects)
    return text[:1000]
