"""Tasks survive the kernel: a simulator that dies while a task is queued or running leaves
the task in the store, and the next simulator on that store fails it with TaskLostError
(the error action runs) or, with ``task recovery: rerun``, runs it again."""
from __future__ import annotations

import os
import signal
import time

import pytest
from faults import run_child

import bgkernel
from bgkernel.background.task import MANAGERS

INTERVIEW = """
mandatory: True
code: |
  the_task = background_action('slow', 'refresh', n=21)
---
mandatory: True
question: |
  % if the_task.ready():
  Done: ${ the_task.get() }; failed ${ the_task.failed() }
  % else:
  Waiting
  % endif
subquestion: |
  Kind ${ failure_kind if defined('failure_kind') else 'none' }
---
event: slow
code: |
  import os, time, pathlib
  background_error_action('bg_fail', n=action_argument('n'))
  if os.environ.get('BGK_MARK'):
      pathlib.Path(os.environ['BGK_MARK']).write_text(str(os.getpid()))
  if os.environ.get('BGK_DIE'):
      os._exit(0)
  if os.environ.get('BGK_SLEEP'):
      time.sleep(float(os.environ['BGK_SLEEP']))
  background_response(action_argument('n') * 2)
---
event: bg_fail
code: |
  failure_kind = action_argument('error_type')
  background_response('handled ' + action_argument('error_type'))
"""

CHILD = """
store, source = sys.argv[1], sys.argv[2]
sim = bgkernel.Simulator(store=store, backend=sys.argv[3], workers=1,
                         config={"worker start delay": 0.0})
s = sim.start(sim.load(open(source).read()))
print(s.id, flush=True)
if sys.argv[3] == "loky":          # the kernel dies while a worker process runs the task
    import pathlib, time
    mark = pathlib.Path(os.environ["BGK_MARK"])
    while not mark.exists():
        time.sleep(0.02)
    os._exit(0)
s.wait(30)                          # threading: the task's own os._exit ends this process
"""


def _source(tmp_path):
    path = tmp_path / "task.yml"
    path.write_text(INTERVIEW)
    return str(path)


def _kill_while_running(tmp_path, backend="threading"):
    store = str(tmp_path / "store.sqlite")
    env = {"BGK_DIE": "1"} if backend == "threading" else \
        {"BGK_MARK": str(tmp_path / "mark"), "BGK_SLEEP": "3"}
    run_child(CHILD, store, _source(tmp_path), backend, env=env)
    return store


def _only_session(sim):
    (session,) = sim.sessions
    return session


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_a_task_whose_simulator_died_fails_with_task_lost_error(tmp_path, backend, monkeypatch):
    monkeypatch.delenv("BGK_DIE", raising=False)
    store = _kill_while_running(tmp_path, backend)
    with bgkernel.Simulator(store=store, backend="threading",
                            config={"worker start delay": 0.0}) as sim:
        s = _only_session(sim)
        (task,) = s.tasks                       # the store knows the task
        assert s.wait(10)
        assert task.ready() and task.failed()
        result = task.result()
        assert result.error_type == "TaskLostError"
        assert "the simulator that ran this task stopped" in result.error_message
        assert task.get() == "handled TaskLostError"       # the error action's response
        assert s.get("failure_kind") == "TaskLostError"    # ... which ran and saved
        screen = s.refresh()
        assert "Done: handled TaskLostError; failed True" in screen.question   # moved on
        frame = s.timeline
        failed = frame[frame.kind == "task_failed"]
        assert failed.detail.str.contains("TaskLostError").any()
        assert (frame.kind == "error_action").any()
    # a third simulator finds nothing more to do: the task was finished once, for good
    with bgkernel.Simulator(store=store, backend="threading") as again:
        assert again.tasks.recover() == []
        (task,) = _only_session(again).tasks
        assert task.failed() and task.result().error_type == "TaskLostError"


def test_with_task_recovery_rerun_the_task_runs_again(tmp_path):
    store = _kill_while_running(tmp_path)
    with bgkernel.Simulator(store=store, backend="threading",
                            config={"worker start delay": 0.0, "task recovery": "rerun"}) as sim:
        s = _only_session(sim)
        (task,) = s.tasks
        assert s.wait(10)
        assert task.ready() and not task.failed() and task.get() == 42
        assert "Done: 42; failed False" in s.refresh().question
        kinds = list(s.timeline.kind)
        assert "task_requeued" in kinds and "task_finished" in kinds


