"""The per-subscription limiter: bursts, steady rate, 429 pauses shared by every caller."""

import threading

import pytest

from connectors.errors import TransientError
from connectors.ratelimit import RateLimiter, shared_limiter


class Clock:
    """A manual clock: `sleep` advances it, so the limiter's waits are exact and instant."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_burst_then_steady_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire("sub") for _ in range(3)] == [0, 0, 0]
    assert limiter.acquire("sub") == pytest.approx(0.5)
    assert limiter.acquire("sub") == pytest.approx(0.5)


def test_subscriptions_have_separate_budgets() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock, sleep=clock.sleep)
    assert limiter.acquire("A") == 0
    assert limiter.acquire("b") == 0
    assert limiter.acquire("a") == pytest.approx(1.0)  # ids are case-insensitive


def test_retry_after_pauses_every_caller_of_the_subscription() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=100.0, burst=10, clock=clock, sleep=clock.sleep)
    limiter.throttled("sub", 4.0)
    assert limiter.paused_for("sub") == pytest.approx(4.0)
    assert limiter.acquire("sub") == pytest.approx(4.0)
    assert limiter.acquire("other") == 0


def test_long_wait_raises_transient_instead_of_sleeping() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock, sleep=clock.sleep)
    limiter.throttled("sub", 120.0)
    with pytest.raises(TransientError) as caught:
        limiter.acquire("sub", max_wait=10.0)
    assert caught.value.retry_after == pytest.approx(120.0)
    assert clock.slept == []


def test_concurrent_callers_get_distinct_slots() -> None:
    clock = Clock()
    lock = threading.Lock()
    limiter = RateLimiter(rate=10.0, burst=5, clock=clock, sleep=lambda _s: None)
    waits: list[float] = []

    def take() -> None:
        w = limiter.acquire("sub", max_wait=100)
        with lock:
            waits.append(w)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 5 from the burst, then 15 reservations spaced by 1/rate
    assert sorted(waits) == pytest.approx([0.0] * 5 + [0.1 * i for i in range(1, 16)])


def test_shared_limiter_is_one_per_process() -> None:
    assert shared_limiter() is shared_limiter()


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate=0)
