"""What does the timeline cost?  Issue 7's three figures.

(a) a screen step with recording on vs off (``config={"record timeline": False}``),
    printed as a ratio; the target is at most 1.10;
(b) 1,000,000 recorded events turned into a DataFrame; the target is under 2 s;
(c) a cohort of 1,000 users of the seed's 20-day reminder interview over 90 days:
    sessions per second, session-runs per second, total time.

Run: python benchmarks/recording_bench.py [--events N] [--users N] [--days N] [--spread N]
                                          [--parallel N] [--pairs N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir))
from bgkernel import Simulator  # noqa: E402  (runs from a checkout, installed or not)
from bgkernel.calendar.clock import real_monotonic  # noqa: E402

REMINDER = os.path.join(HERE, os.pardir, "tests", "interviews", "cron_reminder.yml")
QUESTIONS = 30


def steps_interview(questions: int = QUESTIONS) -> str:
    """An interview of ``questions`` one-field screens, then an end screen."""
    blocks = ["mandatory: True\ncode: |\n" + "".join(f"  q{i}\n" for i in range(questions))
              + "  the_end\n"]
    blocks += [f"question: Question {i} of {questions}\nfields:\n  - Answer {i}: q{i}\n"
               for i in range(questions)]
    blocks.append("event: the_end\nquestion: Thank you.\n")
    return "---\n".join(blocks)


# --- (a) a screen step, recording on vs off --------------------------------------------------

def session_steps(sim: Simulator, interview: object) -> float:
    """Seconds per answer (one screen step) through one session of ``interview``."""
    s = sim.start(interview)
    s.screen
    t0 = time.perf_counter()
    for i in range(QUESTIONS):
        s.answer(**{f"q{i}": f"answer {i}"})
    elapsed = (time.perf_counter() - t0) / QUESTIONS
    assert s.screen.question == "Thank you."
    return elapsed


def recording_overhead(pairs: int = 100) -> dict[str, float]:
    """Seconds per step with recording on and off, their ratio, and the same ratio
    estimated from what recording does per step (events per step x cost of one).

    Two simulators live side by side, one recording and one not (``record timeline``
    False); their sessions alternate, each pair in the other order, so both see the
    same machine noise.  The ratio is the median of the pairs' ratios."""
    from bgkernel.analysis.timeline import Recorder

    source = steps_interview()
    with Simulator(backend="threading") as on_sim, \
            Simulator(backend="threading", config={"record timeline": False}) as off_sim:
        sides = [(on_sim, on_sim.load(source)), (off_sim, off_sim.load(source))]
        for sim, interview in sides * 3:                    # warm up both
            session_steps(sim, interview)
        on, off = [], []
        for pair in range(pairs):
            order = sides if pair % 2 == 0 else sides[::-1]
            for sim, interview in order:
                (on if sim is on_sim else off).append(session_steps(sim, interview))
        events = len(on_sim.recorder) / ((pairs + 3) * QUESTIONS)
        assert events > 0 and len(off_sim.recorder) == 0
        probe = Recorder(on_sim.clock.now, on_sim.clock.wall, tz=on_sim.config["timezone"])
        n = 100_000
        t0 = time.perf_counter()
        for _ in range(n):
            probe.record("0123456789abcdef", "screen", "Question_7", "Question 7 of 30", 0.001)
        per_event = (time.perf_counter() - t0) / n
    t_on, t_off = statistics.median(on), statistics.median(off)
    return {"on": t_on, "off": t_off,
            "ratio": statistics.median(a / b for a, b in zip(on, off)),
            "events per step": events, "per event": per_event,
            "estimated ratio": 1 + events * per_event / t_off}


# --- (b) a million events into a DataFrame ---------------------------------------------------

