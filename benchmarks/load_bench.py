"""Load: 200 sessions of one interview from 16 threads for a minute, each checking in and
starting background tasks on real worker processes.  Prints steps (sessions' check-ins and
actions) per second and the distribution of lock waits; asserts nothing.

    python benchmarks/load_bench.py [--seconds 60] [--sessions 200] [--threads 16] [--workers 2]
"""
from __future__ import annotations

import argparse
import json

import bgkernel
from bgkernel.analysis.load import drive


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", default="loky")
    args = parser.parse_args()
    with bgkernel.Simulator(backend=args.backend, workers=args.workers,
                            config={"worker start delay": 0.0}) as sim:
        report = drive(sim, sessions=args.sessions, threads=args.threads, seconds=args.seconds)
    print(json.dumps(report.summary(), indent=1))
    waits = sorted(report.lock_waits)
    if waits:
        print("lock waits (ms):", "  ".join(
            f"p{int(p * 100)} {waits[min(len(waits) - 1, int(p * len(waits)))] * 1000:.1f}"
            for p in (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)))
        edges = [0.001, 0.01, 0.1, 1.0, 4.0, float("inf")]
        low = 0.0
        for high in edges:
            n = sum(1 for w in waits if low <= w < high)
            print(f"  {low * 1000:>7.0f} - {high * 1000:>7.0f} ms  {n:6d}  {'#' * min(60, n // max(1, len(waits) // 60))}")
            low = high
    if report.errors:
        print("errors:", *report.errors[:5], sep="\n  ")


if __name__ == "__main__":
    main()
