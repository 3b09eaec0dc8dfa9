"""Reading e-mail: raw RFC 822 bytes → a plain ``ParsedEmail``, whatever the mail.

``parse_message`` never raises.  Bad mail (broken MIME boundaries, missing
headers, unknown charsets, stray 8-bit bytes) still gives a ``ParsedEmail``;
what went wrong is listed in ``ParsedEmail.defects``.

The shape follows docassemble's ``process_email.py`` and ``retrieve_email``
(SEMANTICS §11.3): To and Resent-To are merged, From falls back to Sender, Date
to Resent-Date; the body is the first unnamed text/plain (text/html) part among
the first two leaf parts, and every other leaf part is an attachment whose name
is sanitized as docassemble sanitizes it.  Two deliberate differences: the
subject and display names are RFC 2047-decoded (``subject_raw`` keeps the header
as docassemble stores it), and the date is an aware datetime, not naive local
time.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import Iterable, Iterator

__all__ = [
    "Address", "Attachment", "ParsedEmail", "parse_message", "parse_addresses",
    "format_address", "envelope_recipients", "sanitize_filename", "default_filename",
    "decode_words",
]


@dataclass(frozen=True)
class Address:
    """One mailbox: a display name (possibly ``''``) and an address."""

    name: str
    address: str

    def __str__(self) -> str:
        return format_address(self.name, self.address)


@dataclass(frozen=True)
class Attachment:
    """One attached file: its (sanitized) name, MIME type and decoded bytes."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return (f"Attachment(filename={self.filename!r}, content_type={self.content_type!r}, "
                f"size={len(self.data)})")


@dataclass
class ParsedEmail:
    """An e-mail read into plain data.  See the module docstring for the rules."""

    subject: str | None = None
    subject_raw: str | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    from_: Address | None = None
    reply_to: Address | None = None
    return_path: Address | None = None
    date: datetime | None = None
    headers: list[list[str]] = field(default_factory=list)
    body_text: str | None = None
    body_html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (any case), raw, or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def header_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]


# ---------------------------------------------------------------- addresses

_NEEDS_QUOTES = re.compile(r'[][\\()<>@,:;".]')
_BAD_ADDRESS = re.compile(r'[\s<>"(),;\[\]\\]')
_LOOSE_ADDRESS = re.compile(r'[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+')


def format_address(name: str | None, address: str) -> str:
    """``'Name <addr>'`` (name quoted when it needs it), or just ``addr``."""
    name = (name or "").strip()
    if not name:
        return address
    if _NEEDS_QUOTES.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def parse_addresses(header_value: str | Iterable[str] | None,
                    defects: list[str] | None = None) -> list[Address]:
    """Every mailbox in one header value (or several), names RFC 2047-decoded.

    Tolerant: entries that parse to nothing are dropped, and when the standard
    parser finds nothing at all, anything shaped like ``local@domain`` is taken.
    """
    if header_value is None:
        return []
    values = [header_value] if isinstance(header_value, str) else list(header_value)
    values = [_unfold(v) for v in values if v and v.strip()]
    found: list[Address] = []
    for value in values:
        try:
            pairs = getaddresses([value])
        except Exception as exc:  # the stdlib parser has had crashes on odd input
            _note(defects, f"address header {value!r} could not be parsed: {exc!r}")
            pairs = []
        addresses = []
        for name, addr in pairs:
            addr = addr.strip()
            if addr and _BAD_ADDRESS.search(addr):
                loose = _LOOSE_ADDRESS.findall(addr)
                _note(defects, f"malformed address {addr!r}"
                      + (f" read as {loose[0]!r}" if loose else " dropped"))
                addr = loose[0] if loose else ""
            if addr or name:
                addresses.append(Address(decode_words(name, defects).strip(), addr))
        if not any(a.address for a in addresses):
            loose_found = [Address("", addr) for addr in _LOOSE_ADDRESS.findall(value)]
            if not loose_found:
                _note(defects, f"no address found in {value!r}")
            addresses = loose_found
        found.extend(addresses)
    return found


def envelope_recipients(message: "ParsedEmail", rcpt_tos: Iterable[str] = ()) -> list[str]:
    """The addresses a message was delivered to, in the order docassemble tries them.

    The SMTP envelope (``rcpt_tos``) comes first, as Exim's ``Envelope-to`` does;
    without it the ``Envelope-to`` header; without that, To, Cc, Resent-To and
    Resent-Cc in that order (PE: the first of these names the interview).
    Duplicates (ignoring case) are dropped.
    """
    candidates = [addr for addr in rcpt_tos if addr]
    if not candidates:
        candidates = [a.address for a in parse_addresses(message.header_all("Envelope-to"))]
    if not candidates:
        for name in ("To", "Cc", "Resent-To", "Resent-Cc"):
            candidates += [a.address for a in parse_addresses(message.header_all(name))]
    seen: set[str] = set()
    result = []
    for addr in candidates:
        if addr and addr.lower() not in seen:
            seen.add(addr.lower())
            result.append(addr)
    return result


