"""Bad input gets a bgkernel error that says what and where, never a raw one from SQLite,
zoneinfo, the import system or the e-mail package; and what docassemble accepts is accepted."""
from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import warnings

import pytest

import bgkernel


def test_a_store_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(bgkernel.SessionError, match="is not a bgkernel store"):
        bgkernel.Simulator(store=str(path), backend="threading")
    assert path.read_text().startswith("these are my notes")      # left as it was


@pytest.mark.parametrize("zone", ["Mars/Olympus", 5, ""])
def test_a_time_zone_that_does_not_exist(zone):
    with pytest.raises(bgkernel.ConfigError, match="'timezone' must be an IANA time zone"):
        bgkernel.Simulator(backend="threading", config={"timezone": zone})


def test_a_module_that_does_not_exist_is_named_at_its_block(sim):
    interview = sim.load("metadata:\n  title: T\n---\nmodules:\n  - .helpers\n"
                         "  - no_such_module_anywhere\n---\nmandatory: True\nquestion: Hi\n")
    s = sim.start(interview)
    err = s.last_error
    assert isinstance(err, bgkernel.InterviewError) and err.line == 4
    assert "cannot import the module '.helpers'" in str(err)


# --- store files ------------------------------------------------------------------------------

SIMPLE = """
mandatory: True
code: |
  multi_user = True
---
question: Your name?
fields:
  - Name: name
---
mandatory: True
question: Hello ${ name }
"""


def _digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _simulator(path, **kw):
    return bgkernel.Simulator(store=str(path), backend="threading",
                              config={"worker start delay": 0.0}, **kw)


def test_another_programs_sqlite_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "crm.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(bgkernel.StoreError, match=r"another program's SQLite database \(tables: customers\)"):
        _simulator(path)
    assert _digest(path) == before
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_database_with_a_sessions_table_of_its_own_is_refused(tmp_path):
    path = tmp_path / "web.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sessions (token TEXT, expires REAL)")
    conn.commit()
    conn.close()
    with pytest.raises(bgkernel.StoreError, match="another program's"):
        _simulator(path)


def _store_with_sessions(tmp_path, n=30):
    path = tmp_path / "good" / "store.sqlite"
    with _simulator(path) as sim:
        interview = sim.load(SIMPLE)
        for i in range(n):
            sim.start(interview).answer(name=f"person {i} " + "x" * 2000)
    return path


def _use(path):
    """Open the store and read every session: a bgkernel error is fine, nothing else is."""
    with _simulator(path) as sim:
        for s in sim.sessions:
            s.get("name")
            s.refresh()
        len(sim.timeline)


