"""bgkernel.widgets headless: ipywidgets on DummyComm, driven by the method twins.

No kernel and no browser: outside a kernel ipywidgets 8 gives every widget a DummyComm,
observers and on_click handlers fire synchronously, and the app's timer thread posts its
updates to a queue that ``app.pump()`` applies (research/ecosystem.md §4.1).
"""
from __future__ import annotations

import datetime as dt
import threading

import ipywidgets as W
import pytest

import bgkernel
from bgkernel.widgets import InterviewApp, InterviewRunner, timeline_view, widget_for
from bgkernel.widgets import choices as C
from bgkernel.widgets import fields as F
from bgkernel.widgets.bridge import Marshal, wait_until
from bgkernel.widgets.magics import parse_duration
from bgkernel.engine.screen import Option, ScreenField

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def fast(tmp_path):
    """Threads for workers, docassemble's timers ten times faster."""
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading",
                            timescale=0.1, config={"worker start delay": 0.0}) as sim:
        yield sim


@pytest.fixture
def apps():
    made: list[InterviewApp] = []

    def make(session, **options):
        app = InterviewApp(session, **options)
        made.append(app)
        return app
    yield make
    for app in made:
        app.close()


def until(app: InterviewApp, predicate, timeout: float = 20.0) -> bool:
    """Wait for the timer thread, applying what it posts as a kernel's loop would."""
    return wait_until(lambda: (app.pump() >= 0) and predicate(), timeout)


FORM = """
question: |
  Tell me about yourself
subquestion: |
  All of it.
fields:
  - Name: name
  - Bio: bio
    datatype: area
    required: False
  - Age: age
    datatype: integer
  - Fee: fee
    datatype: currency
  - Born: born
    datatype: date
  - Wake up: wake
    datatype: time
  - E-mail: email
    datatype: email
  - Subscribe: subscribe
    datatype: yesno
  - Adult: adult
    datatype: yesnoradio
  - Colour: colour
    input type: radio
    choices:
      - Red: red
      - Blue: blue
  - Fruit: fruit
    input type: dropdown
    choices:
      - Apple
      - Pear
  - Pets: pets
    datatype: checkboxes
    choices:
      - Cat: cat
      - Dog: dog
---
mandatory: True
question: |
  Thanks, ${ name }
subquestion: |
  ${ age } ${ fee } ${ born } ${ subscribe } ${ adult } ${ colour } ${ fruit } ${ pets.true_values() }
"""


# --- fields ---------------------------------------------------------------------------

def test_each_datatype_gets_its_widget(fast, apps):
    app = apps(fast.start(fast.load(FORM)), live=False)
    kinds = {name: type(fw).__name__ for name, fw in app.fields.items()}
    assert kinds == {"name": "TextField", "bio": "AreaField", "age": "NumberField",
                     "fee": "NumberField", "born": "DateField", "wake": "TimeField",
                     "email": "TextField", "subscribe": "YesNoField", "adult": "YesNoRadioField",
                     "colour": "RadioField", "fruit": "DropdownField", "pets": "CheckboxesField"}
    assert isinstance(app.fields["born"].control, W.DatePicker)
    assert isinstance(app.fields["colour"].control, W.RadioButtons)
    assert isinstance(app.fields["fruit"].control, W.Dropdown)
    assert [b.description for b in app.fields["pets"].control.children] == ["Cat", "Dog", "None of the above"]
    assert "Tell me about yourself" in app.html and "All of it." in app.html


