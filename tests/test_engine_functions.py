"""The functions interviews call, run inside tests/interviews/functions_tour.yml.

The calendar starts at a fixed instant so the date functions give known answers; the
text, date and geography results were checked against docassemble 1.10.
"""
from __future__ import annotations

import datetime as dt

import pytest

import bgkernel
from conftest import start

START = "2026-01-05T09:00:00"


@pytest.fixture
def cal_sim(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading", start=START,
                            config={"worker start delay": 0.0}) as simulator:
        yield simulator


ADMIN = {"email": "ann@example.com", "first_name": "Ann", "roles": ["admin"]}


def _results(sim, user=None, names="Ann, Bob, Cy"):
    s = start(sim, "functions_tour.yml", user=user)
    screen = s.answer(people_named=names, start_date="2025-12-25")
    return s, screen, s.get("results")


def test_comma_and_list(cal_sim):
    _, screen, r = _results(cal_sim)
    assert r["and_list"] == "Ann, Bob, and Cy"
    assert r["and_list_two"] == "salt and pepper"
    assert r["and_list_plain"] == "a, b and c"
    assert r["and_list_or"] == "a, b, or c"
    assert screen.question == "Facts about Ann, Bob, and Cy"
    _, _, one = _results(cal_sim, names="Ann")
    assert one["and_list"] == "Ann"


def test_indent(cal_sim):
    _, screen, r = _results(cal_sim)
    assert r["indented"] == "  one\n  two"
    assert r["indented_default"] == "    x"
    assert "\n    code line\n" in screen.subquestion
    assert "<pre><code>code line" in screen.html          # an indented line is Markdown code


def test_format_date(cal_sim):
    _, screen, r = _results(cal_sim)
    assert r["start_long"] == "December 25, 2025"
    assert r["start_short"] == "2025-12-25"
    assert screen.subquestion.startswith("Starting December 25, 2025.")


def test_today_and_current_datetime_follow_the_simulated_calendar(cal_sim):
    _, _, r = _results(cal_sim)
    assert r["today_text"] == "2026-01-05"
    today = r["today"]
    assert (today.year, today.month, today.day, today.hour, today.minute) == (2026, 1, 5, 0, 0)
    assert str(today.tzinfo) == "America/New_York"
    now = r["now"]
    assert (now.year, now.month, now.day, now.hour) == (2026, 1, 5, 9)


def test_calendar_moves_with_advance(cal_sim):
    s = start(cal_sim, "functions_tour.yml")
    cal_sim.advance(days=3)
    s.answer(people_named="Ann", start_date="2025-12-25")
    assert s.get("results")["today_text"] == "2026-01-08"
    assert s.get("results")["age_in_days"] == 14.0


def test_date_difference_as_datetime_and_date_interval(cal_sim):
    _, _, r = _results(cal_sim)
    assert r["age_in_days"] == 11.0
    parsed = r["parsed"]
    assert (parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute) == (2026, 2, 3, 14, 30)
    assert str(parsed.tzinfo) == "America/New_York"
    assert r["plus_month"].strftime("%Y-%m-%d") == "2026-01-25"


def test_user_functions_for_a_logged_in_user(cal_sim):
    s, _, r = _results(cal_sim, user=ADMIN)
    assert r["logged_in"] is True
    assert r["email"] == "ann@example.com" and r["first_name"] == "Ann"
    assert r["session_matches"] is True
    assert r["privileges"] == ["admin"]
    assert r["is_admin"] is True and r["is_admin_or_developer"] is True
    assert r["interface"] == "web"


def test_user_functions_for_an_anonymous_user(cal_sim):
    _, _, r = _results(cal_sim)
    assert r["logged_in"] is False
    assert r["email"] is None
    assert r["privileges"] == ["user"]
    assert r["is_admin"] is False and r["is_admin_or_developer"] is False


