"""Scheduled tasks and calendar time (issue 5): run_cron, advance, deletion, the cron user."""
from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import sys

import pytest

import bgkernel
from bgkernel.library import access
from bgkernel.cron import runs as cron
from bgkernel.errors import SessionError
from conftest import HERE, start

START = "2026-01-05T09:00:00"      # a Monday; America/New_York


@pytest.fixture
def csim(tmp_path):
    """A simulator whose calendar starts on START, with threads and no worker delay."""
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading", start=START,
                            config={"worker start delay": 0.0}) as simulator:
        yield simulator


def reminder(sim, filing_date="2026-01-05", email="ada@example.com", name="cron_reminder.yml"):
    """The seed's reminder interview, answered as the seed describes: filing date, e-mail, leave."""
    s = start(sim, name)
    assert s.screen.question == "What is your e-mail address?"
    s.answer(email_address=email)
    assert s.screen.question == "When was the document filed?"
    s.answer(filing_date=filing_date)
    assert s.screen.question.startswith(f"Ok, I'll e-mail you at {email} 20 days")
    assert s.press("Leave").kind == "leave"
    return s


def rows(sim, kind, session=None):
    frame = sim.timeline
    frame = frame[frame["kind"] == kind]
    if session is not None:
        frame = frame[frame["session"] == session]
    return frame


def exists(sim, session) -> bool:
    return sim.store.exists(session.id)


# --- the seed's 20-day reminder ----------------------------------------------------------------

def test_reminder_is_sent_once_on_the_first_daily_run_after_day_20(csim):
    s = reminder(csim)
    runs = csim.advance(days=30)
    assert len(csim.outbox) == 1
    mail = csim.outbox[0]
    # Filed 5 January (midnight): more than 20 days have passed at the 06:25 run of 25 January.
    assert mail.at.astimezone(csim.clock.tz).strftime("%Y-%m-%d %H:%M") == "2026-01-25 06:25"
    assert mail.to == ["ada@example.com"]
    assert mail.subject == "Hey, it's been 20 days."
    assert "Don’t forget about that thing you need to do!" in mail.text
    assert mail.html.startswith("<html><body><p>") and mail.html.endswith("</p></body></html>")
    assert mail.session == s.id
    assert s.get("_internal")["tasks"] == {"20 day reminder": 1}
    daily = [r for r in runs if r["type"] == "cron_daily"]
    assert len(daily) == 30 and all(r["results"][0]["outcome"] == "saved" for r in daily)
    assert [r["at"].strftime("%m-%d %H:%M") for r in daily[:2]] == ["01-06 06:25", "01-07 06:25"]
    csim.advance(days=30)
    assert len(csim.outbox) == 1, "never again"
    sent = rows(csim, "email_sent", s.id)
    assert len(sent) == 1 and sent["at"].iloc[0].strftime("%Y-%m-%d %H:%M") == "2026-01-25 06:25"


def test_advance_fires_runs_in_calendar_order_at_the_documented_times(csim):
    reminder(csim)
    runs = csim.advance(days=7)
    instants = [r["at"] for r in runs]
    assert instants == sorted(instants)
    kinds = {r["type"] for r in runs}
    assert kinds == {"cron_hourly", "cron_daily", "cron_weekly"}
    weekly = [r["at"] for r in runs if r["type"] == "cron_weekly"]
    assert [w.strftime("%a %H:%M") for w in weekly] == ["Sun 06:47"]
    hourly = [r["at"] for r in runs if r["type"] == "cron_hourly"]
    assert len(hourly) == 7 * 24 and all(h.minute == 17 for h in hourly)
    assert csim.now().strftime("%Y-%m-%d %H:%M") == "2026-01-12 09:00"
    monthly = csim.advance(days=30)
    assert [r["at"].strftime("%d %H:%M") for r in monthly if r["type"] == "cron_monthly"] == ["01 06:52"]


def test_schedule_times_come_from_the_config(tmp_path):
    config = {"cron daily time": "23:00", "cron hourly minute": 5, "worker start delay": 0.0}
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading", start=START,
                            config=config) as sim:
        runs = sim.advance(days=1)
    assert [r["at"].strftime("%H:%M") for r in runs if r["type"] == "cron_daily"] == ["23:00"]
    assert {r["at"].minute for r in runs if r["type"] == "cron_hourly"} == {5}


