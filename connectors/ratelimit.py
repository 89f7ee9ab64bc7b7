"""A per-subscription request limiter shared by the whole process.

The platform throttles per subscription (ASM and ARM alike), and one Function App instance runs
many activities at once, so the budget must be shared: one token bucket per subscription id in
a process-wide registry. When the platform answers 429 with `Retry-After`, the limiter learns:
the subscription is paused until then for every caller, not only the one that was told.

It also learns the limit itself. The bucket remembers what it let through and what came back
429 (the last minute, also per second); a 429 then says "what you sent in the last
`Retry-After` seconds (at least 1) was too much". The lesson: the rate drops to 80 % of what
the platform accepted in that window, and may climb back (10 % of it per second) to a ceiling of
80 % of the most the platform accepted in any such window of the last minute, with a burst of a
tenth of that — so burst + rate × window stays below what a sliding-window limit lets through,
and after one 429 (the requests in flight with it lowering the count it was drawn from) the
process stays under the limit. A 429 teaches only when the window it ends carried more than
any 429-free window of the last minute (a limit refuses above what it lets through; a 429 at a
rate that already went through cleanly is noise — the platform refusing at random — and only
pauses), and only with at least 10 accepted requests in the window; so random 429s cannot drive
the rate down step after step. Ten
minutes without a 429 and the configured rate and burst come back (the platform's limits
change; so do other clients of the subscription).

A wait longer than the caller allows is not slept: `acquire` raises `TransientError` with the
remaining time as `retry_after`, so the orchestrator waits with a durable timer instead of an
activity holding a worker.

Across processes: with a `SharedBudget` attached (`share`, done by the app's activities), every
request also takes a slot of the subscription's budget in c2arm's table storage, at the rate
this process uses (configured or learned); a 429 pauses the shared budget and publishes the
learned rate, so all instances and function groups stay within one per-subscription budget
(`connectors.shared_budget`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.errors import Reason, TransientError
from connectors.shared_budget import SharedBudget

log = logging.getLogger("c2arm.connectors.ratelimit")

HISTORY_SECONDS = 60.0  # how far back the bucket remembers what it sent
SAFETY = 0.8  # learned rate: this share of what the platform accepted in the window
RECOVERY = 0.1  # after a lesson the rate climbs back to the ceiling by this share of it per second
MIN_RATE = 0.2  # requests/s: never learn a rate below this
MIN_EVIDENCE = 10  # accepted requests in the window: fewer, and a 429 only pauses
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
    ceiling: float = 0.0  # learned: SAFETY × the most the platform accepted in a window, per second
    sent: deque[float] = field(default_factory=deque)  # when requests were let through
    rejected: deque[float] = field(default_factory=deque)  # when 429s came back
    seconds: deque[list[float]] = field(default_factory=deque)  # [second, sent, refused] per second
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
        self._shared: SharedBudget | None = None

    def share(self, budget: SharedBudget | None) -> RateLimiter:
        """Also take every request's slot from `budget`, shared by every instance (None: this
        process alone)."""
        self._shared = budget
        return self

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
            bucket.lesson, bucket.ceiling = None, 0.0
        if bucket.rate < bucket.ceiling and now > bucket.updated:  # climb back after a lesson
            bucket.rate = min(
                bucket.ceiling, bucket.rate + RECOVERY * bucket.ceiling * (now - bucket.updated)
            )
        if now > bucket.updated:  # `updated` lies ahead during a pause: nothing accrues until it ends
            bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.updated) * bucket.rate)
            bucket.updated = now
        for times in (bucket.sent, bucket.rejected):
            while times and times[0] < now - HISTORY_SECONDS:
                times.popleft()
        while bucket.seconds and bucket.seconds[0][0] < now - HISTORY_SECONDS:
            bucket.seconds.popleft()

    @staticmethod
    def _count(bucket: _Bucket, at: float, column: int) -> None:
        second = float(int(at))
        if not bucket.seconds or bucket.seconds[-1][0] < second:
            bucket.seconds.append([second, 0.0, 0.0])
        row = next((r for r in reversed(bucket.seconds) if r[0] == second), None)
        if row is not None:  # (a reservation may lie a little ahead; older seconds are kept as they are)
            row[column] += 1

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
            self._count(bucket, now + wait, 1)
            return wait

    def acquire(self, subscription: str, max_wait: float = 10.0) -> float:
        """Wait (at most `max_wait` s) for a request slot of `subscription` — this process's, then
        the shared budget's when one is attached; the seconds waited."""
        bucket = self._bucket(subscription.lower())
        wait = self._reserve(bucket, max_wait)
        if wait > 0:
            self._sleep(wait)
        if self._shared is not None:
            shared = self._shared.reserve(subscription, bucket.rate, bucket.burst, max(0.0, max_wait - wait))
            if shared > 0:
                self._sleep(shared)
            wait += shared
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
            self._count(bucket, now, 2)
            if in_pause and bucket.lesson is not None and now < bucket.lesson["until"]:
                # a request in flight with the one that taught us: one fewer was accepted
                bucket.lesson["refused"] += 1
                self._learn(bucket, bucket.lesson, now)
            elif not in_pause:
                sent = sum(1 for t in bucket.sent if now - window < t <= now)
                refused = sum(1 for t in bucket.rejected if now - window < t <= now)
                # a limit refuses only above what it lets through: at or below the most a clean
                # window (no 429) carried in the last minute, a 429 is noise, not a limit
                clean = self._peak(bucket, window, clean=True)
                if sent - refused >= MIN_EVIDENCE and sent - refused > clean:
                    lesson = {
                        "window": window,
                        "sent": sent,
                        "refused": refused,
                        "rate": bucket.rate,
                        "burst": bucket.burst,
                    }
                    lesson["until"] = now + delay  # its peers in flight answer within its pause
                    bucket.lesson = lesson
                    self._learn(bucket, lesson, now)
            bucket.paused_until = max(bucket.paused_until, now + delay)
            bucket.tokens = min(bucket.tokens, 1.0)  # one request when the pause ends, then the rate
            bucket.updated = max(bucket.updated, bucket.paused_until)
            learned = bucket.rate if bucket.last_429 == now else None
        if self._shared is not None:  # every instance pauses (and slows down to what was learned)
            self._shared.pause(subscription, time.time() + delay, learned, FORGET_AFTER)

    @staticmethod
    def _peak(bucket: _Bucket, window: float, clean: bool = False) -> float:
        """The most requests the platform accepted in `window` consecutive whole seconds of the
        history (`clean`: only spans without a 429, and not the current second)."""
        span, rows, best = max(1, int(window + 0.999)), list(bucket.seconds), 0.0
        if clean and rows:
            rows = rows[:-1]
        for i in range(len(rows)):
            inside = [r for r in rows[i:] if r[0] < rows[i][0] + span]
            if clean and any(r[2] for r in inside):
                continue
            best = max(best, sum(r[1] - r[2] for r in inside))
        return best

    def _learn(self, bucket: _Bucket, lesson: dict[str, float], now: float) -> None:
        """Rate, ceiling and burst from a lesson (see the module doc)."""
        accepted = max(1.0, lesson["sent"] - lesson["refused"])
        most = max(accepted, self._peak(bucket, lesson["window"]))
        bucket.ceiling = max(MIN_RATE, SAFETY * most / lesson["window"])
        bucket.rate = max(MIN_RATE, min(lesson["rate"], bucket.ceiling, SAFETY * accepted / lesson["window"]))
        bucket.burst = max(1.0, min(float(self.burst), (1 - SAFETY) / 2 * most))
        bucket.last_429 = now
        log.info(
            "429: %.1f requests/s now, ceiling %.1f, burst %.0f (%d accepted in %.0f s, at most %d)",
            bucket.rate,
            bucket.ceiling,
            bucket.burst,
            accepted,
            lesson["window"],
            most,
        )

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
