"""`c2arm up` creates the app's storage on a fresh Azurite, idempotently, before it reports healthy.

A user's very first queue message must work: nothing but `up` has touched this Azurite when the
message is sent (no HTTP call, no `Storage.ensure()` by the test), and the queue trigger must
start the migration. `up` again on the same state (existing queues, containers and table) works.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient, QueueServiceClient, TextBase64EncodePolicy

from cli.stack.up import StackOptions, down, up
from connectors.storage import AUDIT_TABLE, CONTAINER_REPORTS, CONTAINER_SNAPSHOTS, QUEUES
from tests.e2e.conftest import wait_for

pytestmark = [pytest.mark.e2e]
ESTATE = Path(__file__).resolve().parents[3] / "examples" / "estates" / "small.yaml"
SUB = "00000000-0000-0000-0000-000000000001"


def _storage_names(connection: str) -> tuple[set[str], set[str], set[str]]:
    with (
        QueueServiceClient.from_connection_string(connection) as queues,
        BlobServiceClient.from_connection_string(connection) as blobs,
        TableServiceClient.from_connection_string(connection) as tables,
    ):
        return (
            {q.name for q in queues.list_queues()},
            {c.name for c in blobs.list_containers()},
            {t.name for t in tables.list_tables()},
        )


def _status(info: dict, migration_id: str) -> int:
    headers = {"x-functions-key": info["functionKey"]}
    with httpx.Client(base_url=info["appUrl"], headers=headers, timeout=15, trust_env=False) as client:
        return client.get(f"/api/migrations/{migration_id}").status_code


def test_up_creates_the_app_storage_so_a_first_queue_message_starts_a_migration(tmp_path: Path) -> None:
    state = tmp_path / "stack"
    info = up(StackOptions(estate=ESTATE, state_dir=state, time_scale=20))
    try:
        queues, containers, tables = _storage_names(info["storageConnectionString"])
        assert set(QUEUES) <= queues, queues
        assert {CONTAINER_SNAPSHOTS, CONTAINER_REPORTS} <= containers, containers
        assert AUDIT_TABLE in tables, tables
        # a producer's first message, the way any producer sends it (base64 text, as host.json says)
        request = {
            "requestId": "first-msg",
            "subscriptionId": SUB,
            "dryRun": True,
            "unit": {"kind": "virtualNetwork", "name": "vnet-small"},
            "requestedBy": "ops@contoso.com",
        }
        connection, encode = info["storageConnectionString"], TextBase64EncodePolicy()
        with QueueClient.from_connection_string(
            connection, "migration-requests", message_encode_policy=encode
        ) as producer:
            producer.send_message(json.dumps(request))
        wait_for(lambda: _status(info, "first-msg") == 200, timeout=60, what="the queued migration")
    finally:
        down(state)
    # again on the same Azurite data: everything exists already, `up` still succeeds
    info = up(StackOptions(estate=ESTATE, state_dir=state, time_scale=20))
    try:
        assert _status(info, "first-msg") == 200  # the durable state survived; nothing was reset
        assert set(QUEUES) <= _storage_names(info["storageConnectionString"])[0]
    finally:
        down(state)
    assert not (state / "stack.json").exists()
