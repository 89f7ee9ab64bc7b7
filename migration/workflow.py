"""The workflow contract: what crosses the Durable host between orchestrators, activities, triggers.

Each activity's input and output, the orchestrations' inputs and the `Approval` event are frozen
pydantic models here, in `migration/` (the one package all three layers may import), instead
of `dict[str, Any]` with their shapes written in docstrings.

How they travel. Durable Functions for Python 1.7 serialises an object it cannot encode by
calling its `to_json()` and wrapping the result in a `{"__class__", "__module__", "__data__"}`
envelope that the receiving side resolves through `sys.modules` (`azure.functions.
_durable_functions._serialize_custom_object`). c2arm does not hand models to the SDK: each
side calls `to_json()` / `from_json()` itself and the host carries plain JSON objects. The
history then holds the same JSON it always held — instances started before this module existed
replay unchanged — and never a Python module path (moving a class would otherwise break the
replay of every in-flight instance).

Parsing ignores unknown keys, so an older worker's answer in a history still parses; the
models that are spread into the status (errors, decisions) dump only the keys that were set,
so what an orchestrator publishes is exactly what it received.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from migration.requests import MigrationRequest, WorkflowConfig

JsonObject = dict[str, Any]
"""A JSON object whose shape another module owns (a finding, a request, the estate)."""


class _Wire(BaseModel):
    """Frozen, camelCase on the wire, tolerant of keys it does not know (older or newer workers)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    def to_json(self) -> JsonObject:
        """The JSON object the host carries (every field, by its wire name)."""
        return self.model_dump(by_alias=True, mode="json")

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Parse what the host handed over (a JSON object)."""
        return cls.model_validate(data)


class _Open(_Wire):
    """A model spread into the status as it came: unknown keys kept, only the set keys dumped."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="allow")

    def to_json(self) -> JsonObject:
        return self.model_dump(by_alias=True, mode="json", exclude_unset=True)


class ActivityError(_Open):
    """A permanent refusal (`activities._runtime.error_body`) or a failure the orchestrator names."""

    code: str | None = None
    message: str = ""
    reason: str | None = None
    status: int | None = None  # the platform's HTTP status
    request_id: str | None = Field(default=None, alias="requestId")  # the platform's request


class _Result(_Wire):
    """Every activity may answer `{"error": …}` instead of its result (a permanent refusal)."""

    error: ActivityError | None = None

    def to_json(self) -> JsonObject:
        """Every field by its wire name; `error` only when there is one (the result otherwise)."""
        return self.model_dump(by_alias=True, mode="json", exclude={"error"} if self.error is None else None)


# ---- the unit's steps -------------------------------------------------------------------------


class UnitStep(_Wire):
    """The input of snapshot, precheck, validate and check: the unit's instance id and request."""

    id: str
    request: JsonObject  # as accepted (`MigrationRequest.to_json`), carried verbatim

    def migration_request(self) -> MigrationRequest:
        return MigrationRequest.model_validate(self.request)


class SnapshotStep(UnitStep):
    """The input of precheck and check: also the snapshot they judge (the status's `snapshot.blob`,
    the only pointer to it: a snapshot blob is named by its digest)."""

    snapshot: str


OperationKind = Literal["prepare", "commit", "abort"]
"""The platform's migration operations c2arm starts (the `comp` of the migration call)."""


class OperationStep(UnitStep):
    """`start_operation`'s input: which platform operation to start for the unit."""

    operation: OperationKind


class OperationPoll(OperationStep):
    """`operation_status`'s input: the started operation's request id (None: watch the state)."""

    request_id: str | None = Field(alias="requestId")


class SnapshotResult(_Result):
    """`snapshot_unit`: the stored snapshot's SHA-256 and blob name."""

    digest: str | None = None
    blob: str | None = None


class PrecheckResult(_Result):
    """`precheck_unit`: the core's findings and the unit's verdict."""

    findings: list[JsonObject] = []
    verdict: str = "migratable"
    blocked_by: list[str] = Field(default=[], alias="blockedBy")


class ValidateResult(_Result):
    """`validate_unit`: one finding per message of the platform's validate."""

    findings: list[JsonObject] = []


class CheckResult(_Result):
    """`check_unit`: what the platform prepared against the translation, and the ARM ids."""

    findings: list[JsonObject] = []
    resource_map: dict[str, str] = Field(default={}, alias="resourceMap")
    arm_resources: list[JsonObject] = Field(default=[], alias="armResources")


class OperationStarted(_Result):
    """`start_operation`: started (with the request id to poll, None if already under way) or done."""

    status: Literal["Started", "AlreadyDone"] | None = None
    request_id: str | None = Field(default=None, alias="requestId")
    state: str | None = None
    retry_after: float | None = Field(default=None, alias="retryAfter")


class OperationProgress(_Result):
    """`operation_status`: one poll of a started operation."""

    status: Literal["InProgress", "Succeeded", "Failed"] | None = None
    state: str | None = None
    retry_after: float | None = Field(default=None, alias="retryAfter")
    transient: bool = False
    failure: ActivityError | None = None
    last_error: str | None = Field(default=None, alias="lastError")


