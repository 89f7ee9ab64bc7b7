"""The migration request (docs/contract.md): schema, defaults and field-named errors.

A request reaches c2arm from the queue `migration-requests`, from `POST /api/migrations` or from
the backlog; all three go through `parse_request`, so a request means the same wherever it came
from. Unknown fields are rejected (a typo such as `dryrun` must not silently become "not a dry
run"), and every problem is reported at once with the path of its field.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from migration.instance_ids import USER_ID_PATTERN, is_instance_id, user_id_problem
from migration.text import name_problem
from migration.unit_kinds import UnitKind

REQUEST_ID_PATTERN = USER_ID_PATTERN  # a requestId or planId: never in the reserved namespace
GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


# The longest wait c2arm accepts (about ten years): a deadline beyond it is a typo, and a span
# beyond what a datetime can hold (P99999999999D) would crash every step that adds it to a time.
MAX_DURATION = timedelta(days=3660)


class RequestError(ValueError):
    """A request that does not match the schema; `errors` names every problem with its field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration (`PT72H`, `P3D`, `P1DT12H`, `PT90S`) as a timedelta.

    Years and months are refused: their length depends on the calendar, and an approval timeout
    must mean the same span whenever it starts.
    """
    match = _DURATION.match(text or "") if len(text or "") <= 64 else None
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT72H or P3D (no years or months)")
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    try:
        span = timedelta(
            weeks=parts.get("weeks", 0),
            days=parts.get("days", 0),
            hours=parts.get("hours", 0),
            minutes=parts.get("minutes", 0),
            seconds=parts.get("seconds", 0),
        )
    except OverflowError:  # P99999999999D: past what a date can hold
        span = MAX_DURATION + MAX_DURATION
    if span > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than the longest span c2arm waits (P{MAX_DURATION.days}D)")
    return span


SUBMITTED = {"submitted": True}  # validation context of a submission (HTTP, queue, backlog)


def _user_id(value: str, info: ValidationInfo) -> str:
    """An instance id; in a submission a user id, never the reserved namespace (`migration.instance_ids`).

    The activities re-read a plan unit's request, whose id c2arm derived (`plan~kind~name`): only
    what comes from outside (parsed with the SUBMITTED context) must be a user id.
    """
    problem = user_id_problem(value) if (info.context or {}).get("submitted") else None
    if problem is None and not is_instance_id(value):
        problem = "must be 1-100 of A-Z a-z 0-9 - _ . ~"
    if problem:
        raise ValueError(problem)
    return value


def _plain_name(value: str | None) -> str | None:
    """A name as the platform allows it (spaces too), without control or format characters."""
    problem = None if value is None else name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


S = TypeVar("S", bound=_Strict)  # a submitted model (_parse_submitted)


class Unit(_Strict):
    """What to migrate: one of the platform's migration units."""

    kind: UnitKind
    name: str = Field(min_length=1, max_length=200)
    # For a cloud service: the deployment; None = the production deployment.
    deployment: str | None = Field(default=None, min_length=1, max_length=200)

    _names_are_names = field_validator("name", "deployment")(_plain_name)

    @model_validator(mode="after")
    def _deployment_only_for_cloud_services(self) -> Unit:
        if self.deployment is not None and self.kind != "cloudService":
            raise ValueError("deployment: only a cloudService unit has a deployment")
        return self

    @property
    def key(self) -> str:
        """A stable text key for the unit (`kind/name[/deployment]`), used in plans and logs."""
        return f"{self.kind}/{self.name}" + (f"/{self.deployment}" if self.deployment else "")


class Destination(_Strict):
    """Where a cloud service outside a VNet lands: a new VNet, or an existing ARM subnet."""

    mode: Literal["New", "Existing"] = "New"
    resource_group: str | None = Field(default=None, alias="resourceGroup", min_length=1)
    virtual_network: str | None = Field(default=None, alias="virtualNetwork", min_length=1)
    subnet: str | None = Field(default=None, min_length=1)

    _names_are_names = field_validator("resource_group", "virtual_network", "subnet")(_plain_name)

    @model_validator(mode="after")
    def _existing_names_its_target(self) -> Destination:
        names = {
            "resourceGroup": self.resource_group,
            "virtualNetwork": self.virtual_network,
            "subnet": self.subnet,
        }
        if self.mode == "Existing":
            missing = [k for k, v in names.items() if not v]
            if missing:
                raise ValueError(f"mode Existing needs {', '.join(missing)}")
        elif any(names.values()):
            raise ValueError("resourceGroup, virtualNetwork and subnet are only for mode Existing")
        return self


