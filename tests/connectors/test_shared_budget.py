"""The per-subscription budget shared by every instance, in table storage (Azurite).

Two `SharedBudget`s on one table stand for two instances (or two function groups). The clock is
frozen, so a slot's wait says which slot it got: with rate 2/s and burst 1 the k-th slot taken
waits k/2 s — whoever takes it. No slot may be handed out twice, however the instances race.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from azure.data.tables import TableServiceClient

from connectors.errors import TransientError
from connectors.ratelimit import RateLimiter
from connectors.shared_budget import SharedBudget

NOW = 1_800_000_000.0


@pytest.fixture
def service(storage_connection_string: str) -> TableServiceClient:
    return TableServiceClient.from_connection_string(storage_connection_string)


def _key() -> str:
    return f"sub-{uuid.uuid4()}"


def test_two_instances_take_slots_from_one_budget(service: TableServiceClient) -> None:
    a, b = SharedBudget(service, clock=lambda: NOW), SharedBudget(service, clock=lambda: NOW)
    key = _key()
    waits = [budget.reserve(key, 2.0, 1.0, 60) for budget in (a, b, a, b, b, a)]
    assert waits == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]


def test_racing_instances_never_share_a_slot(service: TableServiceClient) -> None:
    budgets = [SharedBudget(service, clock=lambda: NOW) for _ in range(2)]
    key, waits, lock = _key(), [], threading.Lock()

    def take(budget: SharedBudget) -> None:
        for _ in range(5):
            wait = budget.reserve(key, 4.0, 1.0, 600)
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=take, args=(budgets[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [k / 4 for k in range(40)]


def test_a_wait_beyond_the_callers_limit_takes_no_slot(service: TableServiceClient) -> None:
    budget, key = SharedBudget(service, clock=lambda: NOW), _key()
    for _ in range(3):
        budget.reserve(key, 1.0, 1.0, 60)
    with pytest.raises(TransientError) as refused:
        budget.reserve(key, 1.0, 1.0, 0.5)
    assert refused.value.retry_after == pytest.approx(3.0)
    assert budget.reserve(key, 1.0, 1.0, 60) == pytest.approx(3.0)  # the refused call took nothing


def test_a_429_seen_by_one_instance_pauses_and_slows_the_other(service: TableServiceClient) -> None:
    key = _key()
    told = RateLimiter(100, 100, sleep=lambda s: None).share(SharedBudget(service))
    other = RateLimiter(100, 100, sleep=lambda s: None).share(SharedBudget(service))
    other.acquire(key)  # the other instance is working before the 429
    told.throttled(key, 30)
    with pytest.raises(TransientError) as paused:
        other.acquire(key, max_wait=5)
    assert paused.value.retry_after is not None and paused.value.retry_after > 25
    assert other.limits(key) == (100, 100)  # its own bucket never saw a 429: the budget paused it
