"""Tests for bgkernel.analysis.timeline: recording, persistence, frames, export."""
from __future__ import annotations

import importlib.util
import json
import math
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from bgkernel.analysis.export import export, main_export, read_export
from bgkernel.analysis.timeline import COLUMNS, KINDS, Event, Recorder

START = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


class FakeClocks:
    """A calendar and a wall clock that tests move by hand."""

    def __init__(self, start: datetime = START):
        self.calendar = start
        self.seconds = 0.0

    def now(self) -> datetime:
        return self.calendar

    def wall(self) -> float:
        return self.seconds

    def tick(self, seconds: float) -> None:
        self.seconds += seconds
        self.calendar += timedelta(seconds=seconds)


@pytest.fixture
def clocks() -> FakeClocks:
    return FakeClocks()


@pytest.fixture
def recorder(clocks: FakeClocks) -> Recorder:
    return Recorder(clocks.now, clocks.wall)


def record_session(rec: Recorder, clocks: FakeClocks, session: str = "s1") -> None:
    rec.record(session, "session_started")
    rec.record(session, "screen", "question: name")
    clocks.tick(2.5)
    rec.record(session, "answer", "name", {"name": "Ann"})
    rec.record(session, "task_queued", "bg_task", task="t1")
    clocks.tick(1.0)
    rec.record(session, "task_started", "bg_task", task="t1")
    clocks.tick(3.0)
    rec.record(session, "task_finished", "bg_task", 42, duration=3.0, task="t1")


# -- recording ---------------------------------------------------------------------

def test_record_uses_the_clocks_given(recorder: Recorder, clocks: FakeClocks) -> None:
    clocks.tick(5)
    recorder.record("s1", "screen", "intro")
    [event] = recorder.events()
    assert isinstance(event, Event)
    assert event.at == START + timedelta(seconds=5)
    assert event.wall == 5.0
    assert (event.session, event.kind, event.name, event.detail) == ("s1", "screen", "intro", "")
    assert math.isnan(event.duration) and event.task is None


def test_explicit_at_and_wall_override_the_clocks(recorder: Recorder) -> None:
    later = START + timedelta(days=20)
    recorder.record("s1", "cron", "cron_daily", at=later, wall=123.5)
    recorder.record("s1", "cron", "cron_daily", at=later.timestamp() + 60, wall=124)
    first, second = recorder.events()
    assert (first.at, first.wall) == (later, 123.5)
    assert second.at == later + timedelta(minutes=1)


def test_non_string_detail_is_stored_as_json(recorder: Recorder) -> None:
    recorder.record("s1", "notification", "flash", {"message": "Done", "n": 2})
    recorder.record("s1", "task_finished", "t", [1, "two", None])
    recorder.record("s1", "answer", "when", {"at": START})   # not JSON-able: str()
    recorder.record("s1", "answer", "none", None)
    details = [e.detail for e in recorder.events()]
    assert json.loads(details[0]) == {"message": "Done", "n": 2}
    assert json.loads(details[1]) == [1, "two", None]
    assert json.loads(details[2]) == {"at": str(START)}
    assert details[3] == ""


def test_any_kind_string_is_accepted(recorder: Recorder) -> None:
    recorder.record("s1", "my_custom_kind", "x")
    frame = recorder.to_frame()
    assert frame["kind"].tolist() == ["my_custom_kind"]
    assert list(frame["kind"].cat.categories[:len(KINDS)]) == list(KINDS)


def test_disabled_recorder_records_nothing(clocks: FakeClocks) -> None:
    rec = Recorder(clocks.now, clocks.wall, enabled=False)
    rec.record("s1", "screen")
    assert len(rec) == 0
    rec.enabled = True
    rec.record("s1", "screen")
    assert len(rec) == 1


def test_naive_datetimes_are_read_in_the_recorder_zone() -> None:
    rec = Recorder(lambda: datetime(2024, 7, 1, 12, 0), lambda: 0.0, tz="America/New_York")
    rec.record("s1", "screen")
    frame = rec.to_frame()
    assert str(frame["at"].dt.tz) == "America/New_York"
    assert frame["at"][0] == pd.Timestamp("2024-07-01 16:00", tz="UTC")


