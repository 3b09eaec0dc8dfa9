"""A cohort on a dask cluster: users in shards, each shard a simulator of its own on a worker.

``sim.cohort(interview, answers, client=client)`` comes here.  The users (already read from
``answers``, their start instants fixed) are split into shards of at most ``shard_size``,
at least one per worker.  Each shard is one dask task (:func:`run_shard`): on its worker it
makes a simulator of the caller's class with its own SQLite store in the worker's local
directory, the caller's config and calendar instant, loads the interview from its text,
runs the users as an in-process cohort would (:func:`~bgkernel.analysis.cohort.run_members`),
advances the calendar if asked, and sends back the outcomes, its timeline as Parquet bytes
and its e-mails; its store is then removed.

The caller merges the shards as they finish (``distributed.as_completed``): outcomes in the
order of ``answers``, timelines written to Parquet files (:class:`~.parts.TimelineParts`,
read back by ``sim.timeline`` with a ``shard`` column), e-mails into ``sim.outbox``.  A
worker that dies mid-shard makes the scheduler run the shard again elsewhere (dask's
``allowed-failures``); an exception in the shard's own code is retried ``retries`` times;
a shard that still fails gives each of its users a row with the error in ``error``.

Interview code must then not rely on other users' sessions (they are in other stores).
Workers run one shard at a time per process (the calendar freeze is process-wide), and
background tasks run on threads there (a dask worker process cannot start a process pool).
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .cohort import Member, member_outcomes, outcome_frame, run_members, user_text
from .parts import TimelineParts, encode_part

if TYPE_CHECKING:
    import pandas

    from ..language.interview import Interview
    from ..runtime.host import Host

__all__ = ["run_shards", "run_shard", "shard_config", "RETRIES"]

#: Times a shard whose code raised is run again (a lost worker is dask's allowed-failures).
RETRIES = 2
#: One shard at a time in a process: freezegun's calendar freeze is process-wide.
_ONE_SHARD = threading.Lock()


def shard_config(config: dict) -> dict:
    """The caller's config for a shard: its scheduled runs in the shard's process (the
    cluster is the parallelism), e-mail recorded there and sent back (no SMTP on workers)."""
    out = dict(config)
    if out.get("cron processes") is None:
        out["cron processes"] = 1
    out["smtp"] = None
    return out


# --- in the caller ---------------------------------------------------------------------

def run_shards(sim: Host, client: Any, interview: Interview, members: list[Member],
               index: pandas.Index, options: dict, *, shard_size: int = 1000,
               timeline_dir: str | None = None) -> pandas.DataFrame:
    """Run ``members`` in shards on ``client``'s cluster; the outcomes on ``index``."""
    import pandas as pd
    try:
        from distributed import as_completed
    except ImportError as err:
        raise ConfigError("a cohort on a cluster needs dask.distributed: pip install "
                          "'bgkernel[dask]'") from err

    if not callable(getattr(client, "submit", None)):
        raise TypeError(f"client must be a dask.distributed.Client, not {client!r}")
    if isinstance(shard_size, bool) or not isinstance(shard_size, int) or shard_size < 1:
        raise ValueError(f"shard_size must be a whole number >= 1, not {shard_size!r}")
    parts = _parts(sim, timeline_dir)
    groups = _split(len(members), shard_size, _worker_count(client))
    first = parts.new_shards(len(groups))
    name, path, text = sim.store.interview_source(interview.digest)
    base = {"factory": type(sim), "start": sim.now().isoformat(), "timescale": sim.timescale,
            "config": shard_config(sim.config), "workers": sim.workers,
            "interview": (name, path, text), "options": options}
    token = uuid.uuid4().hex[:8]
    futures = {}
    for number, positions in enumerate(groups, first):
        spec = dict(base, shard=number, members=[_fresh(members[p]) for p in positions])
        future = client.submit(run_shard, spec, key=f"bgkernel-shard-{token}-{number}",
                               retries=RETRIES, pure=False)
        futures[future] = (number, positions)
    variables = list(options["variables"])
    frames = []
    for future in as_completed(list(futures)):
        number, positions = futures.pop(future)
        try:
            got = future.result()
        except Exception as err:  # noqa: BLE001 -- a lost shard is its users' error
            frames.append(_failed(sim, [members[p] for p in positions], positions, variables,
                                  f"{type(err).__name__}: {err}"))
            sim.record("", "cohort", f"shard {number}", f"failed: {type(err).__name__}: {err}")
            continue
        finally:
            future.release()
        frame = got["outcomes"]
        frame.index = positions
        frames.append(frame)
        parts.add(number, got["timeline"], got["rows"], dict(got["stats"], worker=got["worker"]))
        sim.outbox.extend(got["emails"])
        sim.record("", "cohort", f"shard {number}",
                   f"{len(positions)} users, {got['rows']} timeline rows, on {got['worker']}")
        del got                                  # the timeline bytes are on disk now
    result = pd.concat(frames).sort_index() if frames else outcome_frame(
        [], pd.RangeIndex(0), variables, sim.clock.tz)
    result = outcome_frame(result.to_dict("records"), index, variables, sim.clock.tz)
    starts = [m.start for m in members if m.start is not None]
    with sim.clock.frozen():
        if starts and max(starts) > sim.now():           # the calendar where the shards' went
            sim.advance(seconds=(max(starts) - sim.now()).total_seconds())
        if options.get("advance"):
            sim.advance(**options["advance"])
    return result


