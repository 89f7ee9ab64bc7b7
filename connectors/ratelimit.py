"""A per-subscription request limiter shared by the whole process.

The platform throttles per subscription (ASM and ARM alike), and one Function App instance runs
many activities at once, so the budget must be shared: one token bucket per subscription id in
a process-wide registry. When the platform answers 429 with `Retry-After`, the limiter learns:
the subscription is paused until then for every caller, not only the one that was told.

It also learns the limit itself. The bucket remembers when it let each request through (the
last minute); a 429 then says "what you sent in the last `Retry-After` seconds (at least 1) was
too much". The bucket's rate drops to 80 % of the requests the platform accepted in that window
and its burst to a tenth of them, so that burst + rate × window stays below what the platform
took: after one 429 (and the requests already in flight with it, each of which lowers the
count of accepted requests the lesson was drawn from) the process stays under the limit. A
further 429 once the pause is over lowers the rate by 30 % more. A 429 that follows
almost no traffic of ours (fewer than 2 accepted requests in the window) is not a rate limit of
ours to learn: it only pauses. Ten minutes without a 429 and the configured rate and burst come
back (the platform's limits change; so do other clients of the subscription).

A wait longer than the caller allows is not slept: `acquire` raises `TransientError` with the
remaining time as `retry_after`, so the orchestrator waits with a durable timer instead of an
activity holding a worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.errors import Reason, TransientError

log = logging.getLogger("c2arm.connectors.ratelimit")

HISTORY_SECONDS = 60.0  # how far back the bucket remembers what it sent
SAFETY = 0.8  # learned rate: this share of what the platform accepted in the window
BACKOFF = 0.7  # a 429 after learning (and after the pause): the rate × this
MIN_RATE = 0.2  # requests/s: never learn a rate below this
FORGET_AFTER = 600.0  # seconds without a 429 before the configured rate and burst return


@dataclass
class _Bucket:
    tokens: float
    updated: float
    rate: float
    burst: float
    paused_until: float = 0.0
    last_429: float | None = None  # when a 429 last taught (or confirmed) the limit
    lesson: dict[str, float] | None = None  # what the last 429 taught (refined by its in-flight peers)
    sent: deque[float] = field(default_factory=deque)  # when requests were let through
    rejected: deque[float] = field(default_factory=deque)  # when 429s came back
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
                bucket = _Bucket(float(self.burst), self._clock(), float(self.rate), float(self.burst))
                self._buckets[key] = bucket
            return bucket

    def _refill(self, bucket: _Bucket, now: float) -> None:
        if bucket.last_429 is not None and now - bucket.last_429 > FORGET_AFTER:
            bucket.rate, bucket.burst, bucket.last_429 = float(self.rate), float(self.burst), None
            bucket.lesson = None
        if now > bucket.updated:  # `updated` lies ahead during a pause: nothing accrues until it ends
            bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.updated) * bucket.rate)
            bucket.updated = now
        for times in (bucket.sent, bucket.rejected):
            while times and times[0] < now - HISTORY_SECONDS:
                times.popleft()

    def _reserve(self, bucket: _Bucket, max_wait: float) -> float:
        """Take one token now or reserve the next; the wait before sending (or raise)."""
        with bucket.lock:
            now = self._clock()
            self._refill(bucket, now)
            pause = max(0.0, bucket.paused_until - now)
            # tokens accrue from `updated` (the end of a pause): the callers queued during a pause
            # leave one by one at the rate after it, not all together when it ends
            token_wait = max(0.0, bucket.updated - now)
            if bucket.tokens < 1:
                token_wait += (1 - bucket.tokens) / bucket.rate
            wait = max(pause, token_wait)
            if wait > max_wait:
                raise TransientError(
                    f"request budget of the subscription exhausted; retry in {wait:.1f} s",
                    code="ClientThrottled",
                    reason=Reason.THROTTLED,
                    retry_after=wait,
                )
            bucket.tokens -= 1  # may go negative: later callers queue behind this reservation
            bucket.sent.append(now + wait)
            return wait

    def acquire(self, subscription: str, max_wait: float = 10.0) -> float:
        """Wait (at most `max_wait` s) for a request slot of `subscription`; the seconds waited."""
        wait = self._reserve(self._bucket(subscription.lower()), max_wait)
        if wait > 0:
            self._sleep(wait)
        return wait

    def throttled(self, subscription: str, retry_after: float | None) -> None:
        """The platform said 429: pause the subscription for everyone until `retry_after` passes,
        and learn the limit from what was sent in that window (see the module doc)."""
        bucket = self._bucket(subscription.lower())
        with bucket.lock:
            now = self._clock()
            self._refill(bucket, now)
            delay = retry_after if retry_after is not None and retry_after > 0 else 1.0 / bucket.rate
            window = min(HISTORY_SECONDS, max(1.0, delay))
            in_pause = now < bucket.paused_until
            bucket.rejected.append(now)
            if in_pause and bucket.lesson is not None and now < bucket.lesson["until"]:
                # a request in flight with the one that taught us: one fewer was accepted
                bucket.lesson["refused"] += 1
                self._learn(bucket, bucket.lesson, now)
            elif not in_pause:
                sent = sum(1 for t in bucket.sent if now - window < t <= now)
                refused = sum(1 for t in bucket.rejected if now - window < t <= now)
                if sent - refused >= 2:
                    lesson = {"window": window, "sent": sent, "refused": refused, "rate": bucket.rate,
                              "burst": bucket.burst, "again": float(bucket.last_429 is not None)}  # fmt: skip
                    lesson["until"] = now + delay  # its peers in flight answer within its pause
                    bucket.lesson = lesson
                    self._learn(bucket, lesson, now)
            bucket.paused_until = max(bucket.paused_until, now + delay)
            bucket.tokens = min(bucket.tokens, 1.0)  # one request when the pause ends, then the rate
            bucket.updated = max(bucket.updated, bucket.paused_until)

    @staticmethod
    def _learn(bucket: _Bucket, lesson: dict[str, float], now: float) -> None:
        """Rate and burst from a lesson: burst + rate × window ≤ 90 % of what was accepted."""
        accepted = max(1.0, lesson["sent"] - lesson["refused"])
        learned = SAFETY * accepted / lesson["window"]
        if lesson["again"] and learned >= lesson["rate"]:
            learned = lesson["rate"] * BACKOFF  # told off again at the learned rate
        bucket.rate = max(MIN_RATE, min(lesson["rate"], learned))
        bucket.burst = max(1.0, min(lesson["burst"], (1 - SAFETY) / 2 * accepted))
        bucket.last_429 = now
        log.info("429: learned %.1f requests/s, burst %.0f (%d accepted in %.0f s)", bucket.rate,
                 bucket.burst, accepted, lesson["window"])  # fmt: skip

    def limits(self, subscription: str) -> tuple[float, float]:
        """(rate, burst) the subscription's bucket uses now: configured, or learned from 429s."""
        bucket = self._bucket(subscription.lower())
        with bucket.lock:
            self._refill(bucket, self._clock())
            return bucket.rate, bucket.burst

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
