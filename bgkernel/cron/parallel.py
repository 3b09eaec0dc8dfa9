"""A scheduled run over many sessions of one interview, on every core.

:func:`bgkernel.cron.runs.run_cron` hands an interview's sessions here when there are many
(:data:`PARALLEL_MIN`), the type runs in the foreground and no SMTP server is set
(``send_email`` must then know at once whether delivery failed).  :class:`Chunks` splits
them into rounds and chunks: this process runs the first chunk itself and forks a process
for each other (:mod:`bgkernel.cron.chunks`), then saves and applies every result in
session order, so the outcome is the serial run's.  With one process (one core, or
``cron processes`` 1) the round is one chunk run here: no fork, but the round's saves
still go in one transaction, which costs a third less than a transaction per session.
"""
from __future__ import annotations

import os
import signal as _signal
import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import SessionError
from ..runtime.diagnostics import wanted
from .chunks import fork_chunk, run_sessions
from .outcome import result as cron_result, unchanged_save

if TYPE_CHECKING:
    from ..language.interview import Interview
    from ..runtime.host import Host
    from ..runtime.session import Session
    from .runs import _Run

__all__ = ["Chunks", "fits", "PARALLEL", "PARALLEL_MIN", "ROUND_SESSIONS", "APPLY_SHARE"]

