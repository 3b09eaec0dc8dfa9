"""Sessions: Back, persistence in the store, several users and roles, actions, command(),
response(), message(), set_save_status() and the command line.

Interviews: tests/interviews/sessions_*.yml.
"""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys

import pytest

import bgkernel
from conftest import HERE, INTERVIEWS, start

REPO = HERE.parent


# --- Back ------------------------------------------------------------------------------------

def test_back_restores_the_previous_step(sim):
    s = start(sim, "sessions_back.yml")
    first = s.screen
    assert first.can_go_back is False
    second = s.answer(fruit="apple")
    assert second.question == "Which vegetable goes with apple?"
    assert second.can_go_back is True
    steps = sim.store.step_count(s.id)
    screen = s.back()
    assert screen.question == "Which fruit?"
    assert s.get("fruit") is None
    assert sim.store.step_count(s.id) == steps - 1
    assert s.answer(fruit="pear").question == "Which vegetable goes with pear?"


def test_back_twice_and_back_at_the_start(sim):
    s = start(sim, "sessions_back.yml")
    s.answer(fruit="apple")
    s.answer(vegetable="leek")
    assert s.back().question == "Which vegetable goes with apple?"
    assert s.get("vegetable") is None and s.get("fruit") == "apple"
    assert s.back().question == "Which fruit?"
    with pytest.raises(bgkernel.SessionError):
        s.back()
    assert s.screen.question == "Which fruit?"


def test_back_rolls_back_mandatory_progress(sim):
    s = start(sim, "blocks_code.yml")
    s.screen
    s.press("Continue")                                  # the mandatory question is now done
    assert "Question_4" in s.get("_internal")["answered"]
    screen = s.back()
    assert screen.question == "A mandatory question shown once"
    assert "Question_4" not in s.get("_internal")["answered"]


def test_prevent_going_back(sim):
    s = start(sim, "sessions_back.yml")
    s.answer(fruit="apple")
    screen = s.answer(vegetable="leek")
    assert screen.question == "apple and leek"
    assert screen.can_go_back is False


def test_an_unchanged_refresh_adds_no_step(sim):
    s = start(sim, "sessions_back.yml")
    s.answer(fruit="apple")
    steps = sim.store.step_count(s.id)
    s.refresh()
    s.refresh()
    assert sim.store.step_count(s.id) == steps


# --- persistence -------------------------------------------------------------------------------

def test_a_session_reopens_in_a_new_simulator(tmp_path):
    store = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        s = sim.start(sim.load(str(INTERVIEWS / "sessions_back.yml")))
        s.answer(fruit="apple")
        session_id = s.id
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        assert [x.id for x in sim.sessions] == [session_id]
        s = sim.session(session_id)
        assert s.get("fruit") == "apple"
        assert s.screen.question == "Which vegetable goes with apple?"
        assert s.answer(vegetable="kale").question == "apple and kale"
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        s = sim.session(session_id)
        assert s.variables == {"fruit": "apple", "vegetable": "kale", "url_args": {}}
        assert s.back().question == "Which vegetable goes with apple?"


def test_session_local_is_kept_only_when_something_was_set_on_it(tmp_path):
    """An unused session_local is not written with every save (a fresh one is made on
    load); one the interview set an attribute on is kept and reopens with it."""
    source = """
mandatory: True
code: |
  if use_local:
    session_local.visits = 7
---
question: Use it?
yesno: use_local
---
mandatory: True
question: Visits ${ session_local.visits if use_local else 0 }
field: done
"""
    store = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        interview = sim.load(source)
        used, unused = sim.start(interview), sim.start(interview)
        assert used.answer(use_local=True).question == "Visits 7"
        assert unused.answer(use_local=False).question == "Visits 0"
        saved = {s.id: bgkernel.runtime.store.load_answers(sim.store.latest(s.id)[1])["_internal"]
                 for s in (used, unused)}
        assert saved[used.id]["session_local"].visits == 7
        assert "session_local" not in saved[unused.id] and "user_local" not in saved[used.id]
        ids = used.id, unused.id
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        assert sim.session(ids[0]).refresh().question == "Visits 7"
        assert sim.session(ids[1]).refresh().question == "Visits 0"


