"""Check-in round trip (call -> commands) on docassemble's target-template demo.  Prints; asserts nothing.

    python benchmarks/checkin_bench.py [--repeat N]
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import time

import bgkernel

DEMO = pathlib.Path(__file__).resolve().parents[2] / "shared" / "conformance" / "docassemble-examples" / "target-template.yml"
OWN = """
question: |
  What is your favorite food?
fields:
  - Favorite food: favorite_food
under: |
  [TARGET feedback]
check in: question_food
---
template: question_food
content: |
  % if action_argument('favorite_food'):
  _What?_  You like ${ action_argument('favorite_food').upper() }?
  % endif
target: feedback
---
mandatory: True
question: Your favorite food is ${ favorite_food }.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    source = str(DEMO) if DEMO.is_file() else OWN
    with bgkernel.Simulator(backend="threading") as sim:
        session = sim.start(sim.load(source))
        session.screen
        times = []
        foods = ["apples", "pears", "figs", "plums"]
        for n in range(args.repeat):
            t0 = time.perf_counter()
            commands = session.checkin(changed="favorite_food", favorite_food=foods[n % 4])
            times.append(time.perf_counter() - t0)
        assert commands and commands[0]["extra"] == "backgroundresponse"
    median = statistics.median(times) * 1000
    print(f"check-in round trip on {'target-template.yml' if DEMO.is_file() else 'an equivalent interview'}: "
          f"median {median:.3f} ms over {args.repeat} (target < 2 ms; ratio {median / 2:.2f})")


if __name__ == "__main__":
    main()
