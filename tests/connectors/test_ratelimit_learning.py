"""The limiter learns the platform's request limit from 429s: against the emulator's `throttle`
fault (a sliding window per subscription, real time), and exactly with a manual clock."""

from __future__ import annotations

import threading
import time

import pytest

from cli.stack.emulator import Emulator
from connectors.asm import AsmClient, AsmHttp
from connectors.credentials import StaticTokenCredential
from connectors.ratelimit import FORGET_AFTER, RateLimiter
from tests.connectors.conftest import Admin
from tests.connectors.test_ratelimit import Clock

LIMIT = 50  # requests per second the emulator lets through


def _client(emulator: Emulator, limiter: RateLimiter) -> AsmClient:
    http = AsmHttp(
        emulator.url,
        emulator.subscription_id,
        credential=StaticTokenCredential("local-test-token"),
        scope="https://management.core.windows.net//.default",
        ca_bundle=emulator.ca_file,
        quick_retries=5,
        quick_retry_max_seconds=10,
        limiter=limiter,
    )
    return AsmClient(http)


def _hammer(emulator: Emulator, limiter: RateLimiter, requests: int, threads: int = 4) -> list[Exception]:
    """`requests` GETs from `threads` threads sharing one limiter (as activities share one)."""
    errors: list[Exception] = []
    left = [requests]
    lock = threading.Lock()

    def work() -> None:
        with _client(emulator, limiter) as asm:
            while True:
                with lock:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                try:
                    asm.get_xml("/services/networking/reservedips", "network")
                except Exception as exc:  # noqa: BLE001 - whatever a worker meets is recorded, asserted below
                    errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    return errors


def test_after_the_first_429_the_limiter_stays_under_the_platforms_limit(
    emulator: Emulator, admin: Admin
) -> None:
    admin.fault(
        id="limit", match={"api": "asm"}, action={"type": "throttle", "limit": LIMIT, "perSeconds": 1}
    )
    limiter = RateLimiter(1000, 1000)  # configured far above the platform's limit
    # learning: a burst well over the limit meets 429s (retried inside the call, so none fails)
    assert _hammer(emulator, limiter, 3 * LIMIT) == []
    first = [r["status"] for r in admin.requests()]
    assert 429 in first
    rate, burst = limiter.limits(emulator.subscription_id)
    assert rate + burst <= LIMIT and rate >= LIMIT / 4, (rate, burst)
    # after learning: the same traffic again, and the platform throttles nothing
    time.sleep(max(0.0, limiter.paused_for(emulator.subscription_id)))
    admin.call("DELETE", "requests")
    assert _hammer(emulator, limiter, 2 * LIMIT) == []
    statuses = [r["status"] for r in admin.requests()]
    assert len(statuses) == 2 * LIMIT and 429 not in statuses, statuses.count(429)


def test_a_429_after_little_traffic_pauses_but_teaches_nothing() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=100.0, burst=10, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.acquire("sub")
    limiter.throttled("sub", 30.0)  # five requests of ours: too little to be our rate limit
    assert limiter.limits("sub") == (100.0, 10.0)
    assert limiter.paused_for("sub") == pytest.approx(30.0)


def test_learning_then_noise_then_forgetting() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1000.0, burst=1000, clock=clock, sleep=clock.sleep)
    for _ in range(40):  # 40 requests within half a second
        limiter.acquire("sub")
        clock.now += 0.0125
    limiter.throttled("sub", 1.0)
    assert limiter.limits("sub") == (pytest.approx(0.8 * 39), pytest.approx(3.9))  # 40 sent, 1 refused
    limiter.throttled("sub", 1.0)  # a request in flight with the first: one fewer accepted
    rate, burst = limiter.limits("sub")
    assert rate == pytest.approx(0.8 * 38) and burst == pytest.approx(3.8)
    assert limiter.acquire("sub") == pytest.approx(1.0)  # paused for the Retry-After
    for _ in range(int(3 * rate)):  # three seconds at the learned rate, without a 429
        limiter.acquire("sub")
    limiter.throttled("sub", 1.0)  # at a rate that went through cleanly: noise, only a pause
    assert limiter.limits("sub") == (pytest.approx(rate), pytest.approx(burst))
    assert limiter.paused_for("sub") == pytest.approx(1.0)
    clock.now += FORGET_AFTER + 1  # long without a 429: the configured limits come back
    assert limiter.limits("sub") == (1000.0, 1000.0)
    assert limiter.limits("other") == (1000.0, 1000.0)  # per subscription throughout


def test_random_429s_do_not_drive_the_rate_down() -> None:
    """A platform refusing one request in ten at random, whatever the rate (the chaos run's
    fault): the limiter pauses each time, but its rate does not ratchet down lesson by lesson."""
    clock = Clock()
    limiter = RateLimiter(rate=1000.0, burst=1000, clock=clock, sleep=clock.sleep)
    rates = []
    for i in range(2000):
        limiter.acquire("sub", max_wait=100)
        clock.now += 0.002  # a fast caller
        if i % 10 == 9:
            limiter.throttled("sub", 1.0)
        if i % 200 == 199:
            rates.append(limiter.limits("sub")[0])
    assert min(rates) == max(rates[1:]) >= 8, rates  # at most one lesson, then steady


def test_callers_queued_during_a_pause_leave_at_the_rate_after_it() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=10.0, burst=10, clock=clock, sleep=lambda _s: None)  # all queue at once
    limiter.throttled("sub", 1.0)
    waits = [limiter.acquire("sub") for _ in range(5)]
    assert waits == pytest.approx([1.0, 1.1, 1.2, 1.3, 1.4])  # not five at once when the pause ends
