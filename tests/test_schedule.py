"""When docassemble's scheduled tasks fire."""
from __future__ import annotations

import datetime
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from bgkernel.calendar.clock import Clock
from bgkernel.calendar.schedule import CRON_TYPES, Schedule

NY = ZoneInfo("America/New_York")


def kinds(runs):
    return Counter(kind for _, kind in runs)


def test_defaults_are_debians_crontab_in_new_york():
    schedule = Schedule()
    assert schedule.as_config() == {
        "cron hourly minute": 17, "cron daily time": "06:25",
        "cron weekly day": "sun", "cron weekly time": "06:47",
        "cron monthly day": 1, "cron monthly time": "06:52",
        "timezone": "America/New_York"}
    assert Schedule(schedule.as_config()) == schedule
    assert eval(repr(schedule)) == schedule


def test_thirty_days():
    runs = Schedule().due("2031-04-01T00:00", "2031-05-01T00:00")
    count = kinds(runs)
    assert count == {"cron_hourly": 720, "cron_daily": 30, "cron_weekly": 4,
                     "cron_monthly": 1}
    for instant, kind in runs:
        assert instant.tzinfo == NY
        local = instant.strftime("%H:%M")
        if kind == "cron_hourly":
            assert instant.minute == 17
        elif kind == "cron_daily":
            assert local == "06:25"
        elif kind == "cron_weekly":
            assert local == "06:47" and instant.strftime("%a") == "Sun"
        else:
            assert local == "06:52" and instant.day == 1
    instants = [instant.timestamp() for instant, _ in runs]
    assert instants == sorted(instants)


def test_a_month_with_five_sundays():
    runs = Schedule().due("2031-08-02T00:00", "2031-09-01T00:00")   # 30 days
    assert kinds(runs)["cron_weekly"] == 5
    assert kinds(runs)["cron_daily"] == 30


def test_runs_at_one_instant_come_hourly_daily_weekly_monthly():
    schedule = Schedule(hourly_minute=52, daily="06:52", weekly=("sun", "06:52"),
                        monthly=(1, "06:52"))
    runs = schedule.due("2031-06-01T06:00", "2031-06-01T07:00")     # a Sunday, the 1st
    assert [kind for _, kind in runs] == list(CRON_TYPES)
    assert len({instant for instant, _ in runs}) == 1


def test_window_is_open_at_start_and_closed_at_end():
    schedule = Schedule()
    run = datetime.datetime(2031, 4, 2, 6, 25, tzinfo=NY)
    assert schedule.due(run, run) == []
    assert (run, "cron_daily") in schedule.due(run - datetime.timedelta(microseconds=1), run)
    assert (run, "cron_daily") not in schedule.due(run, run + datetime.timedelta(minutes=1))
    assert schedule.due("2031-04-02T06:20", "2031-04-02T06:30") == [(run, "cron_daily")]
    with pytest.raises(ValueError, match="start <= end"):
        schedule.due("2031-04-03", "2031-04-02")


def test_spring_forward_day_in_new_york():
    runs = Schedule().due("2031-03-09T00:00", "2031-03-10T00:00")
    hourly = [instant for instant, kind in runs if kind == "cron_hourly"]
    assert len(hourly) == 23                                    # 02:17 never happens
    assert [h.hour for h in hourly[:4]] == [0, 1, 3, 4]
    assert all(h.minute == 17 for h in hourly)
    daily = [instant for instant, kind in runs if kind == "cron_daily"]
    assert [d.isoformat() for d in daily] == ["2031-03-09T06:25:00-04:00"]
    # A fixed time inside the gap runs once, when the clocks change.
    gap = Schedule(daily="02:30").due("2031-03-09T00:00", "2031-03-10T00:00")
    assert [i.isoformat() for i, k in gap if k == "cron_daily"] == ["2031-03-09T03:00:00-04:00"]


def test_fall_back_day_in_new_york():
    runs = Schedule().due("2031-11-02T00:00", "2031-11-03T00:00")
    hourly = [instant for instant, kind in runs if kind == "cron_hourly"]
    assert len(hourly) == 25                                    # every real hour
    assert [h.isoformat() for h in hourly[1:3]] == ["2031-11-02T01:17:00-04:00",
                                                    "2031-11-02T01:17:00-05:00"]
    twice = Schedule(daily="01:30").due("2031-11-02T00:00", "2031-11-03T00:00")
    assert [i.isoformat() for i, k in twice if k == "cron_daily"] == ["2031-11-02T01:30:00-04:00"]


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Australia/Lord_Howe", "UTC"])
def test_hourly_keeps_the_local_minute_in_odd_zones(zone):
    schedule = Schedule(timezone=zone)
    runs = schedule.due("2031-01-01T00:00", "2032-01-01T00:00")
    hourly = [instant for instant, kind in runs if kind == "cron_hourly"]
    assert all(h.minute == 17 for h in hourly)
    assert 8755 <= len(hourly) <= 8765