def test_an_interview_given_as_text_reopens_too(tmp_path):
    store = str(tmp_path / "store.sqlite")
    text = (INTERVIEWS / "sessions_back.yml").read_text()
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        s = sim.start(sim.load(text))
        s.answer(fruit="fig")
        session_id = s.id
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        assert sim.session(session_id).refresh().question == "Which vegetable goes with fig?"


# --- several users, roles -----------------------------------------------------------------------

ADVOCATE = {"email": "adv@example.com", "first_name": "Ada", "roles": ["advocate"]}


def test_a_question_for_another_role_shows_the_waiting_screen(sim):
    tenant = start(sim, "sessions_roles.yml")
    assert tenant.screen.question == "What is your complaint?"
    screen = tenant.answer(complaint="No heat")
    assert screen.event == "role_event"
    assert screen.question == "Waiting for another user"
    assert screen.subquestion.strip() == "An advocate needs to look at this next."
    assert tenant.get("role_needed") == ["advocate"]
    assert tenant.get("multi_user") is True


def test_the_other_user_answers_and_the_first_sees_it(sim):
    tenant = start(sim, "sessions_roles.yml")
    tenant.answer(complaint="No heat")
    advocate = sim.join(tenant.id, user=ADVOCATE)
    screen = advocate.screen
    assert screen.question == 'The tenant says "No heat".'
    assert screen.subquestion.strip() == "You are adv@example.com."
    screen = advocate.answer(advocate_reply="Call the landlord")
    # the end screen belongs to the default role: now the advocate waits
    assert screen.event == "role_event"
    assert screen.subquestion.strip() == "The tenant needs to continue."
    screen = tenant.refresh()
    assert screen.question == "The advocate replied"
    assert screen.subquestion.strip() == "Call the landlord"
    assert tenant.get("role") == "tenant"


def test_default_role_code_runs_for_every_user(sim):
    tenant = start(sim, "sessions_roles.yml")
    advocate = sim.join(tenant.id, user=ADVOCATE)
    advocate.refresh()
    # the advocate's own pass set role = 'advocate'; the complaint is the tenant's question
    assert advocate.screen.event == "role_event"
    assert advocate.screen.subquestion.strip() == "The tenant needs to continue."


# --- actions ---------------------------------------------------------------------------------

def _menu(sim):
    s = start(sim, "sessions_actions.yml")
    s.answer(visitor="Ann")
    return s


def _links(text: str) -> list[dict]:
    found = re.findall(r"\((\?action=[^)]*)\)", text)
    return [json.loads(base64.urlsafe_b64decode(link.split("=", 1)[1])) for link in found]


def test_url_action_links_and_session_action(sim):
    s = _menu(sim)
    screen = s.screen
    assert screen.question == "Hello Ann, the counter is 0"
    links = _links(screen.subquestion)
    assert links == [{"action": "add_to_counter", "arguments": {"by": 2}},
                     {"action": "show_arguments", "arguments": {"colour": "red", "size": 3}}]
    screen = s.action(links[0]["action"], **links[0]["arguments"])
    assert screen.question == "Hello Ann, the counter is 2"
    assert s.get("last_action") == "add_to_counter"


def test_action_arguments_on_an_event_screen(sim):
    s = _menu(sim)
    screen = s.action("show_arguments", colour="red", size=3)
    assert screen.question == "Arguments"
    assert screen.subquestion.splitlines() == ["colour=red, size=3,", "all=[('colour', 'red'), ('size', 3)]"]


def test_an_action_is_a_new_step(sim):
    s = _menu(sim)
    steps = sim.store.step_count(s.id)
    s.action("add_to_counter", by=1)
    assert sim.store.step_count(s.id) == steps + 1


def test_an_event_screen_from_an_action_stays_up_on_reload(sim):
    s = _menu(sim)
    s.action("show_arguments", colour="red", size=3)
    screen = s.refresh()
    assert screen.question == "Arguments"                 # docassemble 1.10 shows it again,
    assert screen.subquestion.startswith("colour=None")   # without the arguments


