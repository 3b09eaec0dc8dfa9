"""The app as a new user meets it: every view live, typing reaching check-ins, a closed
simulator, the user's view, the panels' numbers.  Headless (ipywidgets on DummyComm; the
timer thread's updates applied by ``app.pump()``, as a kernel's loop would).
"""
from __future__ import annotations

import re

import pytest
from test_widgets import apps, fast  # noqa: F401 -- the fixtures of the widget tests

import bgkernel
from bgkernel.widgets import InterviewApp, InterviewRunner, show, timeline_view
from bgkernel.widgets.app import CLOSED_TEXT
from bgkernel.widgets.bridge import wait_until
from bgkernel.widgets.panels import task_output
from bgkernel.widgets.textbox import TextBox

pytestmark = pytest.mark.timeout(120)


def until(*apps_and_predicate, timeout: float = 20.0) -> bool:
    *apps, predicate = apps_and_predicate
    return wait_until(lambda: all(a.pump() >= 0 for a in apps) and predicate(), timeout)


ADDER = """
question: How much shall I add to 100?
fields:
  - Number: n
    datatype: integer
---
mandatory: True
code: |
  job = background_action('add', n=n)
---
event: add
code: |
  import time
  time.sleep(0.3)
  print("adding", action_argument('n'))
  background_response_action('keep', total=action_argument('n') + 100)
---
event: keep
code: |
  total = action_argument('total')
  background_response()
---
mandatory: True
question: |
  % if job.ready():
  The total is ${ total }.
  % else:
  Hang tight.
  % endif
reload: 1
"""


def test_show_of_a_shown_session_is_the_same_live_app(fast):
    session = fast.start(fast.load(ADDER))
    first = show(session)
    try:
        assert show(session) is first and first.ticker.running
        user = show(session, chrome=False)
        assert user is first
        assert first.box(False) is first.user_view and first.box(True) is first.root
        assert first.calendar.box not in first.user_view.children
        assert first.tasks_box not in first.user_view.children
        assert first.screen_box in first.user_view.children
        assert show(session, live=False) is not first     # options ask for a new app
    finally:
        first.close()


def test_two_apps_of_one_session_both_reach_the_result(fast, apps):
    session = fast.start(fast.load(ADDER))
    one, two = apps(session), apps(session)
    one.set_field("n", 5)
    one.click("Continue")                  # a gesture in one view ...
    assert until(one, two, lambda: "Hang tight" in two.html or "105" in two.html)
    assert until(one, two, lambda: "The total is 105." in one.html
                 and "The total is 105." in two.html)      # ... and both reload to the result
    assert not one.problems and not two.problems


def test_a_cell_moving_the_session_moves_the_view(fast, apps):
    session = fast.start(fast.load(ADDER))
    app = apps(session)
    session.answer(n=1)
    assert until(app, lambda: app.view.screen.question != "How much shall I add to 100?")


CHECKIN = """
question: Two words
subquestion: |
  Seen: [TARGET seen]
fields:
  - First: first
  - Second: second
check in: look
---
event: look
code: |
  background_response({'target': 'seen', 'content': '%s/%s/%s' % (
      action_argument('first'), action_argument('second'), action_argument('_changed'))})
---
mandatory: True
question: Done ${ first } ${ second }
"""


def test_typing_is_sent_by_the_periodic_checkin_and_leaving_checks_in(fast, apps):
    session = fast.start(fast.load(CHECKIN))
    app = apps(session)
    app.type_text("first", "hel")          # the cursor stays in the field
    assert until(app, lambda: app.targets.get("seen", "").startswith("hel/"))
    assert app.targets["seen"].endswith("/None")          # a periodic check-in, not a change
    app.type_text("first", "hello")
    assert until(app, lambda: app.targets.get("seen", "").startswith("hello/"))
    checkins = session.timeline.query("kind == 'checkin'")["detail"]
    assert not checkins.str.contains("_changed").any()
    n = len(checkins)
    app.type_text("second", "w")            # typing elsewhere: "first" was left
    details = list(session.timeline.query("kind == 'checkin'")["detail"])
    assert any("_changed='first'" in d for d in details[n:])
    assert app.targets["seen"] == "hello/w/first"


def _browser(widget, **message) -> None:
    """What the page's JS sends: ``state=`` a trait update, ``custom=`` a custom message."""
    if "state" in message:
        data = {"method": "update", "state": message["state"], "buffer_paths": []}
    else:
        data = {"method": "custom", "content": message["custom"]}
    widget._handle_msg({"content": {"data": data}, "buffers": []})


