"""Mail plumbing: parsing bad mail, composing, and real SMTP on 127.0.0.1."""
from __future__ import annotations

import smtplib
import threading
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from bgkernel.mail.outbox import (Address, Attachment, MailError, Outbox, SMTPReceiver,
                                  SMTPSettings, compose_message, deliver_smtp, envelope_recipients,
                                  format_address, parse_addresses, parse_message, sanitize_filename)

FAKE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
INTERVIEW = "interview-abcdef@bgkernel.local"


class Mailbox:
    """What a receiver delivered and refused, with a way to wait for N messages."""

    def __init__(self, known: set[str] = frozenset({INTERVIEW})):
        self.known = {a.lower() for a in known}
        self.delivered: list[tuple[bytes, list[str], str | None]] = []
        self.refused: list[tuple[str, str | None]] = []
        self._changed = threading.Condition()

    def accept(self, address: str) -> bool:
        return address.lower() in self.known

    def deliver(self, raw: bytes, rcpts: list[str], mail_from: str | None) -> None:
        with self._changed:
            self.delivered.append((raw, rcpts, mail_from))
            self._changed.notify_all()

    def on_refused(self, address: str, mail_from: str | None) -> None:
        self.refused.append((address, mail_from))

    def wait_for(self, count: int, timeout: float = 30) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.delivered) >= count, timeout)


@pytest.fixture
def mailbox():
    return Mailbox()


@pytest.fixture
def receiver(mailbox):
    with SMTPReceiver(mailbox.accept, mailbox.deliver, on_refused=mailbox.on_refused) as rx:
        yield rx


def smtp_client(receiver: SMTPReceiver) -> smtplib.SMTP:
    return smtplib.SMTP(receiver.host, receiver.port, timeout=30, local_hostname="localhost")


def send_raw(receiver: SMTPReceiver, raw: bytes, to: str = INTERVIEW,
             sender: str = "someone@example.com") -> None:
    with smtp_client(receiver) as client:
        client.sendmail(sender, [to], raw)


# ---------------------------------------------------------------- SMTP receiver

def test_receiver_picks_a_free_port_on_loopback(receiver):
    assert receiver.host == "127.0.0.1"
    assert isinstance(receiver.port, int) and receiver.port > 0
    assert receiver.running


def test_text_html_and_pdf_over_smtp(receiver, mailbox):
    msg = EmailMessage()
    msg["From"] = "Jane Doe <jane@example.com>"
    msg["To"] = f"Interview <{INTERVIEW}>"
    msg["Cc"] = "Clerk <clerk@example.com>"
    msg["Reply-To"] = "replies@example.com"
    msg["Subject"] = "Answer 0 – ünïcode"
    msg["Date"] = "Tue, 02 Jan 2024 10:30:00 +0100"
    msg.set_content("Hello there.\nSecond line.\n")
    msg.add_alternative("<p>Hello <b>there</b>.</p>\n", subtype="html")
    msg.add_attachment(FAKE_PDF, maintype="application", subtype="pdf",
                       filename="My Report (final).pdf")
    with smtp_client(receiver) as client:
        client.send_message(msg, from_addr="bounce@example.com", to_addrs=[INTERVIEW])
    mailbox.wait_for(1)
    raw, rcpts, mail_from = mailbox.delivered[0]
    assert rcpts == [INTERVIEW] and mail_from == "bounce@example.com"
    parsed = parse_message(raw)
    assert parsed.subject == "Answer 0 – ünïcode"
    assert parsed.from_ == Address("Jane Doe", "jane@example.com")
    assert parsed.to == [Address("Interview", INTERVIEW)]
    assert parsed.cc == [Address("Clerk", "clerk@example.com")]
    assert parsed.reply_to == Address("", "replies@example.com")
    assert parsed.return_path is None
    assert parsed.date == datetime(2024, 1, 2, 9, 30, tzinfo=timezone.utc)
    assert parsed.date.utcoffset() == timedelta(hours=1)
    assert parsed.body_text == "Hello there.\nSecond line.\n"
    assert parsed.body_html == "<p>Hello <b>there</b>.</p>\n"
    assert parsed.attachments == [Attachment("My Report _final_.pdf", "application/pdf", FAKE_PDF)]
    assert ["Subject", parsed.subject_raw] in parsed.headers
    assert parsed.defects == []
    assert envelope_recipients(parsed, rcpts) == [INTERVIEW]


