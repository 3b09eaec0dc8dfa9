"""How cheap is recording, and how fast does a big timeline become a DataFrame?

Run: python benchmarks/timeline_bench.py [N]   (N events for the DataFrame, default 1,000,000)
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
from bgkernel.analysis.timeline import Recorder  # noqa: E402  (runs from a checkout, installed or not)

KINDS = ("screen", "answer", "checkin", "task_queued", "task_started", "task_finished")


def per_record_cost(n: int = 200_000, detail: object = "") -> float:
    """Microseconds per record(), clocks included (datetime.now, perf_counter)."""
    rec = Recorder(lambda: datetime.now(timezone.utc), time.perf_counter)
    start = time.perf_counter()
    for _ in range(n):
        rec.record("s1", "notification", "flash", detail)
    return (time.perf_counter() - start) / n * 1e6


def per_record_cost_threads(threads: int = 4, n: int = 50_000) -> float:
    """Microseconds per record() while `threads` threads record at once (wall time / total)."""
    rec = Recorder(lambda: datetime.now(timezone.utc), time.perf_counter)

    def work() -> None:
        for _ in range(n):
            rec.record("s1", "notification", "flash", "")

    pool = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return (time.perf_counter() - start) / (threads * n) * 1e6


def frame_time(n: int) -> tuple[float, float, float, Recorder]:
    """Seconds to record n events (explicit clocks) and to turn them into a DataFrame, twice."""
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    rec = Recorder(lambda: base, time.perf_counter, tz="America/New_York")
    t0 = time.perf_counter()
    for i in range(n):
        rec.record(f"session-{i % 100}", KINDS[i % 6], "step", "", 0.5 if i % 3 else None,
                   at=1_704_067_200.0 + i, wall=i * 0.001, task=f"t{i % 1000}" if i % 2 else None)
    recorded = time.perf_counter() - t0
    t0 = time.perf_counter()
    frame = rec.to_frame()  # the first call also imports pandas
    built = time.perf_counter() - t0
    assert len(frame) == n
    t0 = time.perf_counter()
    rec.to_frame()
    again = time.perf_counter() - t0
    return recorded, built, again, rec


def store_time(rec: Recorder, path: str) -> tuple[float, float, float]:
    """Seconds to flush a recorder's events to a new SQLite store, to load them back (from
    the ``event_chunks`` blobs), and to load them back from the ``events`` rows alone (as
    from a store written before ``event_chunks``)."""
    import sqlite3

    t0 = time.perf_counter()
    rec.attach(path)
    rec.flush()
    flushed = time.perf_counter() - t0
    rec.close()

    def load() -> float:
        t0 = time.perf_counter()
        with Recorder() as again:
            again.attach(path)
            again.to_frame()
        return time.perf_counter() - t0

    from_chunks = load()
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM event_chunks")
    conn.close()
    return flushed, from_chunks, load()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(f"record(), one thread:           {per_record_cost():.2f} µs per event")
    print(f"record(), dict detail (JSON):   {per_record_cost(detail={'message': 'hi'}):.2f} µs")
    print(f"record(), four threads at once: {per_record_cost_threads():.2f} µs per event")
    recorded, built, again, rec = frame_time(n)
    print(f"record {n:,} events:      {recorded:.2f} s ({recorded / n * 1e6:.2f} µs each)")
    print(f"to_frame() of {n:,} events: {built:.2f} s first (pandas import included), "
          f"{again:.2f} s again")
    with tempfile.TemporaryDirectory() as tmp:
        flushed, loaded, from_rows = store_time(rec, os.path.join(tmp, "store.sqlite"))
    print(f"flush {n:,} events to SQLite:  {flushed:.2f} s; reopen and to_frame(): {loaded:.2f} s "
          f"(from the events rows alone, as an older store: {from_rows:.2f} s)")


if __name__ == "__main__":
    main()
