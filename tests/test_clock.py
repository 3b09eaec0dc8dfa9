"""The two clocks: real wall time, the simulated calendar, and the freezegun bridge."""
from __future__ import annotations

import asyncio
import datetime
import pickle
import threading
import time
from zoneinfo import ZoneInfo

import freezegun
import freezegun.api
import pytest

from bgkernel.calendar import clock as clock_module
from bgkernel.calendar.clock import (Clock, localize, parse_instant, real_monotonic, real_now,
                                     worker_freeze)

_aliased_monotonic = real_monotonic          # a module-level alias freezegun must not touch

NY = ZoneInfo("America/New_York")
# Read freezegun's copies of the real classes at call time: a module-level alias in
# this file would itself be rewritten by freezegun's module scan during a freeze.
real = freezegun.api


def _no_freeze() -> bool:
    return (datetime.datetime is real.real_datetime and datetime.date is real.real_date
            and not freezegun.api.freeze_factories)


@pytest.fixture(autouse=True)
def no_leftover_freeze():
    assert _no_freeze()
    yield
    assert clock_module._FREEZE.depth == 0
    assert _no_freeze(), "a freeze was left active"


@pytest.fixture
def starts(monkeypatch):
    """Count freezegun starts (each one is a module scan)."""
    calls = []
    original = freezegun.freeze_time

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(freezegun, "freeze_time", spy)
    return calls


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize("bad", [object(), [2031, 3, 1], True, b"2031-03-01"])
def test_start_of_the_wrong_type_is_a_type_error_naming_it(bad):
    with pytest.raises(TypeError, match=repr(bad).replace("[", r"\[").split(" at ")[0]):
        Clock(start=bad)


@pytest.mark.parametrize("bad", ["next tuesday", "", "2031-13-01", float("nan"),
                                 float("inf"), 1e20])
def test_unreadable_start_is_a_value_error_naming_it(bad):
    with pytest.raises(ValueError) as caught:
        Clock(start=bad)
    assert repr(bad) in str(caught.value)


def test_bad_timezone_and_timescale_are_named():
    with pytest.raises(ValueError, match="'Mars/Olympus'"):
        Clock(timezone="Mars/Olympus")
    with pytest.raises(TypeError, match="42"):
        Clock(timezone=42)
    for bad in (0, -1, "fast", float("nan")):
        with pytest.raises(ValueError, match=repr(bad).replace("'", ".")):
            Clock(timescale=bad)


def test_parse_instant_reads_every_form():
    expected = datetime.datetime(2031, 3, 1, 9, 0, tzinfo=NY)
    utc = expected.astimezone(datetime.timezone.utc)
    forms = ["2031-03-01T09:00", "2031-03-01 09:00:00-05:00", "2031-03-01T14:00Z",
             datetime.datetime(2031, 3, 1, 9, 0), utc, utc.timestamp(), int(utc.timestamp())]
    for form in forms:
        got = parse_instant(form, "America/New_York")
        assert got == expected and got.tzinfo == NY, form
    assert parse_instant(datetime.date(2031, 3, 1), NY) == expected.replace(hour=0)
    assert parse_instant("2031-03-01", NY) == expected.replace(hour=0)
    assert parse_instant(datetime.timedelta(hours=2), NY, base=expected) == \
        expected + datetime.timedelta(hours=2)
    near = parse_instant(datetime.timedelta(0), "UTC") - real_now()
    assert abs(near) < datetime.timedelta(seconds=1)


def test_naive_wall_times_in_dst_changes():
    spring = localize(datetime.datetime(2031, 3, 9, 2, 30), NY)   # does not exist
    assert spring.isoformat() == "2031-03-09T03:00:00-04:00"
    autumn = localize(datetime.datetime(2031, 11, 2, 1, 30), NY)  # happens twice
    assert autumn.isoformat() == "2031-11-02T01:30:00-04:00"       # the first one