def test_unknown_recipient_is_refused_with_550(receiver, mailbox):
    with smtp_client(receiver) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
            client.sendmail("me@example.com", ["nobody@bgkernel.local"], b"Subject: x\r\n\r\nhi\r\n")
    code, reply = info.value.recipients["nobody@bgkernel.local"]
    assert code == 550 and b"5.1.1 Mailbox unavailable" in reply
    assert mailbox.refused == [("nobody@bgkernel.local", "me@example.com")]
    assert mailbox.delivered == []


def test_mixed_recipients_deliver_only_to_accepted(receiver, mailbox):
    with smtp_client(receiver) as client:
        refused = client.sendmail("me@example.com", ["ghost@bgkernel.local", INTERVIEW],
                                  b"Subject: both\r\n\r\nhi\r\n")
    assert refused["ghost@bgkernel.local"][0] == 550
    mailbox.wait_for(1)
    assert mailbox.delivered[0][1] == [INTERVIEW]


def test_failing_deliver_callback_is_a_temporary_failure_and_kept():
    def deliver(raw, rcpts, mail_from):
        raise RuntimeError("store is down")
    with SMTPReceiver(lambda a: True, deliver) as rx:
        with smtp_client(rx) as client:
            with pytest.raises(smtplib.SMTPDataError) as info:
                client.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nhi\r\n")
        assert info.value.smtp_code == 451
        assert [str(e) for e in rx.errors] == ["store is down"]


def test_receiver_on_a_given_port_and_close_frees_it(mailbox):
    first = SMTPReceiver(mailbox.accept, mailbox.deliver).start()
    port = first.port
    first.close()
    assert not first.running
    with SMTPReceiver(mailbox.accept, mailbox.deliver, port=port) as second:
        assert second.port == port
        send_raw(second, b"Subject: again\r\n\r\nhi\r\n")
        mailbox.wait_for(1)


# ---------------------------------------------------------------- bad mail

BROKEN_BOUNDARY = (
    b"From: a@example.com\r\nTo: " + INTERVIEW.encode() + b"\r\nSubject: broken\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
    b"--WRONG\r\nContent-Type: text/plain\r\n\r\nthe body text\r\n--WRONG--\r\n"
)


@pytest.mark.parametrize("via_smtp", [False, True])
def test_malformed_mime_broken_boundary(receiver, mailbox, via_smtp):
    raw = BROKEN_BOUNDARY
    if via_smtp:
        send_raw(receiver, raw)
        mailbox.wait_for(1)
        raw = mailbox.delivered[0][0]
    parsed = parse_message(raw)
    assert parsed.subject == "broken"
    assert parsed.defects, "a broken boundary must be reported"
    assert any("Boundary" in d or "multipart" in d for d in parsed.defects)
    assert "the body text" in (parsed.body_text or "")


def test_truncated_multipart_keeps_what_arrived():
    raw = (b"Subject: cut\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n"
           b"--b1\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--b1\r\n"
           b"Content-Type: text/html\r\n\r\n<p>cut off")
    parsed = parse_message(raw)
    assert parsed.body_text == "first part"
    assert parsed.body_html is not None and parsed.body_html.startswith("<p>cut off")
    assert any("CloseBoundaryNotFound" in d for d in parsed.defects)


def test_missing_headers(receiver, mailbox):
    send_raw(receiver, b"\r\njust a body, no headers at all\r\n")
    mailbox.wait_for(1)
    parsed = parse_message(mailbox.delivered[0][0])
    assert parsed.subject is None and parsed.subject_raw is None
    assert parsed.from_ is None and parsed.date is None
    assert parsed.to == [] and parsed.cc == [] and parsed.headers == []
    assert parsed.body_text == "just a body, no headers at all\n"
    assert "no From or Sender header" in parsed.defects and "no Date header" in parsed.defects
    assert envelope_recipients(parsed) == []
    assert envelope_recipients(parsed, mailbox.delivered[0][1]) == [INTERVIEW]


