"""Diagnostics from real runs: the pitfalls a run shows become ``diagnostic`` rows of the
timeline (name = the pitfall's code, detail = what happened and the fix), once each."""
from __future__ import annotations

import pytest

import bgkernel
from conftest import INTERVIEWS
from bgkernel.runtime.checkin import RefreshLoopError

ASKS = str(INTERVIEWS / "task_that_asks.yml")   # a background action that asks

DISCARDS = """
mandatory: True
code: |
  counter = 0
---
code: |
  the_task = background_action('bg_task')
---
mandatory: True
code: |
  if the_task.ready():
    done
  else:
    waiting
---
event: bg_task
code: |
  counter = counter + 1
  total = 553 + 2
  background_response(total)
---
event: waiting
question: Waiting.
reload: True
---
event: done
question: The answer is ${ the_task.get() }.
"""

PASSES = """
code: |
  the_task = background_action('bg_task', additional=5)
---
mandatory: True
code: |
  if the_task.ready():
    done
  else:
    waiting
---
event: bg_task
code: |
  value = 553 + action_argument('additional')
  background_response_action('bg_resp', ans=value)
---
event: bg_resp
code: |
  answer = action_argument('ans')
  background_response()
---
event: waiting
question: Waiting.
reload: True
---
event: done
question: The answer is ${ answer }.
"""

REFRESHES = """
mandatory: True
question: How many?
fields:
  - Number: number_of_things
check in: again
---
event: again
code: |
  background_response('refresh')
"""

CRON = """
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
mandatory: True
question: Thanks.
---
event: cron_daily
code: |
  KIND
"""


def diagnostics(sim, session=None):
    frame = sim.timeline
    frame = frame[frame["kind"] == "diagnostic"]
    if session is not None:
        frame = frame[frame["session"] == session.id]
    return list(zip(frame["name"], frame["detail"]))


def test_a_task_that_asks_a_question(sim):
    s = sim.start(sim.load(ASKS))
    s.wait(30)
    (code, detail), = diagnostics(sim, s)
    assert code == "BGK101"
    assert detail.startswith("the background action 'bg_task' ended by asking a question ('Waiting.')")
    assert "Fix: end every path of the action with background_response()" in detail


def test_a_variable_change_discarded_at_the_end_of_a_background_run(sim):
    s = sim.start(sim.load(DISCARDS))
    s.wait(30)
    assert s.refresh().question == "The answer is 555."
    assert s.get("counter") == 0                       # the worker's change was discarded
    (code, detail), = diagnostics(sim, s)
    assert code == "BGK103"
    assert "set counter;" in detail                   # total is passed on: not named


def test_values_passed_to_a_response_action_are_not_reported(sim):
    s = sim.start(sim.load(PASSES))
    s.wait(30)
    assert s.refresh().question == "The answer is 558."
    assert diagnostics(sim, s) == []


def test_a_refresh_loop(sim):
    s = sim.start(sim.load(REFRESHES))
    with pytest.raises(RefreshLoopError):
        s.checkin(number_of_things="3")
    (code, detail), = diagnostics(sim, s)
    assert code == "BGK104" and "'again' asked for a refresh 20 times in a row" in detail


def test_a_lock_taken_over_after_the_timeout(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading",
                            config={"concurrency lock timeout": 1}, timescale=0.2) as sim:
        s = sim.start(sim.load(REFRESHES.replace("background_response('refresh')",
                                                 "background_response()")))
        sim.locks.acquire(s.id, "a slow page")          # a request that never lets go
        s.checkin(number_of_things="3")
        (code, detail), = diagnostics(sim, s)
    assert code == "BGK202"
    assert detail.startswith("checkin again took the session lock over from a slow page after waiting")


def test_slow_check_in_code(tmp_path):
    source = REFRESHES.replace("background_response('refresh')",
                               "import time\n  time.sleep(0.5)\n  background_response()")
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading",
                            config={"concurrency lock timeout": 1}, timescale=0.2) as sim:
        s = sim.start(sim.load(source))
        s.checkin(number_of_things="3")
        s.checkin(number_of_things="4")
        found = diagnostics(sim, s)
    assert [code for code, _ in found] == ["BGK106"]    # reported once
    assert "the check-in action 'again' held the session lock" in found[0][1]


@pytest.mark.parametrize("kind, expected", [
    ("response()", ["BGK205"]),                          # saved, nothing changed
    ("response(null=True)", []),                         # not saved
    ("visits = (visits if defined('visits') else 0) + 1\n  response()", []),  # saved a change
])
def test_a_scheduled_run_that_saves_nothing_new(sim, kind, expected):
    s = sim.start(sim.load(CRON.replace("KIND", kind)))
    sim.run_cron("cron_daily")
    sim.run_cron("cron_daily")
    found = diagnostics(sim, s)
    assert [code for code, _ in found] == expected
    if expected:
        assert "the scheduled run 'cron_daily' saved the answers without changing them" in found[0][1]
        assert "response(null=True)" in found[0][1]


def test_diagnostics_can_be_turned_off(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading",
                            config={"diagnostics": False, "worker start delay": 0.0}) as sim:
        s = sim.start(sim.load(ASKS))
        s.wait(30)
        assert diagnostics(sim) == []
        assert "task_failed" in set(sim.timeline["kind"])


def test_real_worker_processes_report_discarded_changes(loky_sim):
    s = loky_sim.start(loky_sim.load(DISCARDS))
    s.wait(60)
    assert [code for code, _ in diagnostics(loky_sim, s)] == ["BGK103"]


def test_a_scheduled_run_in_forked_chunks_reports_it_too(tmp_path, monkeypatch):
    from bgkernel.cron import parallel as cron_parallel, runs as cron
    monkeypatch.setattr(cron_parallel, "PARALLEL_MIN", 4)
    serial: list[str] = []
    original = cron._Run.session
    monkeypatch.setattr(cron._Run, "session", lambda self, interview, sid, *rest:
                        serial.append(sid) or original(self, interview, sid, *rest))
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading",
                            config={"cron processes": 2}) as sim:
        interview = sim.load(CRON.replace("KIND", "response()"))
        sessions = [sim.start(interview) for _ in range(8)]
        sim.run_cron("cron_daily")
        found = {s.id: [code for code, _ in diagnostics(sim, s)] for s in sessions}
    assert len(serial) < 8                               # most ran in forked chunks
    assert found == {s.id: ["BGK205"] for s in sessions}
