"""Simulator.start: a new session is a first page load, so the interview runs to its first screen."""
from __future__ import annotations

import pytest

import bgkernel

FIRST_SCREEN_TASK = """
mandatory: True
code: |
  if the_task.ready():
    final_screen
  else:
    waiting_screen
---
code: |
  the_task = background_action('compute', value=20)
---
event: compute
code: |
  background_response_action('save_it', answer=action_argument('value') + 1)
---
event: save_it
code: |
  answer = action_argument('answer')
---
event: waiting_screen
question: Working on it
reload: True
---
event: final_screen
question: The answer is ${ answer }.
"""


def test_the_first_screens_background_task_is_awaited_by_start_then_wait(sim):
    s = sim.start(sim.load(FIRST_SCREEN_TASK))
    assert len(s.tasks) == 1                      # launched by the first page load, nothing read
    assert s.wait(timeout=30)
    assert s.get("answer") == 21                  # its response action ran and saved
    assert s.refresh().question == "The answer is 21."
    kinds = list(s.timeline["kind"])
    assert kinds[0] == "session_started" and "screen" in kinds[:4]
    assert kinds.index("task_queued") < kinds.index("response_action")


def test_get_after_start_sees_what_the_first_page_load_set(sim):
    s = sim.start(sim.load("initial: True\ncode: |\n  greeting = 'hi'\n---\n"
                           "mandatory: True\nquestion: ${ greeting }\n"))
    assert s.get("greeting") == "hi"
    assert s._screen is not None and s._screen.question == "hi"   # computed by start itself


CRON = """
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
mandatory: True
question: Come back tomorrow
---
event: cron_daily
code: |
  visits = visits + 1 if defined('visits') else 1
  response()
"""


def test_a_session_nobody_looked_at_is_eligible_for_scheduled_runs(sim):
    s = sim.start(sim.load(CRON))
    assert sim.store.session_row(s.id)["allow_cron"]
    sim.advance(days=2)
    assert s.get("visits") == 2


def test_an_error_on_the_first_screen_is_kept_and_raised_when_the_screen_is_read(sim):
    s = sim.start(sim.load("mandatory: True\nquestion: ${ undefined_thing }\n"))
    assert isinstance(s.last_error, bgkernel.MissingVariableError)
    assert "first screen" in set(s.timeline["name"])
    with pytest.raises(bgkernel.MissingVariableError, match="undefined_thing"):
        s.screen  # noqa: B018


def test_a_first_page_load_that_saves_nothing_still_leaves_the_session(sim):
    """The first save creates the session; an error, exit or save_status ignore on the
    first page leaves it with its initial answers (and exit then deletes it)."""
    failed = sim.start(sim.load("mandatory: True\nquestion: ${ undefined_thing }\n"),
                       url_args={"from": "mail"})
    assert sim.store.exists(failed.id)
    assert failed.variables["url_args"] == {"from": "mail"}
    ignored = sim.start(sim.load("mandatory: True\ncode: |\n  set_save_status('ignore')\n"
                                 "  seen = True\n---\nmandatory: True\nquestion: Hello\n"))
    assert ignored.screen.question == "Hello"
    assert sim.store.exists(ignored.id) and "seen" not in ignored.variables
    gone = sim.start(sim.load("mandatory: True\ncode: |\n  command('exit')\n"))
    assert not sim.store.exists(gone.id)
    assert {s.id for s in sim.sessions} == {failed.id, ignored.id}


def test_a_first_page_load_writes_the_session_once(sim):
    """One transaction creates the session with what the first page did: its answers and
    the rows of the tasks it queued."""
    s = sim.start(sim.load(FIRST_SCREEN_TASK))
    row = sim.store.session_row(s.id)
    assert row["steps"] == 1 and row["created"] <= row["modtime"]
    assert [t.id for t in s.tasks] == [s.get("the_task").id]
    assert s.get("the_task") is not None