def test_an_unknown_action_is_ignored(sim):
    s = _menu(sim)
    screen = s.action("no_such_action")
    assert screen.question == "Hello Ann, the counter is 0"


COUNTED_ACTION = """
initial: True
code: |
  initial_runs = initial_runs + 1 if defined('initial_runs') else 1
  %s
---
mandatory: True
question: Nothing to do here
subquestion: Runs seen by the action - ${ showifdef('runs_seen_by_action', 'none') }
---
event: first_request
code: |
  runs_seen_by_action = initial_runs
"""


def test_process_action_runs_before_initial_code_unless_the_interview_calls_it(sim):
    # start() is the first page load (initial code ran once); the action comes with the second
    implicit = sim.start(sim.load(COUNTED_ACTION % ""))
    implicit.action("first_request")
    assert implicit.get("runs_seen_by_action") == 1          # before this load's initial code
    assert implicit.get("initial_runs") == 2
    explicit = sim.start(sim.load(COUNTED_ACTION % "process_action()"))
    screen = explicit.action("first_request")
    assert explicit.get("runs_seen_by_action") == 2          # after it: the interview called it
    assert screen.subquestion == "Runs seen by the action - 2"


# --- command(), response(), message(), set_save_status() ------------------------------------------

def test_command_refresh(sim):
    s = _menu(sim)
    screen = s.action("go_refresh")
    assert screen.kind == "refresh"
    assert s.get("counter") == 10
    assert s.refresh().question == "Hello Ann, the counter is 10"


def test_command_wait_with_sleep(sim):
    s = _menu(sim)
    screen = s.action("go_wait")
    assert screen.kind == "wait"
    assert screen.sleep == 7 and screen.reload == 7


def test_command_leave(sim):
    s = _menu(sim)
    screen = s.action("go_leave")
    assert screen.kind == "leave" and screen.response == "https://example.com/bye"
    assert s.refresh().question == "Hello Ann, the counter is 0"    # the session is kept


def test_command_restart_starts_over(sim):
    s = _menu(sim)
    s.action("go_restart")
    assert s.get("visitor") is None
    assert s.refresh().question == "Your name?"


def test_command_exit_deletes_the_session(sim):
    s = _menu(sim)
    session_id = s.id
    screen = s.action("go_exit")
    assert screen.kind == "exit"
    assert session_id not in sim.store.session_ids()


def test_command_exit_ends_the_session_object(sim):
    s = _menu(sim)
    assert s.action("go_exit").kind == "exit"
    assert s.deleted is True
    with pytest.raises(bgkernel.SessionError):
        s.refresh()


def test_message_buttons(sim):
    s = _menu(sim)
    screen = s.action("tell")
    assert screen.kind == "message"
    assert screen.question == "Counter noted" and screen.subquestion == "The counter is 0"
    # show_leave=True without show_exit replaces Exit by Leave, as docassemble does
    assert {b.label: b.command for b in screen.buttons} == {"Leave": "leave", "Restart": "restart"}
    screen = s.action("tell_plain")
    assert (screen.question, screen.subquestion) == ("Plain note", "")
    assert {b.label: b.command for b in screen.buttons} == {"Exit": "exit", "Restart": "restart"}


def test_message_button_order(sim):
    s = _menu(sim)
    assert [b.label for b in s.action("tell").buttons] == ["Leave", "Restart"]
    screen = s.action("tell_both")
    assert [b.label for b in screen.buttons] == ["Exit", "Leave", "Restart"]


def test_restart_and_exit_buttons_of_a_message(sim):
    s = _menu(sim)
    s.action("tell")
    screen = s.press("Restart")
    assert screen.question == "Your name?" and s.get("visitor") is None
    s.answer(visitor="Bo")
    session_id = s.id
    s.action("tell_plain")
    assert s.press("Exit").kind == "exit"
    assert session_id not in sim.store.session_ids()


