"""Check-ins (issue 4): argument encodings, every response form, errors, the refresh loop."""
from __future__ import annotations

import datetime as dt

import pytest

import bgkernel
from bgkernel.runtime.checkin import RefreshLoopError
from conftest import start


@pytest.fixture
def s(sim):
    return start(sim, "checkin_forms.yml")


def test_arguments_are_the_browser_raw_strings(s):
    s.checkin(changed="age", mode="x", name="Ann", age="41", born="2001-02-03",
              meeting="2030-01-02T09:30", alarm="07:15", agree="True",
              **{"colors['red']": "True"}, size="l")
    seen = s.get("seen")
    assert seen["age"] == "41" and seen["born"] == "2001-02-03"
    assert seen["meeting"] == "2030-01-02T09:30" and seen["alarm"] == "07:15"
    assert seen["agree"] == "True" and seen["colors['red']"] == "True"
    assert "colors['blue']" not in seen          # unchecked boxes are absent
    assert "_initial" not in seen and "_changed" not in seen   # action_arguments() drops both
    assert s.get("seen_changed") == "age" and s.get("seen_initial") is False


def test_initial_checkin_and_fields_the_browser_already_holds(s):
    s.checkin(mode="x", name="Bo")
    s.checkin(initial=True, mode="x")
    seen = s.get("seen")
    assert seen["name"] == "Bo"                  # the draft the browser still holds
    assert s.get("seen_initial") is True and s.get("seen_changed") is None
    assert "agree" not in seen                   # an unchecked yes/no box is absent
    assert s.get("checkins") == 2                 # check-in changes are saved


def test_checkin_values_from_python_objects_are_encoded(s):
    s.checkin(mode="x", born=dt.date(2020, 5, 6))
    assert s.get("seen")["born"] in ("2020-05-06", dt.date(2020, 5, 6))


@pytest.mark.parametrize("mode, command", [
    ("flash", {"action": "respond", "extra": "flash", "value": "<b>hello</b>"}),
    ("javascript", {"action": "respond", "extra": "javascript", "value": "console.log(1)"}),
    ("target", {"action": "respond", "extra": "backgroundresponse",
                "value": {"target": "area_one", "content": "<i>one</i>"}}),
    ("pargs", {"action": "respond", "extra": "flash", "value": "text"}),
    ("nothing", {"action": "respond", "extra": "backgroundresponse", "value": {}}),
])
def test_response_forms(s, mode, command):
    assert s.checkin(mode=mode) == [command]


def test_no_response_sends_no_command_but_saves(s):
    assert s.checkin(mode="plain") == []
    assert s.get("checkins") == 1


def test_flash_and_targets_reach_the_screen(s):
    s.checkin(mode="flash")
    assert s.screen.flash == ("<b>hello</b>",)
    s.checkin(mode="targets")
    assert s.screen.targets == {"area_one": "A", "area_two": "B"}
    assert '<span class="datargetarea_one">A</span>' in s.screen.html


def test_fields_response_sets_values_and_dropdown_choices(s):
    (command,) = s.checkin(mode="fields")
    assert command["value"] == {"name": "Filled", "size": {"choices": [["m", "Medium"], ["s", "Small"]],
                                                           "value": "m"}}
    assert s.screen.field("name").value == "Filled"
    size = s.screen.field("size")
    assert [(o.value, o.label) for o in size.choices] == [("m", "Medium"), ("s", "Small")]
    assert size.value == "m"


def test_refresh_with_a_value_keeps_the_value(s):
    # the browser refreshes, checks in again on the new screen, and is told to refresh again:
    with pytest.raises(RefreshLoopError):
        s.checkin(mode="refresh2")
    commands = s.timeline[s.timeline["kind"] == "checkin_command"]
    assert list(commands["name"].unique()) == ["refresh"] and set(commands["detail"]) == {"'x'"}


def test_a_refresh_loop_is_caught_and_named(s):
    with pytest.raises(RefreshLoopError, match="respond"):
        s.checkin(mode="refresh")
    assert (s.timeline["kind"] == "refresh_loop").sum() == 1
    assert s.screen.question.startswith("Everything")       # the session is still usable


def test_a_checkin_that_raises_is_reported_and_the_session_goes_on(s):
    (command,) = s.checkin(mode="boom")
    assert command["extra"] == "error" and "ZeroDivisionError" in command["value"]
    assert "checkin_test" not in command["value"]
    assert s.last_error is not None and s.last_error.line is not None
    assert (s.timeline["kind"] == "checkin_error").sum() == 1
    assert s.get("checkins") is None              # nothing of the failed check-in was saved
    assert s.answer(mode="m", agree=False).question == "Done"


def test_set_save_status_ignore(s):
    s.checkin(mode="x")
    s.checkin(mode="ignore")
    assert s.get("checkins") == 1


def test_initial_code_runs_twice_per_checkin(sim):
    """Once in the plain pass, once after the action's code (which ends without a response)."""
    s = start(sim, """
initial: True
code: |
  passes = passes + 1 if defined('passes') else 1
---
question: Q
fields:
  - F: f
check in: ping
---
event: ping
code: |
  pinged = True
---
mandatory: True
question: End ${ f }
""")
    s.screen
    before = s.get("passes")
    s.checkin(f="x")
    assert s.get("passes") - before == 2


def test_lock_held_too_long_is_recorded(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading", timescale=0.05,
                            config={"worker start delay": 0.0}) as sim:
        s = start(sim, "checkin_forms.yml")
        s.checkin(mode="slow")                      # 0.3 s > 4 s x 0.05
        assert (s.timeline["kind"] == "lock_timeout").sum() == 1


def test_checkin_interval_and_initial_delay_are_exposed(sim):
    s = start(sim, "checkin_forms.yml")
    assert s.screen.checkin == "respond" and s.screen.checkin_interval == 6000
    custom = start(sim, "features:\n  checkin interval: 2000\n---\nquestion: Q\nfields:\n  - F: f\n"
                        "check in: x\n---\nmandatory: True\nquestion: E\n")
    assert custom.screen.checkin_interval == 2000
    off = start(sim, "features:\n  checkin interval: 0\n---\nquestion: Q\nfields:\n  - F: f\n"
                     "check in: x\n---\nmandatory: True\nquestion: E\n")
    assert off.checkin(f="y") == []


def test_every_checkin_is_on_the_timeline(s):
    s.checkin(mode="flash")
    frame = s.timeline
    assert list(frame[frame["kind"].isin(["checkin", "checkin_command"])]["kind"]) == ["checkin", "checkin_command"]
