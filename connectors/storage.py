"""c2arm's own storage: snapshot and report blobs, the append-only audit table, the queues.

Reached by connection string locally (Azurite) and by managed identity on Azure, with the same
settings the Functions host uses for `AzureWebJobsStorage` (`…__accountName`,
`…__blobServiceUri`, `…__queueServiceUri`, `…__tableServiceUri`, `…__clientId`), so one storage
account and one identity serve both the host and the app.

Queue messages are base64 text, as `host.json` (`messageEncoding: base64`) makes the Functions
queue trigger expect; anything reading these queues outside the host must decode the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient, ContentSettings
from azure.storage.queue import (
    BinaryBase64EncodePolicy,
    QueueServiceClient,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)

from connectors.app_settings import read_setting
from connectors.cloud import CLOUDS
from connectors.decision_claims import ensure_table as ensure_decisions_table
from connectors.errors import ConfigurationError, PermanentError, Reason
from connectors.instance_claims import ensure_table as ensure_claims_table
from connectors.phase_index import ensure_table as ensure_phase_table
from migration.instance_ids import INSTANCE_ID_PATTERN

QUEUE_REQUESTS = "migration-requests"
QUEUE_POISON = "migration-requests-poison"
QUEUE_BACKLOG = "migration-backlog"
QUEUE_EVENTS = "migration-events"
QUEUES = (QUEUE_REQUESTS, QUEUE_POISON, QUEUE_BACKLOG, QUEUE_EVENTS)
CONTAINER_SNAPSHOTS = "snapshots"
CONTAINER_REPORTS = "reports"
AUDIT_TABLE = "audit"

# Instance ids (user ids and c2arm's derived `~` ids): safe as a blob name and a partition key.
_ID = re.compile(INSTANCE_ID_PATTERN)
# A snapshot: `snapshots/<instance id>/<sha256>.json` (or an older unit's `snapshots/<id>.json`).
_SNAPSHOT_BLOB = re.compile(
    r"^snapshots/(?P<id>" + INSTANCE_ID_PATTERN.strip("^$") + r")(?:/(?P<digest>[0-9a-f]{64}))?\.json$"
)
_PREFIX = "AzureWebJobsStorage"


def _check_id(migration_id: str) -> str:
    if not _ID.match(migration_id or "") or migration_id in (".", ".."):
        raise ValueError(f"migration id {migration_id!r}: must be 1–100 of A-Z a-z 0-9 - _ . ~")
    return migration_id


@dataclass(frozen=True)
class StorageSettings:
    """Where c2arm's storage is: a connection string, or account endpoints + an identity."""

    connection_string: str = field(default="", repr=False)
    blob_url: str = ""
    queue_url: str = ""
    table_url: str = ""
    client_id: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StorageSettings:
        env = os.environ if environ is None else environ
        connection = read_setting(_PREFIX, env)
        if connection:
            return cls(connection_string=connection)
        account = read_setting(f"{_PREFIX}__accountName", env)
        suffix = CLOUDS.get(read_setting("AZURE_CLOUD", env).lower(), CLOUDS["public"]).storage_suffix
        urls = {}
        for service in ("blob", "queue", "table"):
            url = read_setting(f"{_PREFIX}__{service}ServiceUri", env)
            if not url and account:
                url = f"https://{account}.{service}.{suffix}"
            if not url:
                raise ConfigurationError(
                    f"storage: set {_PREFIX} (connection string) or {_PREFIX}__accountName "
                    f"(or {_PREFIX}__{service}ServiceUri)",
                    setting=_PREFIX,
                )
            if not url.startswith("https://"):
                raise ConfigurationError(
                    f"{_PREFIX}__{service}ServiceUri: {url!r} is not https (identity tokens need TLS)",
                    setting=f"{_PREFIX}__{service}ServiceUri",
                )
            urls[service] = url.rstrip("/")
        return cls(
            blob_url=urls["blob"],
            queue_url=urls["queue"],
            table_url=urls["table"],
            client_id=read_setting(f"{_PREFIX}__clientId", env),
        )


