"""The per-subscription budget shared by every instance, in table storage (Azurite).

Two `SharedBudget`s on one table stand for two instances (or two function groups). The clock is
frozen, so a slot's wait says which slot it got: with rate 2/s and burst 1 the k-th slot taken
waits k/2 s — whoever takes it. No slot may be handed out twice, however the instances race.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from connectors.errors import TransientError
from connectors.ratelimit import RateLimiter
from connectors.shared_budget import SharedBudget
from tests.polling import wait_for

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
    told = RateLimiter(100, 100, sleep=lambda _s: None).share(SharedBudget(service))
    other = RateLimiter(100, 100, sleep=lambda _s: None).share(SharedBudget(service))
    other.acquire(key)  # the other instance is working before the 429
    told.throttled(key, 30)
    with pytest.raises(TransientError) as paused:
        other.acquire(key, max_wait=5)
    assert paused.value.retry_after is not None and paused.value.retry_after > 25
    assert other.limits(key) == (100, 100)  # its own bucket never saw a 429: the budget paused it


class _Watched:
    """The real table client of the budget, with its calls counted (and `gate`: the first call
    waits until it is set)."""

    def __init__(self, table: Any, gate: threading.Event | None = None, after_write: Any = None) -> None:
        self._table, self._gate, self._after_write = table, gate, after_write
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._table, name)
        if not name.endswith("_entity"):  # creating the table is not a budget call
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            if self._gate is not None and len(self.calls) == 1:
                assert self._gate.wait(60), "the gate was never opened"
            result = method(*args, **kwargs)
            if name in ("update_entity", "create_entity") and self._after_write:
                self._after_write(len([c for c in self.calls if c != "get_entity"]))
            return result

        return call


class _WatchedService(TableServiceClient):
    """A TableServiceClient whose budget table is `_Watched`."""

    watched: _Watched

    def get_table_client(self, table_name: str, **kwargs: Any) -> Any:
        client = super().get_table_client(table_name, **kwargs)
        if table_name == "ratebudget" and hasattr(self, "watched"):
            self.watched._table = client
            return self.watched
        return client


def _watched(conn: str, **kwargs: Any) -> tuple[TableServiceClient, _Watched]:
    service = _WatchedService.from_connection_string(conn)
    service.watched = _Watched(None, **kwargs)
    return service, service.watched


def test_one_instance_writes_once_per_slot_after_its_first_read(storage_connection_string: str) -> None:
    """The row's ETag is kept: alone on a key, an instance reads it once, then only writes."""
    service, table = _watched(storage_connection_string)
    budget, key = SharedBudget(service, clock=lambda: NOW), _key()
    assert [budget.reserve(key, 2.0, 1.0, 60) for _ in range(5)] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert table.calls == ["get_entity", "create_entity"] + ["update_entity"] * 4


def test_callers_queued_in_one_process_take_their_slots_in_one_write(storage_connection_string: str) -> None:
    """Ten callers at once: the first one's read and write, then one write for the nine queued
    behind it (instead of a read and a write each) — and still ten distinct slots."""
    gate = threading.Event()
    service, table = _watched(storage_connection_string, gate=gate)
    budget, key = SharedBudget(service, clock=lambda: NOW), _key()
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        wait = budget.reserve(key, 4.0, 1.0, 600)
        with lock:
            waits.append(wait)

    first = threading.Thread(target=take)
    first.start()
    wait_for(lambda: table.calls, what="the first caller's read")
    rest = [threading.Thread(target=take) for _ in range(9)]
    for t in rest:
        t.start()
    wait_for(lambda: budget._key(key).waiting == 9, what="nine callers queued")
    gate.set()
    for t in [first, *rest]:
        t.join()
    assert sorted(waits) == [k / 4 for k in range(10)]
    assert table.calls == ["get_entity", "create_entity", "update_entity"]
    other = SharedBudget(
        TableServiceClient.from_connection_string(storage_connection_string), clock=lambda: NOW
    )
    assert other.reserve(key, 4.0, 1.0, 600) == 2.5  # the row counts all ten


def test_a_slot_whose_time_passed_is_never_sent(storage_connection_string: str) -> None:
    """A batch's slot not taken before its time is dropped: the caller takes a fresh one (a new
    write), never the stale one, which could put more requests in a window than the rate."""
    now = [NOW]
    gate = threading.Event()

    def later(writes: int) -> None:
        if writes == 2:  # the batch of the two queued callers is written: time moves on 5 s
            now[0] = NOW + 5

    service, table = _watched(storage_connection_string, gate=gate, after_write=later)
    budget, key = SharedBudget(service, clock=lambda: now[0]), _key()
    waits: list[float] = []
    threads = [
        threading.Thread(target=lambda: waits.append(budget.reserve(key, 1.0, 1.0, 60))) for _ in range(3)
    ]
    threads[0].start()
    wait_for(lambda: table.calls, what="the first caller's read")
    for t in threads[1:]:
        t.start()
    wait_for(lambda: budget._key(key).waiting == 2, what="two callers queued")
    gate.set()
    for t in threads:
        t.join()
    # slots at NOW (wait 0) and NOW+1 (wait 1); the batch's second slot (due by NOW+2) expired at
    # NOW+5, so the third caller took a fresh one: a third write, the row's clock at NOW+6
    assert sorted(waits) == [0.0, 0.0, 1.0]
    assert table.calls == ["get_entity", "create_entity", "update_entity", "update_entity"]
    entity = (
        TableServiceClient.from_connection_string(storage_connection_string)
        .get_table_client("ratebudget")
        .get_entity(key.lower(), "budget")
    )
    assert entity["tat"] == pytest.approx(NOW + 6)