def test_fill_in_click_continue_next_screen(fast, apps):
    session = fast.start(fast.load(FORM))
    app = apps(session, live=False)
    app.set_field("name", "Ada")
    app.set_field("age", 36)
    app.set_field("fee", "12.50")
    app.set_field("born", dt.date(1815, 12, 10))
    app.set_field("wake", "07:30")
    app.set_field("email", "ada@example.com")
    app.set_field("subscribe", True)
    app.set_field("adult", "True")
    app.set_field("colour", "blue")
    app.set_field("fruit", "Pear")
    app.set_field("pets", ["dog"])
    assert app.values()["age"] == "36" and app.values()["pets"] == ["dog"]
    screen = app.click("Continue")
    assert screen.question == "Thanks, Ada"
    assert app.screen.question == "Thanks, Ada" and "Thanks, Ada" in app.html
    assert session.get("age") == 36 and session.get("fee") == 12.5
    assert session.get("born").year == 1815 and session.get("subscribe") is True
    assert session.get("adult") is True and session.get("colour") == "blue"
    assert session.get("fruit") == "Pear" and session.get("pets.true_values()") == ["dog"]
    assert app.fields == {}


def test_errors_are_shown_per_field_and_the_page_stays(fast, apps):
    app = apps(fast.start(fast.load(FORM)), live=False)
    app.set_field("name", "Ada")
    app.set_field("age", "lots")
    app.click("Continue")
    assert app.screen.question == "Tell me about yourself"
    assert app.errors["age"] == "Please enter a whole number."
    age = app.fields["age"]
    assert "Please enter a whole number." in age.error.value and age.error.layout.display != "none"
    assert app.fields["name"].value == "Ada"          # what was typed stays
    app.set_field("age", "36")
    app.click("Continue")
    assert "fee" in app.errors                         # the next error, same page


def test_browser_messages_drive_the_same_handlers(fast, apps):
    """A frontend's comm messages (research §4.1) do what the method twins do."""
    session = fast.start(fast.load("""
question: Your name?
fields:
  - Name: name
---
mandatory: True
question: Hello ${ name }
"""))
    app = apps(session, live=False)
    text = app.fields["name"].control
    text._handle_msg({"content": {"data": {"method": "update", "state": {"value": "Grace"},
                                           "buffer_paths": []}}, "buffers": []})
    button = app.buttons["Continue"]
    button._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "click"}}},
                        "buffers": []})
    assert app.screen.question == "Hello Grace"


def test_widget_for_unknown_datatype_is_text_and_registry_is_open():
    assert isinstance(widget_for(ScreenField("x", "X", datatype="mystery")), F.TextField)
    fld = ScreenField("c", "C", datatype="text", input_type="combobox",
                      choices=(Option("a", "Apple"), Option("b", "Banana")))
    fw = widget_for(fld)
    assert isinstance(fw, C.ComboboxField)
    fw.set("b")
    assert fw.control.value == "Banana" and fw.value == "b"
    fw.control.value = "Cherry"
    assert fw.value == "Cherry" and fw.raw() == {"c": "Cherry"}

    @F.register("stars")
    class Stars(F.RangeField):
        pass
    try:
        assert isinstance(widget_for(ScreenField("s", "S", datatype="stars")), Stars)
    finally:
        F._REGISTRY.pop("stars")


def test_raw_strings_are_what_a_browser_sends():
    yes = widget_for(ScreenField("ok", "OK", datatype="yesno", required=False))
    assert yes.raw() == {}
    yes.set(True)
    assert yes.raw() == {"ok": "True"} and yes.value is True
    noyes = widget_for(ScreenField("no", "No", datatype="noyes", required=False))
    noyes.control.value = True                     # a checked noyes box stores False
    assert noyes.value is False and noyes.raw() == {"no": "False"}
    pets = widget_for(ScreenField("pets", "Pets", datatype="checkboxes",
                                  choices=(Option("cat", "Cat"), Option("dog", "Dog"))))
    pets.set(["cat"])
    assert pets.raw() == {"pets['cat']": "True"}
    pets.nota.value = True
    assert pets.value is None and not any(b.value for b in pets.boxes)
    born = widget_for(ScreenField("born", "Born", datatype="date"))
    born.set("2024-01-05")
    assert born.raw() == {"born": "2024-01-05"}


# --- buttons, back, commands --------------------------------------------------------------