def test_interview_code_sees_the_calendar_during_cron(csim):
    s = start(csim, """
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
initial: True
code: |
  process_action()
---
mandatory: True
question: Hi
---
event: cron_daily
code: |
  import datetime
  seen_now = datetime.datetime.now().strftime('%Y-%m-%d %H:%M')
  seen_today = today().format_date('yyyy-MM-dd')
  response()
""")
    assert s.screen.question == "Hi"
    csim.advance(days=3)
    assert s.get("seen_now") == "2026-01-08 06:25"
    assert s.get("seen_today") == "2026-01-08"


# --- deletion of inactive sessions ----------------------------------------------------------------

PLAIN = """
question: What is your name?
fields:
  - Name: name
---
mandatory: True
question: Hello ${ name }
"""


def test_a_session_inactive_for_91_days_is_deleted_by_the_daily_run(csim):
    s = start(csim, PLAIN)
    s.answer(name="Ada")
    csim.advance(days=91)                  # last daily run: 6 April 06:25, 90 whole days idle
    assert exists(csim, s)
    csim.advance(days=1)                   # 7 April 06:25: 91 whole days
    assert not exists(csim, s)
    deleted = rows(csim, "session_deleted", s.id)
    assert deleted["at"].iloc[0].strftime("%Y-%m-%d %H:%M") == "2026-04-07 06:25"
    assert "inactive 91 days" in deleted["name"].iloc[0]
    with pytest.raises(SessionError):
        s.refresh()


def test_a_session_that_cron_saves_every_hour_is_never_deleted(csim):
    s = start(csim, "cron_hourly_saver.yml")
    assert s.screen.question == "Nothing to do here."
    other = start(csim, PLAIN)
    runs = csim.advance(days=200)
    assert exists(csim, s)
    hourly = sum(1 for r in runs if r["type"] == "cron_hourly")
    assert hourly == 200 * 24 - 1          # 8 March 2026 (spring forward) has 23 hours
    assert s.get("hourly_runs") == hourly
    assert not exists(csim, other)


def test_a_session_whose_cron_code_answers_null_is_deleted_on_time(csim):
    s = start(csim, "cron_null.yml")
    assert s.screen.question == "Nothing to do here."
    csim.advance(days=91)
    assert exists(csim, s)
    assert s.get("looked_at") == 0, "response(null=True) saves nothing"
    outcomes = set(rows(csim, "cron", s.id)["detail"])
    assert outcomes == {"unsaved"}
    csim.advance(days=1)
    assert not exists(csim, s)
    deleted = rows(csim, "session_deleted", s.id)
    assert deleted["at"].iloc[0].strftime("%Y-%m-%d %H:%M") == "2026-04-07 06:25"


def test_delete_days_config_zero_disables_and_per_interview_overrides(tmp_path):
    config = {"interview delete days": 0, "worker start delay": 0.0,
              "interview delete days by filename": {"cron_null.yml": 10}}
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading", start=START,
                            config=config) as sim:
        kept = start(sim, PLAIN)
        short = start(sim, "cron_null.yml")
        short.screen
        sim.advance(days=11)
        assert exists(sim, short)
        sim.advance(days=1)                # 17 January 06:25: 11 whole days
        assert not exists(sim, short)
        sim.advance(days=200)
        assert exists(sim, kept)


def test_cron_monthly_cleanup_removes_the_session_after_a_year(csim):
    s = reminder(csim, name="cron_cleanup.yml")
    csim.advance(days=360)                 # daily saves by cron keep it from ageing out
    assert exists(csim, s)
    csim.advance(days=40)
    assert not exists(csim, s)
    deleted = rows(csim, "session_deleted", s.id)
    # The user last touched it on 5 January 2026; the first monthly run more than 365 days
    # later (by the user's access, the cron user's saves excluded) is 1 February 2027.
    assert deleted["at"].iloc[0].strftime("%Y-%m-%d %H:%M") == "2027-02-01 06:52"
    assert deleted["name"].iloc[0] == "cron exit"
    assert len(csim.outbox) == 1


# --- background work started by cron -----------------------------------------------------------