def test_a_task_queued_by_a_step_is_in_the_store_even_if_the_kernel_dies_before_the_pool(tmp_path):
    store = str(tmp_path / "store.sqlite")
    body = CHILD.replace("s = sim.start", "die_at(TaskManager, 'dispatch', before=True)\ns = sim.start")
    run_child(body, store, _source(tmp_path), "threading")
    with bgkernel.Simulator(store=store, backend="threading",
                            config={"worker start delay": 0.0}) as sim:
        s = _only_session(sim)
        (task,) = s.tasks
        assert s.wait(10) and task.failed()
        assert "the task was queued" in task.result().error_message


def test_a_live_simulator_keeps_its_tasks(tmp_path, monkeypatch):
    """A second simulator on the same store takes nothing from one that still runs."""
    monkeypatch.setenv("BGK_SLEEP", "1.5")
    first = bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading",
                               config={"worker start delay": 0.0})
    try:
        s = first.start(first.load(INTERVIEW))
        (task,) = s.tasks
        with bgkernel.Simulator(store=first.store.path, backend="threading") as second:
            assert second.tasks.recover() == []
            assert second.store.task_row(task.id)["owner"] == first.tasks.owner.token
        assert MANAGERS[first.store.path] is first.tasks
        assert s.wait(10) and task.get() == 42 and not task.failed()
    finally:
        first.close()


KILLABLE = """
mandatory: True
code: |
  the_task = background_action('slow', mark=%r)
---
mandatory: True
question: Waiting
---
event: slow
code: |
  import os, time, pathlib
  background_error_action('bg_fail')
  pathlib.Path(action_argument('mark')).write_text(str(os.getpid()))
  time.sleep(60)
  background_response(1)
---
event: bg_fail
code: |
  background_response('handled ' + action_argument('error_type'))
"""


def test_a_worker_killed_from_outside_fails_its_task_and_runs_the_error_action(tmp_path):
    mark = tmp_path / "pid"
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="loky", workers=1,
                            config={"worker start delay": 0.0}) as sim:
        s = sim.start(sim.load(KILLABLE % str(mark)))
        deadline = time.monotonic() + 120
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(int(mark.read_text()), signal.SIGKILL)
        assert s.wait(60)
        (task,) = s.tasks
        assert task.failed() and task.result().error_type == "WorkerLostError"
        assert task.get() == "handled WorkerLostError"
        frame = s.timeline
        assert frame[frame.kind == "task_failed"].detail.str.contains("WorkerLostError").any()
        assert (frame.kind == "error_action").any()


def test_task_recovery_setting_is_checked():
    with pytest.raises(bgkernel.ConfigError, match="'task recovery' must be one of"):
        bgkernel.Simulator(backend="threading", config={"task recovery": "sometimes"})


def test_a_store_from_before_task_owners_opens_and_its_open_tasks_are_failed(tmp_path):
    import sqlite3
    path = tmp_path / "old.sqlite"
    with bgkernel.Simulator(store=str(path), backend="threading",
                            config={"worker start delay": 0.0}) as sim:
        s = sim.start(sim.load(INTERVIEW))
        s.wait(10)
        sid = s.id
    conn = sqlite3.connect(path)            # as an older bgkernel left it: no owner columns
    conn.execute("PRAGMA application_id = 0")
    conn.execute("CREATE TABLE tasks_old AS SELECT id, session, action, notification, state, "
                 "outcome, queued, started, finished, output FROM tasks")
    conn.execute("DROP TABLE tasks")
    conn.execute("ALTER TABLE tasks_old RENAME TO tasks")
    conn.execute("UPDATE tasks SET state = 'PENDING', outcome = NULL")
    conn.commit()
    conn.close()
    with bgkernel.Simulator(store=str(path), backend="threading") as sim:
        (task,) = sim.session(sid).tasks
        assert task.failed() and task.result().error_type == "TaskLostError"