BUTTONS = """
question: Do you like cats?
yesno: likes_cats
---
question: Pick one
field: flavour
buttons:
  - Vanilla: vanilla
  - Chocolate: chocolate
---
mandatory: True
question: ${ 'Cat' if likes_cats else 'Dog' } person, ${ flavour }
buttons:
  - Leave: leave
"""


def test_buttons_press_and_back(fast, apps):
    app = apps(fast.start(fast.load(BUTTONS)), live=False)
    assert list(app.buttons) == ["Yes", "No"]
    app.click("Yes")
    assert app.screen.question == "Pick one" and app.view.back_button is not None
    app.back()
    assert app.screen.question == "Do you like cats?"
    app.click("No")
    app.click("Chocolate")
    assert app.screen.question == "Dog person, chocolate"
    app.click("Leave")
    assert app.screen.kind == "leave" and "left the interview" in app.html


def test_gesture_errors_are_shown_not_lost(fast, apps):
    app = apps(fast.start(fast.load(BUTTONS)), live=False)
    with pytest.raises(KeyError, match="no button 'Maybe'"):
        app.click("Maybe")
    app.buttons["Yes"].click()                     # fine
    app.session.deleted = True                     # the session went away under the page
    app.buttons["Vanilla"].click()                 # a browser click: shown on the page
    assert app.problems and "deleted" in app.problem_box.value


# --- check-ins ---------------------------------------------------------------------------

CHECKIN = """
question: What is your favourite food?
subquestion: |
  You typed: [TARGET echo]
fields:
  - Food: favorite_food
check in: question_food
---
template: question_food
target: echo
content: |
  **${ action_argument('favorite_food') }**
---
mandatory: True
question: You like ${ favorite_food }
"""


def test_change_checks_in_and_updates_the_target(fast, apps):
    app = apps(fast.start(fast.load(CHECKIN)), live=False)
    app.set_field("favorite_food", "soup")
    assert app.targets == {"echo": "<strong>soup</strong>"}
    assert '<span class="datargetecho"><strong>soup</strong></span>' in app.view.question.value
    assert app.commands[-1]["extra"] == "backgroundresponse"
    kinds = app.session.timeline.query("kind == 'checkin'")
    assert kinds["detail"].str.contains("_changed='favorite_food'").any()
    app.set_field("favorite_food", "pie")
    assert "<strong>pie</strong>" in app.html
    assert app.click("Continue").question == "You like pie"


def test_timer_thread_checks_in_initially_and_periodically(fast, apps):
    session = fast.start(fast.load(CHECKIN))
    app = apps(session)
    assert app.ticker.running and app.marshal.mode == "manual"
    checkins = lambda: list(session.timeline.query("kind == 'checkin'")["detail"])  # noqa: E731
    assert wait_until(lambda: any("_initial=True" in d for d in checkins()), 10)
    control = app.fields["favorite_food"].control
    control.value = "cake"                   # keystrokes (continuous update): no change event
    assert until(app, lambda: "cake" in app.html)        # the periodic check-in carried it
    details = checkins()
    assert any("favorite_food='cake'" in d for d in details)
    assert not any("_changed=" in d for d in details)
    # Enter in the box, as the browser sends it: the change event, a check-in at once
    control._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "submit"}}},
                         "buffers": []})
    details = checkins()
    assert "_changed='favorite_food'" in details[-1]
    n = len(details)
    # the interval is 6 s, 0.6 s at timescale 0.1
    assert wait_until(lambda: len(session.timeline.query("kind == 'checkin'")) >= n + 2, 10)
    assert not app.problems


