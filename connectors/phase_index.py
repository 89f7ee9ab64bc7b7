"""The phase index: one table row per unit migration with its current phase, for `?phase=` lists.

The Durable API cannot filter instances on their custom status, so listing the units of one
phase would read every instance of the task hub. Instead each `migrate_unit` writes its phase
here at every phase change (the `index_phase` activity), and `GET /api/migrations?phase=X`
reads only the rows of that phase.

A row is `PartitionKey="units"`, `RowKey=<id>`, `phase`, `unit`, `updatedAt` and `seq` (the
number of phase changes so far). A write replaces the row only when its `seq` is newer, under
the row's ETag: an activity retried late (at-least-once delivery) can never put an older phase
back over a newer one, and two writers racing both see the newer one win.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableServiceClient, UpdateMode

PHASE_TABLE = "phases"
PARTITION = "units"


@dataclass(frozen=True)
class PhaseRow:
    """One unit's indexed phase."""

    id: str
    unit: str
    phase: str
    updated_at: str
    seq: int


def ensure_table(service: TableServiceClient) -> None:
    """Create the index table if missing (idempotent)."""
    service.create_table_if_not_exists(PHASE_TABLE)


def record_phase(
    service: TableServiceClient, migration_id: str, unit: str, phase: str, updated_at: str, seq: int
) -> bool:
    """Index `phase` as the unit's current phase unless a newer change (higher `seq`) is there;
    True when this write is what the row now says."""
    table = service.get_table_client(PHASE_TABLE)
    entity = {
        "PartitionKey": PARTITION,
        "RowKey": migration_id,
        "phase": phase,
        "unit": unit,
        "updatedAt": updated_at,
        "seq": seq,
    }
    for _ in range(5):  # a lost race is read again; five losses in a row cannot happen in practice
        try:
            existing = table.get_entity(PARTITION, migration_id)
        except ResourceNotFoundError:
            try:
                table.create_entity(entity)
                return True
            except ResourceExistsError:
                continue
        if int(existing.get("seq", -1)) >= seq:
            return int(existing.get("seq", -1)) == seq and existing.get("phase") == phase
        try:
            table.update_entity(
                entity,
                mode=UpdateMode.REPLACE,
                etag=existing.metadata["etag"],
                match_condition=MatchConditions.IfNotModified,
            )
            return True
        except (ResourceModifiedError, ResourceNotFoundError):
            continue
    return False


def _row(entity: dict[str, Any]) -> PhaseRow:
    return PhaseRow(
        entity["RowKey"],
        entity.get("unit", ""),
        entity.get("phase", ""),
        entity.get("updatedAt", ""),
        int(entity.get("seq", 0)),
    )


def rows_in_phase(service: TableServiceClient, phase: str) -> Iterator[PhaseRow]:
    """Every indexed unit whose current phase is `phase` (the table service pages for us)."""
    table = service.get_table_client(PHASE_TABLE)
    query = "PartitionKey eq @pk and phase eq @phase"
    for entity in table.query_entities(query, parameters={"pk": PARTITION, "phase": phase}):
        yield _row(entity)


def get_row(service: TableServiceClient, migration_id: str) -> PhaseRow | None:
    """The indexed phase of one unit (None when it has none yet)."""
    try:
        return _row(service.get_table_client(PHASE_TABLE).get_entity(PARTITION, migration_id))
    except ResourceNotFoundError:
        return None
