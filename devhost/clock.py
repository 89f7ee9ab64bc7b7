"""Virtual time: durable timers, `current_utc_datetime` and timer triggers all read this clock.

``virtual = anchor_virtual + (real - anchor_real) × scale``. The anchor lives in the state db, so a
restarted host continues the same timeline (time that passed while it was down counts, scaled,
and timers that fell due meanwhile fire at once); it never goes backwards. ``--start-time``
only sets the anchor of a fresh state db, or moves time forward if it is later than the
continued time. A changed ``--time-scale`` re-anchors at the continued virtual time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class VirtualClock:
    """Scaled wall-clock time from an anchor (virtual epoch seconds at a real epoch second)."""

    def __init__(self, anchor_real: float, anchor_virtual: float, scale: float) -> None:
        if scale <= 0:
            raise ValueError(f"time scale must be > 0, got {scale}")
        self.anchor_real = anchor_real
        self.anchor_virtual = anchor_virtual
        self.scale = scale

    @classmethod
    def resume(
        cls, stored: tuple[float, float, float] | None, scale: float, start: datetime | None
    ) -> VirtualClock:
        """Continue the stored timeline (see module doc), or start a new one at `start` (default now)."""
        real_now = time.time()
        if stored is None:
            virtual = start.timestamp() if start else real_now
            return cls(real_now, virtual, scale)
        anchor_real, anchor_virtual, old_scale = stored
        continued = anchor_virtual + max(0.0, real_now - anchor_real) * old_scale
        if start is not None and start.timestamp() > continued:
            continued = start.timestamp()
        return cls(real_now, continued, scale)

    @property
    def anchor(self) -> tuple[float, float, float]:
        return (self.anchor_real, self.anchor_virtual, self.scale)

    def now_ts(self) -> float:
        """Virtual now, epoch seconds."""
        return self.anchor_virtual + (time.time() - self.anchor_real) * self.scale

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_ts(), UTC)

    def real_delay(self, virtual_ts: float) -> float:
        """Real seconds until the virtual instant `virtual_ts` (0 if already past)."""
        return max(0.0, (virtual_ts - self.now_ts()) / self.scale)


def parse_start_time(text: str) -> datetime:
    """`--start-time` ISO 8601 (naive = UTC), with a clear error naming the option."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"--start-time: {text!r} is not an ISO 8601 date-time") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
