"""E-mail to an interview: addresses, identity, delivery, refusal, DAEmail, bad mail."""
from __future__ import annotations

import json
import pickle
import re
import smtplib
import socket
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

import bgkernel
from bgkernel.mail import inbox
from bgkernel.library.context import RunContext, running
from bgkernel.library.email_objects import DAEmail, DAEmailRecipient, DAEmailRecipientList
from bgkernel.errors import DAError

HERE = Path(__file__).resolve().parent / "interviews"
ADDRESS = re.compile(r"\b[a-z]{6}@[A-Za-z0-9.-]+\b")
FAKE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def sim(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), workers=2,
                            config={"worker start delay": 0}) as simulator:
        yield simulator


def load(sim, name):
    return sim.load(str(HERE / name))


def lines(screen) -> dict[str, str]:
    """``label: value`` lines of a screen's subquestion."""
    return dict(re.findall(r"^(main|again|case|case 2): (\S+)$", screen.subquestion, re.M))


def ctx_for(session, user=None) -> RunContext:
    sim = session.sim
    return RunContext(session_id=session.id, interview=session.interview,
                      user=user or session.user, config=sim.config, services=sim.services,
                      files_dir=sim.store.files_dir)


def message(to, subject="Hello", body="Body text.", sender="Ada <ada@example.com>", **headers):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def kinds(sim, kind):
    frame = sim.timeline
    return frame[frame["kind"] == kind]


# --- addresses --------------------------------------------------------------------------

def test_address_is_six_lowercase_letters_at_the_configured_domain(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"),
                            config={"incoming mail domain": "help.example.com"}) as sim:
        shown = lines(sim.start(load(sim, "email_addresses.yml")).screen)
    assert re.fullmatch(r"[a-z]{6}@help\.example\.com", shown["main"])


def test_default_domain_is_bgkernel_local(sim):
    shown = lines(sim.start(load(sim, "email_addresses.yml")).screen)
    assert shown["main"].endswith("@" + inbox.DEFAULT_DOMAIN)


def test_address_is_stable_per_key_and_index_and_unique_otherwise(sim):
    interview = load(sim, "email_addresses.yml")
    session = sim.start(interview)
    first = lines(session.screen)
    assert first["main"] == first["again"]
    assert len({first["main"], first["case"], first["case 2"]}) == 3
    assert lines(session.refresh()) == first
    other = lines(sim.start(interview).screen)
    assert not set(other.values()) & set(first.values())
    shorts = [a.partition("@")[0] for a in first.values()]
    assert all(re.fullmatch(r"[a-z]{6}", s) for s in shorts)


def test_index_without_key_is_an_error(sim):
    session = sim.start(load(sim, "email_addresses.yml"))
    with running(ctx_for(session)):
        with pytest.raises(DAError):
            bgkernel.library.functions.interview_email(index=1)
        assert bgkernel.library.functions.interview_email("case", 2) == lines(session.screen)["case 2"]


def test_get_emails_gives_short_codes_keys_owner_and_mail_in_arrival_order(sim):
    session = sim.start(load(sim, "email_addresses.yml"), user="ada@example.com")
    shown = lines(session.screen)
    for subject in ("one", "two", "three"):
        assert sim.deliver_email(to=shown["case"], subject=subject, body=subject)
    sim.deliver_email(to=shown["case 2"], subject="indexed")
    boxes = inbox.get_emails(sim, ctx_for(session))
    assert [str(b) for b in boxes] == [shown[k].partition("@")[0] for k in
                                      ("main", "case", "case 2")]
    assert [(b.key, b.index, b.owner) for b in boxes] == [
        (None, None, "ada@example.com"), ("case", None, "ada@example.com"),
        ("case", 2, "ada@example.com")]
    assert [m.subject for m in boxes[1].emails] == ["one", "two", "three"]
    assert [b.address for b in inbox.get_emails(sim, ctx_for(session), "case")] == \
        [boxes[1].address, boxes[2].address]
    indexed = inbox.get_emails(sim, ctx_for(session), "case", 2)
    assert [m.subject for b in indexed for m in b.emails] == ["indexed"]
    screen = session.refresh()
    assert f"mail {boxes[1].address} two" in screen.subquestion
    assert re.search(rf"box {boxes[1].address} key case index None owner ada@example.com count 3",
                     screen.subquestion)