def test_long_running_scheduled_task_saves_its_result(csim):
    s = start(csim, "cron_long.yml")
    assert s.screen.question == "Status: nothing yet"
    runs = csim.advance(days=1)
    assert s.get("the_status") == "fetched at 2026-01-06"
    assert s.get("who_finalized") == "cron@admin.com"
    assert s.refresh().question == "Status: fetched at 2026-01-06"
    daily = [r for r in runs if r["type"] == "cron_daily"]
    assert daily[0]["results"][0]["outcome"] == "saved"
    kinds = list(s.timeline["kind"])
    assert kinds.index("cron") < kinds.index("task_queued") < kinds.index("task_started") \
        < kinds.index("task_finished") < kinds.index("response_action")
    at = s.timeline.set_index("kind")["at"]
    assert at["response_action"].strftime("%Y-%m-%d %H:%M") == "2026-01-06 06:25"


def test_long_running_scheduled_task_in_worker_processes(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="loky", workers=1, start=START,
                            config={"worker start delay": 0.0}) as sim:
        s = start(sim, "cron_long.yml")
        s.screen
        sim.advance(days=2)
        assert s.get("the_status") == "fetched at 2026-01-07"


def test_background_variant_runs_as_the_cron_user_in_a_worker(csim):
    s = start(csim, "cron_identity.yml")
    s.screen
    results = csim.run_cron("cron_hourly")
    assert [(r["type"], r["outcome"]) for r in results] == [("cron_hourly_background", "dispatched")]
    assert csim.tasks.wait_session(None, 30)
    assert s.get("hourly_who") == "cron@admin.com"
    assert s.get("hourly_where") == "worker"
    assert s.get("hourly_privileged") is True


# --- the cron user, interface, counters, output ------------------------------------------------

def test_cron_code_runs_as_the_cron_user_through_the_cron_interface(csim):
    s = start(csim, "cron_identity.yml")
    s.screen
    results = csim.run_cron("cron_daily")
    assert results == [{"session": s.id, "type": "cron_daily", "outcome": "saved",
                        "output": "daily run number 1\nRan 1 times", "error": None}]
    values = s.variables
    assert values["cron_privilege"] is True
    assert values["cron_email"] == "cron@admin.com"
    assert values["cron_name"] == "Cron User"
    assert values["cron_logged_in"] is True
    assert values["cron_interface"] == "cron"
    output = rows(csim, "cron_output", s.id)
    assert list(output["detail"]) == ["daily run number 1\nRan 1 times"]
    access_roles = s.get("_internal")["access_roles"]
    assert access_roles[cron.CRON_USER.id] == ["cron"]


def test_task_counters(csim):
    s = start(csim, "cron_identity.yml")
    s.screen
    for _ in range(3):
        csim.run_cron("cron_daily")
    values = s.variables
    # 1, 2 -> set_task_counter to 10, then 11
    assert values["daily_count"] == 11
    assert s.get("_internal")["tasks"]["daily"] == 11
    assert values["seen_daily"] is True and values["never"] is True


def test_logout_saves_nothing_and_custom_types_run_as_actions(csim):
    s = start(csim, "cron_identity.yml")
    s.screen
    before = s.get("_internal")["tracker"]
    assert [r["outcome"] for r in csim.run_cron("cron_weekly")] == ["unsaved"]
    assert s.get("_internal")["tracker"] == before
    out = csim.run_cron("custom_type")
    assert out[0]["outcome"] == "saved"
    assert json.loads(out[0]["output"])["custom_ran"] == "custom_type"
    assert csim.run_cron("cron_monthly") == [], "no block for the type: not run"


KICKED_OUT = """
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
{first}
---
{second}
---
event: cron_daily
code: |
  cron_ran = True
  response()
---
question: Are other people ready?
yesno: ready_for_other_people
---
event: say_goodbye_to_user
question: Goodbye.
"""
SCREEN = """initial: True
code: |
  if {condition}not ready_for_other_people:
    say_goodbye_to_user"""
PROCESS = """initial: True
code: |
  process_action()"""


