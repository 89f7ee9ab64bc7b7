"""A per-subscription request limiter shared by the whole process.

The platform throttles per subscription (ASM and ARM alike), and one Function App instance runs
many activities at once, so the budget must be shared: one token bucket per subscription id in
a process-wide registry. When the platform answers 429 with `Retry-After`, the limiter learns:
the subscription is paused until then for every caller, not only the one that was told.

A wait longer than the caller allows is not slept: `acquire` raises `TransientError` with the
remaining time as `retry_after`, so the orchestrator waits with a durable timer instead of an
activity holding a worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.errors import Reason, TransientError


@dataclass
class _Bucket:
    tokens: float
    updated: float
    paused_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class RateLimiter:
    """Token buckets keyed by subscription id: `rate` requests/second, bursts up to `burst`."""

    def __init__(
        self,
        rate: float = 5.0,
        burst: int = 10,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate limiter: rate must be > 0 and burst >= 1 (got {rate}, {burst})")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}
        self._registry_lock = threading.Lock()

    def _bucket(self, key: str) -> _Bucket:
        with self._registry_lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = _Bucket(tokens=float(self.burst), updated=self._clock())
                self._buckets[key] = bucket
            return bucket

    def _reserve(self, bucket: _Bucket, max_wait: float) -> float:
        """Take one token now or reserve the next; the wait before sending (or raise)."""
        with bucket.lock:
            now = self._clock()
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            pause = max(0.0, bucket.paused_until - now)
            token_wait = 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate
            wait = max(pause, token_wait)
            if wait > max_wait:
                raise TransientError(
                    f"request budget of the subscription exhausted; retry in {wait:.1f} s",
                    code="ClientThrottled",
                    reason=Reason.THROTTLED,
                    retry_after=wait,
                )
            bucket.tokens -= 1  # may go negative: later callers queue behind this reservation
            return wait

    def acquire(self, subscription: str, max_wait: float = 10.0) -> float:
        """Wait (at most `max_wait` s) for a request slot of `subscription`; the seconds waited."""
        wait = self._reserve(self._bucket(subscription.lower()), max_wait)
        if wait > 0:
            self._sleep(wait)
        return wait

    def throttled(self, subscription: str, retry_after: float | None) -> None:
        """The platform said 429: pause the subscription for everyone until `retry_after` passes."""
        bucket = self._bucket(subscription.lower())
        delay = retry_after if retry_after is not None and retry_after > 0 else 1.0 / self.rate
        with bucket.lock:
            bucket.paused_until = max(bucket.paused_until, self._clock() + delay)
            bucket.tokens = min(bucket.tokens, 0.0)

    def paused_for(self, subscription: str) -> float:
        """Seconds until the subscription's pause ends (0 when not paused)."""
        bucket = self._bucket(subscription.lower())
        with bucket.lock:
            return max(0.0, bucket.paused_until - self._clock())


_shared: RateLimiter | None = None
_shared_lock = threading.Lock()


def shared_limiter(rate: float | None = None, burst: int | None = None) -> RateLimiter:
    """The process-wide limiter (created on first use from the arguments or the defaults)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RateLimiter(rate=rate or 5.0, burst=burst or 10)
        return _shared