@pytest.mark.parametrize("damage", ["half", "header", "middle"])
def test_a_half_written_or_damaged_copy_gives_a_store_error(tmp_path, damage):
    good = _store_with_sessions(tmp_path)
    copy = tmp_path / "copy.sqlite"
    data = bytearray(open(good, "rb").read())
    if damage == "half":                        # a copy stopped half-way
        data = data[:len(data) // 2]
    elif damage == "header":
        data[:100] = b"\x00" * 100
    else:                                       # pages overwritten in the middle
        middle = len(data) // 2
        data[middle:middle + 8192] = random.Random(17).randbytes(8192)
    copy.write_bytes(bytes(data))
    with pytest.raises(bgkernel.StoreError, match="damaged|cannot be read back"):
        _use(copy)


@contextlib.contextmanager
def _mounted_tmpfs(folder, size):
    """A real small file system at ``folder`` (root only); skips where mounting is refused."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("this machine does not let the tests mount a small file system")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _read_only(folder):
    """Make ``folder`` read-only, for root too (a read-only remount) or by mode bits."""
    if os.geteuid() == 0:
        done = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot remount read-only here")
    else:
        for root, dirs, files in os.walk(folder):
            for name in files:
                os.chmod(os.path.join(root, name), 0o444)
        os.chmod(folder, 0o555)


def test_a_store_in_a_read_only_folder_gives_a_store_error(tmp_path):
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        with _simulator(folder / "store.sqlite") as sim:
            sim.start(sim.load(SIMPLE)).answer(name="Ada")
        _read_only(folder)
        with pytest.raises(bgkernel.StoreError, match="cannot be (written|opened)"):
            _simulator(folder / "store.sqlite")
        return
    with _mounted_tmpfs(tmp_path / "ro", "4m") as folder:
        with _simulator(folder / "store.sqlite") as sim:
            sim.start(sim.load(SIMPLE)).answer(name="Ada")
        before = _digest(folder / "store.sqlite")
        _read_only(folder)
        with pytest.raises(bgkernel.StoreError, match="cannot be (written|opened)"):
            _simulator(folder / "store.sqlite")
        assert _digest(folder / "store.sqlite") == before


def test_a_missing_store_folder_is_made_and_an_impossible_one_is_a_store_error(tmp_path):
    with _simulator(tmp_path / "a" / "b" / "store.sqlite") as sim:
        assert sim.start(sim.load(SIMPLE)).screen.question == "Your name?"
    (tmp_path / "plain").write_text("a file, not a folder")
    with pytest.raises(bgkernel.StoreError, match="folder cannot be made"):
        _simulator(tmp_path / "plain" / "store.sqlite")
    with pytest.raises(bgkernel.StoreError, match="is a folder"):
        _simulator(tmp_path)


def _check_refused_then_continues(sim, s, make_room):
    steps = sim.store.step_count(s.id)
    with pytest.raises(bgkernel.StoreError, match="full"):
        s.answer(name="B" * 3_000_000)
    assert sim.store.step_count(s.id) == steps            # nothing of the step was saved
    assert s.get("name") is None
    conn = sim.store.connection()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    make_room()
    assert s.answer(name="Ada").question == "Hello Ada"    # and it goes on
    assert sim.store.step_count(s.id) == steps + 1


def test_a_full_store_refuses_the_step_cleanly_and_goes_on(tmp_path):
    """SQLite's size limit stands in for a full disk (the same SQLITE_FULL)."""
    with _simulator(tmp_path / "store.sqlite") as sim:
        s = sim.start(sim.load(SIMPLE))
        conn = sim.store.connection()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 10}")
        _check_refused_then_continues(
            sim, s, lambda: conn.execute("PRAGMA max_page_count = 1073741823"))


def test_a_full_disk_refuses_the_step_cleanly(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    with _mounted_tmpfs(tmp_path / "small", "2m") as folder:
        ballast = folder / "ballast"
        with _simulator(folder / "store.sqlite") as sim:
            s = sim.start(sim.load(SIMPLE))
            sim.timeline                              # written now, not in the middle
            free = shutil.disk_usage(folder).free
            ballast.write_bytes(b"\0" * max(free - 200_000, 0))
            _check_refused_then_continues(sim, s, ballast.unlink)
        _use(folder / "store.sqlite")                  # reopens whole


# --- settings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value", [
    ("checkin interval", "6000"), ("checkin interval", 500), ("concurrency lock timeout", float("nan")),
    ("concurrency lock timeout", 0), ("worker start delay", "abc"), ("worker start delay", -1),
    ("interview delete days", 1.5), ("interview delete days by filename", 5),
    ("interview delete days by filename", {"a.yml": "ten"}), ("incoming mail domain", 5),
    ("incoming mail domain", "me@example.com"), ("timezone", "Mars/Olympus"), ("reload", "x"),
    ("wait", -1), ("refresh loop limit", 0), ("record timeline", "maybe"),
    ("cron hourly minute", 75), ("cron daily time", "25:99"), ("cron weekly", ("xyz", "06:47")),
    ("cron monthly", (40, "06:52")), ("cron processes", 0), ("task recovery", "sometimes"),
    ("smtp", "nope"),
])
def test_each_bad_setting_is_a_config_error_naming_its_key(tmp_path, key, value):
    path = tmp_path / "store.sqlite"
    with pytest.raises(bgkernel.ConfigError, match=repr(key)):
        bgkernel.Simulator(store=str(path), backend="threading", config={key: value})
    assert not path.exists() or key == "smtp"     # refused before the store is touched


