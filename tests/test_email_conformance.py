"""docassemble's e-mail demos, unmodified: mail sent with smtplib shows on the next refresh.

The demos are read from ``../shared/conformance/docassemble-examples/`` (outside the
project); the tests skip when that folder is absent.  What each must show is in
``../shared/conformance/README.md`` (rows email-to-case-simple and email-to-case).
"""
from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

import bgkernel

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "docassemble-examples"
FAKE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ADDRESS = re.compile(r"\b([a-z]{6})@([A-Za-z0-9.-]+)\b")


def example(name: str) -> str:
    path = EXAMPLES / f"{name}.yml"
    if not path.is_file():
        pytest.skip(f"conformance input {path} is not here (a fresh clone has no ../shared)")
    return str(path)


@pytest.fixture
def sim(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), workers=2,
                            config={"worker start delay": 0}) as simulator:
        yield simulator


def send(server, to: str, subject: str, text: str, html: str | None = None,
         pdf: bytes | None = None, **headers: str) -> None:
    """Send one message with smtplib, as any mail client on the machine would."""
    msg = EmailMessage()
    msg["From"] = headers.pop("sender", "Ada Lovelace <ada@example.com>")
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if pdf is not None:
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="report.pdf")
    with smtplib.SMTP(server.host, server.port, timeout=30) as client:
        client.send_message(msg, from_addr="bounces@example.com")


def test_email_to_case_simple_lists_the_subject_lines(sim):
    session = sim.start(sim.load(example("email-to-case-simple")))
    assert session.screen.question.strip() == "E-mailing to the interview"
    screen = session.press("Continue")
    assert screen.question.strip() == "E-mails sent to case"
    match = ADDRESS.search(screen.subquestion)
    assert match, screen.subquestion
    address, short = match.group(0), match.group(1)
    assert "Subject lines" not in screen.subquestion
    server = sim.serve_smtp()
    send(server, address, "First e-mail to the case", "Hello.",
         html="<p>Hello.</p>", pdf=FAKE_PDF)
    send(server, address, "Second e-mail to the case", "Hello again.")
    assert session.wait(30)
    screen = session.press("Refresh")
    assert screen.question.strip() == "E-mails sent to case"
    assert f"Subject lines of all e-mails sent\nto {short}:" in screen.subquestion
    bullets = re.findall(r"^\* (.*)$", screen.subquestion, re.M)
    assert bullets == ["First e-mail to the case", "Second e-mail to the case"]


def test_email_to_case_processes_the_mail_in_the_background(sim):
    session = sim.start(sim.load(example("email-to-case")))
    assert session.screen.question.strip() == "E-mailing to the interview"
    screen = session.press("Continue")
    assert screen.question.strip() == "E-mailing to the interview"
    match = ADDRESS.search(screen.subquestion)
    assert match, screen.subquestion
    address = match.group(0)
    assert f"> {address}" in screen.subquestion
    server = sim.serve_smtp()
    send(server, address, "Documents for my case", "Please see the report attached.",
         html="<p>Please see the <b>report</b> attached.</p>", pdf=FAKE_PDF,
         Reply_To="Ada <replies@example.com>")
    assert session.wait(30)
    screen = session.press("Refresh")
    assert screen.question.strip() == "E-mails received"
    shown = dict(re.findall(r"^\* ([A-Za-z ]+): (.*)$", screen.subquestion, re.M))
    assert shown["Subject"] == "Documents for my case"
    assert shown["To"] == f"[{address}](mailto:{address})"
    assert shown["From"] == "[Ada Lovelace](mailto:ada@example.com)"
    assert shown["Reply to"] == "[Ada](mailto:replies@example.com)"
    assert shown["Return path"] == "[bounces@example.com](mailto:bounces@example.com)"
    assert shown["Body text"] == "Please see the report attached."
    assert shown["Body HTML"] == "<p>Please see the <b>report</b> attached.</p>"
    number = re.fullmatch(r"\[FILE (\d+), None, None\]", shown["Attachment"])
    assert number, shown["Attachment"]
    email = session.get("email")
    assert str(email) == "This is an e-mail"
    assert email.attachment[0].number == int(number.group(1))
    assert (email.attachment[0].filename, email.attachment[0].mimetype) == \
        ("report.pdf", "application/pdf")
    assert Path(email.attachment[0].path()).read_bytes() == FAKE_PDF
    kinds = list(session.timeline["kind"].astype(str))
    for kind in ("email_received", "task_queued", "task_finished", "response_action"):
        assert kind in kinds
    assert [t.status() for t in session.tasks] == ["SUCCESS"]


def test_email_to_case_keeps_waiting_until_mail_arrives(sim):
    session = sim.start(sim.load(example("email-to-case")))
    session.press("Continue")
    assert session.refresh().question.strip() == "E-mailing to the interview"
    assert not session.tasks