def test_user_info_names_the_session(cal_sim):
    s = start(cal_sim, "functions_user.yml", user={"email": "bo@example.com", "first_name": "Bo",
                                                    "last_name": "Lind", "roles": ["developer"]})
    screen = s.screen
    assert screen.question == "Bo Lind <bo@example.com>"
    assert screen.subquestion.strip().splitlines() == [
        f"session {s.id}", "privileges developer", "developer True", "admin False"]


def test_countries_and_states(cal_sim):
    _, _, r = _results(cal_sim)
    countries = r["countries"]
    assert countries[:3] == [{"AF": "Afghanistan"}, {"AL": "Albania"}, {"DZ": "Algeria"}]
    assert {"FR": "France"} in countries
    assert list(r["ca_provinces"].items())[:3] == [("AB", "Alberta"), ("BC", "British Columbia"),
                                                  ("MB", "Manitoba")]
    assert list(r["us_states"].items())[:4] == [("AL", "Alabama"), ("AK", "Alaska"),
                                                ("AS", "American Samoa"), ("AZ", "Arizona")]
    assert (r["france"], r["ontario"], r["texas"]) == ("France", "Ontario", "Texas")


def test_timezone_list(cal_sim):
    _, _, r = _results(cal_sim)
    zones = r["zones"]
    assert zones[:3] == ["Africa/Abidjan", "Africa/Accra", "Africa/Addis_Ababa"]
    assert "America/New_York" in zones and zones == sorted(zones)


def test_showifdef_without_prior(cal_sim):
    _, _, r = _results(cal_sim)
    assert r["shown_if_defined"] == "Ann, Bob, Cy"
    assert r["shown_if_undefined"] == "fallback"


def test_need_asks_for_its_arguments_first(cal_sim):
    s = start(cal_sim, "functions_tour.yml")
    screen = s.screen
    assert screen.variables == ["people_named", "start_date"]
    assert s.get("results") is None


def test_showifdef_prior_sees_answers_discarded_by_back(sim):
    s = start(sim, "sessions_back.yml")
    assert s.screen.subquestion.splitlines()[:2] == ["Earlier answer: none.", "Without prior: none."]
    s.answer(fruit="apple")
    screen = s.back()
    assert screen.question == "Which fruit?"
    assert screen.subquestion.splitlines()[:2] == ["Earlier answer: apple.", "Without prior: none."]
    # the discarded answers are seen only on the screen that follows Back
    assert s.refresh().subquestion.splitlines()[0] == "Earlier answer: none."


def test_force_ask_of_event_code_runs_it_once(sim):
    s = start(sim, "functions_force_ask.yml")
    s.answer(colour="red")
    screen = s.screen
    assert screen.question == "Which colour?"           # forced again, though defined
    screen = s.answer(colour="blue")
    assert screen.question == "blue, bumped 1 time(s)"


PROBING = """
objects:
  things: DADict.using(object_type=Thing)
  things[i].parts: DAList
  names: DAList
---
mandatory: True
code: |
  things.initialize_object('first')
  things['first'].name.text = 'First'
  things.gathered = True
  names.append('Ann')
  names.gathered = True
---
mandatory: True
question: Probed
subquestion: |
  ${ showifdef("things['third']", 'absent') }
  ${ defined("things['third'].parts[1]") }
  ${ 'third' in things }
  ${ defined("names[1]") } ${ defined("names[0]") } ${ showifdef("things['first'].name.text") }
  ${ defined("things['first'].parts") } ${ defined("nothing.at.all") }
"""


def test_defined_and_showifdef_probe_without_creating_or_asking(sim):
    """An absent key of a dictionary of objects is not created by looking at it, and a name
    that would have to be asked for is reported undefined (docassemble walks the chain)."""
    s = sim.start(sim.load(PROBING))
    assert s.screen.subquestion.split() == ["absent", "False", "False", "False", "True", "First",
                                            "False", "False"]
