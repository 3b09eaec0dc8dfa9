"""Every demo of the seed loads unmodified; its first screen and its questions are right."""
from __future__ import annotations

import pytest

from conftest import start

FIRST = {
    "ajax-calc-javascript.yml": ("Let's calculate some stuff.", ["var_a", "var_b", "var_c"]),
    "ajax-calc.yml": ("Let's calculate some stuff.", ["var_a", "var_b", "var_c"]),
    "ajax-flash.yml": ("What is your favorite food?", ["favorite_food", "favorite_drink"]),
    "ajax-refresh.yml": ("Tell me which thing you want.", ["number_of_things", "thing"]),
    "assemble-in-background.yml": ("What is the name of your\nsweetheart?", ["sweetheart"]),
    "background-error-action-demo.yml": ("Give me some numbers.", ["b", "c"]),
    "background-error-action.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_fields.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_flash.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_javascript.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_object.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_refresh.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_action_with_response_action.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "background_response_action_flash.yml": ("How much shall I add to 553?", ["value_to_add"]),
    "check-in.yml": ("What is your favorite food?", ["favorite_food"]),
    "country-state.yml": ("Where do you live?", ["country", "state"]),
    "email-to-case-simple.yml": ("E-mailing to the interview", ["intro_seen"]),
    "email-to-case.yml": ("E-mailing to the interview", ["intro_seen"]),
    "target-code-multiple.yml": ("What is your favorite food?  [TARGET feedback_one]", ["favorite_food"]),
    "target-code-template.yml": ("What is your favorite food?", ["favorite_food"]),
    "target-code.yml": ("What is your favorite food?", ["favorite_food"]),
    "target-template.yml": ("What is your favorite food?", ["favorite_food"]),
}


@pytest.mark.parametrize("name", sorted(FIRST))
def test_first_screen(sim, name):
    question, variables = FIRST[name]
    screen = start(sim, name).screen
    assert screen.kind == "question"
    assert screen.question == question
    assert screen.variables == variables


def test_demo_field_datatypes(sim):
    screen = start(sim, "ajax-refresh.yml").screen
    assert screen.field("number_of_things").datatype == "integer"
    assert screen.field("number_of_things").value == 3      # the current value is shown
    assert screen.field("thing").input_type == "radio"
    assert start(sim, "background-error-action-demo.yml").screen.field("b").datatype == "number"


def test_email_demo_intro_then_address(sim):
    s = start(sim, "email-to-case-simple.yml")
    assert [b.label for b in s.screen.buttons] == ["Continue"]
    screen = s.press("Continue")
    assert screen.question == "E-mails sent to case"
    assert "@" in screen.subquestion
    assert [b.label for b in screen.buttons] == ["Refresh"]


def test_country_state_default_choices_are_us_states(sim):
    screen = start(sim, "country-state.yml").screen
    states = {o.value: o.label for o in screen.field("state").choices}
    assert states["NY"] == "New York"
    assert screen.field("state").js_enable_if == "val('country')"


def test_background_demo_waiting_screens_without_workers(sim):
    """The screens that follow an answer, before any task result (the foreground part)."""
    expectations = {
        "background_action.yml": "Hang tight.\nStill waiting for an answer.",
        "background_action_flash.yml": "Your answer will appear shortly.",
        "background_action_refresh.yml": "Hang tight.",
        "background_action_with_response_action.yml": "Hang tight.\nStill waiting for an answer.",
    }
    sim.config["worker start delay"] = 30.0
    for name, question in expectations.items():
        screen = start(sim, name).answer(value_to_add=5)
        assert screen.question == question, name
