"""Cohorts on a dask cluster (bgkernel.analysis.shards): two real worker processes, each shard a
simulator of its own; outcomes, e-mails and timeline rows as an in-process run gives them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import INTERVIEWS

import bgkernel

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

INTERVIEW = str(INTERVIEWS / "cohort_reminder.yml")
START = "2031-01-06T00:00:00-05:00"           # a Monday
VARIABLES = ["fee", "wants_reminder"]


@pytest.fixture(scope="module")
def client():
    """Two worker processes of one thread; a shard whose worker dies twice is given up."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None) as cluster, \
            distributed.Client(cluster) as connected:
        yield connected


def simulator(path):
    return bgkernel.Simulator(store=str(path / "store.sqlite"), backend="threading", start=START,
                              config={"worker start delay": 0.0})


def users(n: int, names=None) -> pd.DataFrame:
    """n users starting over three days; each files on the first day; every other one wants
    a reminder."""
    k = np.arange(n)
    return pd.DataFrame({"name": names if names is not None else [f"user{i}" for i in k],
                         "filing_date": "2031-01-06", "amount": (k * 10).astype(float),
                         "wants_reminder": k % 2 == 0, "start": k % 3})


def run(sim, answers, **kwargs):
    return sim.cohort(INTERVIEW, answers, parallel=4, variables=VARIABLES, presses=["Leave"],
                      advance={"days": 10}, **kwargs)


def test_the_same_cohort_in_process_and_on_two_workers(tmp_path, client):
    answers = users(200)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with simulator(tmp_path / "a") as here:
        local = run(here, answers)
        local_timeline = here.timeline
        local_mail = sorted(m.to[0] for m in here.outbox)
        local_now = here.now()
    with simulator(tmp_path / "b") as sim:
        sharded = run(sim, answers, client=client, shard_size=60,
                      timeline_dir=str(tmp_path / "parts"))
        timeline = sim.timeline
        mail = sorted(m.to[0] for m in sim.outbox)
        assert abs(sim.now() - local_now) < pd.Timedelta(minutes=1)
        parts = sim.shard_timeline
        streamed = sum(len(batch) for batch in parts.batches(["session", "kind"]))

    # outcomes: equal but for the session ids and the instant each started (wall time)
    assert sharded.index.equals(answers.index)
    same = [c for c in sharded.columns if c not in ("session", "started")]
    pd.testing.assert_frame_equal(sharded[same], local[same])
    assert (sharded["started"] - local["started"]).abs().max() < pd.Timedelta(minutes=1)
    assert sharded["session"].is_unique and not sharded["session"].isin(local["session"]).any()
    assert (sharded["stopped"] == "leave").all() and (sharded["error"] == "").all()
    assert (sharded["tasks"] == 1).all()
    assert sharded["fee"].tolist() == [round(25 + a * 0.05, 2) for a in answers["amount"]]

    # e-mails: one reminder to each of the 100 who asked, in the caller's outbox
    assert len(mail) == 100 and mail == local_mail

    # timeline: the same rows, from four shards, each tagged; read back from Parquet
    shard_rows = timeline[timeline["shard"].notna()]
    assert sorted(shard_rows["shard"].unique()) == [0, 1, 2, 3]
    assert len(shard_rows) == len(local_timeline) == streamed
    assert (shard_rows["kind"].astype(str).value_counts().sort_index()
            .equals(local_timeline["kind"].astype(str).value_counts().sort_index()))
    assert set(shard_rows["session"]) >= set(sharded["session"])
    own = timeline[timeline["shard"].isna()]
    assert (own["kind"] == "cohort").sum() == 4
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == [
        f"shard-{i:06d}.parquet" for i in range(4)]
    sent = shard_rows[shard_rows["kind"] == "email_sent"]
    assert len(sent) == 100 and sent["at"].is_monotonic_increasing


def test_a_killed_worker_loses_no_user(tmp_path, client):
    marker = tmp_path / "killed"
    names = [f"user{i}" for i in range(12)]
    names[7] = f"die once:{marker}"
    with simulator(tmp_path) as sim:
        outcomes = run(sim, users(12, names), client=client, shard_size=6)
    assert marker.exists(), "the worker running user 7 was killed"
    assert (outcomes["error"] == "").all() and (outcomes["stopped"] == "leave").all()
    assert outcomes["session"].notna().all() and len(outcomes) == 12
    assert outcomes["fee"].tolist() == [round(25 + a * 0.5, 2) for a in range(12)]


def test_a_shard_that_always_kills_its_worker_is_reported_per_user(tmp_path, client):
    names = [f"user{i}" for i in range(6)]
    names[4] = "die always"
    with simulator(tmp_path) as sim:
        outcomes = run(sim, users(6, names), client=client, shard_size=3)
        timeline = sim.timeline
    lost, kept = outcomes.iloc[3:], outcomes.iloc[:3]
    assert (kept["error"] == "").all() and (kept["stopped"] == "leave").all()
    assert (lost["stopped"] == "error").all() and lost["session"].isna().all()
    assert lost["error"].str.startswith("KilledWorker").all()
    assert (timeline["detail"].str.startswith("failed: KilledWorker")).sum() == 1
