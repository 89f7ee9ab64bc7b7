"""Azurite is real storage: a queue message and a table entity round-trip through the Azure SDKs."""

import uuid

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient

from cli.stack.azurite import Azurite


def test_queue_message_round_trip(storage_connection_string: str) -> None:
    queue = QueueClient.from_connection_string(storage_connection_string, f"q{uuid.uuid4().hex[:12]}")
    queue.create_queue()
    queue.send_message('{"requestId": "change-4711"}')

    [message] = list(queue.receive_messages(max_messages=5, visibility_timeout=30))
    assert message.content == '{"requestId": "change-4711"}'
    assert message.dequeue_count == 1
    queue.delete_message(message)
    assert list(queue.receive_messages(max_messages=5)) == []


def test_table_entity_round_trip(storage_connection_string: str) -> None:
    service = TableServiceClient.from_connection_string(storage_connection_string)
    table = service.create_table(f"t{uuid.uuid4().hex[:12]}")
    entity = {"PartitionKey": "change-4711", "RowKey": "0001", "principal": "alice@contoso.com"}
    table.create_entity(entity)

    got = table.get_entity("change-4711", "0001")
    assert got["principal"] == "alice@contoso.com"
    table.delete_entity("change-4711", "0001")
    with pytest.raises(ResourceNotFoundError):
        table.get_entity("change-4711", "0001")


def test_azurite_sends_no_telemetry(azurite: Azurite, storage_connection_string: str) -> None:
    """Loopback only: Azurite phones home to Application Insights unless told not to."""
    assert "--disableTelemetry" in azurite.process.popen.args
    queue = QueueClient.from_connection_string(storage_connection_string, f"q{uuid.uuid4().hex[:12]}")
    queue.create_queue()
    assert "applicationinsights" not in azurite.process.log_path.read_text().lower()