def _parts(sim: Host, timeline_dir: str | None) -> TimelineParts:
    """The simulator's shard timelines (made on first use); new parts go to ``timeline_dir``."""
    parts = getattr(sim, "shard_timeline", None)
    folder = timeline_dir or os.path.join(os.path.dirname(sim.store.path), "timeline")
    if parts is None:
        parts = TimelineParts(folder, sim.clock.tz)
        sim.shard_timeline = parts
    elif timeline_dir is not None:
        parts.folder = os.path.abspath(timeline_dir)
    return parts


def _worker_count(client: Any) -> int:
    try:
        return max(1, len(client.scheduler_info().get("workers", {})))
    except Exception:  # noqa: BLE001 -- no scheduler answer: one shard per shard_size
        return 1


def _split(count: int, shard_size: int, workers: int) -> list[list[int]]:
    """Positions 0..count-1 in contiguous shards: at least one per worker, at most
    ``shard_size`` users each, sizes differing by one at most."""
    if count == 0:
        return []
    shards = min(count, max(workers, math.ceil(count / shard_size)))
    size, extra = divmod(count, shards)
    out, at = [], 0
    for i in range(shards):
        end = at + size + (1 if i < extra else 0)
        out.append(list(range(at, end)))
        at = end
    return out


def _fresh(member: Member) -> Member:
    return dataclasses.replace(member, outcome={})


def _failed(sim: Host, members: list[Member], positions: list[int], variables: list[str],
            error: str) -> pandas.DataFrame:
    rows = [{"session": None, "user": user_text(m.user), "started": None, "steps": 0,
             "stopped": "error", "error": error, "kind": None, "question": None,
             "deleted": False, "tasks": 0, "tasks_failed": 0} for m in members]
    return outcome_frame(rows, positions, variables, sim.clock.tz)


# --- on a worker -----------------------------------------------------------------------

def run_shard(spec: dict) -> dict:
    """One shard, in a simulator of its own whose store is in the worker's local directory."""
    with _ONE_SHARD, _profiler_paused():
        folder = tempfile.mkdtemp(prefix=f"bgkernel-shard{spec['shard']}-", dir=_local_dir())
        try:
            return _run(spec, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _profiler_paused() -> Iterator[None]:
    """The worker's statistical profiler paused while a shard runs.

    Every 10 ms it reads every thread's frame (``sys._current_frames()``, which holds the
    interpreter's thread-list lock); a garbage collection inside that call can hand the
    GIL to a shard thread that is starting a thread and needs the same lock, and the
    worker hangs (found with hundreds of threads per shard).  A shard starts threads all
    the time, so the profiler waits until it is done."""
    try:
        from distributed import get_worker
        worker = get_worker()
    except (ImportError, ValueError):                 # not on a dask worker
        yield
        return
    profiler = getattr(worker, "periodic_callbacks", {}).get("profile")
    if profiler is None or not profiler.is_running():
        yield
        return
    stopped = threading.Event()

    def stop() -> None:
        profiler.stop()
        stopped.set()

    worker.loop.add_callback(stop)                    # the event loop's own object
    stopped.wait(30)
    try:
        yield
    finally:
        worker.loop.add_callback(profiler.start)


def _run(spec: dict, folder: str) -> dict:
    options = spec["options"]
    members: list[Member] = spec["members"]
    with spec["factory"](store=os.path.join(folder, "store.sqlite"), backend="threading",
                         workers=spec["workers"], start=spec["start"], config=spec["config"],
                         timescale=spec["timescale"]) as sim:
        name, path, text = spec["interview"]
        interview = sim.load(path if path and os.path.isfile(path) else text, name=name)
        t0 = time.perf_counter()
        run_members(sim, interview, members, options["parallel"], tuple(options["presses"]),
                    options["max_steps"], options["timeout"])
        t1 = time.perf_counter()
        runs = sim.advance(**options["advance"]) if options.get("advance") else []
        stats = {"users": len(members), "users_seconds": t1 - t0,
                 "advance_seconds": time.perf_counter() - t1,
                 "session_runs": sum(r["outcome"] != "expired" for run in runs
                                     for r in run["results"])}
        frame = member_outcomes(sim, members, range(len(members)), list(options["variables"]))
        timeline = sim.timeline
        emails = [dataclasses.replace(e, _raw=e.raw) for e in sim.outbox]  # bytes travel
        return {"outcomes": frame, "timeline": encode_part(timeline, spec["shard"]),
                "rows": len(timeline), "emails": emails, "worker": _address(), "stats": stats}


def _local_dir() -> str:
    try:
        from distributed import get_worker
        return get_worker().local_directory
    except (ImportError, ValueError):                 # not on a dask worker
        return tempfile.gettempdir()


def _address() -> str:
    try:
        from distributed import get_worker
        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"process {os.getpid()}"
