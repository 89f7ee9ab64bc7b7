"""c2arm's storage against Azurite through the real Azure SDKs."""

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest
from azure.storage.queue import QueueClient

from connectors.errors import ConfigurationError, PermanentError
from connectors.storage import QUEUE_EVENTS, QUEUE_REQUESTS, Storage, StorageSettings


@pytest.fixture(scope="module")
def storage(azurite) -> Storage:
    store = Storage.from_env({"AzureWebJobsStorage": azurite.connection_string})
    store.ensure()
    store.ensure()  # idempotent
    return store


def test_snapshot_round_trip_with_stable_digest(storage: Storage) -> None:
    mid = f"snap-{uuid.uuid4().hex[:8]}"
    doc = {"unit": "cloudService/web-cs", "roles": [{"name": "web1"}]}
    first = storage.put_snapshot(mid, doc)
    again = storage.put_snapshot(mid, dict(reversed(doc.items())))  # same content, other key order
    assert first == again and first.name == f"snapshots/{mid}/{first.sha256}.json" and len(first.sha256) == 64
    assert storage.get_snapshot(first.name) == doc


def test_a_retried_snapshot_never_changes_the_blob_a_status_names(storage: Storage) -> None:
    """#17 item 12: a snapshot is named by its digest, so a retry that read a changed estate
    writes another blob; the one the first answer named still holds what its digest says."""
    mid = f"snap-{uuid.uuid4().hex[:8]}"
    recorded = storage.put_snapshot(mid, {"estate": "before"})
    retried = storage.put_snapshot(mid, {"estate": "after"})
    assert retried.name != recorded.name
    assert storage.get_snapshot(recorded.name) == {"estate": "before"}
    assert storage.get_snapshot(retried.name) == {"estate": "after"}


def test_missing_snapshot_and_bad_ids(storage: Storage) -> None:
    with pytest.raises(PermanentError, match="does not exist"):
        storage.get_snapshot("snapshots/never-written/" + "0" * 64 + ".json")
    for bad in ("../x", "a/b", "", "x" * 101):
        with pytest.raises(ValueError, match="migration id"):
            storage.put_snapshot(bad, {})
    for name in (
        "",
        "never-written",
        "reports/x.json",
        "snapshots/../x.json",
        "snapshots/inventory/x.json",
        "snapshots/a/" + "0" * 63 + ".json",
    ):
        with pytest.raises(ValueError, match="snapshot blob"):
            storage.get_snapshot(name)


def test_report_json_and_html(storage: Storage) -> None:
    mid = f"rep-{uuid.uuid4().hex[:8]}"
    stored = storage.put_report(mid, {"phase": "Committed"}, "<h1>done</h1>")
    assert [s.name for s in stored] == [f"reports/{mid}.json", f"reports/{mid}.html"]
    assert storage.get_report(mid) == {"phase": "Committed"}
    assert storage.get_report(mid, "html") == "<h1>done</h1>"


def test_audit_is_append_only_and_ordered(storage: Storage) -> None:
    mid = f"aud-{uuid.uuid4().hex[:8]}"
    t1 = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    t2 = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    storage.append_audit(mid, "bob@contoso.com", "abort", "changed my mind", at=t2)
    storage.append_audit(mid, "alice@contoso.com", "approve", "ok", at=t1, entry_id="decision-1")
    # a retried append with the same entry id neither duplicates nor rewrites
    again = storage.append_audit(
        mid, "mallory@contoso.com", "approve", "rewritten", at=t1, entry_id="decision-1"
    )
    assert again.principal == "alice@contoso.com"
    entries = [e.to_dict() for e in storage.list_audit(mid)]
    assert entries == [
        {
            "at": "2026-11-25T22:00:00.000000Z",
            "principal": "alice@contoso.com",
            "action": "approve",
            "comment": "ok",
        },
        {
            "at": "2026-11-25T23:00:00.000000Z",
            "principal": "bob@contoso.com",
            "action": "abort",
            "comment": "changed my mind",
        },
    ]


def test_queue_messages_are_base64_as_the_functions_trigger_reads_them(storage: Storage, azurite) -> None:
    text = json.dumps({"requestId": f"q-{uuid.uuid4().hex[:8]}"})
    storage.send(QUEUE_REQUESTS, text)
    raw = QueueClient.from_connection_string(azurite.connection_string, QUEUE_REQUESTS)
    bodies = [m.content for m in raw.peek_messages(max_messages=32)]
    assert base64.b64encode(text.encode()).decode() in bodies
    got = storage.receive(QUEUE_REQUESTS, 32)
    mine = [m for m in got if m.content == text]
    assert len(mine) == 1
    storage.delete(QUEUE_REQUESTS, mine[0])


def test_poison_and_events(storage: Storage) -> None:
    storage.to_poison("{not json")
    assert "{not json" in storage.peek("migration-requests-poison")
    storage.publish_event("RequestRejected", {"reason": "bad json"}, event_id="ev-1")
    events = [json.loads(t) for t in storage.peek(QUEUE_EVENTS)]
    assert any(
        e["type"] == "RequestRejected" and e["data"] == {"reason": "bad json"} and e["eventId"] == "ev-1"
        for e in events
    )
    with pytest.raises(ValueError, match="queue"):
        storage.send("other-queue", "x")


def test_identity_settings_build_https_endpoints_per_cloud() -> None:
    s = StorageSettings.from_env(
        {
            "AzureWebJobsStorage__accountName": "stc2arm",
            "AZURE_CLOUD": "china",
            "AzureWebJobsStorage__clientId": "cid",
        }
    )
    assert s.blob_url == "https://stc2arm.blob.core.chinacloudapi.cn"
    assert s.table_url == "https://stc2arm.table.core.chinacloudapi.cn"
    assert s.client_id == "cid" and s.connection_string == ""
    explicit = StorageSettings.from_env(
        {
            "AzureWebJobsStorage__blobServiceUri": "https://b.example/",
            "AzureWebJobsStorage__queueServiceUri": "https://q.example",
            "AzureWebJobsStorage__tableServiceUri": "https://t.example",
        }
    )
    assert (explicit.blob_url, explicit.queue_url) == ("https://b.example", "https://q.example")
    # constructing the clients with an identity touches no network
    store = Storage.from_settings(s)
    assert store.blob.url.startswith("https://stc2arm.blob.")


def test_missing_storage_settings_fail_clearly() -> None:
    with pytest.raises(ConfigurationError, match="AzureWebJobsStorage"):
        StorageSettings.from_env({})
    with pytest.raises(ConfigurationError, match="not https"):
        StorageSettings.from_env(
            {"AzureWebJobsStorage__accountName": "a", "AzureWebJobsStorage__queueServiceUri": "http://q"}
        )


def test_tampered_blob_is_refused(storage: Storage) -> None:
    mid = f"tamper-{uuid.uuid4().hex[:8]}"
    stored = storage.put_snapshot(mid, {"a": 1})
    blob = storage.blob.get_blob_client("snapshots", stored.name.removeprefix("snapshots/"))
    blob.upload_blob(b'{"a":2}', overwrite=True, metadata={"sha256": stored.sha256})
    with pytest.raises(PermanentError, match="does not match its SHA-256"):
        storage.get_snapshot(stored.name)
    blob.upload_blob(b'{"a":2}', overwrite=True)  # the metadata rewritten too: the name still says
    with pytest.raises(PermanentError, match="digest in its name"):
        storage.get_snapshot(stored.name)