def test_sender_and_resent_headers_fill_in():
    raw = (b"Sender: Helper <helper@example.com>\r\nTo: a@example.com\r\n"
           b"Resent-To: b@example.com\r\nResent-Cc: Cee <c@example.com>\r\n"
           b"Resent-Date: Wed, 03 Jan 2024 08:00:00 -0000\r\n"
           b"Return-Path: <bounce@example.com>\r\n\r\nhi\r\n")
    parsed = parse_message(raw)
    assert parsed.from_ == Address("Helper", "helper@example.com")
    assert [a.address for a in parsed.to] == ["a@example.com", "b@example.com"]
    assert parsed.cc == [Address("Cee", "c@example.com")]
    assert parsed.return_path == Address("", "bounce@example.com")
    assert parsed.date == datetime(2024, 1, 3, 8, tzinfo=timezone.utc)
    assert envelope_recipients(parsed) == ["a@example.com", "b@example.com", "c@example.com"]


def test_garbage_headers_never_raise():
    raw = (b"From: <<<>>>,,, @@@\r\nTo: \"unterminated <x@\r\nDate: not a date at all\r\n"
           b"Subject: =?x-nope?B?!!!?= =?utf-8?B?w6k=?=\r\nContent-Type: ;;;=\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n@@@ not base64 ###\r\n")
    parsed = parse_message(raw)
    assert parsed.date is None
    assert parsed.subject is not None and parsed.subject.endswith("é")
    assert any("Date" in d for d in parsed.defects)


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe" * 100, b"\r\n\r\n\r\n", "text input",
                                 b"Content-Type: multipart/mixed\r\n\r\nno boundary param"])
def test_degenerate_input_never_raises(raw):
    parsed = parse_message(raw)
    assert isinstance(parsed.defects, list)


def test_undecodable_charset(receiver, mailbox):
    raw = (b"From: a@example.com\r\nTo: " + INTERVIEW.encode() + b"\r\n"
           b"Subject: caf\xe9 \xff\r\nDate: Tue, 02 Jan 2024 10:30:00 +0000\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\nna\xefve r\xe9sum\xe9 \x80\x81\r\n")
    send_raw(receiver, raw)
    mailbox.wait_for(1)
    parsed = parse_message(mailbox.delivered[0][0])
    assert parsed.body_text is not None and parsed.body_text.startswith("na")
    assert "\ufffd" in parsed.body_text
    assert any("x-unknown" in d for d in parsed.defects)
    assert parsed.subject is not None and parsed.subject.startswith("caf")
    assert parsed.subject_raw is not None and "\udce9" not in parsed.subject_raw


def test_wrong_declared_charset_falls_back_to_utf8():
    raw = ("Content-Type: text/plain; charset=us-ascii\r\n\r\nrésumé\r\n").encode("utf-8")
    parsed = parse_message(raw)
    assert parsed.body_text == "résumé\n"
    assert any("us-ascii" in d for d in parsed.defects)


