"""Cohorts at scale: users of the seed's reminder interview through a year of calendar.

Each user (``bgkernel/examples/reminder.yml``) answers the filing date, the amount (its
background task computes the fee, sleeping half a second, on the task pool), the e-mail
address, and leaves; then the calendar advances DAYS, firing every scheduled run (the
daily one runs in every session and e-mails each user once, 20 days after filing).

Measured in a fresh process each, so the peak memory (resident set, ``ru_maxrss``) is
the run's own:

* ``in-process``: ``sim.cohort(...)`` then ``sim.advance(days=DAYS)`` in this process;
* ``cluster``: ``sim.cohort(..., advance={"days": DAYS}, client=client)`` on a
  ``LocalCluster(n_workers=2)``, shards of ``--shard-size`` users, timelines spilled to
  Parquet; the peak is the caller's (which also hosts the scheduler) and each worker's.
* ``--big-users`` (default 100,000): the cluster run again, for its peak memory with the
  timelines spilled; ``--big-days`` sets its calendar (a year of 100,000 users is 36.5
  million session-runs: hours on two cores).  ``--big-mode in-process`` runs it in this
  process instead, with config ``timeline in memory`` False (rows leave memory once the
  store has them).

Prints users/s, session-runs/s and peak memory; asserts nothing but the e-mail count.

    python benchmarks/cohort_bench.py [--users 10000] [--days 365] [--mode both]
                                      [--big-users 100000] [--big-days 30] [--shard-size 1000]
                                      [--threads 256]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir))
INTERVIEW = os.path.join(HERE, os.pardir, "bgkernel", "examples", "reminder.yml")
START = "2031-01-06T09:00:00"
#: The task pool and the cohort's threads (``--threads``): each user waits about 1.5 s for
#: its fee task (the worker's 1 s start delay, then the task's 0.5 s sleep), so many overlap.
THREADS = 256


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def answers(count: int):
    import numpy as np
    import pandas as pd

    k = np.arange(count)
    return pd.DataFrame({"filing_date": "2031-01-02", "amount": (k % 1000 + 100).astype(float),
                         "email_address": [f"user{i}@example.com" for i in k]})


def one(mode: str, users: int, days: int, shard_size: int, folder: str,
        threads: int = THREADS) -> dict:
    """One measured run, in this (fresh) process."""
    from bgkernel import Simulator

    table = answers(users)
    out: dict = {"mode": mode, "users": users, "days": days, "threads": threads}
    config = {"timeline in memory": mode != "spilled"}
    with Simulator(store=os.path.join(folder, "store.sqlite"), backend="threading",
                   workers=threads, start=START, config=config) as sim:
        if mode in ("in-process", "spilled"):
            t0 = time.perf_counter()
            outcomes = sim.cohort(INTERVIEW, table, parallel=threads, presses=["Leave"])
            t1 = time.perf_counter()
            runs = sim.advance(days=days)
            t2 = time.perf_counter()
            out.update(users_seconds=t1 - t0, advance_seconds=t2 - t1, seconds=t2 - t0,
                       session_runs=sum(r["outcome"] != "expired" for run in runs
                                        for r in run["results"]),
                       timeline_rows=len(sim.recorder))
        else:
            import dask
            from distributed import Client, LocalCluster

            # A worker whose shard runs hundreds of threads gets the GIL for its event loop
            # rarely: it can miss heartbeats for minutes while it works, and the default
            # worker-ttl (5 minutes) would restart it and run its shard again.
            dask.config.set({"distributed.scheduler.worker-ttl": "1 hour"})
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=None, memory_limit=0) as cluster, \
                    Client(cluster) as client:
                client.run(lambda: None)                     # the workers are up
                t0 = time.perf_counter()
                outcomes = sim.cohort(INTERVIEW, table, parallel=threads, presses=["Leave"],
                                      advance={"days": days}, client=client,
                                      shard_size=shard_size)
                seconds = time.perf_counter() - t0
                stats = list(sim.shard_timeline.stats.values())
                out.update(seconds=seconds, shards=len(stats),
                           session_runs=sum(s["session_runs"] for s in stats),
                           users_seconds=sum(s["users_seconds"] for s in stats) / 2,
                           advance_seconds=sum(s["advance_seconds"] for s in stats) / 2,
                           timeline_rows=len(sim.shard_timeline),
                           worker_peak_mb=sorted(client.run(peak_mb).values()))
        out.update(errors=int((outcomes["error"] != "").sum()), emails=len(sim.outbox),
                   stopped=outcomes["stopped"].value_counts().to_dict(), peak_mb=peak_mb())
    return out


def measure(mode: str, users: int, days: int, shard_size: int, threads: int = THREADS) -> dict:
    with tempfile.TemporaryDirectory(prefix="bgkernel-cohort-bench-") as folder:
        line = subprocess.check_output(
            [sys.executable, __file__, "--one", mode, "--users", str(users), "--days", str(days),
             "--shard-size", str(shard_size), "--threads", str(threads), "--folder", folder],
            text=True).splitlines()[-1]
    return json.loads(line)


def show(got: dict) -> None:
    users, runs = got["users"], got["session_runs"]
    print(f"{got['mode']:>10}: {users:,} users, {got['days']} days, {got['seconds']:.1f} s; "
          f"errors {got['errors']}, e-mails {got['emails']:,}, stopped {got['stopped']}")
    print(f"{'':>10}  users/s {users / got['users_seconds']:,.0f} (answering; "
          f"{got['users_seconds']:.1f} s{' per worker' if 'shards' in got else ''})  "
          f"session-runs/s {runs / got['advance_seconds']:,.0f} ({runs:,} in "
          f"{got['advance_seconds']:.1f} s)  whole cohort {users / got['seconds']:,.0f} users/s")
    workers = got.get("worker_peak_mb")
    print(f"{'':>10}  peak memory: {got['peak_mb']:,.0f} MB this process"
          + (f" (with the scheduler), workers {', '.join(f'{w:,.0f}' for w in workers)} MB"
             if workers else "") + f"; {got['timeline_rows']:,} timeline rows"
          + (f" spilled to Parquet in {got['shards']} shards" if "shards" in got else
             " in the store, not in memory" if got["mode"] == "spilled" else " in memory"))
    if got["errors"] or (got["days"] > 20 and got["emails"] != users):
        print(f"{'':>10}  CHECK: expected {users:,} e-mails and no errors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--mode", choices=["both", "in-process", "cluster", "none"], default="both")
    parser.add_argument("--big-users", type=int, default=100000, help="0: skip the big run")
    parser.add_argument("--big-days", type=int, default=30)
    parser.add_argument("--big-mode", choices=["cluster", "in-process"], default="cluster")
    parser.add_argument("--shard-size", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="the cohort's threads and the task pool's workers")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.users, args.days, args.shard_size, args.folder, args.threads)))
        return
    modes = ["in-process", "cluster"] if args.mode == "both" else (
        [] if args.mode == "none" else [args.mode])
    for mode in modes:
        show(measure(mode, args.users, args.days, args.shard_size, args.threads))
    if args.big_users:
        show(measure("cluster" if args.big_mode == "cluster" else "spilled", args.big_users,
                     args.big_days, args.shard_size, args.threads))


if __name__ == "__main__":
    main()