# ---------------------------------------------------------------- RFC 2047 words

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")


def decode_words(value: str | None, defects: list[str] | None = None) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?q?...?=``); never raises."""
    if not value:
        return value or ""
    pieces: list[str] = []
    end = 0
    after_word = False
    for match in _ENCODED_WORD.finditer(value):
        between = value[end:match.start()]
        decoded = _decode_word(match, defects)
        if not (after_word and decoded is not None and between.isspace()):
            pieces.append(between)  # whitespace between two encoded words goes
        pieces.append(match.group(0) if decoded is None else decoded)
        after_word = decoded is not None
        end = match.end()
    pieces.append(value[end:])
    return "".join(pieces)


def _decode_word(match: re.Match[str], defects: list[str] | None) -> str | None:
    """One encoded word's text, or None (and a defect) when it cannot be decoded."""
    charset, encoding, text = match.group(1).split("*")[0], match.group(2).upper(), match.group(3)
    try:
        if encoding == "B":
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        else:
            data = binascii.a2b_qp(text.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError) as exc:
        _note(defects, f"bad encoded word {match.group(0)!r}: {exc}")
        return None
    return decode_bytes(data, charset, defects, f"encoded word {match.group(0)!r}")


def decode_bytes(data: bytes, charset: str | None, defects: list[str] | None,
                 what: str) -> str:
    """Bytes → str in ``charset``; unknown or wrong charsets fall back to UTF-8."""
    if charset and not _is_text_codec(charset):
        _note(defects, f"{what}: unknown charset {charset!r}, read as UTF-8")
        charset = None
    try:
        return data.decode(charset or "utf-8")
    except (UnicodeError, LookupError, ValueError):
        pass
    if charset and charset.lower() not in ("utf-8", "utf8"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            _note(defects, f"{what}: not valid {charset}, read as UTF-8")
            return text
    _note(defects, f"{what}: undecodable bytes replaced")
    return data.decode("utf-8", "replace")


def _is_text_codec(charset: str) -> bool:
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return False
    return getattr(info, "_is_text_encoding", True)


# ---------------------------------------------------------------- file names

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. ]+")


def sanitize_filename(name: str) -> str:
    """docassemble's ``secure_filename``: unsafe runs → ``_``, then strip ``_``.

    Spaces are stripped from the ends too (docassemble keeps them), so that
    ``"✓ ok.pdf"`` becomes ``"ok.pdf"``, not ``" ok.pdf"``.
    """
    return _UNSAFE.sub("_", name).strip("_ ")


def default_filename(content_type: str) -> str:
    """``attachment`` + an extension for the type (.txt for text/plain, else .bin)."""
    return "attachment" + _extension(content_type)


def _extension(content_type: str) -> str:
    if content_type == "text/plain":
        return ".txt"
    return mimetypes.guess_extension(content_type) or ".bin"


# ---------------------------------------------------------------- parsing

def parse_message(raw: bytes | bytearray | str) -> ParsedEmail:
    """Read one e-mail.  Never raises; problems are listed in ``.defects``."""
    result = ParsedEmail()
    defects = result.defects
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    if not isinstance(raw, (bytes, bytearray)):
        defects.append(f"not a message: {type(raw).__name__}")
        return result
    try:
        msg = BytesParser(policy=compat32).parsebytes(bytes(raw))
    except Exception as exc:  # the feed parser is meant never to raise; be sure
        defects.append(f"message could not be parsed: {exc!r}")
        return result
    for step in (_read_headers, _read_parts, _read_defects):
        try:
            step(msg, result)
        except Exception as exc:  # a stdlib corner we did not foresee: report, go on
            defects.append(f"{step.__name__.lstrip('_').replace('_', ' ')} failed: {exc!r}")
    return result


def _read_defects(msg: Message, result: ParsedEmail) -> None:
    for index, part in enumerate(_walk(msg)):
        where = "message" if index == 0 else f"part {index}"
        result.defects.extend(f"{where}: {_describe(d)}" for d in getattr(part, "defects", ()))


