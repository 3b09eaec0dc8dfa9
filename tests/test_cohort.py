"""Cohorts (bgkernel.analysis.cohort): many sessions from a table of answers, studied with pandas."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import HERE, INTERVIEWS, start

import bgkernel
from bgkernel.analysis.cohort import OUTCOME_COLUMNS, answer_screens, run_cohort, snapshot

START = pd.Timestamp("2031-01-06 00:00", tz="America/New_York")     # a Monday
DAY = pd.Timedelta(days=1)


@pytest.fixture
def csim(tmp_path):
    """A simulated calendar from START; sessions idle 30 days are deleted."""
    with bgkernel.Simulator(store=str(tmp_path / "store.sqlite"), backend="threading", workers=4,
                            start=START.isoformat(),
                            config={"worker start delay": 0.0,
                                    "interview delete days": 30}) as simulator:
        yield simulator


def reminder_cohort(n: int = 50) -> pd.DataFrame:
    """n users starting over 25 days; each filed 0-3 days before starting; every tenth
    gives up at the e-mail question."""
    k = np.arange(n)
    answers = pd.DataFrame({
        "user": [f"user{i}@example.com" for i in k],
        "email_address": [None if i % 10 == 9 else f"user{i}@example.com" for i in k],
        "start": k % 25,                                           # days after START
    })
    answers["filing_date"] = (START.tz_localize(None)
                              + pd.to_timedelta(answers["start"] - k % 4, unit="D"))
    return answers


def test_fifty_reminder_users_over_ninety_days(csim):
    answers = reminder_cohort(50)
    outcomes = csim.cohort(str(INTERVIEWS / "timeline_reminder.yml"), answers, parallel=8,
                           variables=["email_address", "filing_date"], presses=["Leave"])
    assert list(outcomes.columns) == list(OUTCOME_COLUMNS) + ["email_address", "filing_date"]
    assert outcomes.index.equals(answers.index) and outcomes["session"].is_unique
    assert isinstance(outcomes["started"].dtype, pd.DatetimeTZDtype)
    assert (outcomes["error"] == "").all()
    gave_up = answers["email_address"].isna()
    assert (outcomes.loc[gave_up, "stopped"] == "needs email_address").all()
    assert (outcomes.loc[~gave_up, "stopped"] == "leave").all()
    assert (outcomes.loc[~gave_up, "steps"] == 3).all()            # date, e-mail, Leave
    assert outcomes["started"].dt.floor("D").equals(START + answers["start"] * DAY)
    assert outcomes.loc[~gave_up, "email_address"].equals(answers.loc[~gave_up, "email_address"])

    csim.advance(days=(START + 90 * DAY - csim.now()) / DAY)
    assert csim.now().date() == (START + 90 * DAY).date()
    timeline = csim.timeline.merge(answers.join(outcomes[["session"]]), on="session", how="left")

    # e-mails per day: each user who finished hears on the first daily run 20 days after filing
    sent = timeline[timeline["kind"] == "email_sent"]
    per_day = sent.groupby(sent["at"].dt.date).size()
    expected = (answers.loc[~gave_up, "filing_date"] + 20 * DAY).dt.date.value_counts()
    assert per_day.sort_index().equals(expected.sort_index().rename(None).rename_axis("at"))
    assert (sent["at"].dt.strftime("%H:%M") == "06:25").all()
    assert (sent["detail"] == sent["email_address"]).all()

    # sessions deleted: reminded users are closed 50 days after filing; those who gave up
    # are never saved by the scheduled task and age out after 30 idle days
    deleted = timeline[timeline["kind"] == "session_deleted"].set_index("session")
    assert len(deleted) == 50
    closed = deleted[deleted["name"] == "cron exit"]
    assert len(closed) == 45 and closed.index.isin(outcomes.loc[~gave_up, "session"]).all()
    assert (closed["at"].dt.tz_localize(None).dt.floor("D")
            == closed["filing_date"] + 50 * DAY).all()
    aged = deleted[deleted["name"].str.startswith("inactive 31 days")]
    assert len(aged) == 5
    assert (aged["at"].dt.floor("D") == START + (aged["start"] + 31) * DAY).all()
    by_week = deleted.groupby(deleted["at"].dt.tz_localize(None).dt.to_period("W")).size()
    assert by_week.sum() == 50 and len(by_week) > 1

    later = snapshot(csim, outcomes["session"], variables=["email_address"])
    assert later["deleted"].all() and later["email_address"].isna().all()


def test_overview_of_a_cohort(csim, tmp_path):
    charts = pytest.importorskip("bgkernel.analysis.charts")
    pytest.importorskip("matplotlib")
    csim.cohort(str(INTERVIEWS / "timeline_reminder.yml"), reminder_cohort(10), presses=["Leave"])
    csim.advance(days=40)
    path = tmp_path / "overview.png"
    charts.overview(csim.timeline).savefig(path)
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 1000


def test_background_tasks_of_a_cohort_go_to_the_pool(csim):
    answers = pd.DataFrame({"filing_date": ["2031-01-02"] * 6,
                            "amount": [100, 200, 300, 400, 500, 600],
                            "email_address": [f"u{i}@example.com" for i in range(6)]})
    reminder = str(HERE.parent / "bgkernel" / "examples" / "reminder.yml")
    outcomes = run_cohort(csim, reminder, answers, parallel=3, variables=["fee"],
                          presses=["Leave"])
    assert (outcomes["stopped"] == "leave").all()
    assert (outcomes["tasks"] == 1).all() and (outcomes["tasks_failed"] == 0).all()
    assert outcomes["fee"].tolist() == [round(25 + a * 0.05, 2) for a in answers["amount"]]
    frame = csim.timeline
    assert (frame["kind"] == "task_finished").sum() == 6
    assert (frame["kind"] == "response_action").sum() == 6
    waited = frame[(frame["kind"] == "screen")
                   & (frame["detail"] == "Computing your filing fee...")]["session"]
    assert waited.nunique() >= 1, "some users saw the computing screen, and waited it out"


def test_where_each_user_stopped_and_errors(csim):
    answers = pd.DataFrame({"email_address": ["a@example.com", "b@example.com", None, "d@example.com"],
                            "filing_date": ["2031-01-06", "not a date", "2031-01-06", None],
                            "unused": [1, 2, 3, 4]})
    outcomes = csim.cohort(str(INTERVIEWS / "cron_reminder.yml"), answers, parallel=2)
    stopped = outcomes["stopped"].tolist()
    assert stopped[0] == "no answer for: " + outcomes["question"][0]   # the Leave screen
    assert stopped[1].startswith("invalid: filing_date")
    assert stopped[2] == "needs email_address" and stopped[3] == "needs filing_date"
    assert outcomes["steps"].tolist() == [2, 2, 0, 1]
    assert (outcomes["kind"] == "question").all() and not outcomes["deleted"].any()


def test_users_and_start_instants(csim):
    answers = pd.DataFrame({"user": ["ann@example.com", None, {"email": "cy@example.com", "roles": "admin"}],
                            "start": [None, pd.Timedelta(hours=30), "2031-01-09T10:00"],
                            "email_address": ["a@example.com"] * 3})
    outcomes = csim.cohort(str(INTERVIEWS / "cron_reminder.yml"), answers)
    assert outcomes["user"].tolist()[::2] == ["ann@example.com", "cy@example.com"]
    assert pd.isna(outcomes["user"][1])                             # anonymous
    assert [t.strftime("%m-%d %H:%M") for t in outcomes["started"]] == [
        "01-06 00:00", "01-07 06:00", "01-09 10:00"]
    users = [csim.session(i).user for i in outcomes["session"]]
    assert users[0].email == "ann@example.com" and not users[1].logged_in
    assert users[2].roles == ("admin",)
    ran = csim.timeline
    assert ((ran["kind"] == "cron") & (ran["name"] == "cron_daily")).any(), \
        "the calendar advanced between start instants, firing the runs in between"


def test_bad_tables_are_refused(csim):
    reminder = str(INTERVIEWS / "cron_reminder.yml")
    with pytest.raises(TypeError, match="DataFrame"):
        csim.cohort(reminder, [{"email_address": "a@example.com"}])
    with pytest.raises(ValueError, match="parallel"):
        csim.cohort(reminder, pd.DataFrame({"email_address": ["a"]}), parallel=0)
    with pytest.raises(ValueError, match="row 0: start .* before the calendar"):
        csim.cohort(reminder, pd.DataFrame({"start": ["2030-01-01"]}))
    with pytest.raises(ValueError, match="row 0: start"):
        csim.cohort(reminder, pd.DataFrame({"start": ["soon"]}))


def test_answer_screens_alone(csim):
    s = start(csim, "cron_reminder.yml")
    screen, steps, stopped = answer_screens(
        s, {"email_address": "a@example.com", "filing_date": "2031-01-06"}, presses=["Leave"])
    assert (screen.kind, steps, stopped) == ("leave", 3, "leave")


def test_advance_moves_the_calendar_after_the_users_answered(csim):
    answers = reminder_cohort(10)
    outcomes = csim.cohort(str(INTERVIEWS / "timeline_reminder.yml"), answers, presses=["Leave"],
                           variables=["email_address"], advance={"days": 35})
    assert csim.now().date() == (START + (9 + 35) * DAY).date()      # last start, then 35 days
    gave_up = answers["email_address"].isna()
    sent = csim.timeline.query("kind == 'email_sent'")
    assert len(sent) == (~gave_up).sum() == len(csim.outbox)
    # the outcomes are read after the advance: those who gave up were never saved by the
    # scheduled runs and aged out (30 idle days); the others are closed 50 days after filing
    assert outcomes.loc[gave_up, "deleted"].all()
    assert not outcomes.loc[~gave_up, "deleted"].any()
    with pytest.raises(TypeError, match="advance is a dict"):
        csim.cohort(str(INTERVIEWS / "timeline_reminder.yml"), answers, advance=30)


def test_a_client_that_is_not_one_is_refused(csim):
    answers = pd.DataFrame({"email_address": ["a@example.com"]})
    with pytest.raises(TypeError, match="dask.distributed.Client"):
        csim.cohort(str(INTERVIEWS / "cron_reminder.yml"), answers, client="tcp://localhost:8786")
