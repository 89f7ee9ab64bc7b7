"""The limiter learns the platform's request limit from 429s: against the emulator's `throttle`
fault (a sliding window per subscription, on the platform clock this test moves), and exactly
with a manual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.stack.emulator import Emulator
from connectors.asm import AsmClient, AsmHttp
from connectors.credentials import StaticTokenCredential
from connectors.ratelimit import FORGET_AFTER, RateLimiter
from tests.fixtures.connectors import ESTATES, Admin
from tests.fixtures.emulator import EmulatorFactory
from tests.unit.connectors.test_ratelimit import Clock

LIMIT = 50  # requests per second the emulator lets through


class PlatformTime:
    """The one clock of the limiter, the client's retry waits and the emulator's throttle: the
    emulator's platform clock, nearly stopped (time scale 1e-6), moved on only by this test
    through the admin API, so which requests share a throttle window is decided here, not by how
    fast a loaded machine sends them."""

    def __init__(self, admin: Admin) -> None:
        self.admin, self.now = admin, 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.admin.call("POST", "clock", {"advance": seconds})
            self.now += seconds


@pytest.fixture
def stopped_emulator(emulator_factory: EmulatorFactory) -> Emulator:
    return emulator_factory(ESTATES / "small.yaml", time_scale=1e-6)


@pytest.fixture
def stopped_admin(stopped_emulator: Emulator) -> Iterator[Admin]:
    admin = Admin(stopped_emulator)
    yield admin
    admin.client.close()


def _hammer(emulator: Emulator, limiter: RateLimiter, clock: PlatformTime, requests: int) -> None:
    """`requests` GETs through one client (quick retries wait on `clock`), none of which may fail."""
    http = AsmHttp(
        emulator.url,
        emulator.subscription_id,
        credential=StaticTokenCredential("local-test-token"),
        scope="https://management.core.windows.net//.default",
        ca_bundle=emulator.ca_file,
        quick_retries=5,
        quick_retry_max_seconds=10,
        limiter=limiter,
        sleep=clock.sleep,
    )
    with AsmClient(http) as asm:
        for _ in range(requests):
            asm.get_xml("/services/networking/reservedips", "network")


def test_after_the_first_429_the_limiter_stays_under_the_platforms_limit(
    stopped_emulator: Emulator, stopped_admin: Admin
) -> None:
    admin, sub = stopped_admin, stopped_emulator.subscription_id
    admin.fault(
        id="limit",
        match={"api": "asm"},
        action={"type": "throttle", "limit": LIMIT, "perSeconds": 1, "clock": "platform"},
    )
    clock = PlatformTime(admin)
    limiter = RateLimiter(1000, 1000, clock=clock, sleep=clock.sleep)  # far above the platform's limit
    # learning: a burst well over the limit meets a 429 (retried inside the call, so none fails)
    _hammer(stopped_emulator, limiter, clock, 3 * LIMIT)
    first = [r["status"] for r in admin.requests()]
    assert first.count(429) == 1 and len(first) == 3 * LIMIT + 1, first.count(429)
    rate, burst = limiter.limits(sub)
    assert rate + burst <= LIMIT and rate >= LIMIT / 4, (rate, burst)
    # after learning: the same traffic again, and the platform throttles nothing
    clock.sleep(limiter.paused_for(sub))
    admin.call("DELETE", "requests")
    _hammer(stopped_emulator, limiter, clock, 2 * LIMIT)
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