def test_ten_megabyte_attachment_over_smtp(receiver, mailbox):
    big = bytes(range(256)) * (10 * 1024 * 1024 // 256)
    raw = compose_message(INTERVIEW, "big one", "see attached", "a@example.com",
                          attachments=[("data.bin", big, "application/octet-stream")])
    send_raw(receiver, raw)
    mailbox.wait_for(1)
    parsed = parse_message(mailbox.delivered[0][0])
    assert parsed.body_text == "see attached\n"
    [attachment] = parsed.attachments
    assert attachment.filename == "data.bin" and attachment.data == big


def test_only_an_attachment_no_text_part(receiver, mailbox):
    msg = EmailMessage()
    msg["From"] = "scanner@example.com"
    msg["To"] = INTERVIEW
    msg["Subject"] = "Scan"
    msg.add_attachment(FAKE_PDF, maintype="application", subtype="pdf", filename="scan.pdf")
    send_raw(receiver, msg.as_bytes())
    mailbox.wait_for(1)
    parsed = parse_message(mailbox.delivered[0][0])
    assert parsed.body_text is None and parsed.body_html is None
    assert parsed.attachments == [Attachment("scan.pdf", "application/pdf", FAKE_PDF)]


def test_single_part_non_text_message():
    raw = (b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"iVBORw0KGgo=\r\n")
    parsed = parse_message(raw)
    assert parsed.body_text is None
    assert parsed.attachments == [Attachment("attachment.png", "image/png", b"\x89PNG\r\n\x1a\n")]


def test_flood_of_1000_messages_over_one_connection(receiver, mailbox):
    with smtp_client(receiver) as client:
        for number in range(1000):
            client.sendmail("flood@example.com", [INTERVIEW],
                            f"Subject: message {number}\r\n\r\nbody {number}\r\n".encode())
    mailbox.wait_for(1000)
    subjects = [parse_message(raw).subject for raw, _, _ in mailbox.delivered]
    assert subjects == [f"message {n}" for n in range(1000)]


# ---------------------------------------------------------------- parts and names

def test_body_only_from_the_first_two_leaves():
    msg = EmailMessage()
    msg["Subject"] = "order"
    msg.set_content("text body")
    msg.add_attachment(FAKE_PDF, maintype="application", subtype="pdf", filename="a.pdf")
    msg.add_attachment("<p>late html</p>", subtype="html")
    msg.add_attachment("late text")
    parsed = parse_message(msg.as_bytes())
    assert parsed.body_text == "text body\n"
    assert parsed.body_html is None
    names = [a.filename for a in parsed.attachments]
    assert names == ["a.pdf", "attachment.html", "attachment.txt"]


def test_named_text_part_is_an_attachment():
    msg = EmailMessage()
    msg.add_attachment("csv,data\n1,2\n", subtype="csv", filename="data.csv")
    msg.add_attachment("notes", filename="notes.txt")
    parsed = parse_message(msg.as_bytes())
    assert parsed.body_text is None
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("data.csv", "text/csv"), ("notes.txt", "text/plain")]


def test_attached_message_is_one_attachment():
    inner = EmailMessage()
    inner["Subject"] = "inner"
    inner.set_content("inner body")
    outer = EmailMessage()
    outer.set_content("see forwarded")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes())
    assert parsed.body_text == "see forwarded\n"
    [forwarded] = parsed.attachments
    assert forwarded.content_type == "message/rfc822" and forwarded.filename == "attachment.eml"
    assert parse_message(forwarded.data).subject == "inner"


@pytest.mark.parametrize("name, expected", [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd", ".._.._etc_passwd"),
    ("__weird__name__.txt", "weird__name__.txt"),
    ("résumé 2024.docx", "r_sum_ 2024.docx"),
    ("a/b\\c:d*e?.png", "a_b_c_d_e_.png"),
    ("report-2024-123-x.pdf", "report-2024-123-x.pdf"),
])
def test_sanitize_filename(name, expected):
    assert sanitize_filename(name) == expected


def test_encoded_and_hostile_attachment_names():
    raw = (b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain\r\n\r\nbody\r\n--b\r\n"
           b"Content-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename=\"=?utf-8?q?R=C3=A9sum=C3=A9.pdf?=\"\r\n\r\nx\r\n--b\r\n"
           b"Content-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename*=utf-8''%E2%9C%93%20ok.pdf\r\n\r\ny\r\n--b\r\n"
           b"Content-Type: application/x-nothing-known\r\n"
           b"Content-Disposition: attachment; filename=\"///\"\r\n\r\nz\r\n--b--\r\n")
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["R_sum_.pdf", "ok.pdf", "attachment.bin"]


# ---------------------------------------------------------------- addresses

def test_parse_addresses_is_tolerant():
    assert parse_addresses('"Doe, Jane" <jane@example.com>, bob@example.com') == [
        Address("Doe, Jane", "jane@example.com"), Address("", "bob@example.com")]
    assert parse_addresses("=?utf-8?q?J=C3=B6rg?= <jorg@example.com>") == [
        Address("Jörg", "jorg@example.com")]
    assert parse_addresses(None) == [] and parse_addresses("") == []
    assert "x@y.org" in [a.address for a in parse_addresses("<<weird>> x@y.org ((")]
    assert parse_addresses('"unclosed <x@y.org') == [Address("", "x@y.org")]
    assert parse_addresses(["a@x.org", "b@x.org"])[1].address == "b@x.org"