def test_leaving_a_text_box_checks_in_at_once_and_keystrokes_do_not(fast, apps):
    session = fast.start(fast.load(CHECKIN))
    app = apps(session, live=False)                  # no timer: every check-in is a gesture
    box = app.fields["first"].control
    assert isinstance(box, TextBox) and "export default" in box._esm
    checkins = lambda: list(session.timeline.query("kind == 'checkin'")["detail"])  # noqa: E731
    for typed in ("s", "so", "soup"):                # the debounced updates while typing
        _browser(box, state={"value": typed})
    assert checkins() == [] and app.raw_form()["first"] == "soup"
    _browser(box, custom={"event": "change"})       # the field loses focus (click elsewhere, Tab)
    details = checkins()
    assert len(details) == 1 and "_changed='first'" in details[0] and "first='soup'" in details[0]
    assert app.targets["seen"] == "soup//first"      # shown at once, no timer involved
    _browser(box, state={"value": "soups"})
    _browser(box, custom={"event": "submit"})        # Enter: a change event too
    assert len(checkins()) == 2 and app.targets["seen"] == "soups//first"
    _browser(box, custom={"event": "something else"})
    assert len(checkins()) == 2


def test_a_closed_simulator_is_a_calm_message(tmp_path):
    sim = bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading", timescale=0.1)
    session = sim.start(sim.load(ADDER))
    app = InterviewApp(session)
    sim.close()
    assert until(app, lambda: CLOSED_TEXT in app.problem_box.value)
    app.buttons["Continue"].click()        # a click in the page after the close
    assert CLOSED_TEXT in app.problem_box.value
    assert "Traceback" not in app.problem_box.value and "Error" not in app.problem_box.value
    assert not app.problems and all(b.disabled for b in app.buttons.values())
    assert wait_until(lambda: not app.ticker.thread.is_alive(), 5)


def test_tasks_panel_states_times_and_output(fast, apps):
    session = fast.start(fast.load(ADDER))
    app = apps(session)
    app.set_field("n", 2)
    app.click("Continue")
    assert until(app, lambda: app.tasks_panel.states() == {"add": "SUCCESS"}
                 and all(t is not None for t in app.tasks_panel.rows[0][5]))
    (_, action, state, output, error, (queued, started, finished)), = app.tasks_panel.rows
    assert (action, state, error) == ("add", "SUCCESS", "")
    assert queued <= started <= finished
    assert output == "adding 2\n"
    assert "yaml_filename" in session.tasks[0].output          # the worker's line is there ...
    assert "yaml_filename" not in app.tasks_panel.table.value  # ... but not the task's output
    assert app.tasks_panel.table.value.count(" s</td>") == 3


def test_task_output_drops_only_the_worker_line():
    text = ("background_action: yaml_filename is a.yml and session code is x and action is {}\n"
            "mine\nbackground_action: mine too\n")
    assert task_output(text) == "mine\nbackground_action: mine too\n"


def test_timeline_summary_counts_add_up(fast, apps):
    session = fast.start(fast.load(ADDER))
    app = apps(session)
    app.set_field("n", 3)
    app.click("Continue")
    assert until(app, lambda: "The total is 103." in app.html)
    view = timeline_view(fast)
    summary = view.summary.value
    total = int(re.search(r"(\d+) events", summary).group(1))
    kinds = summary.split(":", 1)[1]
    assert len(view.frame["kind"].unique()) > 6            # so some kinds are summed up
    assert sum(int(n) for n in re.findall(r" (\d+)(?:,|$)", kinds)) == total == len(view.frame)


def test_plain_text_names_a_radio_field_as_docassemble_does(fast):
    session = fast.start(fast.load("""
mandatory: True
question: Pick
fields:
  - Colour: colour
    input type: radio
    choices:
      - Red
      - Blue
  - Note: remark
    datatype: area
"""))
    text = session.screen.text()
    assert "(colour: radio) ['Red', 'Blue']" in text
    assert "(remark: area)" in text


def test_the_readme_flow_leaves_no_dead_copy(fast):
    runner = InterviewRunner({"bg_sim": fast})
    magic_app = runner.interview("", ADDER)            # %%interview session
    try:
        session = runner.namespace["session"]
        assert show(session) is magic_app                # bgkernel.widgets.show(session)
        magic_app.set_field("n", 1)
        magic_app.click("Continue")
        assert until(magic_app, lambda: "The total is 101." in magic_app.html)
    finally:
        runner.close()