class Approval(_Strict):
    """How long to wait for a person's decision, and what to do when nobody decides."""

    timeout: str | None = None  # ISO 8601; None = the app's APPROVAL_TIMEOUT_DEFAULT
    on_timeout: Literal["abort", "remind"] = Field(default="abort", alias="onTimeout")
    # a person also decides before prepare (which deallocates VMs outside a VNet and locks the
    # management plane): phase AwaitingPrepareApproval, decided with prepare or abort
    before_prepare: StrictBool = Field(default=False, alias="beforePrepare")

    @field_validator("timeout")
    @classmethod
    def _timeout_is_a_duration(cls, value: str | None) -> str | None:
        if value is not None:
            span = parse_duration(value)
            if span <= timedelta(0):
                raise ValueError("must be longer than zero")
        return value


class Probe(_Strict):
    """A data-plane check run in the Checking phase (an HTTP GET and the status it should answer)."""

    url: str = Field(min_length=1, max_length=2000)
    expect_status: int = Field(default=200, alias="expectStatus", ge=100, le=599)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value


class FollowThrough(_Strict):
    """What to do after commit (issue #18): `managedDisks` converts every migrated VM to managed
    disks (downtime: governed like commit — the request's window, and an approval unless waived)."""

    managed_disks: StrictBool = Field(default=False, alias="managedDisks")
    approval: Literal["required", "waived"] = "required"


class MigrationRequest(_Strict):
    """One migration unit to move, with its options (docs/contract.md "Request")."""

    request_id: str = Field(alias="requestId")
    subscription_id: str = Field(alias="subscriptionId", pattern=GUID_PATTERN)
    unit: Unit
    destination: Destination = Field(default_factory=Destination)
    approval: Approval = Field(default_factory=Approval)
    window: Literal["any", "off-hours"] = "any"
    dry_run: StrictBool = Field(default=False, alias="dryRun")
    probes: list[Probe] = Field(default_factory=list, max_length=20)
    requested_by: str | None = Field(default=None, alias="requestedBy", min_length=1, max_length=256)
    follow_through: FollowThrough | None = Field(default=None, alias="followThrough")

    _request_id_is_a_user_id = field_validator("request_id")(_user_id)
    _requester_is_a_name = field_validator("requested_by")(_plain_name)

    def to_json(self) -> dict[str, Any]:
        """The request as contract JSON (camelCase, defaults filled in; no follow-through when unset)."""
        unset = {"follow_through"} if self.follow_through is None else None
        return self.model_dump(by_alias=True, mode="json", exclude=unset)

    def approval_timeout(self, default: str = "PT72H") -> timedelta:
        """The approval timeout as a span, falling back to the app's default."""
        return parse_duration(self.approval.timeout or default)


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or "(body)"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    if kind == "string_pattern_mismatch":
        return "has characters or a length that are not allowed"
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        return f"must be one of {expected}"
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def errors_of(exc: ValidationError) -> list[dict[str, str]]:
    """Every problem of a pydantic validation as `{field, message}` (the API's 400 body)."""
    out: list[dict[str, str]] = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        message = _message(dict(error))
        # model validators report on the model itself; name the field they are about
        if ": " in message and message.split(": ", 1)[0].isidentifier():
            field, message = message.split(": ", 1)
            loc = (*loc, field)
        out.append({"field": _field_path(loc), "message": message})
    return out


def _parse_submitted(model: type[S], data: Any) -> S:
    """A submission of `model` (a request or a plan request) from parsed JSON (a dict), or
    RequestError naming every problem; validated with the SUBMITTED context."""
    if not isinstance(data, dict):
        raise RequestError([{"field": "(body)", "message": "must be a JSON object"}])
    try:
        return model.model_validate(data, context=SUBMITTED)
    except ValidationError as exc:
        raise RequestError(errors_of(exc)) from None
    except RecursionError:
        raise RequestError([{"field": "(body)", "message": "is nested too deeply"}]) from None


def parse_request(data: Any) -> MigrationRequest:
    """A request from parsed JSON (a dict), or RequestError naming every problem."""
    return _parse_submitted(MigrationRequest, data)


