"""docassemble's 10 check-in demos, unmodified, driven as a browser would (conformance README)."""
from __future__ import annotations

from conftest import start


def test_check_in_counts_drafts(sim):
    s = start(sim, "check-in.yml")
    assert s.screen.checkin == "track_drafts"
    for draft in ("ap", "app", "apple"):
        assert s.checkin(favorite_food=draft) == []
    final = s.answer(favorite_food="apple")
    assert "Your favorite food is apple." in final.subquestion
    assert "You checked in 3 times." in final.subquestion
    drafts = final.subquestion.split("were", 1)[1].strip().rstrip(".")
    assert sorted(d.strip() for d in drafts.replace(" and ", ",").split(",") if d.strip()) == ["ap", "app", "apple"]


def test_target_template_fills_feedback_with_markdown_html(sim):
    s = start(sim, "target-template.yml")
    assert s.screen.targets == {"feedback": ""}
    commands = s.checkin(favorite_food="apples")
    assert commands == [{"action": "question_food", "extra": "backgroundresponse",
                         "value": {"target": "feedback",
                                   "content": "<em>What?</em>  You like\nAPPLES?"}}]
    assert s.screen.targets["feedback"] == "<em>What?</em>  You like\nAPPLES?"
    assert '<span class="datargetfeedback"><em>What?</em>' in s.screen.html


def test_target_code_template(sim):
    s = start(sim, "target-code-template.yml")
    (command,) = s.checkin(favorite_food="apples")
    assert command["value"] == {"target": "feedback", "content": "<em>What?</em>  You like APPLES?"}
    s.checkin(favorite_food="")
    assert s.screen.targets["feedback"] == "<em>What?</em>  You like nothing?"


def test_target_code_raw_string(sim):
    s = start(sim, "target-code.yml")
    (command,) = s.checkin(favorite_food="apples")
    assert command["value"] == {"target": "feedback", "content": "What? You like APPLES?"}
    assert s.screen.targets["feedback"] == "What? You like APPLES?"


def test_target_code_multiple(sim):
    s = start(sim, "target-code-multiple.yml")
    s.checkin(favorite_food="apples")
    assert s.screen.targets == {"feedback_one": "  (Please don't be gross.)",
                                "feedback_two": "What? You like APPLES?"}
    assert s.answer(favorite_food="apples").question == "Your favorite food is apples."


def test_ajax_calc_sets_field(sim):
    s = start(sim, "ajax-calc.yml")
    (command,) = s.checkin(var_a="3", var_b="4", changed="var_b")
    assert command == {"action": "add_numbers", "extra": "fields", "value": {"var_c": 12.0}}
    assert s.screen.field("var_c").value == 12.0
    assert s.answer(var_a="3", var_b="4", var_c="12").question == "The correct answer is 12.0."


def test_ajax_calc_empty_inputs_send_empty_response(sim):
    s = start(sim, "ajax-calc.yml")
    assert s.checkin(var_a="", var_b="4") == [{"action": "add_numbers", "extra": "backgroundresponse",
                                                "value": {}}]


def test_country_state_dropdown_choices(sim):
    s = start(sim, "country-state.yml")
    assert s.screen.field("state").choices[0].value == "AL" or len(s.screen.field("state").choices) > 50
    (command,) = s.checkin(changed="country", country="CA")
    assert command["extra"] == "fields"
    choices = command["value"]["state"]["choices"]
    assert ["ON", "Ontario"] in choices and ["QC", "Quebec"] in choices
    assert {o.value for o in s.screen.field("state").choices} >= {"ON", "QC", "BC"}
    final = s.answer(country="CA", state="ON")
    assert final.question == "You live in\nOntario\nin\nCanada."
    assert "Your country code is `CA`." in final.subquestion


def test_country_state_ignores_other_changes(sim):
    s = start(sim, "country-state.yml")
    assert s.checkin(changed="state", country="CA", state="AL")[0]["extra"] == "backgroundresponse"


def test_ajax_flash_once_per_draft(sim):
    s = start(sim, "ajax-flash.yml")
    first = s.checkin(favorite_food="pizza")
    assert first == [{"action": "criticize_food", "extra": "flash", "value": "What? You like PIZZA?"}]
    assert s.checkin(favorite_food="pizza")[0]["extra"] == "backgroundresponse"
    assert s.screen.flash == ("What? You like PIZZA?",)
    final = s.answer(favorite_food="pizza", favorite_drink="water")
    assert final.question == "Your favorite food is\npizza\nand your favorite drink is\nwater."


def test_ajax_calc_javascript(sim):
    s = start(sim, "ajax-calc-javascript.yml")
    (command,) = s.checkin(var_a="3", var_b="4")
    assert command == {"action": "add_numbers", "extra": "javascript",
                       "value": 'flash("Hint: C should be " + 12.0, "success")'}
    assert s.screen.javascript == ('flash("Hint: C should be " + 12.0, "success")',)


def test_ajax_refresh_offers_more_things(sim):
    s = start(sim, "ajax-refresh.yml")
    assert [o.value for o in s.screen.field("thing").choices] == [1, 2, 3]
    (command,) = s.checkin(number_of_things="5")
    assert command == {"action": "set_number_of_things", "extra": "refresh", "value": None}
    assert [o.value for o in s.screen.field("thing").choices] == [1, 2, 3, 4, 5]
    assert s.answer(number_of_things="5", thing="4").question == "You picked thing 4."
