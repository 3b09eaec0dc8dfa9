"""``send_email()`` (issue 5): the outbox, the task marked only on success, SMTP delivery."""
from __future__ import annotations

import socket
import threading

import pytest

import bgkernel
from bgkernel.errors import ConfigError
from bgkernel.mail.outbox import Outbox, SMTPReceiver, parse_message
from conftest import start

START = "2026-01-05T09:00:00"

SENDER = """
mandatory: True
code: |
  {code}
---
mandatory: True
question: |
  ok: ${{ ok }}
"""


def send(sim, code: str, user=None):
    """A session whose mandatory code runs ``code`` (which sets ``ok``); returns it."""
    source = SENDER.format(code="\n  ".join(code.strip().splitlines()))
    session = start(sim, source, user=user)
    assert session.screen.question.startswith("ok: ")
    return session


@pytest.fixture
def msim(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading", start=START,
                            config={"worker start delay": 0.0}) as simulator:
        yield simulator


def test_outbox_is_an_outbox_and_starts_empty(msim):
    assert isinstance(msim.outbox, Outbox)
    assert len(msim.outbox) == 0


def test_send_email_with_body_goes_to_the_outbox_at_calendar_time(msim):
    s = send(msim, """
ok = send_email(to='ada@example.com', subject='Hello\\nthere', body='Plain text', task='greeted',
                cc=['bob@example.com'], bcc='eve@example.com', sender='Court <court@example.com>')
""")
    assert s.get("ok") is True
    assert len(msim.outbox) == 1
    mail = msim.outbox[0]
    assert mail.to == ["ada@example.com"] and mail.cc == ["bob@example.com"]
    assert mail.bcc == ["eve@example.com"]
    assert mail.subject == "Hello there", "newlines in the subject become spaces"
    assert mail.text == "Plain text"
    assert mail.html == "<html><body>Plain text</body></html>"   # docassemble always sends HTML
    assert mail.sender == "Court <court@example.com>"
    assert mail.session == s.id
    assert mail.at.strftime("%Y-%m-%d %H:%M") == "2026-01-05 09:00"
    assert s.get("_internal")["tasks"] == {"greeted": 1}
    parsed = mail.parsed()
    assert parsed.subject == "Hello there"
    assert "Bcc" not in mail.raw.decode()
    sent = s.timeline[s.timeline["kind"] == "email_sent"]
    assert list(sent["name"]) == ["Hello there"]
    assert "eve@example.com" in sent["detail"].iloc[0]


TEMPLATE = """
mandatory: True
code: |
  ok = send_email(to=['ada@example.com', 'bob@example.com'], template=letter)
---
template: letter
subject: |
  Your *case*,
  ${ name }
content: |
  Dear ${ name },

  Your case is **ready**.
---
code: |
  name = "Ada"
---
mandatory: True
question: |
  ok: ${ ok }
"""


def test_template_subject_and_bodies(msim):
    s = start(msim, TEMPLATE)
    assert s.screen.question == "ok: True"
    mail = msim.outbox[0]
    assert mail.to == ["ada@example.com", "bob@example.com"]
    assert mail.subject == "Your *case*, Ada"
    assert mail.html == ("<html><body><p>Dear Ada,</p>\n<p>Your case is <strong>ready</strong>."
                         "</p></body></html>")
    # the text body is every text run of that HTML, joined by newlines (BeautifulSoup's get_text)
    assert mail.text == "Dear Ada,\n\n\nYour case is \nready\n."


@pytest.mark.parametrize("call", [
    "send_email(to=[], subject='x', task='t')",
    "send_email(to=None, subject='x', task='t')",
    "send_email(to='ada@example.com', subject='x', task='t', dry_run=True)",
    "send_email(to='ada@example.com', subject='x', task='t', attachments=['/no/such/file.pdf'])",
    "send_email(to='ada@example.com', subject='x', task='t', attachments=[42])",
])
def test_failures_return_false_and_mark_nothing(msim, call):
    s = send(msim, f"ok = {call}")
    assert s.get("ok") is False
    assert len(msim.outbox) == 0
    assert s.get("_internal")["tasks"] == {}


def test_transport_failure_returns_false_and_marks_nothing(tmp_path):
    with socket.socket() as probe:                    # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {"smtp": {"host": "127.0.0.1", "port": port, "timeout": 5}}
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading", config=config) as sim:
        s = send(sim, "ok = send_email(to='ada@example.com', subject='x', body='y', task='t')")
        assert s.get("ok") is False
        assert s.get("_internal")["tasks"] == {}
        assert len(sim.outbox) == 0
        failed = s.timeline[s.timeline["kind"] == "email_failed"]
        assert len(failed) == 1 and "ConnectionRefusedError" in failed["detail"].iloc[0]


