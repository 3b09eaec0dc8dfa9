"""The parallel path of a scheduled run (chunks of sessions in forked processes) gives what the
serial path gives: results, saved answers, outbox, deletions, background tasks; and a chunk
whose process dies loses no session-run and runs none twice."""
from __future__ import annotations

import os

import pytest

import bgkernel
from bgkernel.cron import runs as cron, parallel as cron_parallel

START = "2026-01-05T09:00:00"
LABELS = ["plain", "mail", "print", "null", "exit", "error", "bg", "plain", "mail", "address"]

SOURCE = """
mandatory: True
code: |
  allow_cron = True
  multi_user = True
---
initial: True
code: |
  process_action()
---
mandatory: True
question: Label?
fields:
  - Label: label
---
mandatory: True
question: Done
---
event: cron_daily
code: |
  import os
  counter = counter + 1 if defined('counter') else 1
  if label == 'crash' and os.getpid() != PARENT_PID:
    os._exit(3)
  if label == 'print':
    print("hello from " + label)
  if label == 'mail' and task_not_yet_performed('mail'):
    send_email(to='someone@example.com', subject='Hi ' + label, body='Body ' + str(counter), task='mail')
  if label == 'null':
    response(null=True)
  if label == 'exit':
    command('exit')
  if label == 'error':
    undefined_thing_xyz.foo
  if label == 'bg':
    background_action('bg_task')
  if label == 'address':
    address = interview_email()   # needs the simulator: a forked chunk leaves it to the parent
  response("ran " + label + " " + str(counter))
---
event: bg_task
code: |
  background_response("done")
""".replace("PARENT_PID", str(os.getpid()))


def _populate(sim, labels):
    interview = sim.load(SOURCE)
    sessions = []
    for label in labels:
        s = sim.start(interview)
        assert s.screen.question == "Label?"
        s.answer(label=label)
        assert s.screen.question == "Done"
        sessions.append(s.id)
    return sessions


def _advance(sim, monkeypatch, parallel: bool, days: int = 3):
    monkeypatch.setattr(cron_parallel, "PARALLEL", True)
    monkeypatch.setattr(cron_parallel, "PARALLEL_MIN", 8 if parallel else 10**9)
    used = []
    original = cron_parallel.Chunks.run

    def spy(self, results):
        used.append(len(self.sessions))
        return original(self, results)
    monkeypatch.setattr(cron_parallel.Chunks, "run", spy)
    runs = sim.advance(days=days)
    assert bool(used) == parallel
    return runs


def _normal(sim, ids, runs):
    index = {sid: i for i, sid in enumerate(ids)}
    out = []
    for run in runs:
        out.append((run["type"], [(index[r["session"]], r["type"], r["outcome"], r["output"],
                                   r["error"]) for r in run["results"]]))
    mails = [(index[m.session], m.subject, m.text, tuple(m.recipients)) for m in sim.outbox]
    answers = {}
    for sid in ids:
        if not sim.store.exists(sid):
            answers[index[sid]] = None
            continue
        ns = bgkernel.runtime.store.load_answers(sim.store.latest(sid)[1])
        internal = ns.pop("_internal")
        access = internal.pop("accesstime")
        internal.pop("starttime")                  # when each store's session was started
        assert cron.CRON_USER.id in access or ns.get("label") in ("null", "error")
        if "address" in ns:         # a random address per store: its shape
            assert ns["address"].endswith("@bgkernel.local"), ns["address"]
            ns["address"] = "ADDRESS"
        answers[index[sid]] = (sorted((k, repr(v)) for k, v in ns.items()),
                               sorted((k, repr(v)) for k, v in internal.items()))
    tasks = sorted(index[sid] for sid in ids for _ in (sim.tasks.for_session(sid) if sim.store.exists(sid) else ()))
    return out, mails, answers, tasks


