"""#17 item 8: async triggers never block the event loop.

The triggers share the worker's event loop; a blocking storage round trip made on it stalls
every other request. Each case runs a trigger's code on an asyncio loop in debug mode, which
logs any step that holds the loop longer than `slow_callback_duration`, against storage that
answers slowly (a stand-in under the trigger's own name for storage, each call 0.3 s as a far
or throttled account would take). Blocking calls made on the loop show up as slow callbacks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

import triggers._start as start
import triggers.intake as intake
from migration.requests import parse_request

SLOW = 0.3
REQUEST = {
    "requestId": "change-1",
    "subscriptionId": "00000000-0000-0000-0000-000000000001",
    "unit": {"kind": "virtualNetwork", "name": "vnet1"},
}


class SlowStorage:
    """Storage whose every call takes SLOW seconds (blocking, like the SDK's sync clients)."""

    table = None

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def call(*_args: Any, **_kwargs: Any) -> None:
            time.sleep(SLOW)
            self.calls.append(name)

        return call


class SlowClaims:
    """The instance-id claims table (`connectors.instance_claims`), each call SLOW seconds: won."""

    STALE_SECONDS = 60

    def claim(self, *_args: Any) -> Any:
        time.sleep(SLOW)
        return type("Claim", (), {"won": True, "started": False, "age_seconds": 0})()

    def mark_started(self, *_args: Any) -> None:
        time.sleep(SLOW)


class Client:
    """The Durable client's two calls a start makes: no such instance yet; start it."""

    async def get_status(self, _instance_id: str) -> None:
        return None

    async def start_new(self, *_args: Any) -> str:
        return "change-1"


def slow_callbacks(coro: Any, caplog: pytest.LogCaptureFixture) -> list[str]:
    async def main() -> Any:
        asyncio.get_running_loop().slow_callback_duration = SLOW / 2
        return await coro

    with caplog.at_level(logging.WARNING, logger="asyncio"):
        asyncio.run(main(), debug=True)
    return [r.getMessage() for r in caplog.records if r.name == "asyncio" and "took" in r.getMessage()]


def test_starting_a_migration_keeps_the_loop_free(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setenv("REVIEW_TOKEN_SECRET", "a-secret-for-the-settings-check-32b+")
    store = SlowStorage()
    monkeypatch.setattr(start, "storage", lambda: store)
    monkeypatch.setattr(start, "record_phase", lambda *a: store.record_phase(*a))
    monkeypatch.setattr(start, "instance_claims", SlowClaims())
    request = parse_request(REQUEST)
    coro = start.start_migration(Client(), request, "ops@contoso.com", "", channel="http")  # type: ignore[arg-type]
    assert slow_callbacks(coro, caplog) == []
    assert store.calls == ["append_audit", "record_phase"]  # the storage work was done, off the loop


def test_rejecting_a_queued_request_keeps_the_loop_free(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    store = SlowStorage()
    monkeypatch.setattr(intake, "storage", lambda: store)
    coro = intake.take(Client(), b"{not json", "queue", "m-1")  # type: ignore[arg-type]
    assert slow_callbacks(coro, caplog) == []
    assert store.calls == ["to_poison_bytes", "publish_event"]


def test_the_check_sees_a_blocking_call(caplog) -> None:
    """The debug loop does report a blocking call (so the two tests above can fail)."""

    async def blocking() -> None:
        time.sleep(SLOW)

    assert slow_callbacks(blocking(), caplog)