class OperationOutcome(_Wire):
    """How a platform operation ended for the orchestrator (not carried by the host)."""

    ok: bool
    transient: bool = False
    error: ActivityError | None = None


class ReportInput(_Wire):
    """`write_report`'s input: the unit's final status and every finding (the status trims them)."""

    id: str
    status: JsonObject
    findings: list[JsonObject]


class ReportResult(_Result):
    """`write_report`: the blobs written and the final phase they record."""

    json_blob: str | None = Field(default=None, alias="json")
    html_blob: str | None = Field(default=None, alias="html")
    phase: str | None = None


class Event(_Wire):
    """`notify`'s input: one event for `migration-events` about instance `id`."""

    type: str
    id: str
    data: JsonObject = {}
    # the same on every retry of this event (the orchestrator's replay-safe `new_uuid`): consumers
    # of the at-least-once queue drop duplicates by it
    event_id: str = Field(alias="eventId")


class NotifyResult(_Result):
    """`notify`: the queue message's id."""

    message_id: str | None = Field(default=None, alias="messageId")


class AuditInput(_Wire):
    """`audit_entry`'s input: one append-only entry, idempotent by `entryId`."""

    id: str
    principal: str
    action: str
    comment: str = ""
    entry_id: str | None = Field(default=None, alias="entryId")


class AuditResult(_Result):
    entry_id: str | None = Field(default=None, alias="entryId")


class IndexInput(_Wire):
    """`index_phase`'s input: the unit's new phase, ordered by `seq` (its timeline's length)."""

    id: str
    unit: str
    phase: str
    at: str
    seq: int


class IndexResult(_Result):
    current: bool | None = None


class PlanUnitsInput(_Wire):
    """`plan_units`'s input: the subscription and (optionally) the units to plan."""

    plan_id: str = Field(alias="planId")
    subscription_id: str = Field(alias="subscriptionId")
    units: list[JsonObject] | None = None
    concurrency: int


class PlanUnitsResult(_Result):
    """`plan_units`: waves of `{"key", "unit", "dependsOn"}` and the units left out with reasons."""

    waves: list[list[JsonObject]] = []
    not_migratable: list[JsonObject] = Field(default=[], alias="notMigratable")


# ---- orchestration inputs and events ----------------------------------------------------------


class UnitInput(_Wire):
    """`migrate_unit`'s (and `validate_migration`'s) input, built by `requests.unit_input`."""

    request: JsonObject
    config: JsonObject  # carried verbatim to children; read through `settings`
    links: dict[str, str] = {}
    requested_by: str | None = Field(default=None, alias="requestedBy")
    requested_by_id: str | None = Field(default=None, alias="requestedById")  # Entra object id
    plan: JsonObject | None = None

    @cached_property
    def settings(self) -> WorkflowConfig:
        """The frozen settings, each a typed attribute with its one default (`WorkflowConfig`)."""
        return WorkflowConfig.model_validate(self.config)

    @property
    def approval(self) -> JsonObject:
        return self.request.get("approval") or {}


class PlanInput(_Wire):
    """`migrate_plan`'s input (`triggers.plans.start_plan`)."""

    plan_id: str = Field(alias="planId")
    subscription_id: str = Field(alias="subscriptionId")
    units: list[JsonObject] | None = None
    concurrency: int | None = None
    approval: str = "perUnit"
    window: str = "any"
    dry_run: bool = Field(default=False, alias="dryRun")
    config: JsonObject
    links_base: str = Field(default="", alias="linksBase")
    requested_by: str | None = Field(default=None, alias="requestedBy")
    requested_by_id: str | None = Field(default=None, alias="requestedById")  # Entra object id
    unit_approval: JsonObject | None = Field(default=None, alias="unitApproval")
    follow_through: JsonObject | None = Field(default=None, alias="followThrough")

    @cached_property
    def settings(self) -> WorkflowConfig:
        return WorkflowConfig.model_validate(self.config)


class Decision(_Open):
    """The `Approval` event: a person's (or the system's) decision at a wait.

    A person's decision is signed by the decision route (`migration.policy.sign_decision`):
    `wait`, `approverId` (Entra object id), `at` and `signature` say for which wait, by whom,
    when, and that c2arm's checks let it through; the system's own (timeout, dry run) are not
    events and carry none."""

    decision: str | None = None
    approver: str | None = None
    comment: str | None = None
    wait: str | None = None
    approver_id: str | None = Field(default=None, alias="approverId")
    at: str | None = None
    signature: str | None = None

    def shown(self) -> JsonObject:
        """What the status shows of it (the signature is for the orchestrator, not for people)."""
        return {k: v for k, v in self.to_json().items() if k != "signature"}


class VerifyInput(_Wire):
    """`verify_decision`'s input: a raised `Approval` event's data, as it came."""

    id: str
    event: JsonObject


class VerifyResult(_Result):
    valid: bool = False
    reason: str = ""