#: Whether a large run may use more than one process (see :mod:`bgkernel.cron.chunks`).
PARALLEL = True
#: A run is split when an interview has at least this many eligible sessions.
PARALLEL_MIN = 64
#: Sessions per process in one round: their locks are held for the round (well under the
#: lock timeout), and a round forks its processes afresh.
ROUND_SESSIONS = 1024
#: What saving and applying one session's result costs the parent, as a share of a session-run.
APPLY_SHARE = 0.25


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold a KeyboardInterrupt (SIGINT in the main thread) until the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield                                    # no SIGINT reaches another thread
        return
    caught: list[Any] = []
    previous = _signal.signal(_signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        _signal.signal(_signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


#: fork() without exec is safe in a threaded process on Linux; macOS's frameworks are not.
_FORKS = sys.platform.startswith("linux") and hasattr(os, "fork")


def _processes(sim: "Host") -> int:
    wanted = sim.config.get("cron processes")
    if wanted is None:
        return len(os.sched_getaffinity(0)) if _FORKS else 1
    return int(wanted)


def fits(sim: "Host", types: list[str], sessions: list[str]) -> bool:
    """Chunks (forked when there is more than one process): many sessions, a foreground type,
    and no SMTP (``send_email`` must know whether delivery failed, which only the parent can)."""
    return (PARALLEL and len(sessions) >= PARALLEL_MIN and bool(types)
            and not types[0].endswith("_background") and sim.config.get("smtp") is None)


class Chunks:
    """One interview's foreground session-runs of a scheduled run, in chunks: the first in
    this process, each other in a forked child (:mod:`bgkernel.cron.chunks`), whose batches
    are saved and applied as they arrive, while it runs on.

    Sessions go in rounds of :data:`ROUND_SESSIONS` per process.  This process takes every
    session lock of a round, reads the sessions' answers, forks, runs its own chunk, then
    saves each chunk's sessions (one transaction) and applies their reports (e-mails,
    tasks, deletion, timeline rows, result dicts) in session order, as the serial path
    would, releasing each lock after.  A session with no result (its process died) was
    neither saved nor applied and runs serially.  A KeyboardInterrupt waits for the end of
    the round (a fraction of a second), so no result goes unapplied."""

    def __init__(self, run: "_Run", interview: "Interview", sessions: list[str], wanted: list[str]):
        self.run_ = run
        self.interview = interview
        self.sessions = sessions
        self.wanted = wanted

    def chunks(self, sessions: list[str]) -> list[list[str]]:
        """At most one chunk per process; the parent's (the first) smaller, as it also applies
        every report (about :data:`APPLY_SHARE` of a session-run each) while the others run:
        ``first + n * share = (n - first) / (count - 1)`` for ``n`` sessions."""
        count = min(_processes(self.run_.sim), len(sessions) // max(1, PARALLEL_MIN // 2))
        if count <= 1:
            return [sessions]
        first = max(0, round(len(sessions) * (1 - APPLY_SHARE * (count - 1)) / count))
        rest = sessions[first:]
        size = -(-len(rest) // (count - 1))
        return [sessions[:first]] + [rest[i:i + size] for i in range(0, len(rest), size)]

    def run(self, results: list[dict]) -> None:
        """The sessions in rounds, so no session lock is held for long."""
        step = ROUND_SESSIONS * _processes(self.run_.sim)
        for start in range(0, len(self.sessions), step):
            self.round(self.sessions[start:start + step], results)

    def round(self, sessions: list[str], results: list[dict]) -> None:
        run = self.run_
        sim = run.sim
        base = {"store_path": sim.store.path, "config": dict(sim.config),
                "files_dir": sim.store.files_dir, "user": run.user, "cron_type": self.wanted[0]}
        jobs = [dict(base, sessions=chunk,
                     diagnose={sid for sid in chunk if wanted(sim, sid, "BGK205", self.wanted[0])})
                for chunk in self.chunks(sessions)]
        with _interrupts_deferred():    # a round is short: each session-run ends whole
            tokens = {sid: sim.locks.acquire(sid, "cron") for sid in sessions}
            pending: list = []                  # (job, child or None), not yet applied
            try:
                latest = sim.store.latest_many(sessions)
                pending = [(job, fork_chunk(job, self.interview, latest)) for job in jobs[1:]]
                own: list = []
                try:
                    run_sessions(jobs[0], self.interview, latest, own.extend)
                except Exception:  # noqa: BLE001,S110 -- sessions with no result run serially
                    pass
                self.apply(jobs[0], tokens, own, results)
                while pending:
                    job, child = pending[0]
                    done = 0                    # the child's batches, applied as they arrive
                    for batch in (child.batches() if child is not None else ()):
                        self.apply(job, tokens, batch, results, range(done, done + len(batch)))
                        done += len(batch)
                    pending.pop(0)
                    self.apply(job, tokens, [], results, range(done, len(job["sessions"])))
            finally:
                for _, child in pending:        # an error above: reap them all the same
                    if child is not None:
                        child.results()
                for session_id, token in tokens.items():  # no-op for those already released
                    sim.locks.release(session_id, token)

    def apply(self, job: dict, tokens: dict, got: list, results: list[dict],
              seqs: range | None = None) -> None:
        """Save the sessions ``seqs`` of the chunk (all by default) whose results are in ``got``
        in one transaction, then apply each report in session order; a session with no result,
        or one that needs this process, runs here."""
        run = self.run_
        sim = run.sim
        seqs = range(len(job["sessions"])) if seqs is None else seqs
        by_seq = {seq: (report, save) for seq, _, report, save in got}
        follow: dict[int, dict] = {}   # the `_background` tasks after each session's run
        with sim.store.write():    # the chunk's saves, marks and follow-up tasks: one transaction
            gone = sim.store.overwrite_latest(
                [(job["sessions"][seq], *save) for seq, (report, save) in by_seq.items()
                 if save is not None])
            for seq, (report, _) in sorted(by_seq.items()):
                if report is not None and report["status"] == "ran":
                    session_id = job["sessions"][seq]
                    if report["outcome"] != "deleted" and session_id not in gone:
                        follow[seq] = {t: run.spec(t) for t in self.wanted[1:]}
                    run.done(session_id, list(follow.get(seq, {}).values()))
        missing = len(seqs) - len(by_seq)
        if missing:
            sim.record("", "cron", job["cron_type"],
                       f"a chunk process failed; {missing} of {len(job['sessions'])} "
                       f"session(s) run again serially")
        for seq in seqs:
            session_id = job["sessions"][seq]
            report, _ = by_seq.get(seq, (None, None))
            if report is None or report["status"] == "parent":
                sim.locks.release(session_id, tokens[session_id])
                run.session(self.interview, session_id, self.wanted, results)
                continue
            if session_id in gone:      # deleted meanwhile: Store.save's SessionError
                report = dict(report, outcome="error",
                              error=f"SessionError: the session {session_id!r} was deleted")
            self.session(session_id, report, tokens[session_id], results, follow.get(seq, {}))

    def session(self, session_id: str, report: dict, token: int, results: list[dict],
                follow: dict | None = None) -> None:
        """Apply one worker report as ``_Run.session`` would have done the work."""
        run = self.run_
        sim = run.sim
        cron_type = self.wanted[0]
        try:
            if report["status"] != "ran":
                return                                  # gone, or not eligible (any more)
            for email in report["emails"]:
                sim.services.deliver_prepared(email, session_id)
            outcome, error, output = report["outcome"], report["error"], report["output"]
            if report["delete"]:
                sim.delete_session(session_id, reason=f"cron {report['delete']}")
        finally:
            sim.locks.release(session_id, token)
        wall = run.wall()
        at = run.at(wall)
        detail = outcome if error is None else f"error: {error}"
        run.record(session_id, "cron", cron_type, detail, report["duration"], at=at, wall=wall)
        if report.get("unchanged"):
            unchanged_save(sim, session_id, cron_type)
        if output:
            run.record(session_id, "cron_output", cron_type, output, at=at, wall=wall)
        session = None
        if report["launched"] and outcome != "deleted":
            session = self._session(session_id)
            if session is not None:
                for spec in report["launched"]:
                    sim.tasks.submit(session, spec)
                run.launched.add(session_id)
        results.append(cron_result(session_id, cron_type, outcome, output, error))
        if outcome == "deleted":
            return
        for other in self.wanted[1:]:
            session = session or self._session(session_id)
            if session is None or not run.background(session, other, results,
                                                      (follow or {}).get(other)):
                return

    def _session(self, session_id: str) -> "Session | None":
        try:
            return self.run_.sim.session(session_id)
        except SessionError:
            return None