# ------------------------------------------------------------------ the clocks
def test_calendar_starts_where_asked_and_flows_with_real_time():
    clock = Clock(start="2031-03-01T09:00")
    first = clock.now()
    assert first.tzinfo == NY
    assert abs(first - datetime.datetime(2031, 3, 1, 9, tzinfo=NY)) < datetime.timedelta(seconds=1)
    wall = clock.wall()
    time.sleep(0.05)
    moved = (clock.now() - first).total_seconds()
    assert 0.045 <= moved < 1.0
    assert 0.045 <= clock.wall() - wall < 1.0
    assert not clock.is_real()
    assert clock.offset() > datetime.timedelta(days=365)


def test_default_start_is_real_time():
    clock = Clock()
    assert clock.is_real()
    assert abs(clock.offset()) < datetime.timedelta(seconds=1)
    assert clock.timezone == "America/New_York" and clock.timescale == 1.0


def test_advance_moves_the_calendar_forward_only():
    clock = Clock(start="2031-03-01T09:00")
    before = clock.now()
    after = clock.advance(days=20)
    jump = clock.now() - before - datetime.timedelta(days=20)
    assert datetime.timedelta(0) <= jump < datetime.timedelta(seconds=0.5)
    assert after.date() == datetime.date(2031, 3, 21)
    clock.advance(hours=1, minutes=30, seconds=5)
    assert clock.now().strftime("%H:%M:%S") == "10:30:05"
    with pytest.raises(ValueError, match="forward"):
        clock.advance(days=-1)
    with pytest.raises(ValueError, match="2031-03-02"):
        clock.advance_to("2031-03-02T00:00")
    with pytest.raises(TypeError, match="'soon'"):
        clock.advance(days="soon")


def test_advance_to_reads_any_instant_and_tolerates_a_hair_behind():
    clock = Clock(start="2031-03-01T09:00")
    clock.advance_to("2031-04-01T06:25")
    assert clock.now().isoformat(timespec="minutes") == "2031-04-01T06:25-04:00"
    clock.advance_to(datetime.timedelta(days=1))              # relative to the calendar
    assert clock.now().date() == datetime.date(2031, 4, 2)
    behind = clock.now() - datetime.timedelta(milliseconds=100)
    assert clock.advance_to(behind) >= behind                  # a run took 0.1 s: no error


def test_scaled_multiplies_real_time_waits():
    assert Clock(timescale=0.1).scaled(4) == pytest.approx(0.4)
    assert Clock().scaled(6) == 6.0


# ------------------------------------------------------------------ frozen()
def test_frozen_shows_interview_code_the_calendar():
    clock = Clock(start="2031-03-01T09:00")
    with clock.frozen():
        assert datetime.datetime.now().year == 2031
        assert datetime.datetime.now().strftime("%Y-%m-%d %H:%M") == "2031-03-01 09:00"
        assert datetime.date.today() == datetime.date(2031, 3, 1)
        aware = datetime.datetime.now(datetime.timezone.utc)
        assert aware.strftime("%H:%M") == "14:00"              # not shifted twice
        assert abs(time.time() - clock.now().timestamp()) < 1
    assert datetime.datetime.now().year == real_now().year
    assert _no_freeze()


def test_frozen_ticks_and_real_clocks_stay_real():
    clock = Clock(start="2031-03-01T09:00")
    with clock.frozen():
        first, wall = datetime.datetime.now(), clock.wall()
        time.sleep(0.05)
        assert datetime.datetime.now() - first >= datetime.timedelta(seconds=0.04)
        assert clock.wall() - wall >= 0.04                     # perf_counter is faked here
        assert type(clock.now()) is real.real_datetime
        assert _aliased_monotonic is real_monotonic
        assert abs(_aliased_monotonic() - real.real_monotonic()) < 1


def test_frozen_is_a_no_op_on_real_time(starts):
    clock = Clock()
    with clock.frozen():
        assert datetime.datetime is real.real_datetime
    assert starts == []