def test_format_address():
    assert format_address("", "a@x.org") == "a@x.org"
    assert format_address("Jane Doe", "a@x.org") == "Jane Doe <a@x.org>"
    assert format_address('Doe, "J"', "a@x.org") == '"Doe, \\"J\\"" <a@x.org>'
    for name in ("Jane Doe", 'Doe, "J"', "Jörg"):
        assert parse_addresses(format_address(name, "a@x.org")) == [Address(name, "a@x.org")]


# ---------------------------------------------------------------- compose and send

class FakeDAFile:
    def __init__(self, path, filename=None, mimetype=None):
        self._path, self.filename, self.mimetype, self.ok = path, filename, mimetype, True

    def path(self):
        return self._path


def test_compose_round_trip(tmp_path):
    pdf_path = tmp_path / "letter.pdf"
    pdf_path.write_bytes(FAKE_PDF)
    csv_path = tmp_path / "table.csv"
    csv_path.write_text("a,b\n1,2\n")
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    raw = compose_message(
        ["Jäne Doe <jane@example.com>", ("Bob, Jr.", "bob@example.com")],
        "Héllo\nthere", "Body ü\n", "Court <court@example.org>", html="<p>Body ü</p>",
        attachments=[str(pdf_path), FakeDAFile(str(csv_path), "Case Table.csv", "text/csv"),
                     ("notes.txt", b"plain notes", "text/plain")],
        cc="clerk@example.com", reply_to="noreply@example.org", date=when)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = parse_message(raw)
    assert parsed.defects == []
    assert parsed.subject == "Héllo there"
    assert parsed.to == [Address("Jäne Doe", "jane@example.com"), Address("Bob, Jr.", "bob@example.com")]
    assert parsed.cc == [Address("", "clerk@example.com")]
    assert parsed.from_ == Address("Court", "court@example.org")
    assert parsed.reply_to == Address("", "noreply@example.org")
    assert parsed.date == when
    assert parsed.body_text == "Body ü\n" and parsed.body_html == "<p>Body ü</p>\n"
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("letter.pdf", "application/pdf", FAKE_PDF),
        ("Case Table.csv", "text/csv", b"a,b\n1,2\n"),
        ("notes.txt", "text/plain", b"plain notes")]


@pytest.mark.parametrize("bad", [["/no/such/file.pdf"], [object()], [("x.bin", 42)]])
def test_unusable_attachment_raises_mail_error(bad):
    with pytest.raises(MailError):
        compose_message("a@example.com", attachments=bad)


def test_deliver_smtp_into_receiver(receiver, mailbox):
    raw = compose_message(INTERVIEW, "via deliver_smtp", "hello", "bot@example.com")
    refused = deliver_smtp(raw, receiver.host, receiver.port, "bot@example.com", [INTERVIEW])
    assert refused == {}
    mailbox.wait_for(1)
    delivered, rcpts, mail_from = mailbox.delivered[0]
    assert (rcpts, mail_from) == ([INTERVIEW], "bot@example.com")
    assert parse_message(delivered).subject == "via deliver_smtp"


def test_deliver_smtp_raises_on_refusal_and_on_no_server(receiver):
    raw = compose_message("x@example.com", "s", "b")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        deliver_smtp(raw, receiver.host, receiver.port, "a@example.com", ["x@example.com"])
    port = receiver.port
    receiver.close()
    with pytest.raises(OSError):
        deliver_smtp(raw, "127.0.0.1", port, "a@example.com", [INTERVIEW], timeout=2)