def test_a_second_user_gets_an_address_of_their_own_and_cannot_read_the_first_users_mail(sim):
    ada = sim.start(load(sim, "email_addresses.yml"), user="ada@example.com")
    bob = sim.join(ada.id, "bob@example.com")
    ada_address, bob_address = lines(ada.screen)["main"], lines(bob.screen)["main"]
    assert ada_address != bob_address
    assert lines(sim.join(ada.id, "bob@example.com").screen)["main"] == bob_address
    sim.deliver_email(to=ada_address, subject="for Ada only", body="secret")
    assert "for Ada only" in ada.refresh().subquestion
    assert "for Ada only" not in bob.refresh().subquestion
    bob_boxes = inbox.get_emails(sim, ctx_for(bob))
    assert [b.owner for b in bob_boxes] == ["bob@example.com"] * 3
    assert all(not b.emails for b in bob_boxes)
    anonymous = sim.join(ada.id, None)
    assert lines(anonymous.screen)["main"] not in (ada_address, bob_address)
    assert inbox.get_emails(sim, ctx_for(anonymous))[0].owner is None


# --- incoming_email -----------------------------------------------------------------------

def test_incoming_email_runs_in_a_worker_as_the_owner_of_the_address(sim):
    ada = sim.start(load(sim, "email_worker.yml"), user="ada@example.com")
    bob = sim.join(ada.id, {"email": "bob@example.com", "roles": ["advocate"]})
    ada_address = ADDRESS.search(ada.screen.subquestion).group(0)
    bob_address = ADDRESS.search(bob.screen.subquestion).group(0)
    assert ada_address != bob_address
    sim.deliver_email(to=ada_address, subject="to Ada", body="not for Bob")
    assert ada.wait(30)
    ada.refresh()
    report = ada.get("report")
    assert report["user"] == "ada@example.com" and report["address"] == ada_address
    delivery = sim.deliver_email(to=bob_address, subject="to Bob", body="Hi Bob",
                                 attachments=[("a.pdf", FAKE_PDF, "application/pdf")])
    assert delivery.incoming_email == "queued" and delivery.task
    assert bob.wait(30)
    report = bob.get("report")
    assert report["user"] == "bob@example.com" and report["logged_in"]
    assert report["interface"] == "worker"
    assert report["address"] == bob_address            # interview_email() in the worker
    assert report["subjects"] == ["to Bob"]              # get_emails() in the worker: Bob's only
    assert report["boxes"] == [(bob_address.partition("@")[0], "bob@example.com", 1)]
    assert report["short"] == bob_address.partition("@")[0]
    assert report["owner"] == "bob@example.com"
    assert report["body"].strip() == "Hi Bob"
    assert report["attachments"] == [("a.pdf", "application/pdf", len(FAKE_PDF))]
    assert bob.refresh().question == "Mail processed"
    task = next(t for t in bob.tasks if t.id == delivery.task)
    assert task.status() == "SUCCESS"


def test_incoming_email_is_not_run_for_a_session_that_is_not_multi_user(sim):
    session = sim.start(load(sim, "email_single_user.yml"))
    address = ADDRESS.search(session.screen.subquestion).group(0)
    delivery = sim.deliver_email(to=address, subject="hello")
    assert delivery.accepted
    assert delivery.incoming_email == "not run: the session is not multi_user"
    assert delivery.task is None and not session.tasks
    skipped = kinds(sim, "email_action_skipped")
    assert list(skipped["session"]) == [session.id]
    assert "multi_user" in skipped["detail"].iloc[0]
    assert session.refresh().question == "Mail awaited"
    assert [m.subject for b in inbox.get_emails(sim, ctx_for(session)) for m in b.emails] == ["hello"]


def test_no_incoming_email_block_means_the_mail_is_only_stored(sim):
    session = sim.start(load(sim, "email_addresses.yml"))
    delivery = sim.deliver_email(to=lines(session.screen)["main"], subject="x")
    assert delivery.incoming_email == "not defined" and not session.tasks


# --- refusal ------------------------------------------------------------------------------

def test_mail_for_an_unknown_address_is_refused_and_recorded(sim):
    session = sim.start(load(sim, "email_addresses.yml"))
    known = lines(session.screen)["main"]
    unknown = "zz" + known[2:] if not known.startswith("zz") else "aa" + known[2:]
    delivery = sim.deliver_email(to=unknown, subject="lost?")
    assert not delivery and delivery.reason == "short code not found"
    refused = kinds(sim, "email_refused")
    assert list(refused["name"]) == [unknown]
    assert inbox.stored_messages(sim) == []
    assert not sim.deliver_email(to="someone@example.com", subject="x")
    assert not sim.deliver_email(raw=b"Subject: nobody\r\n\r\nno recipients\r\n")
    assert kinds(sim, "email_refused")["detail"].iloc[-1].startswith("no recipient")


