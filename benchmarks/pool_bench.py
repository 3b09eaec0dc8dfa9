"""Figures for bgkernel.background.pool: parallel speed-up, throughput, dispatch and terminate latency.

    python benchmarks/pool_bench.py [--backend loky] [--workers 4] [--runs 50]

Prints (all on a warm pool, whose worker start-up is measured separately):
  * four 1 s tasks on 4 workers, start_delay 0: elapsed and ratio to the ideal 1.0 s
  * 100 x 0.1 s tasks on 4 workers: elapsed and ratio to the ideal 2.5 s
  * median warm dispatch latency, submit() -> first line of fn, in ms
  * median submit() -> on_done for a no-op task, and terminate() -> on_done, in ms
The machine's load matters (a 2-core VM shared with other jobs): the bare loky executor
on the same 100-task workload is printed as a baseline.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bgkernel.background.pool import Pool  # noqa: E402


def sleeper(seconds):
    time.sleep(seconds)
    return seconds


def stamp():
    return time.time()


def run_batch(pool, fn, args_list):
    """Submit all, wait for all on_done calls; returns (elapsed seconds, outcomes)."""
    outcomes, lock, all_done = [], threading.Lock(), threading.Event()

    def on_done(outcome):
        with lock:
            outcomes.append(outcome)
            if len(outcomes) == len(args_list):
                all_done.set()
    t0 = time.perf_counter()
    for i, args in enumerate(args_list):
        pool.submit(fn, *args, task_id=f"t{i}", on_done=on_done)
    all_done.wait()
    elapsed = time.perf_counter() - t0
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise SystemExit(f"{len(failed)} task(s) failed, e.g. {failed[0]}")
    return elapsed, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="loky")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runs", type=int, default=50)
    opts = parser.parse_args()
    n = opts.workers
    pool = Pool(opts.backend, n)
    print(f"bgkernel.background.pool benchmark: backend={opts.backend} workers={n} cpus={os.cpu_count()}")

    cold, _ = run_batch(pool, sleeper, [(0,)] * n)
    print(f"cold start (first {n} no-op tasks, spawns workers): {cold * 1e3:.0f} ms")
    run_batch(pool, sleeper, [(0,)] * (4 * n))  # warm every worker

    elapsed, _ = run_batch(pool, sleeper, [(1.0,)] * 4)
    print(f"4 x 1 s tasks on {n} workers:       {elapsed:.3f} s  (ratio to 1.0 s: {elapsed / 1.0:.3f})")

    elapsed, _ = run_batch(pool, sleeper, [(0.1,)] * 100)
    ideal = 100 * 0.1 / n
    print(f"100 x 0.1 s tasks on {n} workers:   {elapsed:.3f} s  (ratio to {ideal:.1f} s: "
          f"{elapsed / ideal:.3f})")

    if opts.backend == "loky":  # same workload on the bare executor: what the machine allows
        from joblib.executor import get_memmapping_executor
        executor = get_memmapping_executor(n)
        t0 = time.perf_counter()
        for future in [executor.submit(sleeper, 0.1) for _ in range(100)]:
            future.result()
        bare = time.perf_counter() - t0
        print(f"  baseline, bare loky executor, no bgkernel wrapper: {bare:.3f} s  "
              f"(ratio {bare / ideal:.3f})")

    latencies, round_trips = [], []
    for i in range(opts.runs):
        box, done = [], threading.Event()
        t_submit = time.time()
        t0 = time.perf_counter()
        pool.submit(stamp, task_id=f"lat{i}", on_done=lambda o: (box.append(o), done.set()))
        done.wait()
        round_trips.append((time.perf_counter() - t0) * 1e3)
        latencies.append((box[0].value - t_submit) * 1e3)
    print(f"warm dispatch latency (submit -> fn starts), median of {opts.runs}: "
          f"{statistics.median(latencies):.2f} ms  (p90 {statistics.quantiles(latencies, n=10)[-1]:.2f} ms)")
    print(f"warm round trip (submit -> on_done), median:            "
          f"{statistics.median(round_trips):.2f} ms")

    if pool.can_terminate:
        kills = []
        for i in range(10):
            started, done = threading.Event(), threading.Event()
            handle = pool.submit(sleeper, 30, task_id=f"kill{i}", on_done=lambda o: done.set(),
                                 on_start=lambda s: started.set())
            started.wait()
            t0 = time.perf_counter()
            handle.terminate()
            done.wait()
            kills.append((time.perf_counter() - t0) * 1e3)
        print(f"terminate() -> on_done of a running task, median of 10: "
              f"{statistics.median(kills):.2f} ms")
    pool.shutdown()


if __name__ == "__main__":
    main()