def test_outbox_records_and_sends_over_smtp(receiver, mailbox):
    outbox = Outbox(SMTPSettings(receiver.host, receiver.port))
    when = datetime(2024, 1, 1, 12, tzinfo=timezone.utc)
    sent = outbox.send(INTERVIEW, "Sub\nject", "text", html="<b>t</b>", sender="Bot <bot@x.org>",
                       bcc="hidden@x.org", attachments=[("a.pdf", FAKE_PDF, "application/pdf")],
                       session="s1", at=when)
    assert (sent.to, sent.bcc, sent.subject, sent.sender) == (
        [INTERVIEW], ["hidden@x.org"], "Sub ject", "Bot <bot@x.org>")
    assert sent.attachments == [("a.pdf", "application/pdf", FAKE_PDF)]
    assert list(outbox) == [sent] and outbox[0] is sent and len(outbox) == 1
    assert outbox.addressed_to("HIDDEN@x.org") == [sent]
    assert b"hidden@x.org" not in sent.raw
    mailbox.wait_for(1)
    assert parse_message(mailbox.delivered[0][0]).date == when
    # only the interview address is known, so the Bcc was refused: partial success
    assert mailbox.refused == [("hidden@x.org", "bot@x.org")]


def test_outbox_failures_raise_and_record_nothing():
    def broken(raw, sender, recipients):
        raise ConnectionRefusedError("no relay")
    outbox = Outbox(broken)
    with pytest.raises(MailError):
        outbox.send([], "no one")
    with pytest.raises(MailError):
        outbox.send("a@example.com", attachments=["/no/such/file"])
    with pytest.raises(ConnectionRefusedError):
        outbox.send("a@example.com", "s", "b")
    assert len(outbox) == 0
    recording = Outbox()
    recording.send("a@example.com", "s", "b")
    assert recording[0].parsed().body_text == "b\n"


def test_receiver_on_a_busy_port_fails_clearly(receiver, mailbox):
    clash = SMTPReceiver(mailbox.accept, mailbox.deliver, port=receiver.port)
    with pytest.raises(OSError):
        clash.start()
    assert not clash.running


def test_close_stops_the_thread_and_is_idempotent(mailbox):
    before = threading.active_count()
    rx = SMTPReceiver(mailbox.accept, mailbox.deliver).start()
    assert threading.active_count() == before + 1
    rx.close()
    rx.close()
    assert threading.active_count() == before


def test_envelope_to_header_wins_over_to():
    parsed = parse_message(b"Envelope-to: abcdef@bgkernel.local\r\nTo: other@example.com\r\n\r\nx")
    assert envelope_recipients(parsed) == ["abcdef@bgkernel.local"]


def test_outbox_with_a_callable_transport():
    handed = []
    outbox = Outbox(lambda raw, sender, rcpts: handed.append((sender, rcpts)))
    outbox.send(["a@example.com", "B <b@example.com>"], "s", "b", cc="c@example.com",
                bcc="d@example.com", sender="me@example.com")
    assert handed == [("me@example.com", ["a@example.com", "b@example.com", "c@example.com",
                                          "d@example.com"])]
    assert outbox[0].to == ["a@example.com", "b@example.com"]


def test_mutated_mail_never_raises():
    import random
    rng = random.Random(20240102)
    forwarded = EmailMessage()
    forwarded["Subject"] = "inner"
    forwarded.set_content("inner body")
    nested = EmailMessage()
    nested["To"] = "=?utf-8?q?J=C3=A4?= <a@example.com>"
    nested.set_content("body")
    nested.add_attachment(forwarded)
    nested.add_attachment(FAKE_PDF, maintype="application", subtype="pdf", filename="résumé.pdf")
    seeds = [compose_message(["Jäne <jane@example.com>", "b@example.com"], "Sübject", "Body ü",
                             "s@example.com", html="<p>x</p>",
                             attachments=[("a.pdf", FAKE_PDF, "application/pdf")]),
             nested.as_bytes()]
    noise = [b"\r\n", b"--", b"=?", b"?=", b"\xff", b";", b'"', b"*=", b"'", b"\x00", b"%"]
    for _ in range(600):
        raw = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 40)):
            spot = rng.randrange(len(raw))
            action = rng.random()
            if action < 0.5:
                raw[spot] = rng.randrange(256)
            elif action < 0.8:
                del raw[spot:spot + rng.randint(1, 30)]
            else:
                raw[spot:spot] = rng.choice(noise)
        parsed = parse_message(bytes(raw))
        assert not [d for d in parsed.defects if " failed: " in d], parsed.defects
        for attachment in parsed.attachments:
            assert attachment.filename and isinstance(attachment.data, bytes)
