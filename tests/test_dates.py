"""docassemble's date functions (ENGINE §10, SEMANTICS §10.5) under a frozen calendar."""
from __future__ import annotations

import datetime
import pickle
import zoneinfo

import pytest
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from bgkernel.library.context import RunContext, running
from bgkernel.library.dates import (DADateTime, as_datetime, current_datetime, date_difference,
                                    date_interval, day_of, dow_of, format_date, format_datetime,
                                    format_time, month_of, timezone_list, today, year_of)

NY = zoneinfo.ZoneInfo("America/New_York")


@freeze_time("2024-03-10 03:30:00")      # UTC: still March 9 in New York
def test_today_is_midnight_in_the_zone():
    ny = today()
    assert isinstance(ny, DADateTime)
    assert (ny.year, ny.month, ny.day, ny.hour, ny.minute) == (2024, 3, 9, 0, 0)
    assert ny.tzinfo == NY
    tokyo = today("Asia/Tokyo")
    assert (tokyo.month, tokyo.day, tokyo.hour) == (3, 10, 0)
    assert today(format="yyyy-MM-dd") == "2024-03-09"
    assert today("UTC", format="long") == "March 10, 2024"


def test_today_follows_the_interview_timezone():
    with freeze_time("2024-03-10 03:30:00"), running(RunContext(config={"timezone": "UTC"})):
        assert today().day == 10
        assert current_datetime().tzinfo == zoneinfo.ZoneInfo("UTC")


def test_now_comes_from_the_context_clock_when_given():
    instant = datetime.datetime(2030, 1, 15, 12, 0, tzinfo=datetime.timezone.utc)
    with running(RunContext(now=lambda: instant)):
        now = current_datetime("UTC")
        assert (now.year, now.month, now.day, now.hour) == (2030, 1, 15, 12)
        assert str(today()) == "January 15, 2030"


@freeze_time("2024-03-10 03:30:00")
def test_current_datetime_and_formats():
    now = current_datetime()
    assert (now.day, now.hour, now.minute) == (9, 22, 30)
    assert now.format_time() == "10:30\u202fPM"
    assert now.format_datetime() == "March 9, 2024, 10:30:00\u202fPM EST"
    assert str(now) == "March 9, 2024"


def test_as_datetime_attaches_or_converts_zones():
    naive = as_datetime("2024-02-29 13:00")
    assert (naive.hour, naive.tzinfo) == (13, NY)
    aware = as_datetime("2024-02-29T13:00:00+00:00")
    assert (aware.hour, aware.tzinfo) == (8, NY)
    midnight = as_datetime(datetime.date(2024, 1, 5), timezone="UTC")
    assert isinstance(midnight, DADateTime) and midnight.hour == 0
    assert midnight.tzinfo == zoneinfo.ZoneInfo("UTC")


@freeze_time("2024-03-10 03:30:00")
def test_date_difference_from_a_known_start_to_now():
    diff = date_difference(starting="2024-01-01")
    # now is 2024-03-09 22:30 New York; 68 days and 22.5 hours after midnight Jan 1
    assert diff.delta == datetime.timedelta(days=68, hours=22, minutes=30)
    assert diff.days == pytest.approx(68 + 22.5 / 24)
    assert diff.weeks == pytest.approx((68 + 22.5 / 24) / 7)
    assert diff.hours == pytest.approx(68 * 24 + 22.5)
    assert diff.minutes == pytest.approx((68 * 24 + 22.5) * 60)
    assert diff.seconds == 68 * 86400 + 22 * 3600 + 1800 and isinstance(diff.seconds, int)
    assert diff.years == pytest.approx((68 + 22.5 / 24) / 365.2425)
    assert diff.start.tzinfo == NY and diff.end.day == 9
    assert str(diff) == "two months and eight days"


def test_date_difference_uses_wall_clock_across_dst():
    # Same zone on both ends: Python subtracts wall times, as docassemble does
    assert date_difference("2024-03-09 12:00", "2024-03-10 12:00").hours == 24.0


def test_describe_wording():
    assert date_difference("2024-01-01", "2025-03-02 05:30").describe() == \
        "one year, two months, and one day"
    assert str(date_difference("2024-01-01 10:00", "2024-01-01 11:05")) == \
        "one hour and five minutes"
    assert str(date_difference("2024-01-01", "2024-01-01")) == "zero seconds"
    assert date_difference("2020-01-01", "2024-06-01").describe(specificity="year") == \
        "four years"
    assert date_difference("2024-01-01", "2024-01-15").describe(nice=False) == "14 days"


def test_dadatetime_arithmetic_and_properties():
    start = as_datetime("2024-01-31")
    assert start.plus(months=1) == as_datetime("2024-02-29")
    assert isinstance(start.plus(months=1), DADateTime)
    assert isinstance(start.minus(days=1), DADateTime)
    assert isinstance(start + datetime.timedelta(days=1), DADateTime)
    assert isinstance(start + date_interval(days=3), DADateTime)
    assert isinstance(date_interval(days=3) + start, DADateTime)
    assert start - as_datetime("2024-01-30") == datetime.timedelta(days=1)
    assert "On " + start == "On January 31, 2024"
    assert start + "!" == "January 31, 2024!"
    assert (start.dow, start.week, start.nanosecond) == (3, 5, 0)
    noon = start.replace_time(datetime.time(12, 15))
    assert (noon.hour, noon.minute, noon.day) == (12, 15, 31)
    assert pickle.loads(pickle.dumps(start)) == start


def test_date_interval_is_relativedelta():
    assert date_interval(months=1, days=2) == relativedelta(months=1, days=2)


def test_format_functions():
    assert format_date("2024-01-01") == "January 1, 2024"
    assert format_date(datetime.date(2024, 7, 4), format="MM/dd/yyyy") == "07/04/2024"
    assert format_date(None) == "" and format_date("") == ""
    assert format_date("not a date") == "Bad date"
    assert format_time("15:30") == "3:30\u202fPM"
    assert format_time("nonsense").startswith("Bad date: ")
    assert format_datetime("2024-01-01 15:00", format="yyyy-MM-dd HH:mm") == "2024-01-01 15:00"


def test_parts_of_a_date():
    assert day_of("2024-07-04") == 4
    assert month_of("2024-07-04") == 7
    assert month_of("2024-07-04", as_word=True) == "July"
    assert year_of(datetime.date(2024, 7, 4)) == 2024
    assert dow_of("2024-07-04") == 4
    assert dow_of("2024-07-04", as_word=True) == "Thursday"
    assert day_of("nope") == "Bad date"


def test_timezone_list_sorted():
    zones = timezone_list()
    assert zones == sorted(zones) and "America/New_York" in zones
