"""Migration windows: `MIGRATION_WINDOWS` / `MIGRATION_TIMEZONE` → is-open, next open, next close.

Grammar (docs/contract.md, "Schedules and windows"): ranges separated by `;`, each `DAYS HH:MM-HH:MM`
with `DAYS` one day (`Mon`), a range (`Mon-Fri`, wrapping allowed: `Fri-Mon`) or `*`; `24:00`
is allowed as an end; an end earlier than the start runs past midnight into the next day (the
day named is the day the window *starts*). Example: `Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00`.

Times are wall-clock times in the IANA zone `MIGRATION_TIMEZONE`, evaluated with `zoneinfo`, so
a window keeps its local times across DST changes: on the night clocks go forward a 01:00-03:00
window lasts one hour, on the night they go back it lasts three. A start inside the skipped hour
begins when the clock jumps; an ambiguous local time starts at its first occurrence and ends at
its second (the window is never cut short).

Public API: `parse_windows(text) -> tuple[Window, ...]` (`WindowError` naming the bad part),
`Schedule(windows, timezone)` with `.is_open(now)`, `.next_open(now)`, `.next_close(now)`,
`.intervals(start, end)`; and the shortcuts `is_open(now, windows, timezone="UTC")`,
`next_open(...)`, `next_close(...)`. `now` may be aware or naive (naive = UTC, as Durable's
`current_utc_datetime`); results come back in the same style, in UTC. No clock is read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {d.casefold(): i for i, d in enumerate(DAYS)}
_PART = re.compile(r"^(?P<days>\S+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$")
_HORIZON_DAYS = 16  # windows repeat weekly: two weeks of intervals always hold the answer


class WindowError(ValueError):
    """A `MIGRATION_WINDOWS` or `MIGRATION_TIMEZONE` value that cannot be understood."""


@dataclass(frozen=True)
class Window:
    """One range: the weekdays it starts on (0 = Monday), start and end as minutes of the day
    (end 1440 = 24:00; end <= start = runs into the next day)."""

    days: frozenset[int]
    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


def _minutes(text: str, part: str, *, end: bool) -> int:
    hours, _, minutes = text.partition(":")
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m != 0 or not end)):
        raise WindowError(f"{part!r}: {text} is not a time (HH:MM, 24:00 only as an end)")
    return h * 60 + m


def _days(text: str, part: str) -> frozenset[int]:
    if text == "*":
        return frozenset(range(7))
    first, sep, last = text.partition("-")
    try:
        a = _DAY_INDEX[first.casefold()]
        b = _DAY_INDEX[last.casefold()] if sep else a
    except KeyError:
        raise WindowError(
            f"{part!r}: {text!r} is not a day, a day range or * (days: {', '.join(DAYS)})"
        ) from None
    return frozenset((a + i) % 7 for i in range((b - a) % 7 + 1))


def parse_windows(text: str) -> tuple[Window, ...]:
    """Parse `MIGRATION_WINDOWS`; every range must be valid, and at least one given."""
    windows = []
    for raw_part in (text or "").split(";"):
        part = raw_part.strip()
        if not part:
            continue
        m = _PART.match(part)
        if not m:
            raise WindowError(f"{part!r} is not 'DAYS HH:MM-HH:MM' (e.g. 'Mon-Fri 22:00-06:00')")
        start = _minutes(m["start"], part, end=False)
        end = _minutes(m["end"], part, end=True)
        if start == end:
            raise WindowError(f"{part!r}: start and end are equal (use 00:00-24:00 for a whole day)")
        windows.append(Window(_days(m["days"], part), start, end))
    if not windows:
        raise WindowError("no window given: expected ranges like 'Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00'")
    return tuple(windows)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise WindowError(f"{name!r} is not an IANA time zone (e.g. Europe/Berlin)") from None


def _local(day: date, minutes: int, tz: ZoneInfo, fold: int) -> datetime:
    """UTC instant of wall-clock `minutes` after midnight of `day` in `tz`."""
    day = day + timedelta(days=minutes // 1440)
    minutes %= 1440
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz).replace(fold=fold)
    instant = wall.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    # a wall time in a spring-forward gap does not exist: use the instant of the jump
    naive = wall.replace(tzinfo=None)
    offsets = sorted(
        (wall.replace(fold=0).utcoffset() or timedelta(), wall.replace(fold=1).utcoffset() or timedelta())
    )
    lo = (naive - offsets[1]).replace(tzinfo=UTC)  # before the jump
    hi = (naive - offsets[0]).replace(tzinfo=UTC)  # after the jump
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    instant = hi.replace(microsecond=0)
    return instant


class Schedule:
    """Windows in a time zone, answering questions about instants (UTC)."""

    def __init__(self, windows: str | tuple[Window, ...], timezone: str = "UTC") -> None:
        self.windows = parse_windows(windows) if isinstance(windows, str) else tuple(windows)
        self.tz = _zone(timezone)

    def intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Merged open intervals (aware UTC) overlapping [start, end), in order."""
        start, end = _aware(start), _aware(end)
        first = start.astimezone(self.tz).date() - timedelta(days=2)
        last = end.astimezone(self.tz).date() + timedelta(days=1)
        raw: list[tuple[datetime, datetime]] = []
        day = first
        while day <= last:
            for w in self.windows:
                if day.weekday() in w.days:
                    end_minutes = w.end + (1440 if w.overnight else 0)
                    a = _local(day, w.start, self.tz, fold=0)
                    b = _local(day, end_minutes, self.tz, fold=1)
                    if b > a:
                        raw.append((a, b))
            day += timedelta(days=1)
        raw.sort()
        merged: list[tuple[datetime, datetime]] = []
        for a, b in raw:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return [(a, b) for a, b in merged if b > start and a < end]

    def _around(self, now: datetime) -> list[tuple[datetime, datetime]]:
        return self.intervals(now, now + timedelta(days=_HORIZON_DAYS))

    def is_open(self, now: datetime) -> bool:
        at = _aware(now)
        return any(a <= at < b for a, b in self._around(at))

    def next_open(self, now: datetime) -> datetime:
        """`now` when a window is open, else the start of the next one."""
        at = _aware(now)
        for a, b in self._around(at):
            if a <= at < b:
                return now
            if a > at:
                return _like(now, a)
        raise WindowError("the windows never open")  # unreachable: parse_windows needs one window

    def next_close(self, now: datetime) -> datetime | None:
        """End of the open window (or of the next one when closed); None if it never closes."""
        at = _aware(now)
        horizon = at + timedelta(days=_HORIZON_DAYS)
        for _start, b in self._around(at):
            if b > at:
                return None if b >= horizon else _like(now, b)
        return None


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _like(reference: datetime, value: datetime) -> datetime:
    """`value` (aware UTC) in the style of `reference`: naive UTC when `reference` is naive."""
    return value.replace(tzinfo=None) if reference.tzinfo is None else value


def is_open(now: datetime, windows: str | tuple[Window, ...], timezone: str = "UTC") -> bool:
    return Schedule(windows, timezone).is_open(now)


def next_open(now: datetime, windows: str | tuple[Window, ...], timezone: str = "UTC") -> datetime:
    return Schedule(windows, timezone).next_open(now)


def next_close(now: datetime, windows: str | tuple[Window, ...], timezone: str = "UTC") -> datetime | None:
    return Schedule(windows, timezone).next_close(now)