def test_response(sim):
    s = _menu(sim)
    screen = s.action("say_hello")
    assert screen.kind == "response" and screen.response == "Hello, Ann"


def test_response_null(sim):
    s = _menu(sim)
    screen = s.action("say_nothing")
    assert screen.kind == "response" and screen.response == "null"


def test_json_response(sim):
    s = _menu(sim)
    screen = s.action("json_counter")
    assert screen.kind == "response"
    assert json.loads(screen.response) == {"counter": 0}


def test_set_save_status_ignore(sim):
    s = _menu(sim)
    steps = sim.store.step_count(s.id)
    screen = s.action("quiet_bump")
    assert screen.question == "Hello Ann, the counter is 100"     # shown ...
    assert s.get("counter") == 0                                   # ... but not saved
    assert sim.store.step_count(s.id) == steps


def test_set_save_status_overwrite(sim):
    s = _menu(sim)
    steps = sim.store.step_count(s.id)
    s.action("overwrite_bump")
    assert s.get("counter") == 1
    assert sim.store.step_count(s.id) == steps                     # saved in place


# --- the command line ------------------------------------------------------------------------------

def _cli(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "bgkernel", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_run_prints_each_screen_as_json(tmp_path):
    result = _cli(tmp_path, "run", str(INTERVIEWS / "sessions_back.yml"), "--answer", "fruit=apple",
                  "--answer", "vegetable=leek", "--json")
    assert result.returncode == 0, result.stderr
    screens = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [s["question"] for s in screens] == ["Which fruit?", "Which vegetable goes with apple?",
                                                "apple and leek"]
    assert screens[0]["fields"][0]["variable"] == "fruit"
    assert screens[-1]["kind"] == "question" and screens[-1]["fields"] == []


def test_cli_run_converts_values_as_a_browser_would(tmp_path):
    result = _cli(tmp_path, "run", str(INTERVIEWS / "errors_after_answer.yml"),
                  "--answer", "people_count=4", "--json")
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.splitlines()[-1])
    assert last["question"] == "Each gets 25.0"


def test_cli_run_text_transcript(tmp_path):
    result = _cli(tmp_path, "run", str(INTERVIEWS / "sessions_back.yml"), "--answer", "fruit=plum")
    assert result.returncode == 0, result.stderr
    assert "[question] Which fruit?" in result.stdout
    assert "[question] Which vegetable goes with plum?" in result.stdout


def test_cli_reports_a_bad_interview(tmp_path):
    result = _cli(tmp_path, "run", str(INTERVIEWS / "errors_no_recognised_key.yml"), "--json")
    assert result.returncode == 2
    assert (f"{INTERVIEWS / 'errors_no_recognised_key.yml'}, line 5: No question type could be "
            "determined") in result.stderr
    assert result.stdout == ""


def test_cli_runs_an_interview_with_an_unknown_key_and_warns(tmp_path):
    result = _cli(tmp_path, "run", str(INTERVIEWS / "errors_unknown_key.yml"), "--json")
    assert result.returncode == 0, result.stderr
    assert (f"warning: {INTERVIEWS / 'errors_unknown_key.yml'}, line 8: unknown key 'colour scheme'"
            " in this block is ignored") in result.stderr.splitlines()
    assert json.loads(result.stdout.splitlines()[0])["question"] == "Hello"


def test_no_going_back_past_a_prevent_going_back_screen(sim):
    s = start(sim, "sessions_no_way_back.yml")
    s.answer(fruit="fig")
    assert s.screen.can_go_back is False                  # the payment screen itself
    screen = s.press("Continue")
    assert screen.question == "Which vegetable?"
    assert screen.can_go_back is False                    # Back would return to the payment
    assert s.answer(vegetable="kale").can_go_back is True
    assert s.back().question == "Which vegetable?"
    assert s.screen.can_go_back is False


def test_prevent_going_back_function(sim):
    s = start(sim, "sessions_prevent_function.yml")
    screen = s.answer(fruit="fig")
    assert screen.question == "Which vegetable?"
    assert screen.can_go_back is False
    assert s.answer(vegetable="kale").can_go_back is False   # it is called on every pass
