"""The timeline as a picture: inline SVG Gantt charts of phases (one unit) and of waves (a plan).

A phase lasts from its own timeline entry to the next one; the last entry (usually the final
phase) is drawn as a diamond, because nothing after it says how long it lasted. Time comes only
from the entries (no clock here), so the same report always draws the same picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from migration.render._html import esc, unit_label

PHASE_COLOURS = {
    "Queued": "#8c959f",
    "Snapshotting": "#54aeff",
    "Prechecking": "#218bff",
    "Validating": "#0969da",
    "WaitingForWindow": "#d4a72c",
    "Preparing": "#8250df",
    "Checking": "#a475f9",
    "AwaitingApproval": "#bf8700",
    "Committing": "#2da44e",
    "Aborting": "#e16f24",
    "Committed": "#1a7f37",
    "Aborted": "#bc4c00",
    "NotMigratable": "#cf222e",
    "Failed": "#a40e26",
    "NeedsSupport": "#82071e",
}
WAVE_COLOURS = ("#f6f8fa", "#ddf4ff")
LABEL_W = 230
CHART_W = 640
ROW_H = 20
TOP = 24


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 timestamp (with `Z` or an offset), or None when it is not one."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else None


def segments(timeline: Sequence[Mapping[str, Any]]) -> list[tuple[str, datetime, datetime | None]]:
    """(phase, start, end) for each entry in time order; the last one has no end."""
    points = [(str(e.get("phase", "")), parse_time(e.get("at"))) for e in timeline]
    timed = sorted(((p, t) for p, t in points if t is not None), key=lambda pt: pt[1])
    out: list[tuple[str, datetime, datetime | None]] = []
    for index, (phase, start) in enumerate(timed):
        end = timed[index + 1][1] if index + 1 < len(timed) else None
        out.append((phase, start, end))
    return out


def human_duration(seconds: float) -> str:
    """`4 s`, `2 min 5 s`, `3 h 12 min`, `2 d 4 h` — how operators say it."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 or seconds == int(seconds) else f"{seconds:.1f} s"
    minutes, sec = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec} s" if sec else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


class _Scale:
    def __init__(self, start: datetime, end: datetime, label_w: float = LABEL_W) -> None:
        self.start = start
        self.span = max((end - start).total_seconds(), 1e-6)
        self.label_w = label_w

    def x(self, at: datetime) -> float:
        return self.label_w + CHART_W * (at - self.start).total_seconds() / self.span


def label_width(labels: Sequence[str]) -> float:
    """Room for the longest row label (11 px sans-serif is about 6.5 px a character)."""
    return max(120.0, min(420.0, 6.5 * max((len(t) for t in labels), default=0) + 16))


def _legend(phases: Sequence[str], y: float, width: float) -> str:
    """A key of the phase colours used in the chart, in order of first use."""
    parts, x = [], 0.0
    for phase in dict.fromkeys(phases):
        if x + 16 + 6.5 * len(phase) > width:
            break
        colour = PHASE_COLOURS.get(phase, "#6e7781")
        parts.append(
            f"<rect class='key' x='{x:.1f}' y='{y}' width='10' height='10' fill='{colour}'/>"
            f"<text x='{x + 14:.1f}' y='{y + 9}'>{esc(phase)}</text>"
        )
        x += 14 + 6.5 * len(phase) + 14
    return "".join(parts)


def _axis(scale: _Scale, start: datetime, end: datetime, height: float) -> str:
    total = human_duration((end - start).total_seconds())
    left = scale.label_w
    return (
        f"<line x1='{left}' y1='{TOP - 4}' x2='{left}' y2='{height}' stroke='#d0d7de'/>"
        f"<text x='{left}' y='12'>{esc(start.isoformat(timespec='seconds'))}</text>"
        f"<text x='{left + CHART_W}' y='12' text-anchor='end'>total {esc(total)}</text>"
    )


