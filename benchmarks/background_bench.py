"""Background actions at the Simulator level (issue 3's figures).  Prints; asserts nothing.

* four 1-second tasks on 4 workers (worker start delay 0): dispatch -> all done, ratio to 1.0 s
* 100 tasks of 0.1 s on 4 workers: ratio to the ideal 2.5 s
* median dispatch latency of a warm pool (task queued -> action code starts), in ms
* median time to apply a response action, in ms

    python benchmarks/background_bench.py [--backend loky|threading]
"""
from __future__ import annotations

import argparse
import statistics
import time

import bgkernel

INTERVIEW = """
mandatory: True
code: |
  tasks = [background_action('work', seconds=seconds, index=i) for i in range(how_many)]
---
mandatory: True
question: Started.
---
question: How many?
fields:
  - How many: how_many
    datatype: integer
  - Seconds: seconds
    datatype: number
---
event: work
code: |
  import time
  started = time.time()
  time.sleep(action_argument('seconds'))
  background_response_action('done', index=action_argument('index'), started=started)
---
event: done
code: |
  background_response(action_argument('started'))
"""


def run(sim, how_many: int, seconds: float) -> tuple[float, list[float], list[float]]:
    """(seconds from dispatch to all done, dispatch latencies, response-action times)."""
    session = sim.start(sim.load(INTERVIEW))
    session.screen
    t0 = time.time()
    session.answer(how_many=how_many, seconds=seconds)
    assert session.wait(600), "tasks did not finish"
    frame = session.timeline
    offset = time.time() - sim.clock.wall()          # epoch = wall + offset
    queued = frame[frame["kind"] == "task_queued"].set_index("task")["wall"] + offset
    done_at = (frame[frame["kind"] == "response_action"]["wall"] + offset).max()
    starts = {t.id: t.get() for t in session.tasks}
    latency = [starts[task] - queued[task] for task in queued.index]
    responses = list(frame[frame["kind"] == "response_action"]["duration"])
    first = queued.min() if len(queued) else t0
    return done_at - first, latency, responses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="loky")
    args = parser.parse_args()
    with bgkernel.Simulator(workers=4, backend=args.backend,
                            config={"worker start delay": 0.0}) as sim:
        run(sim, 8, 0.05)                                      # warm the pool
        elapsed, _, _ = run(sim, 4, 1.0)
        print(f"four 1 s tasks on 4 workers: {elapsed:.3f} s from dispatch (ratio to 1.0 s: {elapsed:.2f}; target <= 1.2)")
        elapsed, _, responses = run(sim, 100, 0.1)
        print(f"100 tasks of 0.1 s on 4 workers: {elapsed:.3f} s (ratio to 2.5 s: {elapsed / 2.5:.2f}; target <= 1.2)")
        latencies: list[float] = []
        for _ in range(20):
            _, lat, resp = run(sim, 1, 0.0)
            latencies.extend(lat)
            responses.extend(resp)
            time.sleep(0.02)
        print(f"median dispatch latency, warm pool: {statistics.median(latencies) * 1000:.2f} ms (target < 20 ms)")
        print(f"median time to apply a response action: {statistics.median(responses) * 1000:.2f} ms (target < 5 ms)")


if __name__ == "__main__":
    main()