def test_smtp_refuses_unknown_addresses_with_550(sim):
    session = sim.start(load(sim, "email_addresses.yml"))
    known = lines(session.screen)["main"]
    server = sim.serve_smtp()
    with smtplib.SMTP(server.host, server.port, timeout=30) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(message("nobody@bgkernel.local"))
        assert refused.value.recipients["nobody@bgkernel.local"][0] == 550
        partly = client.send_message(message(f"{known}, other@bgkernel.local"))
    assert partly["other@bgkernel.local"][0] == 550
    assert list(kinds(sim, "email_refused")["name"]) == ["nobody@bgkernel.local",
                                                          "other@bgkernel.local"]
    stored = inbox.stored_messages(sim)
    assert [m.address for m in stored] == [known]


def test_mail_for_a_deleted_session_is_refused(sim):
    session = sim.start(load(sim, "email_addresses.yml"))
    known = lines(session.screen)["main"]
    sim.delete_session(session.id)
    assert not sim.deliver_email(to=known, subject="too late")
    server = sim.serve_smtp()
    with smtplib.SMTP(server.host, server.port, timeout=30) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.send_message(message(known))


def test_only_the_first_known_recipient_receives_a_message(sim):
    interview = load(sim, "email_addresses.yml")
    first, second = (lines(sim.start(interview).screen)["main"] for _ in range(2))
    raw = message(f"stranger@example.com, {first}", cc=second).as_bytes()
    delivery = sim.deliver_email(raw=raw)
    assert delivery.address == first
    assert [m.address for m in inbox.stored_messages(sim)] == [first]
    assert sim.deliver_email(raw=raw, to=second).address == second   # `to` is the envelope


def test_smtp_delivers_once_per_accepted_envelope_recipient(sim):
    interview = load(sim, "email_addresses.yml")
    first, second = (lines(sim.start(interview).screen)["main"] for _ in range(2))
    server = sim.serve_smtp()
    with smtplib.SMTP(server.host, server.port, timeout=30) as client:
        client.send_message(message(first, cc=second), from_addr="bounce@example.com")
    stored = inbox.stored_messages(sim)
    assert sorted(m.address for m in stored) == sorted([first, second])
    assert all(m.raw.startswith(b"Return-Path: <bounce@example.com>\r\n") for m in stored)


def test_the_smtp_server_listens_on_loopback_and_closes_with_the_simulator(tmp_path):
    sim = bgkernel.Simulator(store=str(tmp_path / "s.sqlite"))
    server = sim.serve_smtp()
    assert server.host == "127.0.0.1" and server.port > 0
    assert sim.serve_smtp() is server
    sim.close()
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=2).close()


def test_messages_and_addresses_survive_reopening_the_store(tmp_path):
    path = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=path) as sim:
        session = sim.start(load(sim, "email_addresses.yml"))
        address = lines(session.screen)["main"]
        sim.deliver_email(to=address, subject="kept")
        session_id = session.id
    with bgkernel.Simulator(store=path) as sim:
        session = sim.session(session_id)
        assert lines(session.refresh())["main"] == address
        assert f"mail {address.partition('@')[0]} kept" in session.screen.subquestion
        assert sim.deliver_email(to=address, subject="after reopening")


# --- DAEmail ------------------------------------------------------------------------------

def received(sim, session, raw=None, **fields):
    delivery = sim.deliver_email(raw=raw, **fields) if raw is not None else sim.deliver_email(**fields)
    assert delivery.accepted, delivery
    return delivery


