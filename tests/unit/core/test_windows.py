"""Window arithmetic: grammar, midnight, DST (zoneinfo), and properties checked with hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migration.windows import Schedule, WindowError, is_open, next_close, next_open, parse_windows

DEFAULT = "Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00"
BERLIN = "Europe/Berlin"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_weekday_night_runs_past_midnight_and_joins_the_weekend() -> None:
    s = Schedule(DEFAULT, "UTC")
    wed_noon = utc("2026-03-25T12:00")
    assert not s.is_open(wed_noon)
    assert s.next_open(wed_noon) == utc("2026-03-25T22:00")
    assert s.next_close(wed_noon) == utc("2026-03-26T06:00")
    assert s.is_open(utc("2026-03-26T05:59")) and not s.is_open(utc("2026-03-26T06:00"))
    # Friday 22:00 runs into Saturday 00:00-24:00, Sunday, and Monday until... Sunday 24:00
    friday_late = utc("2026-03-27T23:00")
    assert s.is_open(friday_late)
    assert s.next_close(friday_late) == utc("2026-03-30T00:00")


def test_monday_early_hours_belong_to_sunday_night_only_if_sunday_has_a_window() -> None:
    assert not is_open(utc("2026-03-30T03:00"), "Mon-Fri 22:00-06:00")  # Sunday starts none
    assert is_open(utc("2026-03-31T03:00"), "Mon-Fri 22:00-06:00")  # Monday's night
    assert is_open(utc("2026-03-30T03:00"), "Sun 22:00-06:00")


def test_dst_spring_forward_window_is_one_hour_short() -> None:
    s = Schedule("Sun 01:00-03:00", BERLIN)
    spans = s.intervals(utc("2026-03-28T00:00"), utc("2026-03-30T00:00"))
    assert spans == [(utc("2026-03-29T00:00"), utc("2026-03-29T01:00"))]


def test_dst_fall_back_window_is_one_hour_long() -> None:
    s = Schedule("Sun 01:00-03:00", BERLIN)
    spans = s.intervals(utc("2026-10-24T00:00"), utc("2026-10-26T00:00"))
    assert spans == [(utc("2026-10-24T23:00"), utc("2026-10-25T02:00"))]


def test_start_in_the_skipped_hour_begins_at_the_jump() -> None:
    s = Schedule("Sun 02:30-04:00", BERLIN)
    assert s.next_open(utc("2026-03-28T12:00")) == utc("2026-03-29T01:00")


def test_local_times_hold_across_dst_in_summer_and_winter() -> None:
    s = Schedule("Mon-Fri 22:00-06:00", BERLIN)
    assert s.next_open(utc("2026-01-14T12:00")) == utc("2026-01-14T21:00")  # CET
    assert s.next_open(utc("2026-07-15T12:00")) == utc("2026-07-15T20:00")  # CEST


def test_naive_now_is_utc_and_gets_a_naive_answer() -> None:
    opened = next_open(datetime(2026, 3, 25, 12, 0), DEFAULT)
    assert opened == datetime(2026, 3, 25, 22, 0) and opened.tzinfo is None
    assert next_open(datetime(2026, 3, 25, 23, 0), DEFAULT) == datetime(2026, 3, 25, 23, 0)


def test_always_open_never_closes() -> None:
    assert next_close(utc("2026-03-25T12:00"), "* 00:00-24:00") is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no window"),
        ("Mon 22:00", "is not 'DAYS HH:MM-HH:MM'"),
        ("Funday 01:00-02:00", "is not a day"),
        ("Mon 25:00-26:00", "is not a time"),
        ("Mon 24:00-02:00", "24:00 only as an end"),
        ("Mon 10:60-11:00", "is not a time"),
        ("Mon 10:00-10:00", "equal"),
        ("Mon 01:00-02:00;; Tue x", "'Tue x'"),
    ],
)
def test_bad_windows_name_the_part(text: str, fragment: str) -> None:
    with pytest.raises(WindowError, match=fragment):
        parse_windows(text)


def test_bad_time_zone() -> None:
    with pytest.raises(WindowError, match="IANA"):
        Schedule(DEFAULT, "Mars/Olympus")


def test_wrapping_day_range() -> None:
    assert {d for w in parse_windows("Fri-Mon 01:00-02:00") for d in w.days} == {4, 5, 6, 0}


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/St_Johns"]
times = st.integers(0, 23 * 60 + 59).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")
days = st.sampled_from(
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon-Fri", "Sat-Sun", "Fri-Mon", "*"]
)
window = st.tuples(days, times, times).filter(lambda t: t[1] != t[2]).map(lambda t: f"{t[0]} {t[1]}-{t[2]}")
schedules = st.lists(window, min_size=1, max_size=3).map("; ".join)
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
)


@settings(max_examples=60, deadline=None)
@given(schedules, st.sampled_from(ZONES), instants)
def test_next_open_is_open_and_nothing_opens_earlier(text: str, zone: str, now: datetime) -> None:
    s = Schedule(text, zone)
    opened = s.next_open(now)
    assert opened >= now
    assert s.is_open(opened)
    if opened > now:  # closed until then: probe the gap every 10 minutes
        probe = now
        while probe < opened:
            assert not s.is_open(probe)
            probe += timedelta(minutes=10)


@settings(max_examples=60, deadline=None)
@given(schedules, st.sampled_from(ZONES), instants)
def test_next_close_follows_next_open_and_is_closed(text: str, zone: str, now: datetime) -> None:
    s = Schedule(text, zone)
    closes = s.next_close(now)
    if closes is None:
        return
    assert closes > s.next_open(now) or (closes > now and s.is_open(now))
    assert not s.is_open(closes)
    assert s.is_open(closes - timedelta(seconds=1))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ZONES[1:]), instants, times, times)
def test_window_matches_wall_clock_in_its_zone(zone: str, now: datetime, start: str, end: str) -> None:
    """is_open agrees with reading the local wall clock, away from the DST transition hours."""
    if start == end:
        return
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    # skip instants within 3 hours of a UTC-offset change (the documented gap/fold rules apply there)
    if {(now + timedelta(hours=h)).astimezone(tz).utcoffset() for h in (-27, -3, 0, 3, 27)} != {
        local.utcoffset()
    }:
        return
    minute = local.hour * 60 + local.minute
    a = int(start[:2]) * 60 + int(start[3:])
    b = int(end[:2]) * 60 + int(end[3:])
    expected = a <= minute < b if a < b else (minute >= a or minute < b)
    assert is_open(now, f"* {start}-{end}", zone) == expected