class DuplicateKey(ValueError):
    """A JSON object with one key twice; `key` names it."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"the key {key!r} appears twice in one object")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def loads_strict(text: str | bytes) -> Any:
    """`json.loads` that refuses an object with the same key twice (ValueError naming the key).

    Parsers disagree on duplicates (Python keeps the last, others the first), so
    `{"dryRun": false, "dryRun": true}` could mean a dry run to one reader and a real run to
    another: refused rather than guessed.
    """
    return json.loads(text, object_pairs_hook=_no_duplicate_keys)


def parse_request_text(text: str | bytes) -> MigrationRequest:
    """A request from JSON text (a queue message or an HTTP body)."""
    try:
        data = loads_strict(text)
    except DuplicateKey as exc:
        raise RequestError(
            [{"field": exc.key[:100], "message": "appears twice: which one counts would be a guess"}]
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError([{"field": "(body)", "message": f"is not valid JSON: {exc}"}]) from None
    except RecursionError:  # hostile nesting: a bad request, not a crash (nor a transient failure)
        raise RequestError([{"field": "(body)", "message": "is nested too deeply"}]) from None
    return parse_request(data)


class WorkflowConfig(BaseModel):
    """The app settings an orchestration needs, frozen into its input when it starts.

    Orchestrators may not read the environment (replay must see the same values every time),
    so the trigger that starts a migration reads the settings once and passes them along.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    windows: str = "Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00"
    timezone: str = "UTC"
    approval_timeout_default: str = Field(default="PT72H", alias="approvalTimeoutDefault")
    commit_max_attempts: int = Field(default=5, alias="commitMaxAttempts", ge=1, le=100)
    operation_max_attempts: int = Field(default=3, alias="operationMaxAttempts", ge=1, le=100)
    poll_min_seconds: float = Field(default=5, alias="pollMinSeconds", gt=0)
    poll_max_seconds: float = Field(default=60, alias="pollMaxSeconds", gt=0)
    deadline_minutes: float = Field(default=240, alias="deadlineMinutes", gt=0)
    retry_first_ms: int = Field(default=1000, alias="retryFirstMs", gt=0)
    retry_attempts: int = Field(default=5, alias="retryAttempts", ge=1, le=20)
    plan_concurrency: int = Field(default=4, alias="planConcurrency", ge=1, le=100)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


def unit_input(
    request: MigrationRequest,
    config: WorkflowConfig,
    links: dict[str, str],
    *,
    requested_by: str | None = None,
    requested_by_id: str | None = None,
    plan: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The input of one `migrate_unit` orchestration (JSON): request, config, links, requester
    (`requestedById`: the requester's Entra object id when the submission was signed in)."""
    return {
        "request": request.to_json(),
        "config": config.to_json(),
        "links": links,
        "requestedBy": requested_by or request.requested_by,
        "requestedById": requested_by_id,
        "plan": plan,
    }


class PlanRequest(_Strict):
    """`POST /api/plans`: a subscription's units (all, or a list) moved in dependency waves."""

    plan_id: str = Field(alias="planId")
    subscription_id: str = Field(alias="subscriptionId", pattern=GUID_PATTERN)
    units: list[Unit] | None = Field(default=None, max_length=5000)
    concurrency: int | None = Field(default=None, ge=1, le=100)
    approval: Literal["perUnit", "perWave"] = "perUnit"
    window: Literal["any", "off-hours"] = "any"
    dry_run: StrictBool = Field(default=False, alias="dryRun")
    follow_through: FollowThrough | None = Field(default=None, alias="followThrough")

    _plan_id_is_a_user_id = field_validator("plan_id")(_user_id)

    @field_validator("units", mode="before")
    @classmethod
    def _unit_texts(cls, value: Any) -> Any:
        """Accept `"KIND/NAME"` texts beside unit objects."""
        if isinstance(value, list):
            out = []
            for item in value:
                if isinstance(item, str) and "/" in item:
                    kind, name = item.split("/", 1)
                    out.append({"kind": kind, "name": name})
                else:
                    out.append(item)
            return out
        return value

    def to_json(self) -> dict[str, Any]:
        unset = {"follow_through"} if self.follow_through is None else None
        return self.model_dump(by_alias=True, mode="json", exclude=unset)


def parse_plan_request(data: Any) -> PlanRequest:
    """A plan request from parsed JSON, or RequestError naming every problem."""
    return _parse_submitted(PlanRequest, data)