def test_zone_is_taken_from_the_first_aware_datetime() -> None:
    zone = ZoneInfo("Europe/Paris")
    rec = Recorder(lambda: datetime(2024, 1, 5, 8, 30, tzinfo=zone), lambda: 0.0)
    rec.record("s1", "screen")
    assert rec.tz is zone
    assert rec.events()[0].at == datetime(2024, 1, 5, 8, 30, tzinfo=zone)


def test_thread_safety_no_record_is_lost(recorder: Recorder, tmp_path) -> None:
    recorder.attach(tmp_path / "store.sqlite")
    threads, per_thread = 8, 10_000
    stop = threading.Event()

    def work(t: int) -> None:
        for i in range(per_thread):
            recorder.record(f"s{t}", "checkin", str(i), task=f"{t}-{i}")

    def read_while_recording() -> None:  # sealing and flushing race the writers
        while not stop.is_set():
            recorder.flush()
            recorder.to_frame(session="s0")

    reader = threading.Thread(target=read_while_recording)
    reader.start()
    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    reader.join()

    frame = recorder.to_frame()
    assert len(frame) == len(recorder) == threads * per_thread
    assert frame["task"].nunique() == threads * per_thread
    for t in range(threads):  # each thread's rows are in its own order
        names = frame.loc[frame["session"] == f"s{t}", "name"].astype(int).tolist()
        assert names == list(range(per_thread))
    recorder.close()
    with sqlite3.connect(tmp_path / "store.sqlite") as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT task) FROM events").fetchone() \
            == (threads * per_thread, threads * per_thread)


# -- persistence ---------------------------------------------------------------------

def test_a_reopened_store_keeps_its_history(clocks: FakeClocks, tmp_path) -> None:
    path = tmp_path / "store.sqlite"
    first = Recorder(clocks.now, clocks.wall)
    first.record("early", "screen", "before attach")   # recorded before attach: kept
    first.attach(path)
    record_session(first, clocks)
    first.close()

    second = Recorder(clocks.now, clocks.wall)
    second.attach(path)
    assert len(second) == 7
    second.record("s2", "screen", "after reopening")
    frame = second.to_frame()
    assert frame["name"].tolist()[0] == "before attach"
    assert frame["session"].tolist() == ["early"] + ["s1"] * 6 + ["s2"]
    assert frame["duration"].iloc[6] == 3.0 and math.isnan(frame["duration"].iloc[0])
    assert frame["task"].iloc[6] == "t1" and pd.isna(frame["task"].iloc[0])
    second.close()

    with Recorder(clocks.now, clocks.wall) as third:
        third.attach(path)
        assert len(third.to_frame()) == 8
        assert third.to_frame().equals(frame)


