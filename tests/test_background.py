"""Background actions on real worker pools (issue 3): timing, races, failures, backends."""
from __future__ import annotations

import pickle

import pytest

import bgkernel
import bgkernel.background.task
from conftest import start


def test_race_five_answers_survive_the_response_action(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "s.sqlite"), workers=2,
                            config={"worker start delay": 0.0}) as sim:
        s = start(sim, "bg_race.yml")
        assert s.screen.question == "Answer 1"
        for name in ("a1", "a2", "a3", "a4", "a5"):
            s.answer(**{name: f"v-{name}"})
        assert s.screen.question.startswith("Done: v-a1 v-a2 v-a3 v-a4 v-a5")
        assert s.wait(60)
        final = s.refresh()
        assert final.question == "Done: v-a1 v-a2 v-a3 v-a4 v-a5 computed"
        values = s.variables
        assert [values[f"a{i}"] for i in range(1, 6)] == [f"v-a{i}" for i in range(1, 6)]
        assert values["result"] == "computed"
        kinds = list(s.timeline["kind"])
        assert kinds.index("task_queued") < kinds.index("task_started") < kinds.index("response_action")


def test_hundred_tasks_and_hundred_response_actions_lose_nothing(loky_sim):
    s = start(loky_sim, "bg_many.yml")
    screen = s.answer(how_many=100, howlong=0.01)
    assert screen.question == "Started 100 tasks; 0 entries so far."
    assert s.wait(120)
    assert sorted(s.get("entries")) == list(range(100))
    assert s.refresh().question == "Started 100 tasks; 100 entries so far."
    tasks = s.get("tasks")
    pids = {t.get() for t in tasks}
    assert len(pids) > 1, "tasks ran in more than one worker process"
    frame = s.timeline
    assert (frame["kind"] == "task_finished").sum() == 100
    assert (frame["kind"] == "response_action").sum() == 100


def test_worker_death_fails_the_task_and_the_pool_goes_on(loky_sim):
    s = start(loky_sim, "bg_errors.yml")
    s.answer(which="die")
    assert s.wait(60)
    (task,) = s.tasks
    assert task.failed()
    assert task.result().error_type == "WorkerLostError"
    other = start(loky_sim, "bg_errors.yml")
    other.answer(which="forms")
    other.sim  # the pool still works:
    assert other.wait(60)


def test_unpicklable_exception_still_reports(loky_sim):
    s = start(loky_sim, "bg_errors.yml")
    s.answer(which="unpicklable")
    assert s.wait(60)
    result = s.tasks[0].result()
    assert result.error_type == "Odd"
    assert result.error_message == "odd failure"
    assert "raise Odd()" in result.error_trace


def test_background_code_that_asks_a_question_fails_with_question_error(loky_sim):
    s = start(loky_sim, "bg_errors.yml")
    s.answer(which="asks")
    assert s.wait(60)
    result = s.tasks[0].result()
    assert result.error_type == "QuestionError"
    assert result.error_message == "What is never defined here?"
    assert result.error_trace is None
    assert "resulted in asking this question" in s.tasks[0].output


def test_identity_and_arguments_in_the_worker(loky_sim):
    user = {"email": "ada@example.com", "roles": ["admin"], "first_name": "Ada"}
    s = start(loky_sim, "bg_errors.yml", user=user)
    s.answer(which="identity")
    assert s.wait(60)
    assert s.tasks[0].get() == {"email": "ada@example.com", "logged_in": True, "interface": "worker",
                                "admin": True, "args": {}, "arg": None, "name": "identity"}


