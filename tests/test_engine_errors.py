"""Bad input: each case raises an InterviewError naming the YAML file and line, and the
simulator (and its other sessions) keep working.  The interviews are
tests/interviews/errors_*.yml.
"""
from __future__ import annotations

import pickle
import re

import pytest

import bgkernel
from bgkernel.errors import (BlockError, CircularityError, CodeError, MissingVariableError,
                             TemplateError, YAMLError)
from conftest import INTERVIEWS, start


def path(name: str) -> str:
    return str(INTERVIEWS / name)


def assert_still_usable(sim, session=None):
    """A good interview still runs on this simulator, and a session started before goes on."""
    s = start(sim, "sessions_back.yml")
    assert s.screen.question == "Which fruit?"
    assert s.answer(fruit="fig").question == "Which vegetable goes with fig?"
    if session is not None:
        assert session.answer(fruit="kiwi").question == "Which vegetable goes with kiwi?"


@pytest.fixture
def running(sim):
    """A session already under way when the bad interview is met."""
    return start(sim, "sessions_back.yml")


LOAD_ERRORS = [
    # file, error class, line, words the message must hold
    ("errors_bad_yaml.yml", YAMLError, 6, "mapping values are not allowed here"),
    ("errors_no_recognised_key.yml", BlockError, 5, "No question type could be determined"),
    ("errors_no_kind.yml", BlockError, 4, "No question type could be determined"),
    ("errors_mako.yml", TemplateError, 7, "Unterminated control keyword: 'if'"),
    ("errors_python.yml", CodeError, 7, "Python syntax error"),
]


@pytest.mark.parametrize("name,error,line,words", LOAD_ERRORS, ids=[c[0] for c in LOAD_ERRORS])
def test_load_errors_name_the_file_and_line(sim, running, name, error, line, words):
    with pytest.raises(error) as info:
        sim.load(path(name))
    err = info.value
    assert isinstance(err, bgkernel.InterviewError)
    assert err.file == path(name) and err.line == line
    assert str(err).startswith(f"{path(name)}, line {line}: ")
    assert words in str(err)
    assert_still_usable(sim, running)


def test_unknown_keys_are_ignored_with_a_warning_naming_file_line_and_key(sim):
    # docassemble ignores a key it does not know (it logs it in debug mode only)
    with pytest.warns(bgkernel.errors.InterviewWarning) as caught:
        interview = sim.load(path("errors_unknown_key.yml"))
    (found,) = interview.warnings
    assert (found.file, found.line, found.key) == (path("errors_unknown_key.yml"), 8, "colour scheme")
    assert str(caught[0].message) == str(found)
    assert str(found) == (f"{path('errors_unknown_key.yml')}, line 8: unknown key 'colour scheme' "
                          "in this block is ignored")
    rows = sim.timeline[sim.timeline["kind"] == "warning"]
    assert list(rows["name"]) == ["colour scheme"] and list(rows["detail"]) == [str(found)]
    assert sim.start(interview).screen.question == "Hello"


def test_unknown_keys_in_yaml_text_count_lines_from_the_top_and_suggest_the_key(sim):
    text = "mandatory: True\nquestion: Hi\n---\nquestion: Bye\nsubquestoin: typo\n"
    with pytest.warns(bgkernel.errors.InterviewWarning):
        interview = sim.load(text)
    (found,) = interview.warnings
    assert found.line == 5
    assert "unknown key 'subquestoin' (did you mean 'subquestion'?)" in str(found)
    assert sim.start(interview).screen.question == "Hi"


def test_an_unknown_key_behind_a_button_is_reported_too(sim):
    text = ("mandatory: True\nquestion: Pick\nbuttons:\n"
            "  - Red:\n      question: Red it is\n      colur: red\n")
    with pytest.warns(bgkernel.errors.InterviewWarning):
        interview = sim.load(text)
    assert [w.key for w in interview.warnings] == ["colur"]


def test_errors_survive_pickling(sim):
    with pytest.raises(BlockError) as info:
        sim.load(path("errors_no_recognised_key.yml"))
    copy = pickle.loads(pickle.dumps(info.value))
    assert (type(copy), copy.file, copy.line, str(copy)) == (BlockError, info.value.file, 5, str(info.value))
    warning = bgkernel.errors.InterviewWarning("unknown key 'x'", "a.yml", 3, "x")
    copy = pickle.loads(pickle.dumps(warning))
    assert (copy.file, copy.line, copy.key, str(copy)) == ("a.yml", 3, "x", str(warning))


