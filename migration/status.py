"""The orchestrations' custom status: a unit's (and a validation's, a follow-through's) and a plan's.

`GET /api/migrations/{id}`, `GET /api/validations/{id}`, `GET /api/plans/{id}` and the review
page read these JSON objects; their shape is the contract's (docs/http-api.md, docs/workflow.md).
Each is a model whose fields carry the JSON keys as aliases, so the orchestrators set typed
attributes instead of free keys, and a reader may parse a status with `from_json`.

Unlike the workflow's messages (`migration.workflow`) these are not frozen: an orchestrator
builds its status through the run and publishes it at every change. A key is in the JSON once
its field was set (to None too: `requestedBy` is `null` for an anonymous request) and absent
before, as the status always was; `unset` takes one away again. Lists and objects are kept as
assigned, not copied (no validation on assignment): a step that fills a list the status holds
(`operations`, a follow-through's `vms`) shows in the next publication. The fields are declared
in the order a unit's run first sets them, which is the order of the keys in the JSON.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field

JsonObject = dict[str, Any]
"""A JSON object whose shape another module owns (a finding, a unit, an activity's answer)."""


class _Status(BaseModel):
    """camelCase on the wire, tolerant of keys it does not know, only the set keys dumped."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    def to_json(self) -> JsonObject:
        """The JSON object published as custom status: the keys set so far, by their wire names.

        The values are held as JSON already (what activities answered, the orchestration's own
        text), so they are handed over as they are, not copied: a big plan publishes its status at
        every step of every replay, and a copy of its rows each time would cost more than the
        orchestration's own work (the SDK serialises the status once, when the episode ends)."""
        fields = type(self).model_fields
        return {
            fields[name].alias or name: _plain(getattr(self, name))
            for name in fields
            if name in self.model_fields_set
        }

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Parse a published status (a JSON object)."""
        return cls.model_validate(data)

    def unset(self, field: str) -> None:
        """Take `field` out of the JSON again (a value that no longer applies)."""
        setattr(self, field, None)
        self.model_fields_set.discard(field)


def _plain(value: Any) -> Any:
    return value.to_json() if isinstance(value, _Status) else value


class SnapshotRef(_Status):
    """The snapshot a unit was judged on: its SHA-256 and its blob (the only pointer to it)."""

    digest: str | None
    blob: str | None


class View(StrEnum):
    """A `GET` answer that shows part of a unit's status (`UnitState.shown_in`)."""

    MIGRATION = "migration"  # `GET /api/migrations/{id}`: a unit's run or its follow-through
    VALIDATION = "validation"  # `GET /api/validations/{id}`


class Shown:
    """Marks a `UnitState` field with the answers that show it; a field without one is the
    orchestrators' own bookkeeping (who asked by object id, operations, side steps' errors…)."""

    def __init__(self, *views: View) -> None:
        self.views = frozenset(views)


_BOTH = Shown(View.MIGRATION, View.VALIDATION)
_MIGRATION = Shown(View.MIGRATION)
_VALIDATION = Shown(View.VALIDATION)


class UnitState(_Status):
    """The custom status of one `migrate_unit` run, and of `validate_migration` (`kind:
    "validation"`, no `dryRun`) and `follow_through` (`kind: "followThrough"`) runs. Each field
    says which `GET` answers show it (`Shown`); those answers are `shown_in` the view."""

    id: Annotated[str, _BOTH]
    unit: Annotated[JsonObject, _BOTH]
    phase: Annotated[str, _BOTH]
    dry_run: Annotated[bool | None, _MIGRATION] = Field(default=None, alias="dryRun")
    requested_by: Annotated[str | None, _MIGRATION] = Field(default=None, alias="requestedBy")
    requested_by_id: str | None = Field(default=None, alias="requestedById")  # Entra object id
    created_at: Annotated[str, _BOTH] = Field(alias="createdAt")
    updated_at: Annotated[str, _BOTH] = Field(alias="updatedAt")
    # the first MAX_FINDINGS_IN_STATUS (the report keeps all)
    findings: Annotated[list[JsonObject], _BOTH] = []
    findings_total: Annotated[int, _BOTH] = Field(default=0, alias="findingsTotal")
    timeline: Annotated[list[JsonObject], _BOTH] = []  # {"phase", "at"} per phase entered
    links: Annotated[dict[str, str], _MIGRATION] = {}
    plan: Annotated[JsonObject | None, _MIGRATION] = None  # {"id", "wave", "approval"} for a plan's unit
    kind: Annotated[str | None, _BOTH] = None  # "validation" | "followThrough" (a migration has none)
    # a follow-through's unit
    unit_id: Annotated[str | None, _MIGRATION] = Field(default=None, alias="unitId")
    operations: list[JsonObject] | None = None  # every start/poll outcome, appended as they come
    snapshot: Annotated[SnapshotRef | None, _MIGRATION] = None  # docs/http-api.md shows it
    index_error: str | None = Field(default=None, alias="indexError")
    prepare_decision: JsonObject | None = Field(default=None, alias="prepareDecision")
    window_opens_at: Annotated[str | None, _MIGRATION] = Field(default=None, alias="windowOpensAt")
    # a follow-through's plan and its rows, one per VM
    vm_plan: Annotated[list[JsonObject] | None, _MIGRATION] = Field(default=None, alias="vmPlan")
    vms: Annotated[list[JsonObject] | None, _MIGRATION] = None
    current: str | None = None  # the VM a follow-through converts now
    resource_map: Annotated[dict[str, str] | None, _MIGRATION] = Field(default=None, alias="resourceMap")
    arm_resources: list[JsonObject] | None = Field(default=None, alias="armResources")
    approval_deadline: Annotated[str | None, _MIGRATION] = Field(default=None, alias="approvalDeadline")
    reminders: int | None = None
    ignored_decisions: int | None = Field(default=None, alias="ignoredDecisions")
    approver: Annotated[str | None, _MIGRATION] = None
    decision: JsonObject | None = None  # `Decision.shown()`
    error: Annotated[JsonObject | None, _BOTH] = None  # {"phase", "code", "message", …}
    abort_error: str | None = Field(default=None, alias="abortError")
    verdict: Annotated[str | None, _VALIDATION] = None  # a validation's
    report: Annotated[JsonObject | None, _MIGRATION] = None  # the report activity's answer
    report_error: str | None = Field(default=None, alias="reportError")
    notify_error: str | None = Field(default=None, alias="notifyError")
    follow_through: Annotated[JsonObject | None, _MIGRATION] = Field(default=None, alias="followThrough")

    @classmethod
    @functools.cache
    def shown_in(cls, view: View) -> tuple[str, ...]:
        """The JSON keys `view` shows, in the fields' order (worked out once per view)."""
        return tuple(
            field.alias or name
            for name, field in cls.model_fields.items()
            if any(isinstance(mark, Shown) and view in mark.views for mark in field.metadata)
        )


class PlanState(_Status):
    """The custom status of one `migrate_plan` run (`GET /api/plans/{id}`)."""

    id: str
    phase: str
    approval: str
    dry_run: bool = Field(alias="dryRun")
    created_at: str = Field(alias="createdAt")
    waves: list[JsonObject] = []  # {"index", "units": [row]}: a row per unit, updated as it runs
    not_migratable: list[JsonObject] = Field(default=[], alias="notMigratable")
    error: JsonObject | None = None
    updated_at: str | None = Field(default=None, alias="updatedAt")
    running_at: str | None = Field(default=None, alias="runningAt")
    scheduling: str | None = None
    summary: dict[str, int] | None = None  # final phase → how many units