@pytest.mark.parametrize("kwargs, what", [
    ({"config": ["timezone", "UTC"]}, "config must be a dict"),
    ({"config": {"time zone": "UTC"}}, "unknown config key 'time zone'"),
    ({"timescale": float("nan")}, "timescale"), ({"timescale": 0}, "timescale"),
    ({"workers": 0}, "workers"), ({"workers": 2.5}, "workers"),
    ({"start": "yesterday-ish"}, "start"), ({"backend": "celery"}, "unknown backend 'celery'"),
])
def test_bad_simulator_arguments_are_config_errors(kwargs, what):
    kwargs = {"backend": "threading", **kwargs}
    with pytest.raises(bgkernel.ConfigError, match=what):
        bgkernel.Simulator(**kwargs)


# --- files an interview names -----------------------------------------------------------------

def test_an_include_that_does_not_exist_is_named_at_its_line(tmp_path):
    path = tmp_path / "main.yml"
    path.write_text("metadata:\n  title: T\n---\ninclude:\n  - helpers.yml\n  - gone.yml\n")
    (tmp_path / "helpers.yml").write_text("question: hi\nmandatory: True\n")
    with _simulator(tmp_path / "store.sqlite") as sim:
        with pytest.raises(bgkernel.InterviewError, match="cannot include 'gone.yml'") as caught:
            sim.load(str(path))
    assert caught.value.file == str(path) and caught.value.line == 4


def test_a_content_file_that_does_not_exist_is_named_at_its_line(tmp_path):
    (tmp_path / "greeting.md").write_text("Hello from a file")
    good = tmp_path / "good.yml"
    good.write_text("mandatory: True\nquestion: hi\nsubquestion: ${ greeting }\n---\n"
                    "template: greeting\ncontent file: greeting.md\n")
    bad = tmp_path / "bad.yml"
    bad.write_text("mandatory: True\nquestion: hi\n---\ntemplate: greeting\n"
                   "content file: nowhere.md\n")
    with _simulator(tmp_path / "store.sqlite") as sim:
        assert sim.start(sim.load(str(good))).screen.subquestion == "Hello from a file"
        with pytest.raises(bgkernel.InterviewError, match="cannot read the content file 'nowhere.md'") \
                as caught:
            sim.load(str(bad))
    assert caught.value.file == str(bad) and caught.value.line == 5



def test_a_content_file_is_found_in_the_packages_templates_folder(tmp_path):
    """An interview in a package's data/questions/examples reads data/templates, as
    docassemble's template-file.yml example does."""
    data = tmp_path / "docassemble" / "demo" / "data"
    (data / "questions" / "examples").mkdir(parents=True)
    (data / "templates").mkdir()
    (data / "templates" / "disclaimer.md").write_text("Nothing here is legal advice.")
    interview = data / "questions" / "examples" / "template-file.yml"
    interview.write_text("mandatory: True\nquestion: hi\nsubquestion: ${ disclaimer }\n---\n"
                         "template: disclaimer\ncontent file: disclaimer.md\n")
    with _simulator(tmp_path / "store.sqlite") as sim:
        assert sim.start(sim.load(str(interview))).screen.subquestion == \
            "Nothing here is legal advice."

# --- what docassemble accepts is accepted ---------------------------------------------------------

