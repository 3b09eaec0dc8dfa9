"""Load: 200 sessions of one interview driven from 16 threads, each checking in and
starting background tasks (real worker processes): no lost update, no deadlock, no task
stuck, lock waits on the timeline.  The benchmark (benchmarks/load_bench.py) runs a minute."""
from __future__ import annotations

import threading

import pytest

import bgkernel
from bgkernel.analysis.load import drive


@pytest.mark.slow
def test_two_hundred_sessions_from_sixteen_threads(tmp_path):
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="loky", workers=2,
                            config={"worker start delay": 0.0}) as sim:
        report = drive(sim, sessions=200, threads=16, seconds=10)
        assert report.errors == []
        assert report.checkins > 200 and report.launches > 50
        assert report.drained                         # every task and callback finished
        assert report.lost_updates == 0               # the answers count what was asked
        assert report.unfinished_tasks == 0 and report.failed_tasks == 0
        assert report.lock_waits                      # contention happened and was recorded
        unfinished = sim.store.unfinished_tasks()
        assert unfinished == []                       # the store agrees: nothing left running
        assert not [t for t in threading.enumerate() if t.name.startswith("load-")]