def test_flush_writes_pending_rows_once(recorder: Recorder, clocks: FakeClocks, tmp_path) -> None:
    assert recorder.flush() == 0                         # not attached
    recorder.attach(tmp_path / "store.sqlite")
    record_session(recorder, clocks)
    assert recorder.flush() == 6
    assert recorder.flush() == 0
    recorder.record("s1", "refresh")
    assert recorder.flush() == 1
    conn = sqlite3.connect(tmp_path / "store.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    kinds = [k for (k,) in conn.execute("SELECT kind FROM events ORDER BY id")]
    assert kinds[-2:] == ["task_finished", "refresh"]
    conn.close()
    recorder.close()


def test_attach_rejects_a_foreign_events_table(recorder: Recorder, tmp_path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)")
    conn.close()
    with pytest.raises(ValueError, match="lacks the timeline columns"):
        recorder.attach(path)


# -- event_chunks: the fast way back -------------------------------------------------

OLD_SCHEMA = """CREATE TABLE events (id INTEGER PRIMARY KEY, session TEXT NOT NULL,
    at REAL NOT NULL, wall REAL NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    detail TEXT NOT NULL, duration REAL, task TEXT)"""


def varied_events(rec: Recorder, clocks: FakeClocks, n: int = 50, tag: str = "") -> None:
    """Rows with every awkward value: custom kinds, NaN, None, unicode, NUL, JSON."""
    for i in range(n):
        clocks.tick(0.125 * (i % 7))
        rec.record(f"s{tag}{i % 3}", KINDS[i % len(KINDS)] if i % 5 else f"custom{tag}_{i % 2}",
                   f"name {i} é\u2603", {"i": i, "x": [1.5, None]} if i % 4 == 0
                   else ("" if i % 4 == 1 else f"a\x00b\n{i}"),
                   duration=None if i % 3 == 0 else i / 3, task=None if i % 2 else f"t{tag}{i}")


def chunk_ranges(path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT first, last FROM event_chunks ORDER BY first").fetchall()


def reopened(path, clocks: FakeClocks, **kwargs) -> pd.DataFrame:
    with Recorder(clocks.now, clocks.wall, **kwargs) as rec:
        rec.attach(path)
        return rec.to_frame()


def events_table(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT session, at, wall, kind, name, detail, duration, task "
                            "FROM events ORDER BY id").fetchall()


def test_a_reopened_store_loads_its_chunks_into_the_same_frame(clocks: FakeClocks, tmp_path,
                                                               monkeypatch) -> None:
    path = tmp_path / "store.sqlite"
    rec = Recorder(clocks.now, clocks.wall, tz="Europe/Paris")
    rec.attach(path)
    varied_events(rec, clocks, 40)
    rec.flush()
    varied_events(rec, clocks, 2000, tag="b")
    before = rec.to_frame()
    rec.close()
    assert chunk_ranges(path) and chunk_ranges(path)[0][0] == 1
    assert sum(b - a + 1 for a, b in chunk_ranges(path)) == len(before) == 2040

    import bgkernel.analysis.timeline as timeline
    decoded = []
    real_decode = timeline.decode_block
    monkeypatch.setattr(timeline, "decode_block", lambda data: decoded.append(1) or real_decode(data))
    after = reopened(path, clocks, tz="Europe/Paris")
    assert decoded                                        # read from the chunks...
    pd.testing.assert_frame_equal(after, before, check_exact=True)   # ...exactly as before
    assert list(after["kind"].cat.categories) == list(before["kind"].cat.categories)
    assert after["detail"].iloc[2] == "a\x00b\n2" and pd.isna(after["task"].iloc[1])
    assert events_table(path)[2][5] == "a\x00b\n2"      # and the events rows are still there


def test_an_older_store_with_only_events_rows_still_loads(clocks: FakeClocks, tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:                  # as an older bgkernel left it
        conn.execute(OLD_SCHEMA)
        conn.executemany("INSERT INTO events (session, at, wall, kind, name, detail, duration,"
                         " task) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [("s1", START.timestamp() + i, i * 0.5, ["screen", "old_kind"][i % 2],
                           f"n{i}", "", None if i % 2 else 1.0, None if i % 3 else f"t{i}")
                          for i in range(10)])
    conn.close()
    frame = reopened(path, clocks)
    assert len(frame) == 10 and frame["kind"].tolist()[:2] == ["screen", "old_kind"]
    assert frame["wall"].tolist() == [i * 0.5 for i in range(10)]
    assert math.isnan(frame["duration"].iloc[1]) and frame["task"].iloc[3] == "t3"
    assert chunk_ranges(path) == []                       # nothing new was written


def test_chunks_and_bare_rows_mix_without_duplicates(clocks: FakeClocks, tmp_path) -> None:
    path = tmp_path / "mixed.sqlite"
    with sqlite3.connect(path) as conn:                  # older rows, no chunks: ids 1-5
        conn.execute(OLD_SCHEMA)
        conn.executemany("INSERT INTO events (session, at, wall, kind, name, detail) "
                         "VALUES ('old', ?, ?, 'screen', ?, '')",
                         [(START.timestamp(), float(i), f"old{i}") for i in range(5)])
    conn.close()
    with Recorder(clocks.now, clocks.wall) as rec:       # chunked rows: ids 6-55
        rec.attach(path)
        varied_events(rec, clocks, 50)
    with sqlite3.connect(path) as conn:                  # another writer: ids 56-57
        conn.executemany("INSERT INTO events (session, at, wall, kind, name, detail) "
                         "VALUES ('other', ?, 0, 'checkin', ?, '')",
                         [(START.timestamp(), "x"), (START.timestamp(), "y")])
    conn.close()
    rec = Recorder(clocks.now, clocks.wall)
    rec.attach(path)
    rec.to_frame()                                       # history first: its kinds first
    varied_events(rec, clocks, 30, tag="c")              # chunked again: ids 58-87
    expected = rec.to_frame()
    rec.close()
    assert chunk_ranges(path) == [(6, 55), (58, 87)]
    frame = reopened(path, clocks)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert frame["name"].tolist()[:5] == [f"old{i}" for i in range(5)]
    assert frame["session"].tolist()[55:57] == ["other", "other"]
    assert len(frame) == 87 and [tuple(r) for r in frame.assign(
        at=frame["at"].map(pd.Timestamp.timestamp), kind=frame["kind"].astype(str),
        task=frame["task"].astype(object).where(frame["task"].notna(), None),
        duration=frame["duration"].astype(object).where(frame["duration"].notna(), None),
    ).itertuples(index=False)] == events_table(path)


def test_a_crash_between_rows_and_chunk_loses_nothing(clocks: FakeClocks, tmp_path,
                                                       monkeypatch) -> None:
    path = tmp_path / "crash.sqlite"
    rec = Recorder(clocks.now, clocks.wall)
    rec.attach(path)
    varied_events(rec, clocks, 20)
    rec.flush()                                          # ids 1-20: rows and chunk
    varied_events(rec, clocks, 20, tag="lost")
    monkeypatch.setattr(Recorder, "_write_chunk", lambda self, *args: None)
    rec.flush()                                          # ids 21-40: rows, chunk missing
    monkeypatch.undo()
    varied_events(rec, clocks, 20, tag="after")
    expected = rec.to_frame()                            # ids 41-60: rows and chunk
    rec.close()
    assert chunk_ranges(path) == [(1, 20), (41, 60)]
    frame = reopened(path, clocks)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert len(frame) == 60 and frame["task"].str.startswith("tlost").sum() == 10


def test_a_chunk_whose_rows_changed_is_not_trusted(clocks: FakeClocks, tmp_path) -> None:
    path = tmp_path / "edited.sqlite"
    with Recorder(clocks.now, clocks.wall) as rec:
        rec.attach(path)
        varied_events(rec, clocks, 20)
        rec.flush()
        varied_events(rec, clocks, 20, tag="b")
    with sqlite3.connect(path) as conn:                  # SQL edits: the triggers drop chunks
        conn.execute("DELETE FROM events WHERE id = 3")
        conn.execute("UPDATE events SET name = 'edited' WHERE id = 30")
    conn.close()
    assert chunk_ranges(path) == []
    frame = reopened(path, clocks)
    assert len(frame) == 39 and frame["name"].iloc[28] == "edited"
    with Recorder(clocks.now, clocks.wall) as rec:       # chunks again for new rows
        rec.attach(path)
        varied_events(rec, clocks, 5, tag="c")
    with sqlite3.connect(path) as conn:                  # no triggers (dropped): the count
        conn.execute("DROP TRIGGER event_chunks_stale_on_delete")   # check still refuses
        conn.execute("DELETE FROM events WHERE id = 41")
        conn.execute("UPDATE event_chunks SET data = x'00' WHERE first = 42")  # garbage
    conn.close()
    assert chunk_ranges(path) == [(41, 45)]
    frame = reopened(path, clocks)
    assert len(frame) == 43
    assert frame["name"].tolist() == [row[4] for row in events_table(path)]


def test_small_flushes_are_merged_into_few_chunks(clocks: FakeClocks, tmp_path) -> None:
    path = tmp_path / "small.sqlite"
    rec = Recorder(clocks.now, clocks.wall)
    rec.attach(path)
    for i in range(300):
        rec.record("s1", "checkin", str(i), task=f"t{i}")
        rec.flush()
        if i == 100:
            rec.to_frame()                               # history loaded mid-way: no matter
    expected = rec.to_frame()
    rec.close()
    ranges = chunk_ranges(path)
    assert len(ranges) <= 9 and ranges[0][0] == 1 and ranges[-1][1] == 300
    assert all(a == b_prev + 1 for (a, _), (_, b_prev) in zip(ranges[1:], ranges))
    pd.testing.assert_frame_equal(reopened(path, clocks), expected, check_exact=True)


# -- frames --------------------------------------------------------------------------

def test_to_frame_columns_and_dtypes(recorder: Recorder, clocks: FakeClocks) -> None:
    record_session(recorder, clocks)
    frame = recorder.to_frame()
    assert list(frame.columns) == list(COLUMNS)
    assert isinstance(frame["kind"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["at"].dtype, pd.DatetimeTZDtype)
    assert str(frame["at"].dt.tz) == "UTC"
    assert frame["wall"].dtype == "float64" and frame["duration"].dtype == "float64"
    assert pd.api.types.is_string_dtype(frame["session"])
    assert frame["at"].iloc[-1] == pd.Timestamp(START + timedelta(seconds=6.5))
    assert frame["wall"].tolist() == [0.0, 0.0, 2.5, 2.5, 3.5, 6.5]


def test_to_frame_of_an_empty_recorder(recorder: Recorder) -> None:
    frame = recorder.to_frame()
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 0
    assert isinstance(frame["at"].dtype, pd.DatetimeTZDtype)


def test_frame_is_a_copy(recorder: Recorder, clocks: FakeClocks) -> None:
    record_session(recorder, clocks)
    frame = recorder.to_frame()
    frame.loc[0, "wall"] = 999.0
    frame.loc[0, "kind"] = "answer"
    again = recorder.to_frame()
    assert again.loc[0, "wall"] == 0.0 and again.loc[0, "kind"] == "session_started"


def test_filter_by_session(recorder: Recorder, clocks: FakeClocks) -> None:
    record_session(recorder, clocks, "a")
    record_session(recorder, clocks, "b")
    recorder.record("c", "session_deleted")
    frame = recorder.to_frame(session="b")
    assert len(frame) == 6 and set(frame["session"]) == {"b"}
    assert frame.index.tolist() == list(range(6))
    assert len(recorder.to_frame(session="nobody")) == 0
    assert [e.kind for e in recorder.events("c")] == ["session_deleted"]


def test_import_does_not_import_pandas() -> None:
    code = "import sys, bgkernel.analysis.timeline; print('pandas' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False False"


# -- export --------------------------------------------------------------------------

def test_csv_round_trip(clocks: FakeClocks, tmp_path) -> None:
    rec = Recorder(clocks.now, clocks.wall, tz="America/New_York")
    record_session(rec, clocks)
    rec.record("s1", "notification", "flash", "NA")          # not read back as missing
    path = tmp_path / "timeline.csv"
    frame = export(rec, path)
    back = read_export(path, tz="America/New_York")
    pd.testing.assert_frame_equal(back, frame)


def test_parquet_needs_pyarrow(recorder: Recorder, clocks: FakeClocks, tmp_path) -> None:
    record_session(recorder, clocks)
    path = tmp_path / "timeline.parquet"
    if importlib.util.find_spec("pyarrow") is None:
        with pytest.raises(ImportError, match="pyarrow"):
            export(recorder, path)
    else:
        frame = export(recorder, path)
        pd.testing.assert_frame_equal(read_export(path), frame)


def test_export_rejects_unknown_formats(recorder: Recorder, tmp_path) -> None:
    with pytest.raises(ValueError, match=r"\.csv, \.parquet"):
        export(recorder, tmp_path / "timeline.xlsx")


def test_main_export(clocks: FakeClocks, tmp_path, capsys) -> None:
    store = tmp_path / "store.sqlite"
    with Recorder(clocks.now, clocks.wall) as rec:
        rec.attach(store)
        record_session(rec, clocks)
    assert main_export(store, tmp_path / "out.csv") == 6
    assert read_export(tmp_path / "out.csv")["kind"].tolist()[-1] == "task_finished"
    assert main_export(store, None) == 6
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == ",".join(COLUMNS) and len(printed) == 7
    with pytest.raises(FileNotFoundError):
        main_export(tmp_path / "missing.sqlite", tmp_path / "out.csv")


def test_a_recorder_that_does_not_keep_rows_reads_them_back_from_the_store(tmp_path):
    path = tmp_path / "store.sqlite"
    clock = iter(range(10**6))
    rec = Recorder(now=lambda: datetime(2031, 1, 6, tzinfo=timezone.utc), wall=lambda: next(clock))
    rec.attach(str(path))
    rec.keep = False
    rec.FLUSH_EVERY = 100
    for i in range(1050):
        rec.record(f"s{i % 7}", "cron" if i % 3 else "answer", "cron_daily", f"row {i}")
    assert rec._sealed + len(rec._session) <= 100, "flushed rows left memory"
    assert len(rec) == 1050
    frame = rec.to_frame()                          # read back: the store's rows, then the rest
    assert frame["detail"].tolist() == [f"row {i}" for i in range(1050)]
    assert frame["wall"].tolist() == list(range(1050))
    assert (frame["kind"] == "answer").sum() == 350
    for i in range(1050, 1250):                     # after a read, rows are dropped again
        rec.record("s0", "cron", "cron_daily", f"row {i}")
    assert rec._sealed + len(rec._session) <= 100
    assert rec.to_frame()["detail"].tolist() == [f"row {i}" for i in range(1250)]
    rec.close()