def _pair(tmp_path, monkeypatch, labels):
    got = {}
    here: list[str] = []                # session-runs of the serial path's code
    serial_session = cron._Run.session
    monkeypatch.setattr(cron._Run, "session", lambda self, interview, sid, *rest:
                        here.append(sid) or serial_session(self, interview, sid, *rest))
    for name, parallel in (("serial", False), ("parallel", True)):
        with bgkernel.Simulator(store=str(tmp_path / name / "store.sqlite"), backend="loky", workers=2,
                                start=START, config={"worker start delay": 0.0, "cron processes": 2}) as sim:
            ids = _populate(sim, labels)
            here.clear()
            runs = _advance(sim, monkeypatch, parallel)
            got[name] = _normal(sim, ids, runs)
            got[name + "_here"] = [labels[ids.index(sid)] for sid in here]
            frame = sim.timeline
            got[name + "_failed_chunks"] = int(frame["detail"].astype(str).str.contains("chunk process failed").sum())
            got[name + "_cron_rows"] = int((frame["kind"] == "cron").sum())
    return got


def test_parallel_path_matches_the_serial_path(tmp_path, monkeypatch):
    labels = LABELS * 3
    got = _pair(tmp_path, monkeypatch, labels)
    assert got["parallel"] == got["serial"], _diff(got["parallel"], got["serial"])
    assert got["parallel_failed_chunks"] == 0
    assert set(got["parallel_here"]) == {"address"}              # interview_email() in a child
    assert got["parallel_cron_rows"] == got["serial_cron_rows"]
    results, mails, answers, tasks = got["parallel"]
    assert len(mails) == labels.count("mail")                    # once each, never again
    assert all(answers[i] is None for i, label in enumerate(labels) if label == "exit")
    outcomes = {o for _, rows in results for (_, _, o, _, _) in rows}
    assert {"saved", "unsaved", "deleted", "error"} <= outcomes
    assert len(tasks) == 3 * labels.count("bg")                  # one background task per run


def test_a_chunk_whose_worker_dies_loses_and_repeats_nothing(tmp_path, monkeypatch):
    labels = LABELS * 2 + ["crash"] + LABELS
    got = _pair(tmp_path, monkeypatch, labels)
    assert got["parallel_failed_chunks"] == 3                    # one per daily run
    assert got["parallel"] == got["serial"], _diff(got["parallel"], got["serial"])
    results, mails, answers, _ = got["parallel"]
    assert len(mails) == labels.count("mail")
    for i, label in enumerate(labels):
        if label in ("plain", "mail", "print", "bg", "crash"):
            counter = dict(answers[i][0])["counter"]
            assert counter == "3", (i, label, counter)           # every run saved exactly once


def _diff(a, b):
    for part, (x, y) in enumerate(zip(a, b)):
        if x != y:
            if isinstance(x, list):
                for i, (p, q) in enumerate(zip(x, y)):
                    if p != q:
                        return part, i, p, q
            if isinstance(x, dict):
                for k in x:
                    if x[k] != y.get(k):
                        return part, k, x[k], y.get(k)
            return part, x, y


def test_rounds_and_more_processes_than_cores_match_the_serial_path(tmp_path, monkeypatch):
    """Small rounds (locks held per round) and three processes give the serial results."""
    monkeypatch.setattr(cron_parallel, "ROUND_SESSIONS", 4)
    labels = LABELS * 3
    serial = _pair(tmp_path / "a", monkeypatch, labels)["serial"]
    got = {}
    with bgkernel.Simulator(store=str(tmp_path / "b" / "store.sqlite"), backend="loky", workers=2,
                            start=START, config={"worker start delay": 0.0, "cron processes": 3}) as sim:
        ids = _populate(sim, labels)
        monkeypatch.setattr(cron_parallel, "PARALLEL_MIN", 8)
        rounds = []
        original = cron_parallel.Chunks.round

        def spy(self, sessions, results):
            rounds.append(len(self.chunks(sessions)))
            return original(self, sessions, results)
        monkeypatch.setattr(cron_parallel.Chunks, "round", spy)
        got = _normal(sim, ids, sim.advance(days=3))
    assert rounds and max(rounds) == 3 and len(rounds) >= 3 * 3     # 30 sessions in rounds of 12
    assert got == serial, _diff(got, serial)


