"""A year of scheduled tasks over many sessions: how many session-runs per second?

1,000 sessions of the seed's 20-day reminder interview (``tests/interviews/cron_reminder.yml``)
are started and answered, then the calendar is advanced 365 days: 8,760 hourly runs
(the interview has no ``cron_hourly``, so they find nothing to do), 365 daily runs (each
runs ``cron_daily`` in every session and saves it), and the weekly and monthly runs.

A daily run over this many sessions uses every core: the sessions go in chunks, the
first run by this process, the others by processes it forks (``bgkernel.cron.chunks``);
``SERIAL=1`` in the environment measures the one-process path instead (``cron processes``
set to 1).  The CPU time printed is this process's only.

Run: python benchmarks/cron_bench.py [SESSIONS] [DAYS] [BACKEND]   (defaults 1000, 365, threading)
     python -m cProfile -s cumtime benchmarks/cron_bench.py 200 30
"""
from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir))
from bgkernel import Simulator  # noqa: E402  (runs from a checkout, installed or not)

INTERVIEW = os.path.join(HERE, os.pardir, "tests", "interviews", "cron_reminder.yml")


TARGET = 10000      # session-runs per second on a 2-core machine (twice the 5,000 measured before)


def _children_cpu() -> float:
    """CPU seconds of the child processes that have ended (the forked chunks)."""
    times = os.times()
    return times.children_user + times.children_system


def make_sessions(sim: Simulator, count: int) -> list:
    """Start and answer ``count`` sessions under one calendar freeze (one freezegun start)."""
    interview = sim.load(INTERVIEW)
    sessions = []
    with sim.clock.frozen():
        for i in range(count):
            session = sim.start(interview)
            session.answer(email_address=f"user{i}@example.com")
            session.answer(filing_date="2026-01-02")
            sessions.append(session)
    return sessions


def main(count: int = 1000, days: int = 365, backend: str = "threading") -> dict:
    print(f"backend {backend}")
    serial = os.environ.get("SERIAL") == "1"
    print(f"{'one process' if serial else 'every core'} for the scheduled runs")
    with Simulator(start="2026-01-05T09:00:00", backend=backend,
                   config={"record timeline": True, "cron processes": 1 if serial else None}) as sim:
        t0 = time.perf_counter()
        make_sessions(sim, count)
        made = time.perf_counter() - t0
        print(f"{count} sessions started and answered in {made:.2f} s "
              f"({count / made:,.0f} sessions/s)")
        t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
        runs = sim.advance(days=days, progress=sys.stderr.isatty() or None)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        forked = _children_cpu() - k0
        session_runs = sum(1 for run in runs for r in run["results"] if r["outcome"] != "expired")
        by_type: dict[str, int] = {}
        for run in runs:
            by_type[run["type"]] = by_type.get(run["type"], 0) + 1
        mails = len(sim.outbox)
        print(f"advanced {days} days: {len(runs):,} scheduled runs "
              f"({', '.join(f'{n:,} {t}' for t, n in sorted(by_type.items()))})")
        print(f"{session_runs:,} session-runs in {elapsed:.2f} s: "
              f"{session_runs / elapsed:,.0f} session-runs/s")
        total = cpu + forked
        print(f"CPU time {total:.2f} s ({total / elapsed:.0%} of a core): this process {cpu:.2f} s, "
              f"its forked chunks {forked:.2f} s; {total / session_runs * 1e6:.0f} us per session-run")
        print(f"target: at least {TARGET:,} session-runs/s: "
              f"{'met' if session_runs / elapsed >= TARGET else 'NOT met'} "
              f"({session_runs / elapsed / TARGET:.2f}x)")
        print(f"{mails:,} reminder e-mails sent; calendar now {sim.now():%Y-%m-%d %H:%M %Z}")
        assert mails == count, f"expected {count} reminders, got {mails}"
        return {"sessions": count, "scheduled_runs": len(runs), "session_runs": session_runs,
                "seconds": elapsed, "cpu_seconds": cpu + forked, "per_second": session_runs / elapsed}


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]), *sys.argv[3:4])