def test_no_such_file(sim):
    with pytest.raises(bgkernel.InterviewError, match="no such interview file"):
        sim.load(path("errors_not_there.yml"))
    assert_still_usable(sim)


def test_include_of_a_missing_file(sim):
    with pytest.raises(bgkernel.InterviewError) as info:
        sim.load("include:\n  - not_there.yml\n---\nmandatory: True\nquestion: Hi\n")
    assert "not_there.yml" in str(info.value) and info.value.line == 1


# --- errors met while the interview runs ----------------------------------------------------

def test_reference_to_a_name_no_block_defines(sim, running):
    s = sim.start(sim.load(path("errors_undefined.yml")))
    with pytest.raises(MissingVariableError) as info:
        s.screen
    err = info.value
    assert err.variable == "grand_total"
    assert "There was a reference to a variable 'grand_total' that could not be looked up" in str(err)
    assert path("errors_undefined.yml") in str(err)
    assert_still_usable(sim, running)
    with pytest.raises(MissingVariableError):        # the broken session says so again
        s.refresh()


def test_reference_to_an_undefined_name_names_the_line(sim):
    s = sim.start(sim.load(path("errors_undefined.yml")))
    with pytest.raises(MissingVariableError) as info:
        s.screen
    assert info.value.line in (1, 3)                 # the block, or the line that used the name
    assert re.search(r"line [13]\b", str(info.value))


def test_a_cycle_of_names_is_reported_with_its_chain(sim, running):
    s = sim.start(sim.load(path("errors_loop.yml")))
    with pytest.raises(CircularityError) as info:
        s.screen
    err = info.value
    assert err.chain == ("price", "cost", "markup", "price")
    assert "price, cost, markup" in str(err)
    assert "errors_loop.yml" in str(err)
    assert_still_usable(sim, running)


def test_a_cycle_of_names_names_the_file_and_line(sim):
    s = sim.start(sim.load(path("errors_loop.yml")))
    with pytest.raises(CircularityError) as info:
        s.screen
    assert info.value.file == path("errors_loop.yml") and info.value.line is not None


def test_an_evaluation_that_never_settles_is_bounded(sim, running):
    s = sim.start(sim.load(path("errors_never_settles.yml")))
    with pytest.raises(CircularityError) as info:
        s.screen
    assert "There appears to be a circularity." in str(info.value)
    assert "errors_never_settles.yml" in str(info.value)
    assert_still_usable(sim, running)


def test_an_evaluation_that_never_settles_names_its_variables(sim):
    s = sim.start(sim.load(path("errors_never_settles.yml")))
    with pytest.raises(CircularityError) as info:
        s.screen
    assert "ticket" in info.value.chain
    assert str(info.value).rstrip(".").endswith("Variables involved: ticket")


def test_a_failing_code_block_names_its_line(sim, running):
    s = sim.start(sim.load(path("errors_runtime.yml")))
    with pytest.raises(bgkernel.InterviewError) as info:
        s.screen
    err = info.value
    assert (err.file, err.line) == (path("errors_runtime.yml"), 4)
    assert str(err) == f"{path('errors_runtime.yml')}, line 4: ZeroDivisionError: division by zero"
    assert err.error_type == "ZeroDivisionError"
    assert_still_usable(sim, running)


def test_an_answer_that_makes_code_fail_leaves_the_session_where_it_was(sim):
    s = start(sim, "errors_after_answer.yml")
    assert s.screen.question == "How many people?"
    steps = sim.store.step_count(s.id)
    with pytest.raises(bgkernel.InterviewError) as info:
        s.answer(people_count=0)
    assert info.value.line == 4
    assert s.get("people_count") is None
    assert sim.store.step_count(s.id) == steps
    assert s.screen.question == "How many people?"
    assert s.refresh().question == "How many people?"
    assert s.answer(people_count=4).question == "Each gets 25.0"


def test_a_failing_answer_leaves_the_session_where_it_was(sim):
    s = start(sim, "errors_after_answer.yml")
    steps = sim.store.step_count(s.id)
    screen = s.answer(people_count="many")
    assert screen.errors == {"people_count": "Please enter a whole number."}
    assert s.get("people_count") is None and sim.store.step_count(s.id) == steps
    assert s.answer(people_count="5").question == "Each gets 20.0"


def test_answers_to_the_wrong_screen_are_refused(sim):
    s = start(sim, "errors_after_answer.yml")
    with pytest.raises(bgkernel.SessionError):
        s.answer(share=3)
    with pytest.raises(bgkernel.SessionError):
        s.press("Maybe")
    assert s.answer(people_count=2).question == "Each gets 50.0"