def million_events(n: int) -> dict[str, float]:
    """Record ``n`` events through a simulator's recorder (its clocks, its store), then
    time ``to_frame()``: in memory, and as ``sim.timeline`` does with the store attached
    (the first call also writes the events to SQLite)."""
    from bgkernel.analysis.timeline import Recorder

    import pandas  # noqa: F401 -- imported once, not timed

    kinds = ("screen", "answer", "checkin", "task_queued", "task_started", "task_finished")
    out: dict[str, float] = {}
    folder = tempfile.TemporaryDirectory()
    store = os.path.join(folder.name, "store.sqlite")
    with Simulator(store=store, backend="threading") as sim:
        memory = Recorder(sim.clock.now, sim.clock.wall, tz=sim.config["timezone"])
        for recorder, label in ((memory, "memory"), (sim.recorder, "store")):
            record = recorder.record
            t0 = time.perf_counter()
            for i in range(n):
                record(f"session-{i % 1000}", kinds[i % 6], "Question_3", "value_to_add=5",
                       0.25 if i % 3 else None, task=f"t{i % 5000}" if i % 2 else None)
            out[f"record {label}"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            frame = recorder.to_frame()
            out[f"to_frame {label}"] = time.perf_counter() - t0
            assert len(frame) == n
            t0 = time.perf_counter()
            recorder.to_frame()
            out[f"again {label}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert len(sim.timeline) == n
        out["sim.timeline"] = time.perf_counter() - t0
    with Simulator(store=store, backend="threading") as sim:   # an analyst reopens the store
        t0 = time.perf_counter()
        assert len(sim.timeline) == n
        out["reopened"] = time.perf_counter() - t0
    folder.cleanup()
    return out


# --- (c) a cohort of reminder users over 90 days ---------------------------------------------

def cohort(users: int, days: int, parallel: int, spread: int = 30) -> dict[str, float]:
    """``users`` start over ``spread`` days (filing on their first day), then the calendar
    runs on to ``days`` after the first start."""
    import numpy as np
    import pandas as pd

    begin = pd.Timestamp("2031-01-06 00:00")
    k = np.arange(users)
    answers = pd.DataFrame({"email_address": [f"user{i}@example.com" for i in k],
                            "start": k % spread})
    answers["filing_date"] = begin + pd.to_timedelta(answers["start"], unit="D")
    out: dict[str, float] = {}
    with Simulator(backend="threading", start=begin.isoformat()) as sim:
        advance = sim.advance
        advancing = [0.0]

        def timed_advance(**kwargs: float) -> list:     # the runs between start days
            t = real_monotonic()                         # the cohort holds a calendar freeze
            try:
                return advance(**kwargs)
            finally:
                advancing[0] += real_monotonic() - t

        sim.advance = timed_advance                      # type: ignore[method-assign]
        t0 = time.perf_counter()
        outcomes = sim.cohort(REMINDER, answers, parallel=parallel, presses=["Leave"])
        out["cohort"] = time.perf_counter() - t0
        out["cohort advancing"] = advancing[0]
        sim.advance = advance                            # type: ignore[method-assign]
        assert (outcomes["stopped"] == "leave").all(), outcomes["stopped"].value_counts()
        t1 = time.perf_counter()
        end = begin.tz_localize(sim.clock.tz) + pd.Timedelta(days=days)
        runs = sim.advance(seconds=(end - sim.now()).total_seconds())
        out["advance"] = time.perf_counter() - t1
        out["total"] = time.perf_counter() - t0
        t2 = time.perf_counter()
        frame = sim.timeline
        out["timeline"] = time.perf_counter() - t2
        cron = frame[frame["kind"] == "cron"]
        out["session-runs"] = float((cron["session"] != "").sum())
        out["runs after the cohort"] = float(len(runs))
        out["events"] = float(len(frame))
        sent = frame[frame["kind"] == "email_sent"]
        out["e-mails"] = float(len(sent))
        per_day = sent.groupby(sent["at"].dt.date).size()
        out["e-mail days"] = float(len(per_day))
        out["busiest day"] = float(per_day.max()) if len(per_day) else 0.0
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--pairs", type=int, default=100, help="sessions per side in (a)")
    parser.add_argument("--spread", type=int, default=30, help="users start over this many days")
    args = parser.parse_args(argv)

    a = recording_overhead(args.pairs)
    verdict = "ok" if a["ratio"] <= 1.10 else "OVER TARGET"
    print(f"(a) screen step: {a['on'] * 1e3:.3f} ms recording, {a['off'] * 1e3:.3f} ms not; "
          f"ratio {a['ratio']:.3f} (target <= 1.10: {verdict})")
    print(f"    recording is {a['events per step']:.2f} events per step at "
          f"{a['per event'] * 1e6:.2f} us each: estimated ratio {a['estimated ratio']:.3f}")

    f = million_events(args.events)

    def mark(seconds: float) -> str:
        return f"{seconds:.2f} s" + (" (OVER 2 s)" if seconds >= 2 else "")

    verdict = "ok" if f["to_frame memory"] < 2 else "OVER TARGET"
    print(f"(b) {args.events:,} events: record {f['record memory']:.2f} s "
          f"({f['record memory'] / args.events * 1e6:.2f} us each); "
          f"to_frame() {f['to_frame memory']:.2f} s (again {f['again memory']:.2f} s) "
          f"(target < 2 s: {verdict})")
    print(f"    a simulator's store: the first to_frame() {mark(f['to_frame store'])} "
          f"(it writes the events to SQLite first), then {mark(f['again store'])}; "
          f"sim.timeline {mark(f['sim.timeline'])}; "
          f"a reopened store's sim.timeline {mark(f['reopened'])} (it reads them back)")

    c = cohort(args.users, args.days, args.parallel, args.spread)
    driving = c["cohort"] - c["cohort advancing"]
    print(f"(c) cohort of {args.users:,} reminder users over {args.days} days "
          f"(starting over {args.spread} days, parallel={args.parallel}):")
    print(f"    cohort {c['cohort']:.1f} s: {driving:.1f} s starting and answering sessions "
          f"({args.users / driving:.0f} sessions/s), {c['cohort advancing']:.1f} s in the "
          f"scheduled runs between start days")
    print(f"    then {c['runs after the cohort']:.0f} scheduled runs to day {args.days} in "
          f"{c['advance']:.1f} s; {c['session-runs']:,.0f} session-runs in all")
    print(f"    total {c['total']:.1f} s ({args.users / c['total']:.1f} users/s end to end, "
          f"{c['session-runs'] / c['total']:,.0f} session-runs/s); {c['e-mails']:.0f} e-mails "
          f"over {c['e-mail days']:.0f} days (at most {c['busiest day']:.0f} a day); "
          f"{c['events']:,.0f} events, sim.timeline in {c['timeline']:.2f} s")


if __name__ == "__main__":
    main()