def test_what_docassemble_accepts_loads_and_runs_as_there(sim):
    """docassemble 1.10.5 (run headless) shows a yes/no screen for a block with both
    ``field`` and ``yesno`` (the yes/no wins), and takes an unknown datatype as text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        two = sim.start(sim.load("mandatory: True\nquestion: hi\nfield: x\nyesno: y\n---\n"
                                 "mandatory: True\nquestion: got ${ y }\n"))
        assert [b.label for b in two.screen.buttons] == ["Yes", "No"]
        assert two.press("Yes").question == "got True"
        odd = sim.start(sim.load("mandatory: True\nquestion: hi\nfields:\n  - A: a\n"
                                 "    datatype: wibble\n---\nmandatory: True\nquestion: got ${ a }\n"))
        assert odd.answer(a="zz").question == "got zz"


# --- e-mail -----------------------------------------------------------------------------------------

MAIL = """
mandatory: True
code: |
  multi_user = True
  address = interview_email()
---
mandatory: True
question: |
  ${ len(get_emails()[0].emails) if get_emails() else 0 } messages
---
event: incoming_email
code: |
  last_subject = action_argument('email').subject
"""

MALFORMED = [
    b"", b"\x00\xff\xfe garbage", b"From: \xff\xfe\r\nTo: {to}\r\n\r\nbody",
    b"To: {to}\r\nContent-Type: multipart/mixed; boundary=\"\r\n\r\n--",
    b"To: {to}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain;"
    b" charset=no-such-charset\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n",
    b"To: {to}\r\nSubject: =?utf-8?b?invalid?=\r\nDate: the day after tomorrow\r\n\r\nx",
    b"To: " + b"a" * 100_000 + b"@x\r\n\r\n", b"To: {to}\r\n" + b"X-Long: " + b"y" * 200_000 + b"\r\n\r\n",
]


@pytest.mark.parametrize("raw", MALFORMED + ["Subject: \ud800\r\nTo: {to}\r\n\r\nx"])
def test_a_malformed_message_is_delivered_or_refused_never_a_raw_error(sim, raw):
    s = sim.start(sim.load(MAIL))
    to = s.get("address")
    raw = raw.replace(b"{to}", to.encode()) if isinstance(raw, bytes) else raw.replace("{to}", to)
    delivery = sim.deliver_email(raw=raw)
    s.wait(10)
    s.refresh()
    if delivery.accepted:
        assert delivery.session == s.id
    assert isinstance(delivery.defects, list)


def test_deliver_email_without_a_recipient_is_a_mail_error(sim):
    with pytest.raises(bgkernel.BgkernelError, match="give the recipient"):
        sim.deliver_email(subject="hi")
    with pytest.raises(bgkernel.BgkernelError, match="raw must be bytes"):
        sim.deliver_email(raw=12345)


# --- absurd answers -------------------------------------------------------------------------------

ABSURD = ["x" * (1 << 20), "\ud800 lone", "a\x00b", float("nan"), float("inf"), "NaN", "1e400",
          -0.0, 10 ** 40, "\u202e\u0000\U0010ffff"]


@pytest.mark.parametrize("datatype", ["text", "number", "integer", "currency", "date", "email"])
def test_absurd_answers_are_taken_or_refused_with_a_message(tmp_path, datatype):
    with _simulator(tmp_path / "store.sqlite") as sim:
        interview = sim.load(f"mandatory: True\nquestion: hi\nfields:\n  - A: a\n"
                             f"    datatype: {datatype}\n---\nmandatory: True\nquestion: got ${{ a }}\n")
        for value in ABSURD:
            s = sim.start(interview)
            screen = s.answer(a=value)
            if screen.errors:                          # refused: a message, nothing saved
                assert screen.question == "hi" and s.get("a") is None
                assert sim.store.step_count(s.id) == 1
            else:
                assert screen.question.startswith("got")
        assert len(sim.timeline) > 0                   # the timeline still stores and reads
    with _simulator(tmp_path / "store.sqlite") as again:  # and the store reopens whole
        assert all(s.variables is not None for s in again.sessions)