def test_background_notification_applied_through_the_bridge(fast, apps):
    session = fast.start(fast.load("""
mandatory: True
code: |
  the_task = background_action('slow_add', 'flash', n=41)
---
event: slow_add
code: |
  import time
  time.sleep(0.2)
  print("adding one to", action_argument('n'))
  background_response("The answer is " + str(action_argument('n') + 1))
---
mandatory: True
question: Working on it
fields:
  - Anything: anything
    required: False
"""))
    app = apps(session)
    assert app.screen.question == "Working on it" and not app.flash
    seen_on: list[str] = []
    original = app.view.update

    def update(screen, first=False):
        seen_on.append(threading.current_thread().name)
        original(screen, first)
    app.view.update = update
    assert until(app, lambda: app.flash == ("The answer is 42",))
    assert '<div style="background:#e7f1fb' in app.view.flash.value and "42" in app.view.flash.value
    assert set(seen_on) == {threading.current_thread().name}   # widgets only on their thread
    assert until(app, lambda: app.tasks_panel.states() == {"slow_add": "SUCCESS"})
    assert "adding one to 41" in app.tasks_panel.table.value
    assert "Background tasks (1, 0 running)" in app.tasks_box.get_title(0)
    kinds = list(session.timeline["kind"])
    assert kinds.index("notification") > kinds.index("task_finished")


def test_fields_command_sets_widget_values_and_choices(fast, apps):
    app = apps(fast.start(fast.load("""
question: Where?
fields:
  - Country: country
    input type: dropdown
    choices:
      - US
      - CA
  - State: state
    input type: dropdown
    required: False
    choices:
      - ""
  - Note: note
    required: False
check in: location
---
event: location
code: |
  if action_argument('country') == 'CA':
    background_response({'state': {'choices': [['ON', 'Ontario'], ['QC', 'Quebec']]},
                         'note': 'eh'}, 'fields')
  background_response()
---
mandatory: True
question: ${ state } ${ note }
""")), live=False)
    app.set_field("country", "CA")
    state = app.fields["state"]
    assert [o.value for o in state.choices] == ["ON", "QC"]
    assert app.fields["note"].value == "eh"
    app.set_field("state", "QC")
    assert app.click("Continue").question == "QC eh"


def test_reload_screen_refreshes_itself(fast, apps):
    session = fast.start(fast.load("""
mandatory: True
code: |
  counter = 0
---
initial: True
code: |
  counter += 1
---
mandatory: True
question: Counter ${ counter }
reload: 4
"""))
    app = apps(session)
    first = app.screen.question
    assert "reloads after 4 s (0.4 s at timescale 0.1)" in app.status.value
    assert until(app, lambda: app.screen.question != first, 10)


def test_wait_screen_refreshes_until_the_task_is_done(fast, apps):
    session = fast.start(fast.load("""
mandatory: True
code: |
  the_task = background_action('work')
---
event: work
code: |
  import time
  time.sleep(0.3)
  background_response(7)
---
mandatory: True
code: |
  if not the_task.ready():
    waiting
---
event: waiting
question: Computing...
reload: True
---
mandatory: True
question: Result ${ the_task.get() }
"""))
    app = apps(session)
    assert app.screen.question == "Computing..."
    assert until(app, lambda: app.screen.question == "Result 7", 10)


def test_wait_twin_waits_for_tasks_then_checks_in(fast, apps):
    session = fast.start(fast.load("""
mandatory: True
code: |
  t = background_action('work', 'flash')
---
event: work
code: |
  background_response('done')
---
mandatory: True
question: Here
"""))
    app = apps(session, live=False)
    assert app.wait(timeout=10)
    assert app.flash == ("done",)


def test_eager_checks_in_when_a_task_finishes(tmp_path, apps):
    config = {"worker start delay": 0.0, "checkin interval": 60000}     # 6 s at timescale 0.1
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), backend="threading", timescale=0.1,
                            config=config) as sim:
        session = sim.start(sim.load("""
mandatory: True
code: |
  t = background_action('work', 'flash')
---
event: work
code: |
  import time
  time.sleep(0.3)
  background_response('early')
---
mandatory: True
question: Here
"""))
        app = apps(session, eager=True)
        assert until(app, lambda: app.flash == ("early",), 4)


