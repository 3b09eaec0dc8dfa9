"""Tests for bgkernel.analysis.charts: Gantt chart of a session, per-day overview."""
from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from bgkernel.analysis.charts import gantt, overview  # noqa: E402
from bgkernel.analysis.timeline import Recorder  # noqa: E402

START = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def session_with_two_parallel_tasks(rec: Recorder, session: str = "s1") -> None:
    """Two tasks queued on one screen run side by side; one fails."""
    def at(wall: float) -> dict:
        return {"at": START + timedelta(seconds=wall), "wall": wall}

    rec.record(session, "session_started", **at(0))
    rec.record(session, "screen", "question: start", **at(0))
    rec.record(session, "answer", "start", {"go": True}, **at(3))
    rec.record(session, "task_queued", "fetch_data", task="t1", **at(3))
    rec.record(session, "task_queued", "compute", task="t2", **at(3.2))
    rec.record(session, "screen", "wait screen", **at(3.3))
    rec.record(session, "task_started", "fetch_data", task="t1", **at(4))
    rec.record(session, "task_started", "compute", task="t2", **at(4.2))
    for wall in (6, 12):
        rec.record(session, "checkin", "", **at(wall))
    rec.record(session, "lock_wait", "response", duration=0.4, **at(9.5))
    rec.record(session, "task_finished", "fetch_data", "ok", duration=5.5, task="t1", **at(9.5))
    rec.record(session, "response_action", "fetch_data", task="t1", **at(9.9))
    rec.record(session, "task_failed", "compute", "ZeroDivisionError", task="t2", **at(11))
    rec.record(session, "notification", "flash", {"message": "done"}, **at(12))
    rec.record(session, "screen", "results", **at(12.1))


@pytest.fixture
def frame() -> pd.DataFrame:
    rec = Recorder(lambda: START, lambda: 0.0)
    session_with_two_parallel_tasks(rec)
    return rec.to_frame()


def assert_colourful_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000
    image = imread(path)
    colours = np.unique(image.reshape(-1, image.shape[-1]), axis=0)
    assert len(colours) > 1


def test_gantt_png_of_two_parallel_tasks(frame: pd.DataFrame, tmp_path) -> None:
    fig = gantt(frame)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-2:] == ["fetch_data", "compute"]              # one row per task
    assert {"checkin", "notification", "lock_wait"} <= set(labels)
    path = tmp_path / "gantt.png"
    fig.savefig(path)
    assert_colourful_png(path)


def test_gantt_calendar_clock(frame: pd.DataFrame, tmp_path) -> None:
    fig = gantt(frame, session="s1", clock="calendar")
    assert "calendar time (UTC)" in fig.axes[0].get_xlabel()
    path = tmp_path / "gantt-calendar.png"
    fig.savefig(path)
    assert_colourful_png(path)


def test_gantt_draws_into_given_axes(frame: pd.DataFrame) -> None:
    host = Figure()
    ax = host.subplots()
    assert gantt(frame, ax=ax) is host


def test_gantt_needs_one_session(frame: pd.DataFrame) -> None:
    rec = Recorder(lambda: START, lambda: 0.0)
    session_with_two_parallel_tasks(rec, "a")
    session_with_two_parallel_tasks(rec, "b")
    both = rec.to_frame()
    with pytest.raises(ValueError, match="session="):
        gantt(both)
    with pytest.raises(ValueError, match="no events for session 'c'"):
        gantt(both, session="c")
    with pytest.raises(ValueError, match="clock must be one of wall, calendar"):
        gantt(both, session="a", clock="sundial")
    assert isinstance(gantt(both, session="b"), Figure)


def test_figure_shows_itself_as_png(frame: pd.DataFrame) -> None:
    fig = gantt(frame)
    assert fig._repr_png_().startswith(PNG_SIGNATURE)
    assert pickle.loads(pickle.dumps(fig))._repr_png_().startswith(PNG_SIGNATURE)


def test_overview_png(tmp_path) -> None:
    rec = Recorder(lambda: START, lambda: 0.0, tz="America/New_York")
    for day in range(5):
        when = START + timedelta(days=day)
        session = f"s{day}"
        rec.record(session, "session_started", at=when)
        rec.record("", "cron", "cron_daily", at=when + timedelta(hours=1))
        if day % 2:
            rec.record("", "cron", "cron_weekly", at=when + timedelta(hours=2))
            rec.record(session, "email_sent", "reminder", at=when + timedelta(hours=3))
        if day == 3:
            rec.record(session, "email_received", "reply", at=when + timedelta(hours=4))
            rec.record("s0", "session_deleted", at=when + timedelta(hours=5))
    fig = overview(rec.to_frame())
    assert [ax.get_ylabel() for ax in fig.axes] == ["scheduled runs", "e-mails", "sessions"]
    runs = sum(p.get_height() for p in fig.axes[0].patches)
    assert runs == 7
    path = tmp_path / "overview.png"
    fig.savefig(path)
    assert_colourful_png(path)


def test_overview_of_an_empty_timeline(tmp_path) -> None:
    fig = overview(Recorder().to_frame())
    fig.savefig(tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes().startswith(PNG_SIGNATURE)


def test_charts_leave_pyplot_alone() -> None:
    code = (
        "import sys, bgkernel.analysis.charts as c, bgkernel.analysis.timeline as t\n"
        "assert 'matplotlib' not in sys.modules and 'pandas' not in sys.modules\n"
        "r = t.Recorder(); r.record('s', 'screen', 'a'); r.record('s', 'checkin')\n"
        "c.gantt(r.to_frame())._repr_png_()\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
