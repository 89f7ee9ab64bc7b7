"""The emulator's own records of one subscription, typed: a migration unit's record and an
asynchronous operation.

The platform's documents (the classic estate, ARM resource groups and resources) stay JSON
dicts: they are what the wire answers are made of. These records are the emulator's bookkeeping
around them; each is persisted and shown by the admin API (`GET /admin/state`,
`/admin/operations`) as `to_json()` gives it — the same keys the state file has always had.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class UnitRecord:
    """Where a migration unit (`KIND/NAME`) stands: `state` is the platform's `MigrationState`
    (None: not prepared), the rest what prepare recorded so that a quota check, an abort or the
    admin API can use it."""

    state: str | None = None
    previous: str | None = None  # the state before the running operation began
    aborted: bool = False  # back to not prepared by an abort (reads say `None`)
    resource_group: str | None = None
    usage: dict[str, int] = field(default_factory=dict)  # of each `armQuotas` key
    deviations: list[str] | None = None  # applied by `deviate` faults
    role_states: dict[str, str] | None = None  # a cloud service's roles before prepare

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state}
        optional = {
            "previous": self.previous,
            "aborted": self.aborted or None,
            "resourceGroup": self.resource_group,
            "usage": self.usage or None,
            "deviations": self.deviations,
            "roleStates": self.role_states,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnitRecord:
        return cls(
            state=data.get("state"),
            previous=data.get("previous"),
            aborted=bool(data.get("aborted")),
            resource_group=data.get("resourceGroup"),
            usage=dict(data.get("usage") or {}),
            deviations=data.get("deviations"),
            role_states=data.get("roleStates"),
        )


@dataclass
class Operation:
    """An asynchronous operation (`x-ms-request-id` → `GET /operations/{id}`): InProgress until
    `due` (None: until the admin API completes it), then Succeeded or Failed."""

    id: str
    kind: str  # prepare, commit, abort, noop:…, a write (`start:role` …), `vm:…`
    unit: str | None
    created: float  # platform seconds
    due: float | None
    data: dict[str, Any] = field(default_factory=dict)
    failure: dict[str, Any] | None = None  # planned by a fault: {"code", "message"}
    status: str = "InProgress"
    http_status_code: int = 202
    error: dict[str, Any] | None = None  # {"code", "message"} once Failed
    finished: float | None = None

    def migration_unit(self) -> str:
        """The unit a migration operation works on (prepare, commit and abort always name one)."""
        if self.unit is None:
            raise LookupError(f"emulator: operation {self.id} ({self.kind}) names no unit")
        return self.unit

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "unit": self.unit,
            "status": self.status,
            "created": self.created,
            "due": self.due,
            "httpStatusCode": self.http_status_code,
            "error": self.error,
            "data": self.data,
            "failure": self.failure,
        }
        if self.finished is not None:
            out["finished"] = self.finished
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Operation:
        return cls(
            id=data["id"],
            kind=data["kind"],
            unit=data["unit"],
            created=data["created"],
            due=data["due"],
            data=data["data"],
            failure=data["failure"],
            status=data["status"],
            http_status_code=data["httpStatusCode"],
            error=data["error"],
            finished=data.get("finished"),
        )