@dataclass(frozen=True)
class StoredBlob:
    name: str
    sha256: str


@dataclass(frozen=True)
class AuditEntry:
    migration_id: str
    entry_id: str
    at: str
    principal: str
    action: str
    comment: str

    def to_dict(self) -> dict[str, str]:
        return {"at": self.at, "principal": self.principal, "action": self.action, "comment": self.comment}


def _canonical_json(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Storage:
    """Blob, queue and table access for c2arm's own data (not the estate's storage accounts)."""

    def __init__(self, blob: BlobServiceClient, queue: QueueServiceClient, table: TableServiceClient) -> None:
        self.blob = blob
        self.queue = queue
        self.table = table

    @classmethod
    def from_settings(cls, settings: StorageSettings, credential: TokenCredential | None = None) -> Storage:
        """Clients for `settings`; with endpoints, `credential` (default: the managed identity)."""
        if settings.connection_string:
            cs = settings.connection_string
            return cls(
                BlobServiceClient.from_connection_string(cs),
                QueueServiceClient.from_connection_string(cs),
                TableServiceClient.from_connection_string(cs),
            )
        if credential is None:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential(managed_identity_client_id=settings.client_id or None)
        return cls(
            BlobServiceClient(settings.blob_url, credential=credential),
            QueueServiceClient(settings.queue_url, credential=credential),
            TableServiceClient(settings.table_url, credential=credential),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Storage:
        return cls.from_settings(StorageSettings.from_env(environ))

    def ensure(self) -> None:
        """Create the containers, queues, the audit table, the phase index and the instance claims if
        missing (idempotent)."""
        for container in (CONTAINER_SNAPSHOTS, CONTAINER_REPORTS):
            with contextlib.suppress(ResourceExistsError):
                self.blob.create_container(container)
        for name in QUEUES:
            with contextlib.suppress(ResourceExistsError):
                self.queue.create_queue(name)
        self.table.create_table_if_not_exists(AUDIT_TABLE)
        ensure_phase_table(self.table)
        ensure_claims_table(self.table)
        ensure_decisions_table(self.table)

    # --- blobs -------------------------------------------------------------------------------

    def _put(self, container: str, name: str, data: bytes, content_type: str) -> StoredBlob:
        digest = hashlib.sha256(data).hexdigest()
        self.blob.get_blob_client(container, name).upload_blob(
            data,
            overwrite=True,
            metadata={"sha256": digest},
            content_settings=ContentSettings(content_type=content_type),
        )
        return StoredBlob(name=f"{container}/{name}", sha256=digest)

    def _get(self, container: str, name: str) -> bytes:
        client = self.blob.get_blob_client(container, name)
        try:
            downloader = client.download_blob()
        except ResourceNotFoundError:
            raise PermanentError(f"{container}/{name} does not exist", reason=Reason.NOT_FOUND) from None
        data = downloader.readall()
        expected = (downloader.properties.metadata or {}).get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise PermanentError(f"{container}/{name}: content does not match its SHA-256", code="Corrupt")
        return data

    def put_snapshot(self, migration_id: str, document: Any) -> StoredBlob:
        """Store the snapshot as canonical JSON at `snapshots/<id>/<sha256>.json`; its name and digest.

        Named by its digest, a snapshot blob never changes once written: a retried (or duplicated)
        snapshot activity that read a changed estate writes another blob, so the digest the status
        records and the blob its `snapshot.blob` names always agree. That name is the only pointer
        to the snapshot (`get_snapshot`); writing the same document again writes the same blob.
        """
        data = _canonical_json(document)
        name = f"{_check_id(migration_id)}/{hashlib.sha256(data).hexdigest()}.json"
        return self._put(CONTAINER_SNAPSHOTS, name, data, "application/json")

    def get_snapshot(self, blob: str) -> Any:
        """The snapshot a status's `snapshot.blob` names (`snapshots/<id>/<sha256>.json`, or the
        `snapshots/<id>.json` of a unit snapshotted before snapshots were named by digest).

        ValueError for any other name (the name comes from a status, not from a caller); a blob
        whose content does not hash to the digest in its name is `Corrupt`.
        """
        match = _SNAPSHOT_BLOB.match(blob or "")
        if not match or match["id"] in (".", ".."):
            raise ValueError(f"snapshot blob {blob!r}: not a snapshot name (snapshots/<id>/<sha256>.json)")
        name = blob.removeprefix(f"{CONTAINER_SNAPSHOTS}/")
        data = self._get(CONTAINER_SNAPSHOTS, name)
        if match["digest"] and hashlib.sha256(data).hexdigest() != match["digest"]:
            raise PermanentError(f"{blob}: content does not match the digest in its name", code="Corrupt")
        return json.loads(data)

    def put_inventory(self, subscription_id: str, document: Any) -> StoredBlob:
        """A subscription's membership inventory (`migration.neighbourhood`) at
        `snapshots/inventory/<subscription>.json` (no unit id holds a '/', so none collides)."""
        name = f"inventory/{_check_id(subscription_id)}.json"
        return self._put(CONTAINER_SNAPSHOTS, name, _canonical_json(document), "application/json")

    def get_inventory(self, subscription_id: str) -> Any | None:
        """The subscription's inventory; None when none was written yet."""
        try:
            return json.loads(self._get(CONTAINER_SNAPSHOTS, f"inventory/{_check_id(subscription_id)}.json"))
        except PermanentError as error:
            if error.reason == Reason.NOT_FOUND:
                return None
            raise

    def put_report(self, migration_id: str, document: Any, html: str | None = None) -> list[StoredBlob]:
        """Store the report at `reports/<id>.json` (and `.html` when given)."""
        mid = _check_id(migration_id)
        stored = [self._put(CONTAINER_REPORTS, f"{mid}.json", _canonical_json(document), "application/json")]
        if html is not None:
            stored.append(
                self._put(CONTAINER_REPORTS, f"{mid}.html", html.encode(), "text/html; charset=utf-8")
            )
        return stored

    def get_report(self, migration_id: str, fmt: str = "json") -> Any:
        if fmt not in ("json", "html"):
            raise ValueError(f"report format {fmt!r}: must be json or html")
        data = self._get(CONTAINER_REPORTS, f"{_check_id(migration_id)}.{fmt}")
        return json.loads(data) if fmt == "json" else data.decode()

    # --- audit (append-only) -----------------------------------------------------------------

    def append_audit(
        self,
        migration_id: str,
        principal: str,
        action: str,
        comment: str = "",
        *,
        at: datetime | None = None,
        entry_id: str | None = None,
    ) -> AuditEntry:
        """Add one audit entry; never updates or deletes one.

        `entry_id` makes a retried append idempotent (the same id is written once); without it a
        time-ordered unique id is used.
        """
        moment = (at or datetime.now(UTC)).astimezone(UTC)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        row = entry_id or f"{moment.strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:12]}"
        entity = {
            "PartitionKey": _check_id(migration_id),
            "RowKey": row,
            "at": stamp,
            "principal": principal,
            "action": action,
            "comment": comment,
        }
        table = self.table.get_table_client(AUDIT_TABLE)
        try:
            table.create_entity(entity)
        except ResourceExistsError:
            existing = table.get_entity(migration_id, row)
            return self._entry(existing)
        return self._entry(entity)

    @staticmethod
    def _entry(entity: Mapping[str, Any]) -> AuditEntry:
        return AuditEntry(
            migration_id=entity["PartitionKey"],
            entry_id=entity["RowKey"],
            at=entity.get("at", ""),
            principal=entity.get("principal", ""),
            action=entity.get("action", ""),
            comment=entity.get("comment", ""),
        )

    def list_audit(self, migration_id: str) -> list[AuditEntry]:
        table = self.table.get_table_client(AUDIT_TABLE)
        entities = table.query_entities("PartitionKey eq @pk", parameters={"pk": _check_id(migration_id)})
        return sorted((self._entry(e) for e in entities), key=lambda e: (e.at, e.entry_id))

    # --- queues ------------------------------------------------------------------------------

    def _queue(self, name: str) -> Any:
        if name not in QUEUES:
            raise ValueError(f"queue {name!r}: not one of {', '.join(QUEUES)}")
        return self.queue.get_queue_client(
            name,
            message_encode_policy=TextBase64EncodePolicy(),
            message_decode_policy=TextBase64DecodePolicy(),
        )

    def send(self, queue: str, text: str, *, visibility_timeout: int | None = None) -> str:
        """Put `text` on `queue` (base64, as the Functions trigger reads it); the message id."""
        message = self._queue(queue).send_message(text, visibility_timeout=visibility_timeout)
        return str(message.id)

    def to_poison(self, text: str) -> str:
        """Move a rejected request to `migration-requests-poison` with its text unchanged."""
        return self.send(QUEUE_POISON, text)

    def to_poison_bytes(self, body: bytes) -> str:
        """Move a rejected message to the poison queue with its bytes unchanged (base64 of exactly
        those bytes: a message that is not UTF-8 is kept as it came, not with U+FFFD in it)."""
        client = self.queue.get_queue_client(QUEUE_POISON, message_encode_policy=BinaryBase64EncodePolicy())
        return str(client.send_message(body).id)

    def to_poison_raw(self, content: str) -> str:
        """Move a message whose content is not even base64 to the poison queue as it is."""
        return str(self.queue.get_queue_client(QUEUE_POISON).send_message(content).id)

    def publish_event(self, event_type: str, data: Mapping[str, Any], *, event_id: str) -> str:
        """Publish `{"eventId", "type", "at", "data"}` on `migration-events`.

        Events are at least once (a retried activity or message publishes again); `event_id` is
        the same on every retry of one event, so a consumer drops the duplicates by it.
        """
        body = {
            "eventId": event_id,
            "type": event_type,
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": dict(data),
        }
        return self.send(QUEUE_EVENTS, json.dumps(body, sort_keys=True))

    def peek(self, queue: str, limit: int = 32) -> list[str]:
        """Texts of up to `limit` (≤ 32, the service's cap) messages without taking them."""
        return _peek(self._queue(queue), limit)

    def receive(self, queue: str, limit: int = 32, visibility_timeout: int = 30) -> list[Any]:
        """Take up to `limit` messages (hidden for `visibility_timeout` s); delete with `delete`."""
        return _receive(self._queue(queue), limit, visibility_timeout)

    def _raw(self, name: str) -> Any:
        if name not in QUEUES:
            raise ValueError(f"queue {name!r}: not one of {', '.join(QUEUES)}")
        return self.queue.get_queue_client(name)

    def peek_raw(self, queue: str, limit: int = 32) -> list[str]:
        """As `peek`, the stored contents undecoded (a hostile message cannot make the read fail)."""
        return _peek(self._raw(queue), limit)

    def receive_raw(self, queue: str, limit: int = 32, visibility_timeout: int = 30) -> list[Any]:
        """As `receive`, the contents undecoded: decode each one yourself, and poison what fails."""
        return _receive(self._raw(queue), limit, visibility_timeout)

    def delete(self, queue: str, message: Any) -> None:
        self._queue(queue).delete_message(message)


def _batch(limit: int) -> int:
    """A message batch size the queue service accepts (1 to 32)."""
    return min(32, max(1, limit))


def _peek(client: Any, limit: int) -> list[str]:
    return [m.content for m in client.peek_messages(max_messages=_batch(limit))]


def _receive(client: Any, limit: int, visibility_timeout: int) -> list[Any]:
    return list(client.receive_messages(max_messages=_batch(limit), visibility_timeout=visibility_timeout))
