"""A crash never half-applies: a process holding a simulator is killed (``os._exit``) in
the middle of a step (an answer, a response action, a check-in, a scheduled run), and the
store, reopened here, shows each session as it was before that step or after it."""
from __future__ import annotations

import datetime as dt

import pytest
from faults import run_child

import bgkernel

INTERVIEW = """
mandatory: True
code: |
  multi_user = True
  allow_cron = True
  runs = 0
---
question: Your name?
fields:
  - Name: name
---
mandatory: True
question: Hello ${ name }
subquestion: runs ${ runs }, applied ${ applied if defined('applied') else 0 }
check in: ping
---
event: ping
code: |
  pings = pings + 1 if defined('pings') else 1
  background_response('pong')
---
event: compute
code: |
  background_response_action('store_it', value=action_argument('n') * 2)
---
event: start_compute
code: |
  the_task = background_action('compute', None, n=21)
---
event: store_it
code: |
  result = action_argument('value')
  applied = applied + 1 if defined('applied') else 1
  background_response()
---
event: cron_hourly
code: |
  runs += 1
"""

START = "2031-05-01 09:00"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "steps.yml"
    path.write_text(INTERVIEW)
    return str(path)


def _open(store, **config):
    return bgkernel.Simulator(store=store, backend="threading",
                              config={"worker start delay": 0.0, **config})


def _child_session(tmp_path, source, body):
    """Run ``body`` after a child made one session (answered when asked); its id."""
    store = str(tmp_path / "store.sqlite")
    run_child("""
store, source = sys.argv[1], sys.argv[2]
sim = bgkernel.Simulator(store=store, backend="threading", config={"worker start delay": 0.0})
s = sim.start(sim.load(open(source).read()))
open(store + ".id", "w").write(s.id)
""" + body, store, source)
    return store, open(store + ".id").read()


@pytest.mark.parametrize("where, after", [("Store, 'save'", False),
                                          ("bgkernel.Simulator, 'save_answers'", True)])
def test_killed_mid_answer(tmp_path, source, where, after):
    store, sid = _child_session(tmp_path, source, f"die_at({where})\ns.answer(name='Ada')\n")
    with _open(store) as sim:
        s = sim.session(sid)
        assert sim.store.step_count(sid) == (2 if after else 1)
        assert s.get("name") == ("Ada" if after else None)
        expected = "Hello Ada" if after else "Your name?"
        assert s.refresh().question.startswith(expected)


def test_killed_mid_checkin(tmp_path, source):
    store, sid = _child_session(tmp_path, source, "s.answer(name='Ada')\ns.checkin()\n"
                                "die_at(Store, 'save')\ns.checkin()\n")
    with _open(store) as sim:
        s = sim.session(sid)
        assert s.get("pings") == 1                 # the first check-in, not the second
        assert sim.store.step_count(sid) == 2
        s.checkin()
        assert s.get("pings") == 2


@pytest.mark.parametrize("recovery", ["fail", "rerun"])
def test_killed_mid_response_action(tmp_path, source, recovery):
    """The response action's save and the task's end are one step: after the crash the
    answers do not have it, and the task is not finished; reopened, the task fails (the
    answers stay before) or runs again (the response action then applies exactly once)."""
    store, sid = _child_session(tmp_path, source, "s.answer(name='Ada')\n"
                                "die_at(TaskManager, '_store_finish')\n"
                                "s.action('start_compute')\ns.wait(30)\n")
    with _open(store, **{"task recovery": recovery}) as sim:
        s = sim.session(sid)
        (task,) = s.tasks
        assert s.wait(10)
        if recovery == "fail":
            assert task.failed() and task.result().error_type == "TaskLostError"
            assert s.get("applied") is None and s.get("result") is None
        else:
            assert not task.failed()
            assert s.get("applied") == 1 and s.get("result") == 42


