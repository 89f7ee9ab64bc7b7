"""The six migration units: their paths, services and state reads, and the answers' shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import quote
from xml.etree.ElementTree import Element

from connectors.asm.xml_common import child, children, text
from connectors.errors import AzureCallError, PermanentError, Reason, classify
from migration.fields import camel_fields

#: `MigrationState` values, the platform's enum `IaaSClassicToArmMigrationState` (the classic
#: .NET SDK's models; Microsoft's Node clients). `None` (or no element) = not prepared.
STATES = (
    "None",
    "Preparing",
    "Prepared",
    "PrepareFailed",
    "Committing",
    "Committed",
    "CommitFailed",
    "Aborting",
    "AbortFailed",
)
#: Not in the platform's vocabulary, but taken as "not prepared" should it ever be seen.
LEGACY_NOT_PREPARED = frozenset({"None", "Aborted", ""})
#: Kinds whose reads carry no `MigrationState` (Microsoft's clients parse none, recorded GETs
#: carry none): their state is decided from what is observable instead.
STATELESS_KINDS = frozenset({"reservedIp", "networkSecurityGroup", "routeTable"})
#: `migration_state` of a stateless kind that exists on the classic side: the platform does not
#: say; the operation's own result (and the ARM side) decide.
NOT_REPORTED = "NotReported"


def normalise_state(value: str | None) -> str | None:
    """A read's `MigrationState` text as c2arm uses it: None = not prepared (absent, the literal
    `None`, or the `Aborted` no source has seen); any other value as the platform wrote it."""
    if value is None or value.strip() in LEGACY_NOT_PREPARED:
        return None
    return value.strip()


# kind -> (service for x-ms-version, path of the unit under /services)
_PATHS: dict[str, tuple[str, str]] = {
    "virtualNetwork": ("network", "networking/virtualnetwork/{name}"),
    "storageAccount": ("storage", "storageservices/{name}"),
    "reservedIp": ("network", "networking/reservedips/{name}"),
    "networkSecurityGroup": ("network", "networking/networksecuritygroups/{name}"),
    "routeTable": ("network", "networking/routetables/{name}"),
}


def seg(value: str) -> str:
    """One path segment, escaped (a name cannot smuggle `/` or `?` into the path)."""
    return quote(value, safe="")


def migration_path(kind: str, name: str, deployment: str | None = None) -> tuple[str, str]:
    """`(service, path)` of a unit's migration endpoint (`…/migration`, `?comp=` added by callers)."""
    if kind == "cloudService":
        if not deployment:
            raise ValueError("a cloudService unit needs its deployment name")
        return "compute", f"/services/hostedservices/{seg(name)}/deployments/{seg(deployment)}/migration"
    try:
        service, template = _PATHS[kind]
    except KeyError:
        raise ValueError(f"unit kind {kind!r}: not one of cloudService, {', '.join(_PATHS)}") from None
    return service, "/services/" + template.format(name=seg(name)) + "/migration"


@dataclass(frozen=True)
class ValidationMessage:
    resource_type: str
    resource_name: str
    category: str
    message: str
    virtual_machine: str = ""

    @property
    def is_error(self) -> bool:
        """Only `Error` blocks. The platform's categories (`XrpMigrationValidationMessageCategory`)
        are Unspecified, Information, Warning, Error; PowerShell's `MigrationValidateContext` and
        the docs pass a validate that has no `Error` ("Validation Passed. Please see
        ValidationMessages object for a list of resources that will be migrated")."""
        return self.category.strip().lower() == "error"

    @property
    def severity(self) -> str:
        """The finding's severity: error, warning, or info (Information, Unspecified, unknown)."""
        category = self.category.strip().lower()
        return {"error": "error", "warning": "warning"}.get(category, "info")

    def to_dict(self) -> dict[str, str]:
        return camel_fields(self, "resource_type", "resource_name", "category", "message", "virtual_machine")


@dataclass(frozen=True)
class ValidationResult:
    messages: tuple[ValidationMessage, ...] = ()

    @property
    def errors(self) -> list[ValidationMessage]:
        return [m for m in self.messages if m.is_error]

    @property
    def migratable(self) -> bool:
        return not self.errors


def parse_validation(root: Element) -> ValidationResult:
    """Every `ValidationMessage`, wherever the platform nests them."""
    messages = tuple(
        ValidationMessage(
            resource_type=text(m, "ResourceType") or "",
            resource_name=text(m, "ResourceName") or "",
            # no Category at all: taken as Error (a named assumption: nothing says it happens)
            category=text(m, "Category") or "Error",
            message=text(m, "Message") or "",
            virtual_machine=text(m, "VirtualMachine") or "",
        )
        for m in root.iter("ValidationMessage")
    )
    return ValidationResult(messages)


OperationState = Literal["InProgress", "Succeeded", "Failed"]
#: The platform's `OperationStatus` enum (Get Operation Status, Service Management REST API)
_OPERATION_STATES: dict[str, OperationState] = {s: s for s in get_args(OperationState)}


@dataclass(frozen=True)
class OperationStatus:
    """One asynchronous operation: `InProgress`, `Succeeded` or `Failed` (+ the typed error)."""

    request_id: str
    status: OperationState
    http_status_code: int | None = None
    error: AzureCallError | None = field(default=None, compare=False)

    @property
    def done(self) -> bool:
        return self.status in ("Succeeded", "Failed")

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"


def parse_operation(root: Element, request_id: str) -> OperationStatus:
    raw = text(root, "Status") or "InProgress"
    status = _OPERATION_STATES.get(raw)
    if status is None:
        raise PermanentError(
            f"operation {request_id}: Status {raw!r} is not one of {', '.join(_OPERATION_STATES)}",
            reason=Reason.PROTOCOL,
            operation="operation",
        )
    code_text = text(root, "HttpStatusCode")
    http_code = int(code_text) if code_text and code_text.isdigit() else None
    error = None
    if status == "Failed":
        error_el = child(root, "Error")
        error = classify(
            http_code or 500,
            text(error_el, "Code") or "",
            text(error_el, "Message") or "",
            request_id=request_id,
            operation="operation",
        )
    return OperationStatus(
        request_id=text(root, "ID") or request_id, status=status, http_status_code=http_code, error=error
    )


def collapse_states(states: list[str | None]) -> str | None:
    """One state for a deployment from its roles' states (they move together; mixed = in flux)."""
    distinct = set(states)
    if len(distinct) <= 1:
        return next(iter(distinct), None)
    for moving in ("Committing", "Aborting", "Preparing", "CommitFailed", "AbortFailed", "PrepareFailed"):
        if moving in distinct:
            return moving
    return next((s for s in states if s), None)


def deployment_state(deployment: Element) -> str | None:
    """The deployment's state from its roles' `MigrationState` (normalised: None = not prepared)."""
    own = normalise_state(text(deployment, "MigrationState"))
    if own:
        return own
    roles = children(deployment, "RoleList", "Role")
    return collapse_states([normalise_state(text(r, "MigrationState")) for r in roles])


def named_item_state(root: Element, item_tag: str, name: str) -> tuple[bool, str | None]:
    """`(found, MigrationState)` of the item called `name` (case-insensitive) in a list answer;
    the state is the element's raw text (None when there is no element)."""
    items = [root] if root.tag == item_tag else list(root.iter(item_tag))
    for item in items:
        if (text(item, "Name") or item.get("name") or "").lower() == name.lower():
            return True, text(item, "MigrationState")
    return False, None