def test_a_daemail_has_docassembles_attributes(sim):
    session = sim.start(load(sim, "email_addresses.yml"), user="ada@example.com")
    address = lines(session.screen)["case"]
    msg = EmailMessage()
    msg["From"] = '"Lovelace, Ada" <ada@example.com>'
    msg["To"] = f"Case <{address}>, other@example.com"
    msg["Cc"] = "clerk@example.com"
    msg["Reply-To"] = "replies@example.com"
    msg["Return-Path"] = "<bounces@example.com>"
    msg["Subject"] = "=?utf-8?q?Caf=C3=A9_papers?="
    msg["Date"] = "Tue, 03 Mar 2026 15:30:00 +0000"
    msg.set_content("Plain body.\n")
    msg.add_alternative("<p>HTML body.</p>\n", subtype="html")
    msg.add_attachment(FAKE_PDF, maintype="application", subtype="pdf", filename="report.pdf")
    msg.add_attachment(b"a,b\n", maintype="text", subtype="csv", filename="data.csv")
    email = received(sim, session, raw=msg.as_bytes()).email
    assert isinstance(email, DAEmail) and str(email) == "This is an e-mail"
    assert (email.short, email.key, email.index) == (address.partition("@")[0], "case", None)
    assert email.address_owner == "ada@example.com"
    assert email.subject == "Café papers"
    assert isinstance(email.to_address, DAEmailRecipientList)
    assert str(email.to_address) == f"[Case](mailto:{address}) and [other@example.com](mailto:other@example.com)"
    assert [r.address for r in email.cc_address] == ["clerk@example.com"]
    assert isinstance(email.from_address, DAEmailRecipient)
    assert (email.from_address.name, email.from_address.address) == ("Lovelace, Ada", "ada@example.com")
    assert str(email.from_address) == "[Lovelace, Ada](mailto:ada@example.com)"
    assert email.from_address.email_address() == '"Lovelace, Ada" <ada@example.com>'
    assert str(email.reply_to) == "[replies@example.com](mailto:replies@example.com)"
    assert email.reply_to.email_address() == "replies@example.com"
    assert str(email.return_path) == "[bounces@example.com](mailto:bounces@example.com)"
    assert email.datetime_message == datetime(2026, 3, 3, 10, 30)   # naive, America/New_York
    assert email.datetime_received.tzinfo is None
    assert abs((sim.now().replace(tzinfo=None) - email.datetime_received).total_seconds()) < 60
    headers = json.loads(email.headers.slurp())
    assert [v for k, v in headers if k == "Subject"][0].startswith("=?utf-8?q?Caf=C3=A9")
    assert email.body_text.slurp() == "Plain body.\n" and str(email.body_text) == "Plain body.\n"
    assert email.body_html.slurp() == "<p>HTML body.</p>\n"
    assert [(f.filename, f.mimetype) for f in email.attachment] == [
        ("report.pdf", "application/pdf"), ("data.csv", "text/csv")]
    assert Path(email.attachment[0].path()).read_bytes() == FAKE_PDF
    assert Path(email.attachment[0].path()).is_relative_to(sim.store.files_dir)
    copy = pickle.loads(pickle.dumps(email))
    assert copy.attachment[1].slurp() == "a,b\n" and copy.subject == email.subject


def test_missing_headers_give_empty_recipients_and_the_receipt_time(sim):
    session = sim.start(load(sim, "email_addresses.yml"))
    address = lines(session.screen)["main"]
    delivery = received(sim, session, raw=b"\r\nJust a body, no headers at all.\r\n", to=address)
    email = delivery.email
    assert email.subject is None
    assert email.from_address.empty and str(email.from_address) == ""
    assert email.from_address.email_address() == ""
    assert str(email.reply_to) == "" and str(email.return_path) == ""
    assert len(email.to_address) == 0 and str(email.to_address) == ""
    assert email.datetime_message == email.datetime_received
    assert email.body_text.slurp().strip() == "Just a body, no headers at all."
    assert "no From or Sender header" in delivery.defects
    assert "defect" in kinds(sim, "email_received")["detail"].iloc[-1]
    assert "mail " + address.partition("@")[0] + " None" in session.refresh().subquestion


def test_recipient_strings_follow_docassemble():
    assert str(DAEmailRecipient("r", name="", address="")) == "EMAIL NOT DEFINED"
    assert str(DAEmailRecipient("r", name="Ada", address="")) == "Ada"
    assert str(DAEmailRecipient("r", name="", address="a@x.org")) == "[a@x.org](mailto:a@x.org)"
    assert DAEmailRecipient("r", name='Ada "A"', address="a@x.org").email_address() == \
        '"Ada A" <a@x.org>'
    assert DAEmailRecipient("r", name="Ada", address="a@x.org").email_address(include_name=False) == \
        "a@x.org"


# --- bad mail ------------------------------------------------------------------------------

@pytest.fixture
def mailbox(sim):
    session = sim.start(load(sim, "email_addresses.yml"))
    return session, lines(session.screen)["main"]


def test_malformed_mime_is_stored_with_its_defects(sim, mailbox):
    session, address = mailbox
    raw = (f"From: ada@example.com\r\nTo: {address}\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
           "preamble\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
           "--XYZ\r\nContent-Type: application/pdf; name=\"cut.pdf\"\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0x!!!not base64\r\n").encode()
    delivery = sim.deliver_email(raw=raw)
    assert delivery.accepted and delivery.defects
    assert inbox.stored_messages(sim)[0].raw == raw                     # nothing lost
    assert delivery.email.body_text.slurp().strip() == "first part"
    assert "defect" in kinds(sim, "email_received")["detail"].iloc[0]
    assert "mail " + address.partition("@")[0] + " broken" in session.refresh().subquestion


