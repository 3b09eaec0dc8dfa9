"""Engine speed: the median time of one step (answer -> next screen) over the seed's demos,
and the import time of bgkernel.  Prints figures; asserts nothing.

    python benchmarks/engine_bench.py [--repeat N] [--docassemble-ms MS]

The target is a step at most 0.3x docassemble's, on the median of the docassemble
comparison sweep (``shared/tools/docassemble-oracle/sweep.sh`` prints both engines'
medians; ``--docassemble-ms`` takes its figure: 1.02 ms when last measured, docassemble.base
1.10.5 on a 2-core machine).  The demos here are not the sweep's ~700 interviews: the ratio
printed is an estimate; the sweep's own ratio is the measure.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import pathlib
import statistics
import subprocess
import sys
import time

DEMOS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "conformance" / "docassemble-examples"
ANSWERS = {
    "ajax-calc-javascript.yml": {"var_a": "3", "var_b": "4", "var_c": "12"},
    "ajax-calc.yml": {"var_a": "3", "var_b": "4", "var_c": "12"},
    "ajax-flash.yml": {"favorite_food": "pizza", "favorite_drink": "tea"},
    "ajax-refresh.yml": {"number_of_things": "3", "thing": "2"},
    "assemble-in-background.yml": {"sweetheart": "Sam"},
    "background-error-action-demo.yml": {"b": "6", "c": "3"},
    "check-in.yml": {"favorite_food": "apple"},
    "country-state.yml": {"country": "CA", "state": "ON"},
    "email-to-case-simple.yml": {"intro_seen": True},
    "email-to-case.yml": {"intro_seen": True},
    "target-code-multiple.yml": {"favorite_food": "apples"},
    "target-code-template.yml": {"favorite_food": "apples"},
    "target-code.yml": {"favorite_food": "apples"},
    "target-template.yml": {"favorite_food": "apples"},
}
VALUE_TO_ADD = {"value_to_add": "5"}
#: docassemble's median step in the comparison sweep (ms), and the target ratio to it.
DOCASSEMBLE_MS = 1.02
TARGET_RATIO = 0.3


class Parked(concurrent.futures.Executor):
    """Takes tasks and never runs them: steps are measured without the worker pool."""

    def __init__(self) -> None:
        self.parked: list = []

    def submit(self, fn, /, *args, **kwargs):
        future: concurrent.futures.Future = concurrent.futures.Future()
        self.parked.append(future)
        return future


def import_time(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(5)]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--docassemble-ms", type=float, default=DOCASSEMBLE_MS)
    args = parser.parse_args()
    import bgkernel
    if not DEMOS.is_dir():
        print(f"the demos are not at {DEMOS}; nothing to measure")
        return
    steps: list[float] = []
    per_demo: dict[str, float] = {}
    # Background tasks are handed to an executor that parks them: the steps measure the
    # engine and the dispatch, not the worker pool (benchmarks/background_bench.py does).
    with bgkernel.Simulator(backend=Parked()) as sim:
        for path in sorted(DEMOS.glob("*.yml")):
            interview = sim.load(str(path))
            answers = ANSWERS.get(path.name, VALUE_TO_ADD)
            times = []
            for _ in range(args.repeat):
                session = sim.start(interview)
                session.screen
                t0 = time.perf_counter()
                if answers.get("intro_seen"):
                    session.press("Continue")
                else:
                    session.answer(**answers)
                times.append(time.perf_counter() - t0)
            per_demo[path.name] = statistics.median(times)
            steps.extend(times)
    for name, value in per_demo.items():
        print(f"  {name:45s} {value * 1000:7.3f} ms")
    median = statistics.median(steps) * 1000
    print(f"step (answer -> next screen), median over {len(per_demo)} demos x {args.repeat}: "
          f"{median:.3f} ms (target < 0.5 ms; ratio {median / 0.5:.2f})")
    ratio = median / args.docassemble_ms
    print(f"against docassemble's {args.docassemble_ms:.2f} ms: ratio {ratio:.2f} (target at most "
          f"{TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'NOT met'}; the sweep's own "
          f"median is the measure)")
    print(f"import bgkernel: {import_time('bgkernel'):.3f} s (target < 0.3 s)")
    print(f"import bgkernel.simulator (what a first Simulator needs): "
          f"{import_time('bgkernel.simulator'):.3f} s")


if __name__ == "__main__":
    main()
