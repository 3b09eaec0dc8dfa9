"""docassemble's 11 background demos, unmodified, on real worker processes (conformance README)."""
from __future__ import annotations

import pytest

from conftest import start

ANSWER = "The answer is 558."


def finish(s, timeout=60):
    assert s.wait(timeout), "background work did not finish"
    return s.notifications()


def test_background_action_returns_a_value(loky_sim):
    s = start(loky_sim, "background_action.yml")
    waiting = s.answer(value_to_add="5")
    assert waiting.question == "Hang tight.\nStill waiting for an answer."
    assert waiting.reload == 10
    finish(s)
    assert s.refresh().question == ANSWER
    (task,) = s.tasks
    assert task.ready() and not task.failed() and task.get() == 558


def test_background_action_with_response_action(loky_sim):
    s = start(loky_sim, "background_action_with_response_action.yml")
    assert s.answer(value_to_add=5).event == "waiting_screen"
    finish(s)
    assert s.refresh().question == ANSWER
    assert s.get("answer") == 558


@pytest.mark.parametrize("b, c, expected", [(1, 0, "There was an error."), (6, 3, "The result was 2.0.")])
def test_background_error_action_demo(loky_sim, b, c, expected):
    s = start(loky_sim, "background-error-action-demo.yml")
    assert s.answer(b=b, c=c).question == "Waiting for result..."
    finish(s)
    screen = s.refresh()
    assert screen.question == "Result of task"
    assert screen.subquestion.strip() == expected
    assert s.get("computation_ok") is (c != 0)


def test_background_error_action(loky_sim):
    s = start(loky_sim, "background-error-action.yml")
    s.answer(value_to_add=5)
    finish(s)
    screen = s.refresh()
    assert screen.question == "There was an error."
    assert "Failure at the calculation stage due to a ZeroDivisionError error" in screen.subquestion
    (task,) = s.tasks
    assert task.failed()
    assert task.get() == "handled_error"
    result = task.result()
    assert result.error_type == "ZeroDivisionError"
    assert result.error_message == "division by zero"
    assert "background-error-action.yml" in result.error_trace
    assert "In line: value = 553 + action_argument('additional') / 0" in result.error_trace
    assert isinstance(result.variables, list) and result.variables == ["bg_task"]
    assert "`handled_error`" in screen.subquestion


def test_background_action_flash(loky_sim):
    s = start(loky_sim, "background_action_flash.yml")
    waiting = s.answer(value_to_add=5)
    assert [b.label for b in waiting.buttons] == ["Continue"]
    assert finish(s) == [{"value": ANSWER, "extra": "flash"}]
    assert s.screen.flash == (ANSWER,)
    done = s.press("Continue")
    assert done.question == "All done."
    assert f"> {ANSWER}" in done.subquestion


def test_background_response_action_flash(loky_sim):
    s = start(loky_sim, "background_response_action_flash.yml")
    s.answer(value_to_add=5)
    assert finish(s) == [{"value": ANSWER, "extra": "flash"}]
    assert s.refresh().question == ANSWER


def test_background_action_refresh(loky_sim):
    s = start(loky_sim, "background_action_refresh.yml")
    assert s.answer(value_to_add=5).question == "Hang tight."
    commands = finish(s)
    assert commands == [{"value": {}, "extra": "refresh"}]
    assert s.screen.question == ANSWER          # the refresh command re-evaluated the screen


def test_background_action_javascript(loky_sim):
    s = start(loky_sim, "background_action_javascript.yml")
    s.answer(value_to_add=5)
    assert finish(s) == [{"value": "alert('The answer is 558.');", "extra": "javascript"}]
    assert s.screen.javascript == ("alert('The answer is 558.');",)
    assert s.press("Continue").question == "All done."


def test_background_action_fields(loky_sim):
    s = start(loky_sim, "background_action_fields.yml")
    screen = s.answer(value_to_add=5)
    assert screen.question == "Your answer will appear shortly."
    assert screen.field("the_number").value is None
    assert finish(s) == [{"value": {"the_number": 558}, "extra": "fields"}]
    assert s.screen.field("the_number").value == 558
    assert s.refresh().question == "All done."


def test_assemble_in_background(loky_sim):
    s = start(loky_sim, "assemble-in-background.yml")
    assert s.answer(sweetheart="Sam").question == "Please wait..."
    finish(s)
    screen = s.refresh()
    assert screen.question == "Document created"
    (doc,) = screen.attachments
    assert doc.name == "A letter"
    assert "Sam, will you marry me?" in " ".join(doc.text.split())


def test_background_action_object(loky_sim):
    s = start(loky_sim, "background_action_object.yml")
    waiting = s.answer(value_to_add=5)
    assert waiting.kind == "wait" and waiting.sleep == 4
    finish(s)
    assert s.refresh().question == ANSWER