@pytest.mark.parametrize("first, second, runs", [
    (SCREEN.format(condition=""), PROCESS, False),                  # the seed's pitfall
    (PROCESS, SCREEN.format(condition=""), True),                   # fix 1: process_action first
    (SCREEN.format(condition="not user_has_privilege('cron') and "), PROCESS, True),  # fix 2
])
def test_the_cron_user_kicked_out_pitfall_and_its_fixes(csim, first, second, runs):
    s = start(csim, KICKED_OUT.format(first=first, second=second))
    assert s.screen.question == "Are other people ready?"
    assert s.press("No").question == "Goodbye."
    result = csim.run_cron("cron_daily")
    assert [r["outcome"] for r in result] == ["saved"]
    assert (s.get("cron_ran") is True) is runs


def test_an_error_in_one_session_does_not_stop_the_others(csim):
    first = start(csim, "cron_error.yml")
    first.press("Yes")
    second = start(csim, "cron_error.yml")
    second.press("No")
    results = {r["session"]: r for r in csim.run_cron("cron_daily")}
    assert results[first.id]["outcome"] == "error"
    error = results[first.id]["error"]
    assert error.startswith("ZeroDivisionError: division by zero")
    assert error.endswith("cron_error.yml, line 26)")
    assert results[second.id]["outcome"] == "saved"
    assert second.get("survived") is True and first.get("survived") is None
    detail = rows(csim, "cron", first.id)["detail"].iloc[0]
    assert detail.startswith("error: ZeroDivisionError")


def test_eligibility_needs_multi_user_and_allow_cron(csim):
    no_cron = start(csim, """
mandatory: True
code: |
  multi_user = True
---
mandatory: True
question: Hi
---
event: cron_daily
code: |
  ran = True
""")
    no_cron.screen
    encrypted = start(csim, """
mandatory: True
code: |
  allow_cron = True
---
mandatory: True
question: Hi
---
event: cron_daily
code: |
  ran = True
""")
    encrypted.screen
    assert csim.run_cron("cron_daily") == []


def test_exit_in_cron_deletes_the_session_and_restart_too(csim):
    source = """
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
mandatory: True
question: Hi
---
event: cron_daily
code: |
  command('exit')
---
event: cron_weekly
code: |
  command('restart')
"""
    a = start(csim, source)
    a.screen
    assert [r["outcome"] for r in csim.run_cron("cron_daily")] == ["deleted"]
    assert not exists(csim, a)
    b = start(csim, source)
    b.screen
    assert [r["outcome"] for r in csim.run_cron("cron_weekly")] == ["deleted"]
    assert not exists(csim, b)


# --- interruption, the command line -----------------------------------------------------------------

def test_keyboard_interrupt_during_advance_leaves_sessions_whole(csim):
    sessions = [reminder(csim, email=f"u{i}@example.com") for i in range(5)]
    seen = []

    def progress(done, total, instant, cron_type):
        seen.append((done, instant, cron_type))
        if cron_type == "cron_daily" and instant.day == 8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        csim.advance(days=30, progress=progress)
    assert csim.now().strftime("%Y-%m-%d") == "2026-01-08"
    for s in sessions:
        assert s.get("email_address").endswith("@example.com")
        assert s.refresh().question.startswith("Ok, I'll e-mail you")
    interrupted = rows(csim, "cron")
    assert "interrupted" in set(interrupted["name"])
    csim.advance(days=30)
    assert len(csim.outbox) == 5


def test_keyboard_interrupt_inside_cron_code_saves_nothing_of_that_run(csim):
    s = start(csim, """
mandatory: True
code: |
  multi_user = True
  allow_cron = True
  runs = 0
---
mandatory: True
question: Hi
---
event: cron_daily
code: |
  runs += 1
  if runs == 3:
    raise KeyboardInterrupt
  response()
""")
    s.screen
    with pytest.raises(KeyboardInterrupt):
        csim.advance(days=10)
    assert s.get("runs") == 2
    assert csim.locks.held_by(s.id) is None


def test_progress_true_writes_to_stderr(csim, capsys):
    csim.advance(hours=3, progress=True)
    err = capsys.readouterr().err
    assert "cron 3/3" in err


