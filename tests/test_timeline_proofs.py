"""The proofs of issue 7, asserted from the timeline DataFrame alone.

docassemble's background_action demos in order, with queue time; the seed's race and
the response action's lock wait; the 20-day reminder over 30 simulated days; a Gantt
chart of two parallel tasks as a PNG; the history kept in the store, exported to CSV
and from the shell.
"""
from __future__ import annotations

import datetime as _dt
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import bgkernel
from bgkernel.analysis.export import export, read_export
from conftest import HERE, start

COLUMNS = ["session", "at", "wall", "kind", "name", "detail", "duration"]
ZONE = "America/New_York"                  # the simulator's default time zone
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def kinds(frame: pd.DataFrame) -> list[str]:
    """The event kinds in order, without the informational rows of what tasks printed."""
    return [k for k in frame["kind"].astype(str) if k != "task_output"]


def rows(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["kind"] == kind]


def one(frame: pd.DataFrame, kind: str) -> pd.Series:
    found = rows(frame, kind)
    assert len(found) == 1, f"{len(found)} {kind} rows in {kinds(frame)}"
    return found.iloc[0]


def assert_timeline_columns(frame: pd.DataFrame) -> None:
    assert list(frame.columns[:len(COLUMNS)]) == COLUMNS
    assert pd.api.types.is_string_dtype(frame["session"])
    assert isinstance(frame["at"].dtype, pd.DatetimeTZDtype) and str(frame["at"].dt.tz) == ZONE
    assert frame["wall"].dtype == "float64" and frame["duration"].dtype == "float64"
    assert isinstance(frame["kind"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_string_dtype(frame["name"]) and pd.api.types.is_string_dtype(frame["detail"])
    assert frame["wall"].is_monotonic_increasing


def assert_calendar_flows_with_wall_time(frame: pd.DataFrame) -> None:
    """Both clocks are the simulator's: with no jump, calendar and wall advance together."""
    calendar = (frame["at"] - frame["at"].iloc[0]).dt.total_seconds().to_numpy()
    wall = (frame["wall"] - frame["wall"].iloc[0]).to_numpy()
    assert np.abs(calendar - wall).max() < 0.05


# --- background_action.yml: screen -> answer -> task -> notification -> screen ------------

def drive_background_demo(name: str, deliver: str) -> tuple[str, pd.DataFrame]:
    """Answer 5, wait, let the browser receive what the task sends, then show the screen."""
    with bgkernel.Simulator(workers=2, config={"worker start delay": 0.5}) as sim:
        s = start(sim, name)
        assert s.screen.question == "How much shall I add to 553?"
        s.answer(value_to_add=5)
        assert s.wait(60)
        if deliver == "checkin":             # the reloading page checks in, then reloads
            s.checkin()
            s.refresh()
        elif deliver == "notifications":     # the browser's next check-in, then a reload
            s.notifications()
            s.refresh()
        else:                                # a 'refresh' notification reloads by itself
            s.notifications()
        return s.id, s.timeline


@pytest.mark.parametrize("name, deliver, expected", [
    # No ui_notification: docassemble sends the browser nothing (SEMANTICS §1.1, §6);
    # the page's own reload shows the answer.
    ("background_action.yml", "checkin",
     ["session_started", "screen", "answer", "task_queued", "screen", "task_started",
      "task_finished", "checkin", "screen"]),
    ("background_action_flash.yml", "notifications",
     ["session_started", "screen", "answer", "task_queued", "screen", "task_started",
      "task_finished", "notification", "screen"]),
    ("background_action_refresh.yml", "refresh",
     ["session_started", "screen", "answer", "task_queued", "screen", "task_started",
      "task_finished", "response_action", "notification", "screen"]),
])
def test_background_action_in_order_with_queue_time(name, deliver, expected):
    session, frame = drive_background_demo(name, deliver)
    assert_timeline_columns(frame)
    assert set(frame["session"]) == {session}
    assert kinds(frame) == expected
    output = one(frame, "task_output")               # the task's worker.log lines
    assert "background_action: yaml_filename is" in output["detail"]
    screens = rows(frame, "screen")
    assert screens["detail"].iloc[0] == "How much shall I add to 553?"
    assert one(frame, "answer")["detail"] == "value_to_add=5"
    final = screens["detail"].iloc[-1]
    assert final in ("The answer is 558.", "All done.")
    queued, started, finished = (one(frame, k) for k in ("task_queued", "task_started", "task_finished"))
    assert queued["task"] == started["task"] == finished["task"]
    assert queued["name"] == "bg_task" and queued["detail"] == "additional=5"
    queue_time = started["wall"] - queued["wall"]
    assert queue_time >= 0.5, "the worker start delay counts as queue time"
    assert started["duration"] == pytest.approx(queue_time, abs=1e-3)
    assert 0 <= finished["duration"] < 5                      # the run time
    if "notification" in expected:
        note = one(frame, "notification")
        assert note["task"] == queued["task"]
        assert note["name"] == ("flash" if deliver == "notifications" else "refresh")
        assert note["wall"] > finished["wall"]
    else:
        assert rows(frame, "notification").empty
    assert_calendar_flows_with_wall_time(frame)


# --- the seed's race: the response action waits for the session lock ----------------------

def test_race_the_response_action_waits_for_the_lock(tmp_path):
    """The user answers while the task runs; the response action arrives while a
    foreground step (code that sleeps 1 s under the session lock) is running."""
    with bgkernel.Simulator(workers=2, config={"worker start delay": 0.0}) as sim:
        s = start(sim, "timeline_race.yml")
        s.answer(flag_path=str(tmp_path / "flag"), hold_seconds=1.0)
        s.answer(a1="one")
        deadline = time.monotonic() + 60        # the task is running, waiting for the flag
        while rows(s.timeline, "task_started").empty:
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(0.02)
        s.answer(a2="two")
        s.answer(a3="three")                    # writes the flag, holds the lock 1 s
        assert s.wait(60)
        assert s.refresh().question == "Done: one two three computed"
        frame = s.timeline
    assert_timeline_columns(frame)
    hold = frame[(frame["kind"] == "screen") & frame["detail"].str.startswith("Done: one two three")]
    held = hold.iloc[0]                         # the step that held the lock
    assert held["duration"] >= 1.0
    wait = one(frame, "lock_wait")
    assert wait["name"] == "response action save_result"
    assert 0.3 < wait["duration"] <= held["duration"] + 0.1
    finished, response = one(frame, "task_finished"), one(frame, "response_action")
    assert finished["wall"] < held["wall"]      # the task was done while the step ran
    assert finished["wall"] <= wait["wall"] <= response["wall"]
    assert wait["wall"] >= held["wall"] - 0.05  # it got the lock when the step let go
    assert response["duration"] >= wait["duration"]
    assert rows(frame, "lock_timeout").empty
    answers = rows(frame, "answer")["detail"].tolist()
    assert answers[-3:] == ["a1='one'", "a2='two'", "a3='three'"]


# --- the reminder over 30 days: one e-mail, on the right calendar day ---------------------

def test_reminder_over_30_days_sends_one_email_on_day_20(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading",
                            start="2031-01-06T09:00:00", config={"worker start delay": 0.0}) as sim:
        s = start(sim, "cron_reminder.yml")
        s.answer(email_address="ada@example.com")
        s.answer(filing_date="2031-01-06")
        assert s.press("Leave").kind == "leave"
        sim.advance(days=30)
        frame = sim.timeline
    assert_timeline_columns(frame)
    sent = one(frame, "email_sent")
    assert sent["session"] == s.id
    assert sent["name"] == "Hey, it's been 20 days." and sent["detail"] == "ada@example.com"
    # filed 6 January: the first daily run (06:25) more than 20 days later is on the 26th
    assert sent["at"].date() == _dt.date(2031, 1, 26)
    assert sent["at"].strftime("%H:%M") == "06:25"
    # ``at`` is the simulated calendar, ``wall`` the real seconds it took
    assert frame["at"].min() >= pd.Timestamp("2031-01-06 09:00", tz=ZONE)
    assert frame["at"].max() >= pd.Timestamp("2031-02-05 06:25", tz=ZONE)
    assert frame["wall"].max() - frame["wall"].min() < 120
    daily = frame[(frame["kind"] == "cron") & (frame["name"] == "cron_daily")
                  & (frame["session"] == s.id)]
    assert daily["at"].dt.date.nunique() == len(daily) == 30


# --- a picture: the Gantt chart of a session with two parallel tasks ----------------------

def test_gantt_png_of_a_session_with_two_parallel_tasks(tmp_path):
    charts = pytest.importorskip("bgkernel.analysis.charts")
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    with bgkernel.Simulator(backend="threading", workers=2,
                            config={"worker start delay": 0.2}) as sim:
        s = start(sim, "timeline_two_tasks.yml")
        assert s.answer(seconds=0.5).question == "Working..."
        assert s.wait(60)
        assert s.refresh().question == "first done, second done."
        other = start(sim, "timeline_two_tasks.yml")   # a second session: gantt picks one
        frame = sim.timeline
    assert_timeline_columns(frame)
    mine = frame[frame["session"] == s.id]
    spans = mine[mine["task"].notna()].pivot_table(index="task", columns="kind", values="wall",
                                                   aggfunc="first", observed=True)
    assert len(spans) == 2
    assert spans["task_started"].max() < spans["task_finished"].min(), "the two tasks overlap"
    for clock in ("wall", "calendar"):
        path = tmp_path / f"gantt-{clock}.png"
        fig = charts.gantt(frame, session=s.id, clock=clock)
        fig.savefig(path)
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000
        image = imread(path)
        assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 1
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels.count("work") == 2                            # one bar per task
    assert other.id not in fig.axes[0].get_title()


# --- persistence: the history stays in the store; CSV; the shell export -------------------

def test_history_survives_reopening_and_exports(tmp_path):
    store = str(tmp_path / "store.sqlite")
    with bgkernel.Simulator(store=store, backend="threading",
                            config={"worker start delay": 0.0}) as sim:
        s = start(sim, "timeline_two_tasks.yml")
        s.answer(seconds=0.05)
        assert s.wait(60)
        s.refresh()
        first = sim.timeline
    with bgkernel.Simulator(store=store, backend="threading") as sim:
        kept = sim.timeline
        pd.testing.assert_frame_equal(kept, first)
        sim.session(s.id).refresh()                   # new events follow the history
        more = sim.timeline
    assert len(more) == len(first) + 1
    pd.testing.assert_frame_equal(more.iloc[:len(first)], first)
    assert kinds(more)[-1] == "screen" and more["wall"].iloc[-1] > first["wall"].max()
    assert_timeline_columns(more)

    csv = tmp_path / "timeline.csv"
    export(more, csv)
    again = read_export(csv, tz=ZONE)
    pd.testing.assert_frame_equal(again[COLUMNS], more[COLUMNS], check_categorical=False)

    out = tmp_path / "shell.csv"
    done = subprocess.run([sys.executable, "-m", "bgkernel", "timeline", store, "--out", str(out)],
                          cwd=HERE.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shell = read_export(out, tz=ZONE)
    assert len(shell) == len(more)
    assert shell["kind"].astype(str).tolist() == more["kind"].astype(str).tolist()
    assert (shell["at"] == more["at"]).all() and np.allclose(shell["wall"], more["wall"])
