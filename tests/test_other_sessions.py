"""Interview code reaching other sessions and the server's users through the simulator:
create_session, get/set_session_variables, run_action_in_session, go_back_in_session,
get_question_data, stash_data, store_variables_snapshot, and the user functions."""
from __future__ import annotations

import json

import pytest

import bgkernel

TARGET = """
metadata:
  title: The target
---
mandatory: True
code: |
  multi_user = True
---
question: Your colour?
fields:
  - Colour: colour
---
mandatory: True
question: Colour is ${ colour }, size is ${ showifdef('size', 'unknown') }
---
event: grow
code: |
  size = action_argument('by') * 2
"""

DRIVER = """
mandatory: True
question: Driver
---
event: make
code: |
  other = create_session('target.yml', url_args={'from': 'driver'})
---
event: read
code: |
  seen = get_session_variables('target.yml', other)
---
event: write
code: |
  set_session_variables('target.yml', other, {'colour': 'teal'}, process_objects=False)
---
event: act
code: |
  run_action_in_session('target.yml', other, 'grow', arguments={'by': 21})
---
event: ask
code: |
  data = get_question_data('target.yml', other)
---
event: self
code: |
  get_session_variables('driver.yml', current_context().session)
"""


@pytest.fixture
def pair(sim, tmp_path):
    (tmp_path / "target.yml").write_text(TARGET)
    (tmp_path / "driver.yml").write_text(DRIVER)
    sim.load(str(tmp_path / "target.yml"))
    return sim.start(sim.load(str(tmp_path / "driver.yml")))


def test_create_session_runs_the_new_session_to_its_first_screen(sim, pair):
    pair.action("make")
    other = sim.session(pair.get("other"))
    assert other.id != pair.id and other.interview.name == "target.yml"
    assert other.screen.question == "Your colour?"
    assert other.get("url_args") == {"from": "driver"}
    assert other.get("multi_user") is True                   # its first page load ran


def test_variables_of_another_session_are_read_and_set(sim, pair):
    pair.action("make")
    other = sim.session(pair.get("other"))
    other.answer(colour="red")
    pair.action("read")
    assert pair.get("seen")["colour"] == "red"
    pair.action("write")
    assert other.refresh().question == "Colour is teal, size is unknown"


def test_run_action_in_session_and_question_data(sim, pair):
    pair.action("make")
    other = sim.session(pair.get("other"))
    pair.action("ask")
    data = pair.get("data")
    assert data["questionText"] == "Your colour?"
    assert [f["variable_name"] for f in data["fields"]] == ["colour"]
    other.answer(colour="blue")
    pair.action("act")
    assert other.get("size") == 42


def test_the_current_session_is_not_another_session(sim, pair):
    with pytest.raises(bgkernel.InterviewError,
                       match="You cannot get variables from the current interview session"):
        pair.action("self")


def test_go_back_in_another_session(sim, pair):
    pair.action("make")
    other = sim.session(pair.get("other"))
    other.answer(colour="red")
    assert other.screen.question.startswith("Colour is red")
    sim.start(sim.load("mandatory: True\ncode: |\n  go_back_in_session('target.yml', '%s')\n"
                       "---\nmandatory: True\nquestion: Went back\n" % other.id)).screen
    assert other.refresh().question == "Your colour?"


def test_stash_and_snapshot(sim):
    s = sim.start(sim.load("""
mandatory: True
code: |
  key, secret = stash_data({'a': [1, 2]}, expire=3600)
  back = retrieve_stashed_data(key, secret)
  wrong = retrieve_stashed_data(key, 'nope')
  colour = 'red'
  store_variables_snapshot(key='after colour')
---
mandatory: True
question: Stashed
"""))
    assert s.get("back") == {"a": [1, 2]} and s.get("wrong") is None
    key, secret = s.get("key"), s.get("secret")
    assert json.loads(sim.store.kv_get(f"snapshot:{s.id}:after colour"))["colour"] == "red"
    sim.advance(hours=2)                                   # past its expiry on the calendar
    later = sim.start(sim.load("mandatory: True\ncode: |\n  gone = retrieve_stashed_data("
                               f"'{key}', '{secret}')\n---\nmandatory: True\nquestion: Later\n"))
    assert later.get("gone") is None


USERS = """
mandatory: True
code: |
  new_id = create_user('bea@example.com', 'secret-pw', privileges=['advocate'],
                       info={'first_name': 'Bea'})
  bea = get_user_info(email='bea@example.com')
  me = get_user_info()
  set_user_info(email='bea@example.com', last_name='Smith')
  everyone = [u['email'] for u in get_user_list()[0]]
  manage_privileges('add', 'reviewer')
  privileges = manage_privileges('list')
  link = invite_user('cy@example.com', send=False)
---
mandatory: True
question: Users done
"""


def test_users_are_the_simulators(sim):
    s = sim.start(sim.load(USERS), user={"email": "admin@example.com", "roles": ["admin"]})
    assert s.screen.question == "Users done"
    bea = s.get("bea")
    assert (bea["first_name"], bea["privileges"], bea["id"]) == ("Bea", ["advocate"], s.get("new_id"))
    assert s.get("me")["email"] == "admin@example.com"
    assert "bea@example.com" in s.get("everyone") and "admin@example.com" in s.get("everyone")
    assert "reviewer" in s.get("privileges") and s.get("link").startswith("http")
    joined = sim.start(sim.load("mandatory: True\nquestion: Hi ${ user_info().first_name }\n"),
                       user="bea@example.com")
    assert joined.user.roles == ("advocate",) and joined.user.id == bea["id"]
    assert joined.screen.question == "Hi Bea"
    assert sim.users.info(email="bea@example.com")["last_name"] == "Smith"


def test_only_an_admin_creates_users(sim):
    s = sim.start(sim.load("mandatory: True\ncode: |\n  create_user('x@example.com', 'pw12')\n"),
                  user="plain@example.com")
    with pytest.raises(bgkernel.InterviewError, match="sufficient privileges to create a user"):
        s.screen  # noqa: B018


def test_other_sessions_from_a_background_task_say_where_to_call_them(sim):
    s = sim.start(sim.load("""
mandatory: True
code: |
  the_task = background_action('peek')
---
mandatory: True
question: Waiting
---
event: peek
code: |
  create_session('x.yml')
  background_response()
"""))
    s.wait(timeout=30)
    task = s.tasks[0]
    assert task.failed() and "call it from a response action" in task.result().error_message


def test_roles_given_at_start_become_the_users_privileges(sim):
    interview = sim.load("mandatory: True\nquestion: Hi\n")
    assert sim.start(interview, user="zed@example.com").user.roles == ("user",)
    assert sim.start(interview, user={"email": "zed@example.com", "roles": ["admin"]}).user.roles \
        == ("admin",)
    again = sim.start(interview, user="zed@example.com")           # the stored user, now an admin
    assert again.user.roles == ("admin",) and sim.users.info(email="zed@example.com")["privileges"] == ["admin"]