def test_a_silent_child_is_killed_and_its_sessions_run_here(tmp_path, monkeypatch):
    """A forked child that writes nothing for SILENCE_TIMEOUT (stuck on a lock it inherited
    from another thread, say) is killed; its sessions run in the parent, none twice."""
    import time

    from bgkernel.cron import chunks as cron_worker
    parent = os.getpid()
    real_one = cron_worker._one

    def one(*args, **kwargs):
        if os.getpid() != parent:
            time.sleep(30)           # the child hangs (30 s: a broken watchdog fails, not hangs)
        return real_one(*args, **kwargs)
    monkeypatch.setattr(cron_worker, "_one", one)
    monkeypatch.setattr(cron_worker, "SILENCE_TIMEOUT", 0.5)
    labels = LABELS * 3
    got = _pair(tmp_path, monkeypatch, labels)
    assert got["parallel_failed_chunks"] == 3                     # one per daily run
    assert got["parallel"] == got["serial"], _diff(got["parallel"], got["serial"])


def test_an_interrupt_ends_the_round_and_applies_every_report(tmp_path, monkeypatch):
    """Ctrl-C during a parallel run: the round finishes, every saved session's e-mail is
    sent, KeyboardInterrupt is raised, and the next advance sends nothing twice."""
    source = SOURCE.replace("  if label == 'print':",
                            "  if label == 'interrupt' and counter == 1:\n"
                            "    import signal\n"
                            "    os.kill(os.getpid(), signal.SIGINT)\n"
                            "  if label == 'print':")
    labels = ["interrupt"] + ["mail", "plain"] * 15
    monkeypatch.setattr(cron_parallel, "PARALLEL_MIN", 8)
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="loky", workers=2,
                            start=START, config={"worker start delay": 0.0, "cron processes": 2}) as sim:
        interview = sim.load(source)
        ids = []
        for label in labels:
            s = sim.start(interview)
            s.answer(label=label)
            ids.append(s.id)
        with pytest.raises(KeyboardInterrupt):
            sim.advance(days=1)
        assert len(sim.outbox) == labels.count("mail")            # the whole round was applied
        counters = {sid: bgkernel.runtime.store.load_answers(sim.store.latest(sid)[1]).get("counter")
                    for sid in ids}
        assert set(counters.values()) == {1}                      # every session-run saved once
        assert sim.locks.held_by(ids[-1]) is None
        sim.advance(days=1)
        assert len(sim.outbox) == labels.count("mail")            # task marked: never again
        counters = {sid: bgkernel.runtime.store.load_answers(sim.store.latest(sid)[1]).get("counter")
                    for sid in ids}
        assert set(counters.values()) == {2}


def test_cron_processes_is_checked_and_one_means_no_fork(tmp_path, monkeypatch):
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(bgkernel.ConfigError, match="cron processes"):
            bgkernel.Simulator(store=str(tmp_path / "x.sqlite"), backend="threading",
                               config={"cron processes": bad})
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading",
                            start=START, config={"cron processes": 1}) as sim:
        ids = _populate(sim, ["plain"] * 70)
        forked, saved = [], []
        monkeypatch.setattr(cron_parallel, "fork_chunk", lambda *args: forked.append(1))
        overwrite = sim.store.overwrite_latest
        monkeypatch.setattr(sim.store, "overwrite_latest",
                            lambda saves: saved.append(len(saves)) or overwrite(saves))
        runs = sim.advance(days=1)
        assert not forked, "one process: the round is run here"
        assert saved == [70], "the round's saves in one transaction"
        assert sorted(r["session"] for run in runs for r in run["results"]) == sorted(ids)
