"""A load run: many sessions of one interview driven from many threads at once.

:func:`drive` starts ``sessions`` sessions, then ``threads`` threads each pick a session
at random, again and again for ``seconds`` of wall time, and check in (the screen's
``check in`` action) or run an action that starts background tasks.  The interview
counts, in its own answers, each check-in and each background task's response action;
the driver counts what it asked for.  At the end it waits for every task and reads the
answers back: :class:`LoadReport` says how many updates were lost (should be none),
which tasks did not finish (none), and how long lock waits were (from the timeline).

``LOAD_INTERVIEW`` is an interview made for it (``hits`` and ``done`` counters).
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import BgkernelError

if TYPE_CHECKING:
    from ..runtime.host import Host

__all__ = ["drive", "LoadReport", "LOAD_INTERVIEW"]

LOAD_INTERVIEW = """
mandatory: True
code: |
  hits = 0
  done = 0
---
mandatory: True
question: |
  ${ hits } check-ins, ${ done } tasks done
fields:
  - Note: note
    required: False
check in: hit
---
event: hit
code: |
  hits += 1
  background_response('ok')
---
event: launch
code: |
  the_task = background_action('work', None, n=1)
---
event: work
code: |
  background_response_action('record', n=action_argument('n'))
---
event: record
code: |
  done += action_argument('n')
  background_response()
"""


@dataclass
class LoadReport:
    sessions: int
    threads: int
    seconds: float
    gestures: int = 0
    checkins: int = 0
    launches: int = 0
    errors: list[str] = field(default_factory=list)
    lost_updates: int = 0          # counts the answers miss (hits and done, all sessions)
    unfinished_tasks: int = 0
    failed_tasks: int = 0
    lock_waits: list[float] = field(default_factory=list)
    lock_timeouts: int = 0
    drained: bool = True

    @property
    def sessions_per_second(self) -> float:
        """Gestures (check-ins and actions) per second: each is one session's step."""
        return self.gestures / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        waits = sorted(self.lock_waits)

        def q(p: float) -> float:
            return waits[min(len(waits) - 1, int(p * len(waits)))] if waits else 0.0
        return {"sessions": self.sessions, "threads": self.threads, "seconds": round(self.seconds, 2),
                "steps": self.gestures, "steps/s": round(self.sessions_per_second, 1),
                "check-ins": self.checkins, "launches": self.launches, "errors": len(self.errors),
                "lost updates": self.lost_updates, "unfinished tasks": self.unfinished_tasks,
                "failed tasks": self.failed_tasks, "lock waits": len(waits),
                "lock wait p50 ms": round(q(0.5) * 1000, 2), "lock wait p90 ms": round(q(0.9) * 1000, 2),
                "lock wait p99 ms": round(q(0.99) * 1000, 2),
                "lock wait max ms": round((waits[-1] if waits else 0.0) * 1000, 2),
                "lock timeouts": self.lock_timeouts}


def drive(sim: "Host", sessions: int = 200, threads: int = 16, seconds: float = 60.0,
          launch_share: float = 0.3, seed: int = 17, drain_timeout: float = 120.0) -> LoadReport:
    """Run the load (see the module docstring) on ``sim``; returns the report."""
    interview = sim.load(LOAD_INTERVIEW)
    started = [sim.start(interview) for _ in range(sessions)]
    ids = [s.id for s in started]
    hits = dict.fromkeys(ids, 0)
    launched = dict.fromkeys(ids, 0)
    report = LoadReport(sessions, threads, seconds)
    count = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < stop:
            session = started[rng.randrange(sessions)]
            launch = rng.random() < launch_share
            try:
                if launch:
                    session.action("launch")
                else:
                    commands = session.checkin()
                    if any(c.get("extra") == "error" for c in commands):
                        raise BgkernelError(f"check-in error: {commands}")
            except BgkernelError as err:
                with count:
                    report.errors.append(f"{session.id}: {err}")
                continue
            with count:
                report.gestures += 1
                if launch:
                    report.launches += 1
                    launched[session.id] += 1
                else:
                    report.checkins += 1
                    hits[session.id] += 1

    t0 = time.monotonic()
    pool = [threading.Thread(target=worker, args=(n,), name=f"load-{n}") for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    report.seconds = time.monotonic() - t0
    report.drained = sim.tasks.wait_session(None, timeout=drain_timeout)
    for session in started:
        report.lost_updates += abs(hits[session.id] - (session.get("hits") or 0))
        report.lost_updates += abs(launched[session.id] - (session.get("done") or 0))
        for task in session.tasks:
            if not task.ready():
                report.unfinished_tasks += 1
            elif task.failed():
                report.failed_tasks += 1
    frame = sim.timeline
    mine = frame[frame.session.isin(set(ids))]
    report.lock_waits = [float(d) for d in mine[mine.kind == "lock_wait"].duration.dropna()]
    report.lock_timeouts = int((mine.kind == "lock_timeout").sum())
    return report