def _cron_child(tmp_path, source, sessions, nth, where="Store, 'cron_done'", before=False):
    store = str(tmp_path / "store.sqlite")
    run_child(f"""
store, source = sys.argv[1], sys.argv[2]
sim = bgkernel.Simulator(store=store, backend="threading", start={START!r},
                         config={{"worker start delay": 0.0}})
interview = sim.load(open(source).read())
for _ in range({sessions}):
    sim.start(interview)
die_at({where}, nth={nth}, before={before})   # e.g. a save and its mark done, not committed
sim.advance(hours=1)
""", store, source)
    return store


def _runs(sim):
    return [s.get("runs") for s in sim.sessions]


@pytest.mark.parametrize("sessions, nth", [(5, 3), pytest.param(70, 40, marks=pytest.mark.slow)])
def test_killed_mid_scheduled_round_then_advance_goes_on(tmp_path, source, sessions, nth):
    store = _cron_child(tmp_path, source, sessions, nth)
    with _open(store) as sim:
        runs = _runs(sim)
        assert set(runs) <= {0, 1} and 0 in runs          # each session before or after
        if sessions == 5:
            assert runs == [1, 1, 0, 0, 0]
        # the calendar stands at the interrupted run (09:17)
        assert sim.now().astimezone(dt.timezone.utc).replace(tzinfo=None) >= \
            dt.datetime(2031, 5, 1, 13, 17)
        sim.advance(minutes=1)                             # finishes the interrupted run
        assert _runs(sim) == [1] * sessions                # nobody skipped, nobody twice
        sim.advance(hours=1)
        assert _runs(sim) == [2] * sessions


def test_the_calendar_goes_on_from_where_a_closed_store_stood(tmp_path):
    store = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=store, backend="threading", start=START) as sim:
        sim.advance(days=3)
        stood = sim.now()
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        assert sim.now() >= stood
        assert sim.now() - stood < dt.timedelta(minutes=5)


def test_the_timeline_of_a_killed_kernel_is_kept(tmp_path, source):
    """The timeline is written by a thread about once a second, not only on close."""
    store, sid = _child_session(tmp_path, source, """
import sqlite3, time
s.answer(name='Ada')
for _ in range(600):
    if sqlite3.connect(store).execute(
            "SELECT count(*) FROM events WHERE kind = 'answer'").fetchone()[0]:
        os._exit(0)
    time.sleep(0.05)
os._exit(5)
""")
    with _open(store) as sim:
        kinds = set(sim.session(sid).timeline.kind)
        assert {"session_started", "screen", "answer"} <= kinds


BACKGROUND = INTERVIEW + """
---
event: cron_hourly_background
code: |
  background_response_action('bump')
---
event: bump
code: |
  bg = bg + 1 if defined('bg') else 1
  background_response()
"""


@pytest.mark.parametrize("recovery", ["fail", "rerun"])
def test_a_background_type_queued_with_the_foreground_is_not_lost_in_a_crash(tmp_path, recovery):
    """The ``_background`` task of a session is written with its foreground save: the kernel
    dies before handing it to the pool, and the reopened store still knows it."""
    path = tmp_path / "bg.yml"
    path.write_text(BACKGROUND)
    store = _cron_child(tmp_path, str(path), 3, 1, where="TaskManager, 'submit'", before=True)
    with _open(store, **{"task recovery": recovery}) as sim:
        first = sim.sessions[0]
        (task,) = first.tasks
        assert first.wait(10)
        assert _runs(sim) == [1, 0, 0]
        if recovery == "fail":
            assert task.failed() and task.result().error_type == "TaskLostError"
            assert first.get("bg") is None
        else:
            assert not task.failed() and first.get("bg") == 1
        sim.advance(minutes=1)
        sim.tasks.wait_session(None, 30)
        assert _runs(sim) == [1, 1, 1]
        assert [s.get("bg") for s in sim.sessions[1:]] == [1, 1]