def test_checkin_errors_and_failed_tasks_are_shown(fast, apps):
    session = fast.start(fast.load("""
mandatory: True
code: |
  t = background_action('broken')
---
event: broken
code: |
  print("about to fail")
  1 / 0
---
question: Type
fields:
  - X: x
check in: bad_checkin
---
mandatory: True
question: ${ x }
---
event: bad_checkin
code: |
  undefined_thing + 1
"""))
    app = apps(session)
    assert until(app, lambda: app.tasks_panel.states() == {"broken": "FAILURE"})
    assert "ZeroDivisionError" in app.tasks_panel.table.value
    assert "about to fail" in app.tasks_panel.table.value
    app.set_field("x", "1")
    assert any("bad_checkin" in p for p in app.problems)
    assert "bad_checkin" in app.problem_box.value


def test_datetime_and_range_fields(fast, apps):
    app = apps(fast.start(fast.load("""
question: When?
fields:
  - Appointment: appointment
    datatype: datetime
  - Loudness: loudness
    datatype: range
    min: 1
    max: 10
---
mandatory: True
question: ${ appointment.hour } ${ loudness }
""")), live=False)
    assert isinstance(app.fields["appointment"].control, W.NaiveDatetimePicker)
    app.set_field("appointment", "2024-05-01T14:30")
    assert app.fields["appointment"].raw() == {"appointment": "2024-05-01T14:30"}
    app.set_field("loudness", 7)
    assert app.click("Continue").question == "14 7.0"


# --- bridge ------------------------------------------------------------------------------

class FakeLoop:
    """Records call_soon_threadsafe callbacks; the test runs them as the loop would."""

    def __init__(self):
        self.calls = []

    def call_soon_threadsafe(self, fn, *args):
        self.calls.append((fn, args))

    def is_closed(self):
        return False

    def run(self):
        calls, self.calls = self.calls, []
        for fn, args in calls:
            fn(*args)


def test_marshal_posts_to_the_loop_from_other_threads():
    lock = threading.RLock()
    loop = FakeLoop()
    marshal = Marshal(lock, loop)
    ran: list[str] = []
    marshal.post(lambda: ran.append(threading.current_thread().name))     # owner: at once
    assert ran == [threading.current_thread().name]
    worker = threading.Thread(target=lambda: marshal.post(lambda: ran.append("x")), name="w")
    worker.start()
    worker.join()
    assert ran == [threading.current_thread().name] and marshal.pending() == 1
    loop.run()
    assert ran[-1] == "x" and marshal.pending() == 0
    marshal.post(lambda: 1 / 0)
    assert "ZeroDivisionError" in marshal.errors[-1]


def test_closing_stops_the_timer_thread(fast, apps):
    session = fast.start(fast.load(CHECKIN))
    app = apps(session)
    again = apps(session)                  # a second app of the session: both stay live
    assert app.ticker.running and again.ticker.running
    app.close()
    assert wait_until(lambda: not app.ticker.thread.is_alive(), 5)
    again.close()
    assert wait_until(lambda: not again.ticker.thread.is_alive(), 5)


# --- calendar, tasks, timeline ---------------------------------------------------------------

def test_calendar_bar_advances_time_and_counts_the_outbox(fast, apps):
    pytest.importorskip("bgkernel.cron.runs")
    session = fast.start(fast.load("""
mandatory: True
code: |
  multi_user = True
  allow_cron = True
---
question: E-mail?
fields:
  - E-mail: address
    datatype: email
---
mandatory: True
question: Noted, ${ address }
---
event: cron_daily
code: |
  if task_not_yet_performed('reminder'):
    send_email(to=address, subject='Reminder', body='Hello', task='reminder')
  response()
"""))
    app = apps(session, live=False)
    app.set_field("address", "ada@example.com")
    app.click("Continue")
    before = fast.now()
    app.calendar.buttons[1].click()
    assert fast.now() - before >= dt.timedelta(days=1)
    assert len(fast.outbox) == 1 and "outbox: <b>1</b>" in app.calendar.outbox.value
    assert f"{fast.now():%Y-%m-%d}" in app.calendar.now.value