@pytest.mark.parametrize("pargs, kwargs, expected", [
    ((), {}, {}),
    ((5,), {}, 5),
    ((1, 2), {}, [1, 2]),
    ((), {"k": 1}, {"k": 1}),
    ((1,), {"k": 2}, {"pargs": [1], "kwargs": {"k": 2}}),
    (({"a": {"choices": [{"label": "L", "value": "v"}, "s", ["x", "X"]]}}, "fields"), {},
     [{"a": {"choices": [["v", "L"], ["s", "s"], ["x", "X"]]}}, "fields"]),
])
def test_background_response_payloads(sim, pargs, kwargs, expected):
    s = start(sim, "bg_errors.yml")
    s.answer(which="forms")
    # the action reads its arguments from the snapshot; run it directly with arguments:
    ctx_task = s.sim.tasks
    assert s.wait(30)
    s2 = start(sim, """
mandatory: True
code: |
  t = background_action('forms', pargs=%r, kwargs=%r)
---
mandatory: True
question: started
---
event: forms
code: |
  background_response(*action_argument('pargs'), **action_argument('kwargs'))
""" % (list(pargs), kwargs))
    assert s2.screen.question == "started"
    assert s2.wait(30)
    assert s2.get("t").get() == expected
    assert ctx_task is s.sim.tasks


def test_worker_changes_are_discarded(loky_sim):
    s = start(loky_sim, "bg_errors.yml")
    s.answer(which="changes")
    assert s.wait(60)
    assert s.tasks[0].get() == "ok"
    assert s.get("which") == "changes"


def test_output_is_captured_per_task(loky_sim):
    s = start(loky_sim, "bg_errors.yml")
    s.answer(which="logs")
    assert s.wait(60)
    output = s.tasks[0].output
    assert "printed line" in output and "logged line" in output


def test_revoke_terminates_only_that_task(loky_sim):
    sleepy = start(loky_sim, "bg_errors.yml")
    sleepy.answer(which="sleepy")
    other = start(loky_sim, "bg_many.yml")
    other.answer(how_many=2, howlong=1.5)
    task = sleepy.get("the_task")
    import time
    deadline = time.time() + 30
    while task.status() == "PENDING" and not sleepy.timeline["kind"].eq("task_started").any():
        assert time.time() < deadline
        time.sleep(0.05)
    assert task.revoke(terminate=True)
    assert sleepy.wait(30)
    assert task.ready() and task.status() == "REVOKED"
    with pytest.raises(bgkernel.background.task.TaskRevokedError):
        task.get()
    assert other.wait(60)
    assert sorted(other.get("entries")) == [0, 1]


def test_task_object_survives_reopening_the_store(tmp_path):
    path = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=path, config={"worker start delay": 0.0}) as sim:
        s = start(sim, "bg_errors.yml")
        s.answer(which="logs")
        assert s.wait(60)
        session_id = s.id
    with bgkernel.Simulator(store=path) as again:
        task = again.session(session_id).get("the_task")
        assert task.ready() and not task.failed()
        assert task.get() == "logged"
        assert pickle.loads(pickle.dumps(task)).get() == "logged"


def test_dask_executor(tmp_path):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        with bgkernel.Simulator(store=str(tmp_path / "d.sqlite"), backend=client.get_executor(),
                                config={"worker start delay": 0.0}) as sim:
            s = start(sim, "bg_errors.yml")
            s.answer(which="logs")
            assert s.wait(120)
            assert s.tasks[0].get() == "logged"
            assert "printed line" in s.tasks[0].output
    finally:
        client.close()
        cluster.close()


def test_threading_backend_and_unknown_backend(tmp_path):
    with pytest.raises(bgkernel.ConfigError, match=r"valid backends: .*loky.*threading"):
        bgkernel.Simulator(store=str(tmp_path / "x.sqlite"), backend="nope")
    with bgkernel.Simulator(store=str(tmp_path / "t.sqlite"), backend="threading",
                            config={"worker start delay": 0.0}) as sim:
        s = start(sim, "bg_errors.yml")
        s.answer(which="logs")
        assert s.wait(30)
        assert s.tasks[0].get() == "logged" and "printed line" in s.tasks[0].output