def test_garbage_bytes_are_stored_not_crashed_on(sim, mailbox):
    session, address = mailbox
    raw = bytes(range(256)) * 4
    delivery = sim.deliver_email(raw=raw, to=address)
    assert delivery.accepted and inbox.stored_messages(sim)[0].raw == raw
    session.refresh()


def test_undecodable_charsets_are_read_with_a_recorded_defect(sim, mailbox):
    session, address = mailbox
    raw = (f"From: ada@example.com\r\nTo: {address}\r\n".encode()
           + b"Subject: =?x-no-such-charset?q?caf=E9?=\r\n"
           b"Content-Type: text/plain; charset=\"x-no-such-charset\"\r\n\r\n"
           b"caf\xe9 \xff\xfe bytes\r\n")
    delivery = sim.deliver_email(raw=raw)
    assert delivery.accepted
    assert any("charset" in d for d in delivery.defects)
    text = delivery.email.body_text.slurp()
    assert text.startswith("caf") and "bytes" in text
    assert isinstance(delivery.email.subject, str)
    session.refresh()


def test_a_message_with_no_text_part(sim, mailbox):
    session, address = mailbox
    only_html = EmailMessage()
    only_html["To"], only_html["Subject"] = address, "html only"
    only_html.set_content("<p>hi</p>", subtype="html")
    email = sim.deliver_email(raw=only_html.as_bytes()).email
    assert email.body_text is None and email.body_html.slurp().strip() == "<p>hi</p>"
    only_file = EmailMessage()
    only_file["To"], only_file["Subject"] = address, "file only"
    only_file.add_attachment(FAKE_PDF, maintype="application", subtype="pdf", filename="x.pdf")
    email = sim.deliver_email(raw=only_file.as_bytes()).email
    assert email.body_text is None and email.body_html is None
    assert [f.filename for f in email.attachment] == ["x.pdf"]
    assert "file only" in session.refresh().subquestion


def test_a_ten_megabyte_attachment_over_smtp(sim, mailbox):
    session, address = mailbox
    data = bytes(range(256)) * (10 * 1024 * 1024 // 256)
    msg = message(address, subject="big")
    msg.add_attachment(data, maintype="application", subtype="octet-stream", filename="big.bin")
    server = sim.serve_smtp()
    with smtplib.SMTP(server.host, server.port, timeout=60) as client:
        client.send_message(msg)
    assert not server.errors
    [box] = [b for b in inbox.get_emails(sim, ctx_for(session)) if b.emails]
    [attached] = box.emails[0].attachment
    assert attached.size_in_bytes() == len(data)
    assert Path(attached.path()).read_bytes() == data
    assert "big" in session.refresh().subquestion


def test_a_flood_of_a_thousand_messages_loses_none_and_keeps_their_order(sim, mailbox):
    session, address = mailbox
    server = sim.serve_smtp()
    subjects = [f"message {n:04d}" for n in range(1000)]
    with smtplib.SMTP(server.host, server.port, timeout=60) as client:
        for subject in subjects:
            client.sendmail("flood@example.com", [address],
                            message(address, subject=subject, body=subject).as_bytes())
    assert not server.errors
    assert [m.subject for m in inbox.stored_messages(sim, address)] == subjects
    [box] = [b for b in inbox.get_emails(sim, ctx_for(session)) if b.emails]
    assert [m.subject for m in box.emails] == subjects
    assert len(kinds(sim, "email_received")) == 1000
    shown = re.findall(r"^mail \w+ (message \d{4})$", session.refresh().subquestion, re.M)
    assert shown == subjects


def test_get_emails_rebuilds_a_daemail_from_the_raw_bytes_when_needed(sim, mailbox):
    session, address = mailbox
    sim.deliver_email(to=address, subject="rebuilt", body="from the raw bytes",
                      attachments=[("r.pdf", FAKE_PDF, "application/pdf")])
    with sim.store.write() as conn:
        conn.execute("UPDATE mail_messages SET email = NULL")
    [box] = [b for b in inbox.get_emails(sim, ctx_for(session)) if b.emails]
    [email] = box.emails
    assert email.subject == "rebuilt" and email.body_text.slurp().strip() == "from the raw bytes"
    assert Path(email.attachment[0].path()).read_bytes() == FAKE_PDF