def test_timeline_view_has_table_and_gantt(fast, apps):
    session = fast.start(fast.load(CHECKIN))
    app = apps(session, live=False)
    app.set_field("favorite_food", "soup")
    view = timeline_view(session)
    assert "checkin" in view.table.value and "session_started" in view.table.value
    (image,) = view.gantt.children
    assert isinstance(image, W.Image) and image.value[:4] == b"\x89PNG"
    assert [view.tabs.get_title(i) for i in range(len(view.tabs.children))] == ["Table", "Gantt"]
    whole = timeline_view(fast)
    assert [whole.tabs.get_title(i) for i in range(3)] == ["Table", "Gantt", "Calendar"]
    assert whole.calendar.children[0].value[:4] == b"\x89PNG"


# --- magics, without IPython and with it -----------------------------------------------------

def test_runner_keeps_the_simulator_session_and_app():
    ns: dict = {}
    runner = InterviewRunner(ns)
    try:
        app = runner.interview("intro --timescale 0.1 --start 2024-03-01",
                               "question: Hi\nfields:\n  - Name: who\n---\nmandatory: True\nquestion: Bye ${ who }\n")
        assert ns["intro"] is app.session and ns["intro_app"] is app
        assert ns["bg_sim"].timescale == 0.1 and ns["bg_sim"].now().date() == dt.date(2024, 3, 1)
        app.set_field("who", "Ada")
        assert app.click("Continue").question == "Bye Ada"
        again = runner.interview("", "mandatory: True\nquestion: Again\n")
        assert ns["session"] is again.session and again.session.sim is ns["bg_sim"]
        with pytest.raises(ValueError, match="timescale"):
            runner.interview("x --timescale 0.5", "question: Hi\n")
        with pytest.raises(ValueError, match="unrecognized arguments"):
            runner.interview("x --nope", "question: Hi\n")
        assert runner.timeline("intro").session_id == app.session.id
    finally:
        runner.close()
        ns["bg_sim"].close()


def test_parse_duration():
    assert parse_duration("20d") == {"days": 20, "hours": 0, "minutes": 0}
    assert parse_duration("1d 6h 30m") == {"days": 1, "hours": 6, "minutes": 30}
    assert parse_duration("2w") == {"days": 14, "hours": 0, "minutes": 0}
    assert parse_duration("3") == {"days": 3, "hours": 0, "minutes": 0}
    with pytest.raises(ValueError, match="unknown unit"):
        parse_duration("3 fortnights")


def test_load_ext_registers_the_magics():
    pytest.importorskip("IPython")
    from IPython.testing.globalipapp import start_ipython
    ip = start_ipython()
    ip.run_line_magic("load_ext", "bgkernel")
    try:
        assert "interview" in ip.magics_manager.magics["cell"]
        assert "bg_advance" in ip.magics_manager.magics["line"]
        ip.run_cell_magic("interview", "demo --timescale 0.1 --quiet-timers",
                          "mandatory: True\nquestion: Hello from a cell\n")
        assert ip.user_ns["demo"].screen.question == "Hello from a cell"
        assert ip.user_ns["demo_app"].ticker is None
    finally:
        ip.run_line_magic("unload_ext", "bgkernel")
        sim = ip.user_ns.pop("bg_sim", None)
        if sim is not None:
            sim.close()
    assert "interview" not in ip.magics_manager.magics["cell"]


def test_the_current_section_heads_the_screen(fast, apps):
    app = apps(fast.start(fast.load("""
sections: [Start, Pets]
---
mandatory: True
question: Hello
field: greeted
---
mandatory: True
section: Pets
question: How many pets?
fields:
  - Pets: pets
    datatype: integer
""")), live=False)
    assert "bgk-section" not in app.html
    app.click("Continue")
    assert "How many pets?" in app.html and "<small>Pets</small>" in app.html


def test_review_lines_are_shown(fast, apps):
    app = apps(fast.start(fast.load("""
mandatory: True
code: |
  colour = "teal"
  checked
---
question: Check
review:
  - Colour: colour
    button: You chose **${ colour }**.
continue button field: checked
""")), live=False)
    assert "bgk-review" in app.html and "<strong>teal</strong>" in app.html