def test_a_year_of_runs_is_fast():
    began = time.perf_counter()
    runs = Schedule().due("2031-01-01T00:00", "2032-01-01T00:00")
    elapsed = time.perf_counter() - began
    assert kinds(runs) == {"cron_hourly": 8760, "cron_daily": 365, "cron_weekly": 52,
                           "cron_monthly": 12}
    assert elapsed < 1.0


def test_next_run():
    schedule = Schedule()
    after = "2031-03-01T09:00"
    assert schedule.next_run(after, "cron_hourly").isoformat() == "2031-03-01T09:17:00-05:00"
    assert schedule.next_run(after, "cron_daily").isoformat() == "2031-03-02T06:25:00-05:00"
    assert schedule.next_run(after, "cron_weekly").isoformat() == "2031-03-02T06:47:00-05:00"
    assert schedule.next_run(after, "cron_monthly").isoformat() == "2031-04-01T06:52:00-04:00"
    assert Schedule(monthly=None).next_run(after, "cron_monthly") is None
    with pytest.raises(ValueError, match="'cron_yearly'.*cron_hourly"):
        schedule.next_run(after, "cron_yearly")


def test_monthly_day_a_month_lacks_is_skipped():
    schedule = Schedule(monthly=(31, "06:52"))
    runs = schedule.due("2031-01-01", "2032-01-01")
    months = [instant.month for instant, kind in runs if kind == "cron_monthly"]
    assert months == [1, 3, 5, 7, 8, 10, 12]
    assert schedule.next_run("2031-01-31T12:00", "cron_monthly").month == 3


def test_configuration():
    schedule = Schedule({"cron hourly minute": 5, "cron daily time": "7:00",
                         "cron weekly day": "monday", "cron monthly time": None,
                         "timezone": "UTC", "checkin interval": 6000})
    runs = schedule.due("2031-04-06T23:59Z", "2031-04-07T08:00Z")   # Sunday night to Monday
    assert [(i.strftime("%H:%M"), k) for i, k in runs if k != "cron_hourly"] == [
        ("06:47", "cron_weekly"), ("07:00", "cron_daily")]
    assert {i.minute for i, k in runs if k == "cron_hourly"} == {5}
    assert kinds(Schedule(monthly=None).due("2031-04-01", "2031-06-01"))["cron_monthly"] == 0
    for sunday in (0, 7, "sun", "Sunday"):
        assert Schedule(weekly=(sunday, "06:47")).weekly[0] == 6


@pytest.mark.parametrize("settings, named", [
    ({"hourly_minute": 60}, "60"), ({"hourly_minute": "17"}, "'17'"),
    ({"daily": "25:00"}, "'25:00'"), ({"daily": "6.25"}, "'6.25'"),
    ({"weekly": ("funday", "06:47")}, "'funday'"), ({"weekly": "sun"}, "'sun'"),
    ({"monthly": (0, "06:52")}, "0"), ({"timezone": "Nowhere/Town"}, "'Nowhere/Town'"),
])
def test_bad_settings_name_the_value(settings, named):
    with pytest.raises(ValueError) as caught:
        Schedule(**settings)
    assert named in str(caught.value)


def test_unknown_cron_setting_lists_the_known_ones():
    with pytest.raises(ValueError, match="'cron daily at'.*cron daily time"):
        Schedule.from_config({"cron daily at": "06:25"})


def test_naive_bounds_are_wall_times_in_the_schedule_zone():
    utc = Schedule(timezone="UTC").due("2031-04-01T06:00", "2031-04-01T07:00")
    assert [(i.strftime("%H:%M"), k) for i, k in utc] == [("06:17", "cron_hourly"),
                                                          ("06:25", "cron_daily"),
                                                          ("06:52", "cron_monthly")]


def test_due_inside_a_freeze_gives_the_same_runs():
    schedule = Schedule()
    outside = schedule.due("2031-03-08", "2031-03-12")
    with Clock(start="2031-03-08T00:00").frozen():
        inside = schedule.due("2031-03-08", "2031-03-12")
    assert inside == outside
    assert all(type(instant) is type(outside[0][0]) for instant, _ in inside)