def test_command_line_cron_runs_on_a_store(tmp_path):
    path = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=path, backend="threading") as sim:
        s = start(sim, "cron_identity.yml")
        s.screen
        session_id = s.id
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    done = subprocess.run([sys.executable, "-m", "bgkernel", "cron", "--type", "cron_daily",
                           "--store", path], capture_output=True, text=True, env=env,
                          cwd=str(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [(r["session"], r["type"], r["outcome"]) for r in lines] == \
        [(session_id, "cron_daily", "saved")]
    assert lines[0]["output"] == "daily run number 1\nRan 1 times"
    with bgkernel.Simulator(store=path, backend="threading") as sim:
        assert sim.session(session_id).get("cron_email") == "cron@admin.com"


# --- last_access_time -------------------------------------------------------------------------------

def _internal(*entries):
    accesstime, roles = {}, {}
    for user_id, when, user_roles in entries:
        accesstime[user_id] = when
        if user_roles is not None:
            roles[user_id] = user_roles
    return {"accesstime": accesstime, "access_roles": roles}


T = _dt.datetime


def test_last_access_time_excludes_the_cron_user_unless_asked():
    internal = _internal((-1, T(2026, 1, 1, 12), None), (2, T(2026, 3, 1), ["cron"]))
    assert access.last_access_time(internal) == T(2026, 1, 1, 12, tzinfo=_dt.timezone.utc)
    assert access.last_access_time(internal, include_cron=True).month == 3
    assert access.last_access_time(internal, include_privileges=["cron"]).month == 3
    assert access.last_access_time(internal, include_privileges="anonymous").month == 1
    assert access.last_access_time(internal, exclude_privileges=["anonymous"]) is None
    local = access.last_access_time(internal, timezone="America/New_York")
    assert (local.hour, str(local.tzinfo)) == (7, "America/New_York")


def test_last_access_time_is_a_true_maximum():
    # docassemble's early break would stop at the anonymous entry (January): DEFECT? fixed.
    internal = _internal((-1, T(2026, 1, 1), None), (7, T(2026, 2, 1), None),
                         (8, T(2026, 5, 1), ["advocate", "admin"]))
    assert access.last_access_time(internal).month == 5
    assert access.last_access_time(internal, include_privileges=["user"]).month == 2
    assert access.last_access_time(internal, exclude_privileges=["advocate"]).month == 5
    assert access.last_access_time(internal, exclude_privileges=["advocate", "admin"]).month == 2
    assert access.last_access_time({}) is None


def test_last_access_days_in_cron_ignores_the_cron_users_saves(csim):
    s = start(csim, """
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
mandatory: True
question: Hi
---
event: cron_daily
code: |
  idle_days = last_access_days()
  idle_hours = last_access_hours()
  idle_minutes = last_access_minutes()
  with_cron = last_access_days(include_cron=True)
  response()
""")
    s.screen
    csim.advance(days=10)
    # shown on 5 January 09:00; the run of 15 January 06:25 is 9 days 21 h 25 min later
    assert s.get("idle_days") == pytest.approx(9 + (21 * 60 + 25) / 1440, abs=1e-3)
    assert s.get("idle_hours") == pytest.approx(9 * 24 + 21 + 25 / 60, abs=0.05)
    assert s.get("idle_minutes") == pytest.approx(9 * 1440 + 21 * 60 + 25, abs=2)
    assert s.get("with_cron") == pytest.approx(1.0, abs=1e-3)


def test_advance_from_a_real_time_calendar(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading",
                            config={"worker start delay": 0.0}) as sim:
        assert sim.clock.is_real()
        s = start(sim, "cron_hourly_saver.yml")
        s.screen
        before = sim.now()
        runs = sim.advance(hours=3)
        assert sum(1 for r in runs if r["type"] == "cron_hourly") == 3
        assert s.get("hourly_runs") == 3
        assert _dt.timedelta(hours=3) <= sim.now() - before < _dt.timedelta(hours=3, minutes=1)
        with pytest.raises(ValueError):
            sim.advance(days=-1)


def test_an_interview_loaded_by_another_simulator_runs_its_scheduled_tasks(csim, tmp_path):
    """A session started from an interview that another simulator loaded: this simulator
    keeps the interview too, so its scheduled runs find it (and so does a reopened store)."""
    with bgkernel.Simulator(store=str(tmp_path / "other.sqlite"), backend="threading") as other:
        interview = other.load(str(HERE / "interviews" / "cron_reminder.yml"))
    s = csim.start(interview)
    s.answer(email_address="ada@example.com")
    s.answer(filing_date="2026-01-05")
    s.press("Leave")
    csim.advance(days=30)
    assert [m.to for m in csim.outbox] == [["ada@example.com"]]
