"""Hostile queue messages are poisoned at their first attempt, bytes unchanged, with a
`RequestRejected` event (#20 items 9, 10); one bad backlog message never wedges the schedule.

Through the devhost's queue trigger and timer (run on demand through `/admin/functions`) and
Azurite. A message the app rejects is on `migration-requests-poison` *and* named by a
`RequestRejected` event (the host's own poisoning after five failed attempts publishes none),
and the host's log has no traceback for it (it was never retried).
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest
from azure.storage.queue import BinaryBase64EncodePolicy

from tests.e2e.hostile.app import SUB, ApiHost, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("hostile_api")]


def _request(request_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "requestId": request_id,
        "subscriptionId": SUB,
        "unit": {"kind": "virtualNetwork", "name": "v"},
        **extra,
    }


def _send_bytes(api: ApiHost, queue: str, body: bytes) -> None:
    client = api.storage.queue.get_queue_client(queue, message_encode_policy=BinaryBase64EncodePolicy())
    client.send_message(body)


def _poisoned_bytes(api: ApiHost) -> list[bytes]:
    """Every poison message's bytes (base64-decoded, exactly what was stored), taken off the queue."""
    out = []
    for message in api.storage.receive_raw("migration-requests-poison", 32, visibility_timeout=30):
        try:
            out.append(base64.b64decode(message.content, validate=True))
        except ValueError:
            out.append(message.content.encode())
        api.storage.delete("migration-requests-poison", message)
    return out


def _rejections(api: ApiHost) -> list[dict[str, Any]]:
    return [
        json.loads(text)["data"]
        for text in api.storage.peek("migration-events", 32)
        if json.loads(text)["type"] == "RequestRejected"
    ]


def _drain(api: ApiHost, queue: str) -> None:
    while messages := api.storage.receive_raw(queue, 32, visibility_timeout=1):
        for message in messages:
            api.storage.delete(queue, message)


@pytest.fixture
def clean(api: ApiHost) -> ApiHost:
    for queue in ("migration-requests-poison", "migration-events", "migration-backlog"):
        _drain(api, queue)
    return api


def test_hostile_queue_messages_are_poisoned_at_once_bytes_unchanged(clean: ApiHost) -> None:
    api, mark = clean, uuid.uuid4().hex[:8]
    bodies = [
        b'{"requestId": "\xff\xfe' + mark.encode() + b'"}',  # not UTF-8: kept as these bytes, not U+FFFD
        json.dumps(_request(f"{mark}-a", approval={"timeout": "P99999999999D"})).encode(),
        json.dumps(_request(".")).encode() + mark.encode(),
        json.dumps({**_request(f"{mark}-c"), "dryRun": True}).replace("}", ', "dryRun": false}', 1).encode(),
        json.dumps(_request(f"{mark}~x")).encode(),
    ]
    for body in bodies:
        _send_bytes(api, "migration-requests", body)
    found: list[bytes] = []

    def all_poisoned() -> bool:
        found.extend(_poisoned_bytes(api))
        return all(body in found for body in bodies)

    wait_for(all_poisoned, what="every hostile message in the poison queue, unchanged")
    assert len(_rejections(api)) >= len(bodies)  # the app rejected each: the host did not give up on it
    assert api.instance_ids() == set()
    assert "Traceback" not in api.log.read_text(errors="replace")


def test_a_bad_backlog_never_wedges_the_schedule_nor_the_list(clean: ApiHost) -> None:
    api, mark = clean, uuid.uuid4().hex[:8]
    good = f"{mark}-good"
    api.storage.queue.get_queue_client("migration-backlog").send_message(f"not base64 {mark}!")  # raw text
    _send_bytes(api, "migration-backlog", b"\xc3\x28 not utf-8 " + mark.encode())
    api.storage.send(
        "migration-backlog", json.dumps(_request(f"{mark}-long", approval={"timeout": "P99999999999D"}))
    )
    api.storage.send("migration-backlog", json.dumps(_request(good)))
    with api.client() as client:
        listed = client.get("/api/backlog")
        assert listed.status_code == 200, listed.text
        rows = listed.json()["requests"]
        assert [r.get("requestId") for r in rows if not r.get("invalid")] == [good]
        assert sorted(e["field"] for r in rows if r.get("invalid") for e in r["errors"]) == [
            "(body)",
            "(body)",
            "approval.timeout",
        ]
    master = {"x-functions-key": api.host.master_key}
    run = httpx.post(
        f"{api.url}/admin/functions/release_backlog",
        json={"input": ""},
        headers=master,
        timeout=30,
        trust_env=False,
    )
    assert run.status_code == 202, run.text
    wait_for(lambda: good in api.instance_ids(), what="the good backlog request started")
    wait_for(lambda: not api.storage.peek_raw("migration-backlog", 32), what="the backlog emptied")
    assert len(_rejections(api)) == 3
    poisoned = _poisoned_bytes(api)
    assert b"\xc3\x28 not utf-8 " + mark.encode() in poisoned  # bytes unchanged
    with api.client() as client:
        assert client.get("/api/backlog").json() == {"requests": []}