def _read_headers(msg: Message, result: ParsedEmail) -> None:
    defects = result.defects
    result.headers = [[str(name), _unescape(value, defects, f"header {name}")]
                      for name, value in msg.raw_items()]
    result.subject_raw = result.header("Subject")
    if result.subject_raw is not None:
        result.subject = decode_words(_unfold(result.subject_raw), defects)
    result.to = parse_addresses(result.header_all("To") + result.header_all("Resent-To"), defects)
    result.cc = parse_addresses(result.header_all("Cc") + result.header_all("Resent-Cc"), defects)
    sender = result.header("From")
    if sender is None:
        sender = result.header("Sender")
    if sender is None:
        defects.append("no From or Sender header")
    result.from_ = _first_address(sender, defects)
    result.reply_to = _first_address(result.header("Reply-To"), defects)
    result.return_path = _first_address(result.header("Return-Path"), defects)
    raw_date = result.header("Date")
    if raw_date is None:
        raw_date = result.header("Resent-Date")
    if raw_date is None:
        defects.append("no Date header")
    else:
        result.date = _parse_date(raw_date, defects)


def _first_address(value: str | None, defects: list[str]) -> Address | None:
    if value is None:
        return None
    found = parse_addresses(value, defects)
    return found[0] if found else None


def _parse_date(value: str, defects: list[str]) -> datetime | None:
    try:
        when = parsedate_to_datetime(_unfold(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        defects.append(f"unreadable Date {value!r}: {exc}")
        return None
    if when is None:
        defects.append(f"unreadable Date {value!r}")
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _read_parts(msg: Message, result: ParsedEmail) -> None:
    defects = result.defects
    for index, part in enumerate(_leaves(msg)):
        try:
            content_type, filename, data = _read_leaf(part, defects, index + 1)
        except Exception as exc:  # one broken part must not lose the others
            defects.append(f"leaf part {index + 1} could not be read: {exc!r}")
            continue
        if index < 2 and filename is None and content_type in ("text/plain", "text/html"):
            slot = "body_text" if content_type == "text/plain" else "body_html"
            if getattr(result, slot) is None:
                charset = _charset(part)
                text = decode_bytes(data, charset, defects, f"{content_type} body")
                setattr(result, slot, text.replace("\r\n", "\n"))
                continue
        name = sanitize_filename(filename) if filename else ""
        if not name.strip(". "):
            name = default_filename(content_type)
        result.attachments.append(Attachment(name, content_type, data))


def _read_leaf(part: Message, defects: list[str], number: int) -> tuple[str, str | None, bytes]:
    """(content type, raw filename or None, decoded bytes) of one leaf part."""
    content_type = part.get_content_type()
    if part.get_content_maintype() == "message" and part.is_multipart():
        inner = part.get_payload()
        data = b"".join(_message_bytes(m, defects) for m in inner) if isinstance(inner, list) \
            else b""
        return content_type, _filename(part, defects), data
    if part.get_content_maintype() == "multipart":
        defects.append(f"leaf part {number}: unparsed {content_type} kept as text/plain")
        content_type = "text/plain"
    try:
        data = part.get_payload(decode=True)
    except (binascii.Error, ValueError) as exc:
        defects.append(f"leaf part {number}: payload not decodable ({exc}); kept raw")
        data = _raw_payload(part)
    if data is None:
        data = _raw_payload(part)
    return content_type, _filename(part, defects), bytes(data)


def _message_bytes(message: Message, defects: list[str]) -> bytes:
    """An attached message as bytes; when it cannot be regenerated, its headers and
    whatever plain payload it has."""
    try:
        return message.as_bytes()
    except Exception as exc:  # the generator refuses some malformed headers
        defects.append(f"attached message regenerated roughly: {exc!r}")
    head = "".join(f"{name}: {value}\n" for name, value in message.raw_items())
    return head.encode("utf-8", "surrogateescape") + b"\n" + _raw_payload(message)


def _raw_payload(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("ascii", "surrogateescape")
    return b""


def _filename(part: Message, defects: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception as exc:  # RFC 2231 parameters can be arbitrarily broken
        defects.append(f"unreadable attachment name: {exc!r}")
        return None
    if not name:
        return None
    return decode_words(_unescape(str(name), defects, "attachment name"), defects)


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # an odd charset parameter means "unknown", not failure
        return None


def _leaves(part: Message) -> Iterator[Message]:
    """Non-multipart parts in order; an attached message/* counts as one leaf."""
    if part.is_multipart() and part.get_content_maintype() != "message":
        for sub in part.get_payload():
            yield from _leaves(sub)
    else:
        yield part


def _walk(part: Message) -> Iterator[Message]:
    yield part
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _walk(sub)


# ---------------------------------------------------------------- small helpers

def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value)


def _unescape(value: object, defects: list[str] | None, what: str) -> str:
    """A header as the bytes parser gives it → real text (8-bit bytes read as UTF-8)."""
    text = str(value)
    if not re.search("[\udc80-\udcff]", text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    return decode_bytes(data, None, defects, what)


def _describe(defect: object) -> str:
    detail = str(defect)
    return f"{type(defect).__name__}: {detail}" if detail else type(defect).__name__


def _note(defects: list[str] | None, message: str) -> None:
    if defects is not None:
        defects.append(message)