def _bar(scale: _Scale, phase: str, start: datetime, end: datetime | None, y: float, who: str = "") -> str:
    colour = PHASE_COLOURS.get(phase, "#6e7781")
    x0 = scale.x(start)
    if end is None:
        cx, cy, r = x0, y + ROW_H / 2, 6
        tip = f"{who}{phase} at {start.isoformat(timespec='seconds')}"
        return (
            f"<path class='bar' data-phase='{esc(phase)}' d='M{cx:.1f},{cy - r} L{cx + r},{cy:.1f} "
            f"L{cx:.1f},{cy + r} L{cx - r},{cy:.1f} Z' fill='{colour}'><title>{esc(tip)}</title></path>"
        )
    width = max(scale.x(end) - x0, 2.0)
    tip = f"{who}{phase}: {human_duration((end - start).total_seconds())}"
    return (
        f"<rect class='bar' data-phase='{esc(phase)}' x='{x0:.1f}' y='{y + 3}' width='{width:.1f}' "
        f"height='{ROW_H - 6}' rx='2' fill='{colour}'><title>{esc(tip)}</title></rect>"
    )


def _svg(height: float, inner: str, label: str, label_w: float = LABEL_W) -> str:
    width = label_w + CHART_W + 20
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' class='gantt' role='img' aria-label='{esc(label)}' "
        f"width='{width}' height='{height:.0f}' viewBox='0 0 {width} {height:.0f}'>{inner}</svg>"
    )


def unit_gantt_svg(timeline: Sequence[Mapping[str, Any]]) -> str:
    """One row per phase entry of one unit, bars placed on a shared time axis."""
    segs = segments(timeline)
    if not segs:
        return "<p class='muted'>No timeline yet.</p>"
    start = segs[0][1]
    end = segs[-1][1]
    label_w = label_width([p for p, _, _ in segs])
    scale = _Scale(start, end, label_w)
    height = TOP + ROW_H * len(segs) + 6
    parts = [_axis(scale, start, end, height)]
    for row, (phase, s, e) in enumerate(segs):
        y = TOP + row * ROW_H
        parts.append(f"<text x='{label_w - 8}' y='{y + 14}' text-anchor='end'>{esc(phase)}</text>")
        parts.append(_bar(scale, phase, s, e, y))
    return _svg(height, "".join(parts), "timeline of the unit's phases", label_w)


def plan_gantt_svg(waves: Sequence[Mapping[str, Any]]) -> str:
    """One row per unit, grouped and shaded by wave; each bar is the unit's phases in colour."""
    rows: list[tuple[int, str, list[tuple[str, datetime, datetime | None]]]] = []
    for wave in waves:
        for unit in wave.get("units") or []:
            label = unit_label(unit.get("unit")) or str(unit.get("id", ""))
            rows.append((int(wave.get("index", 0)), label, segments(unit.get("timeline") or [])))
    times = [s for _, _, segs in rows for _, s, _ in segs]
    if not times:
        return "<p class='muted'>No unit of this plan has started yet.</p>"
    start, end = min(times), max(times)
    label_w = label_width([f"wave {w} · {label}" for w, label, _ in rows])
    scale = _Scale(start, end, label_w)
    height = TOP + ROW_H * len(rows) + 6
    parts = [_axis(scale, start, end, height)]
    for row, (wave_index, label, segs) in enumerate(rows):
        y = TOP + row * ROW_H
        shade = WAVE_COLOURS[wave_index % len(WAVE_COLOURS)]
        parts.append(
            f"<rect class='wave' data-wave='{wave_index}' x='0' y='{y}' width='{label_w + CHART_W + 20}' "
            f"height='{ROW_H}' fill='{shade}'/>"
        )
        parts.append(
            f"<text x='{label_w - 8}' y='{y + 14}' text-anchor='end'>wave {wave_index} · {esc(label)}</text>"
        )
        for phase, s, e in segs:
            parts.append(_bar(scale, phase, s, e, y, who=f"{label}: "))
    phases = [p for _, _, segs in rows for p, _, _ in segs]
    parts.append(_legend(phases, height + 4, label_w + CHART_W))
    return _svg(height + 20, "".join(parts), "timeline of the plan's waves", label_w)
