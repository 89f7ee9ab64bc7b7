"""Platform time: starts at a chosen instant and runs `time_scale` times faster than the wall clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class PlatformClock:
    """Seconds since the epoch on the platform's clock (scaled), plus ISO formatting."""

    def __init__(self, start: float | None = None, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time scale must be > 0")
        self.scale = time_scale
        self._base = time.time() if start is None else start
        self._mono = time.monotonic()

    def now(self) -> float:
        return self._base + (time.monotonic() - self._mono) * self.scale

    def advance(self, seconds: float) -> None:
        """Jump platform time forward (admin API) without touching the scale."""
        self._base += seconds

    def iso(self, at: float | None = None) -> str:
        return datetime.fromtimestamp(self.now() if at is None else at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """`2026-01-05T22:00:00Z` (or with an offset) → epoch seconds; naive times are UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