def test_nested_frozen_does_not_rescan(starts):
    clock = Clock(start="2031-03-01T09:00")
    with clock.frozen():
        began = time.perf_counter()
        for _ in range(100):
            with clock.frozen():
                with clock.frozen():
                    assert datetime.date.today().year == 2031
        per_scope = (time.perf_counter() - began) / 200
        assert datetime.date.today().year == 2031
    assert len(starts) == 1
    assert per_scope < 0.001


def test_advance_inside_a_freeze_moves_it_without_rescanning(starts):
    clock = Clock(start="2031-03-07T12:00")                     # EST
    with clock.frozen():
        clock.advance(days=3)                                   # past the DST change
        assert datetime.datetime.now().strftime("%Y-%m-%d %H") == "2031-03-10 12"
        clock.move_to("2031-04-01T06:25")
        assert datetime.datetime.now().strftime("%Y-%m-%d %H:%M") == "2031-04-01 06:25"
        assert datetime.datetime.now(NY).strftime("%H:%M") == "06:25"
    assert len(starts) == 1


def test_advance_inside_a_real_time_scope_starts_the_freeze():
    clock = Clock()
    with clock.frozen():
        assert datetime.datetime is real.real_datetime
        clock.advance(days=400)
        assert datetime.date.today() == clock.now().date()
        assert datetime.date.today().year > real_now().year
    assert _no_freeze()


def test_freeze_stops_when_the_block_raises():
    clock = Clock(start="2031-03-01T09:00")
    with pytest.raises(ZeroDivisionError):
        with clock.frozen():
            1 / 0
    assert _no_freeze()


def test_asyncio_sleep_completes_inside_a_freeze():
    clock = Clock(start="2031-03-01T09:00")
    with clock.frozen():
        began = clock.wall()
        asyncio.run(asyncio.wait_for(asyncio.sleep(0.05), timeout=5))
        assert 0.045 <= clock.wall() - began < 2
        assert datetime.datetime.now().year == 2031


def test_threads_see_the_freeze_while_it_is_active():
    clock = Clock(start="2031-03-01T09:00")
    seen = []
    with clock.frozen():
        worker = threading.Thread(target=lambda: seen.append(datetime.date.today().year))
        worker.start()
        worker.join()
    assert seen == [2031]


def test_a_pickled_clock_carries_on_from_the_same_calendar_instant():
    clock = Clock(start="2031-03-01T09:00", timescale=0.5)
    copy = pickle.loads(pickle.dumps(clock))
    assert abs(copy.now() - clock.now()) < datetime.timedelta(seconds=1)
    assert (copy.tz, copy.timescale) == (clock.tz, 0.5)


def test_values_made_inside_a_freeze_pickle_as_builtins():
    clock = Clock(start="2031-03-01T09:00")
    with clock.frozen():
        inside = datetime.datetime.now()
        parsed = parse_instant(inside, NY)
    assert type(parsed) is real.real_datetime
    assert b"freezegun" not in pickle.dumps(parsed)


# ------------------------------------------------------------------ worker_freeze
def test_worker_freeze_uses_the_instant_it_was_handed():
    instant = Clock(start="2031-03-01T09:00").now().isoformat()
    with worker_freeze(instant) as frozen_at:
        assert frozen_at.year == 2031
        assert datetime.datetime.now().strftime("%Y-%m-%d %H:%M") == "2031-03-01 09:00"
        assert datetime.date.today() == datetime.date(2031, 3, 1)
        time.sleep(0.02)
        assert datetime.datetime.now().second == 0 and datetime.datetime.now().microsecond > 0
    assert _no_freeze()
    with worker_freeze("2031-07-04T12:00", timezone="UTC"):
        assert datetime.datetime.now().strftime("%H:%M") == "12:00"


def test_worker_freeze_none_does_nothing(starts):
    with worker_freeze(None) as frozen_at:
        assert frozen_at is None
        assert datetime.datetime is real.real_datetime
    assert starts == []
    with pytest.raises(ValueError, match="'yesterday'"):
        with worker_freeze("yesterday"):
            pass