def test_attachments_files_paths_and_tuples(msim, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("from a path")
    s = send(msim, f"""
the_file = DAFile('the_file')
the_file.initialize(filename='notes.txt')
the_file.write('from a DAFile')
ok = send_email(to='ada@example.com', subject='files', body='see attached',
                attachments=[the_file, {str(path)!r}, ('data.csv', b'a,b\\n1,2\\n')])
""")
    assert s.get("ok") is True
    mail = msim.outbox[0]
    names = [a[0] for a in mail.attachments]
    assert names == ["notes.txt", "notes_001.txt", "data.csv"]   # docassemble's attachment_name
    assert [a[2] for a in mail.attachments] == [b"from a DAFile", b"from a path", b"a,b\n1,2\n"]
    assert mail.attachments[2][1] == "text/csv"
    assert [a.filename for a in mail.parsed().attachments] == names


def test_recipients_people_and_email_recipients(msim):
    s = start(msim, """
objects:
  - client: Individual
  - clerk: DAEmailRecipient.using(address='clerk@court.example', name='The Clerk')
---
mandatory: True
code: |
  client.name.first = 'Ada'
  client.name.last = 'Lovelace'
  ok = send_email(to=[client, clerk], subject='hi', body='hello')
---
mandatory: True
question: |
  ok: ${ ok }
---
question: What is the client's e-mail address?
fields:
  - E-mail: client.email
    datatype: email
""")
    assert s.screen.question == "What is the client's e-mail address?", "person.email is asked"
    assert s.answer(**{"client.email": "ada@example.com"}).question == "ok: True"
    mail = msim.outbox[0]
    assert mail.to == ["ada@example.com", "clerk@court.example"]
    to = mail.parsed().to
    assert [(a.name, a.address) for a in to] == [("Ada Lovelace", "ada@example.com"),
                                                 ("The Clerk", "clerk@court.example")]


def test_unknown_keyword_is_a_type_error_pointing_into_the_yaml(msim):
    s = start(msim, """
mandatory: True
code: |
  ok = send_email(to='ada@example.com', subjet='typo')
---
mandatory: True
question: ok
""")
    with pytest.raises(bgkernel.InterviewError) as info:
        s.screen
    assert "subjet" in str(info.value)


def test_smtp_config_is_checked(tmp_path):
    with pytest.raises(ConfigError):
        bgkernel.Simulator(store=str(tmp_path / "a.sqlite"), config={"smtp": {"port": 25}})
    with pytest.raises(ConfigError):
        bgkernel.Simulator(store=str(tmp_path / "b.sqlite"),
                           config={"smtp": {"host": "h", "prot": 25}})


def test_send_email_from_a_background_task(msim):
    s = start(msim, """
mandatory: True
code: |
  job = background_action('mail_job', None)
---
event: mail_job
code: |
  sent_ok = send_email(to='ada@example.com', subject='from the worker', body='hi', task='bg')
  background_response_action('done', sent_ok=sent_ok, count=times_task_performed('bg'))
---
event: done
code: |
  worker_sent = action_argument('sent_ok')
  worker_count = action_argument('count')
  background_response()
---
mandatory: True
question: started
""")
    assert s.screen.question == "started"
    assert s.wait(60)
    assert s.get("worker_sent") is True and s.get("worker_count") == 1
    assert [m.subject for m in msim.outbox] == ["from the worker"]
    assert msim.outbox[0].session == s.id
    assert list(s.timeline[s.timeline["kind"] == "email_sent"]["name"]) == ["from the worker"]


# --- a real SMTP server ----------------------------------------------------------------------------

class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[bytes, list[str], str | None]] = []
        self.arrived = threading.Event()

    def accept(self, address: str) -> bool:
        return True

    def deliver(self, raw: bytes, rcpts: list[str], mail_from: str | None) -> None:
        self.messages.append((raw, rcpts, mail_from))
        self.arrived.set()


def test_real_smtp_server_receives_what_send_email_sends(tmp_path):
    box = Mailbox()
    with SMTPReceiver(box.accept, box.deliver, host="127.0.0.1") as receiver:
        config = {"smtp": {"host": "127.0.0.1", "port": receiver.port,
                           "default sender": "court@example.com"},
                  "worker start delay": 0.0}
        with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading", start=START,
                                config=config) as sim:
            s = start(sim, "cron_reminder.yml")
            s.answer(email_address="ada@example.com")
            s.answer(filing_date="2026-01-05")
            sim.advance(days=21)
            assert box.arrived.wait(10)
            assert len(sim.outbox) == 1
            assert s.get("_internal")["tasks"] == {"20 day reminder": 1}
        raw, rcpts, mail_from = box.messages[0]
        assert rcpts == ["ada@example.com"] and mail_from == "court@example.com"
        parsed = parse_message(raw)
        assert parsed.subject == "Hey, it's been 20 days."
        assert "Don’t forget about that thing you need to do!" in parsed.body_text
        assert raw == sim.outbox[0].raw


def test_the_template_is_rendered_before_the_addresses_are_read(msim):
    """docassemble renders ``template`` before it reads the recipients, so a name the
    subject needs is asked before the recipient's e-mail address."""
    s = start(msim, """
objects:
  - client: Individual
---
mandatory: True
code: |
  ok = send_email(to=client, template=note)
---
mandatory: True
question: |
  ok: ${ ok }
---
template: note
subject: Greetings, ${ client }!
content: Hello.
---
question: Name?
fields:
  - First: client.name.first
---
question: E-mail?
fields:
  - E-mail: client.email
""")
    assert s.screen.question == "Name?"
    assert s.answer(**{"client.name.first": "Ada"}).question == "E-mail?"
    assert s.answer(**{"client.email": "ada@example.com"}).question == "ok: True"
    assert msim.outbox[0].subject == "Greetings, Ada!"
