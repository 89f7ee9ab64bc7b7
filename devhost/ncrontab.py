"""NCRONTAB schedules of timer triggers: `{sec} {min} {hour} {day} {month} {dow}` (or 5 fields
without seconds). Lists, ranges, steps, `*`, month and day names. As in NCrontab, a day must match
both the day-of-month and the day-of-week fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}
DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day", 1, 31, {}),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 6, DAYS),
)


class CronError(ValueError):
    """A schedule that is not valid NCRONTAB; the message names the field."""


def _value(text: str, names: dict[str, int], field: str, schedule: str) -> int:
    key = text.upper()
    if key in names:
        return names[key]
    if not text.isdigit():
        raise CronError(f"schedule {schedule!r}: {field} field: {text!r} is not a number")
    return int(text)


def _field(
    text: str, field: str, low: int, high: int, names: dict[str, int], schedule: str
) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"schedule {schedule!r}: {field} field: bad step {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names, field, schedule), _value(b, names, field, schedule)
        else:
            start = _value(part, names, field, schedule)
            end = high if step > 1 else start
        if field == "day of week":
            start, end = (0 if start == 7 else start), (6 if end == 7 else end)
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise CronError(f"schedule {schedule!r}: {field} field: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Schedule:
    text: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday

    def _day_matches(self, day: date) -> bool:
        return day.month in self.months and day.day in self.days and (day.isoweekday() % 7) in self.weekdays

    def next_after(self, after: datetime, tz: ZoneInfo | None = None) -> datetime:
        """The first occurrence strictly after `after` (aware), evaluated in `tz` (default UTC)."""
        zone = tz or UTC
        local = after.astimezone(zone)
        day = local.date()
        for _ in range(366 * 5):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        for second in sorted(self.seconds):
                            candidate = datetime.combine(day, time(hour, minute, second), tzinfo=zone)
                            if candidate.astimezone(UTC) > after:
                                return candidate.astimezone(UTC)
            day += timedelta(days=1)
        raise CronError(f"schedule {self.text!r} never fires")

    def fires_more_than_once_a_minute(self) -> bool:
        return len(self.seconds) > 1


def parse(schedule: str) -> Schedule:
    """Parse a 6-field (or 5-field) NCRONTAB expression."""
    parts = schedule.split()
    if len(parts) == 5:
        parts = ["0", *parts]
    if len(parts) != 6:
        raise CronError(
            f"schedule {schedule!r}: expected 6 fields (sec min hour day month dow) or 5, got {len(parts)}"
        )
    sets = [
        _field(p, name, lo, hi, names, schedule)
        for p, (name, lo, hi, names) in zip(parts, FIELDS, strict=True)
    ]
    return Schedule(schedule, *sets)
