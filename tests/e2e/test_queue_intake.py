"""Queue intake and the backlog, through the devhost's queue and timer triggers and Azurite."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.conftest import App, events, request, wait_for, wait_phase

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("api_host_queue")]


def test_malformed_queue_message_is_poisoned_unchanged_and_rejected(api_host: App) -> None:
    store = api_host.storage
    marker = uuid.uuid4().hex
    text = json.dumps({"requestId": f"q-{marker}", "unit": {"kind": "virtualNetwork"}, "colour": "red"})
    store.send("migration-requests", text)
    poisoned = wait_for(
        lambda: [t for t in store.peek("migration-requests-poison", 32) if marker in t],
        timeout=30,
        what="the poisoned message",
    )
    assert poisoned == [text]

    def rejection() -> list[dict]:
        return [
            e
            for e in events(store)
            if e["type"] == "RequestRejected"
            and "colour" in {err["field"] for err in e["data"].get("errors", [])}
        ]

    rejected = wait_for(rejection, timeout=10, what="RequestRejected")
    assert rejected[0]["data"]["source"] == "queue"
    fields = {err["field"] for ev in rejected for err in ev["data"]["errors"]}
    assert {"subscriptionId", "unit.name", "colour"} <= fields
    with api_host.client() as client:
        assert client.get(f"/api/migrations/q-{marker}").status_code == 404


def test_queue_request_starts_once_even_when_sent_twice(api_host: App) -> None:
    rid = f"qdup-{uuid.uuid4().hex[:8]}"
    text = json.dumps(request(rid, requestedBy="producer@contoso.com"))
    api_host.storage.send("migration-requests", text)
    api_host.storage.send("migration-requests", text)
    doc = wait_phase(api_host, rid, {"Snapshotting", "Failed"}, timeout=30)
    assert doc["requestedBy"] == "producer@contoso.com"
    with api_host.client() as client:
        wait_for(
            lambda: not api_host.storage.peek("migration-requests", 32), timeout=30, what="queue drained"
        )
        audit = client.get(f"/api/migrations/{rid}/audit").json()["entries"]
        assert [e["action"] for e in audit] == ["submit"]


def test_backlog_is_listed_not_started(api_host: App) -> None:
    rid = f"later-{uuid.uuid4().hex[:8]}"
    api_host.storage.send("migration-backlog", json.dumps(request(rid)))
    with api_host.client() as client:
        backlog = client.get("/api/backlog").json()["requests"]
        assert rid in [r.get("requestId") for r in backlog]
        assert client.get(f"/api/migrations/{rid}").status_code == 404
