"""The classic migration API: validate / prepare / commit / abort, operations, state, reads.

Starting an operation and polling it are separate calls on purpose: the orchestrator polls with
durable timers, never by sleeping inside an activity. The `…_unless_…` helpers make a phase
safe to retry: they read the unit's `MigrationState` first and start nothing when the platform
is already there (or on its way), and refuse what the platform would refuse (abort once commit
has started). The states are the platform's own (`IaaSClassicToArmMigrationState`): a failed
commit (`CommitFailed`) is committed again, a failed abort (`AbortFailed`) aborted again, a
failed prepare (`PrepareFailed`) aborted (or prepared again after a transient failure).

Reserved IPs, NSGs and route tables report no `MigrationState` (Microsoft's clients parse none;
recorded reads carry none). For them the helpers never refuse or skip on a missing element:
they start the operation and let its own result decide, using the classic resource's presence
(gone after commit) and, when an `arm_side` probe is given, the ARM side (`<name>-Migrated`
exists from prepare to abort).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import httpx
from azure.core.credentials import TokenCredential

from connectors.asm._http import AsmHttp
from connectors.asm.units import (
    NOT_REPORTED,
    STATELESS_KINDS,
    OperationStatus,
    ValidationResult,
    deployment_state,
    migration_path,
    named_item_state,
    normalise_state,
    parse_operation,
    parse_validation,
    seg,
)
from connectors.asm.xml_common import deployment_network_resource, parse_xml, text
from connectors.closing import Closing
from connectors.connection import Connection
from connectors.credentials import ManagementCertificate, management_certificate
from connectors.errors import PermanentError, Reason, TransientError
from migration.requests import Destination, Unit

# Seconds the orchestrator should wait before retrying a phase blocked by another operation.
BUSY_RETRY_SECONDS = 30.0

#: True when the unit's ARM side (the platform's `<name>-Migrated` resource group) exists.
ArmSideProbe = Callable[[Unit], bool]


@dataclass(frozen=True)
class StartResult:
    """What an idempotent start did: `request_id` when it started an operation, else why not.

    `state` is the unit's `MigrationState` read before starting. When nothing was started and
    the state is still moving (`Preparing`, `Committing`, `Aborting`), poll `migration_state`
    until it settles; when it is already the target, the phase is done.
    """

    started: bool
    state: str | None
    request_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"started": self.started, "state": self.state, "requestId": self.request_id}


class AsmClient(Closing):
    """One subscription's classic API. Build it with `from_settings` (or from an `AsmHttp`)."""

    def __init__(self, http: AsmHttp, arm_side: ArmSideProbe | None = None) -> None:
        self.http = http
        self.arm_side = arm_side

    @classmethod
    def connect(
        cls,
        connection: Connection,
        *,
        certificate: ManagementCertificate | None = None,
        transport: httpx.BaseTransport | None = None,
        arm_side: ArmSideProbe | None = None,
    ) -> AsmClient:
        """A client for `settings.asm_auth`: the management certificate, or a bearer token."""
        settings = connection.settings
        credential: TokenCredential | None = None
        if settings.asm_auth == "certificate":
            certificate = certificate or management_certificate(settings, connection.credential)
        else:
            credential = connection.token_credential()
            certificate = None
        http = AsmHttp(
            settings.asm_endpoint,
            connection.subscription_id,
            credential=credential,
            scope=settings.asm_scope,
            certificate=certificate,
            ca_bundle=settings.ca_bundle,
            timeout=settings.timeout,
            quick_retries=settings.quick_retries,
            quick_retry_max_seconds=settings.quick_retry_max_seconds,
            limiter=connection.rate_limiter(),
            transport=transport,
        )
        return cls(http, arm_side)

    def close(self) -> None:
        self.http.close()

    # --- raw reads ---------------------------------------------------------------------------

    def get_xml(self, path: str, service: str, params: Mapping[str, str] | None = None) -> Element:
        """GET `path` under the subscription and parse the answer safely."""
        response = self.http.request("GET", path, service, params=params, operation=f"read {path}")
        return parse_xml(response.content, f"GET {path}")

    def _deployment_path(self, service_name: str, deployment: str | None) -> str:
        base = f"/services/hostedservices/{seg(service_name)}"
        return f"{base}/deployments/{seg(deployment)}" if deployment else f"{base}/deploymentslots/Production"

    def get_deployment(self, service_name: str, deployment: str | None = None) -> Element:
        """A deployment by name, or the production slot's deployment when `deployment` is None."""
        return self.get_xml(self._deployment_path(service_name, deployment), "compute")

    def resolve_unit(self, unit: Unit) -> Unit:
        """The unit with its deployment named (a cloud service's production deployment if none)."""
        if unit.kind != "cloudService" or unit.deployment:
            return unit
        name = text(self.get_deployment(unit.name, None), "Name")
        if not name:
            raise PermanentError(
                f"cloud service {unit.name} has no production deployment", reason=Reason.NOT_FOUND
            )
        return Unit(kind="cloudService", name=unit.name, deployment=name)

    # --- migration ---------------------------------------------------------------------------

    def _post(self, unit: Unit, comp: str, body: bytes | None) -> httpx.Response:
        unit = self.resolve_unit(unit)
        service, path = migration_path(unit.kind, unit.name, unit.deployment)
        return self.http.request(
            "POST", path, service, params={"comp": comp}, body=body, operation=f"{comp} {unit.key}"
        )

    @staticmethod
    def _network_body(unit: Unit, destination: Destination | None) -> bytes | None:
        if unit.kind != "cloudService":
            return None
        dest = destination or Destination()
        return deployment_network_resource(
            dest.mode, dest.resource_group or "", dest.virtual_network or "", dest.subnet or ""
        )

    def validate(self, unit: Unit, destination: Destination | None = None) -> ValidationResult:
        """The platform's validate (read-only): every message it reports."""
        response = self._post(unit, "validate", self._network_body(unit, destination))
        if not response.content.strip():
            return ValidationResult()
        return parse_validation(parse_xml(response.content, f"validate {unit.key}"))

    def _start(self, unit: Unit, comp: str, body: bytes | None) -> str:
        response = self._post(unit, comp, body)
        request_id: str | None = response.headers.get("x-ms-request-id")
        if not request_id:
            raise PermanentError(
                f"{comp} {unit.key}: the platform answered {response.status_code} without x-ms-request-id",
                reason=Reason.PROTOCOL,
            )
        return request_id

    def start_prepare(self, unit: Unit, destination: Destination | None = None) -> str:
        """Start prepare; the operation's request id (poll with `operation_status`)."""
        return self._start(unit, "prepare", self._network_body(unit, destination))

    def start_commit(self, unit: Unit) -> str:
        return self._start(unit, "commit", None)

    def start_abort(self, unit: Unit) -> str:
        return self._start(unit, "abort", None)

    def operation_status(self, request_id: str) -> OperationStatus:
        """One poll of an asynchronous operation (`GET /operations/{id}`)."""
        if not request_id or "/" in request_id or "?" in request_id:
            raise ValueError(f"request id {request_id!r} is not a platform request id")
        root = self.get_xml(f"/operations/{request_id}", "compute")
        return parse_operation(root, request_id)

    def migration_state(self, unit: Unit) -> str | None:
        """The unit's `MigrationState` (None = not prepared; `NOT_REPORTED` for a reserved IP, NSG
        or route table that exists but, as on the platform, reports none); `PermanentError`
        NOT_FOUND if the classic resource is not there."""
        kind, name = unit.kind, unit.name
        if kind == "cloudService":
            return deployment_state(self.get_deployment(name, unit.deployment))
        if kind == "storageAccount":
            root = self.get_xml(f"/services/storageservices/{seg(name)}", "storage")
            return normalise_state(
                text(root, "MigrationState") or text(root, "StorageServiceProperties", "MigrationState")
            )
        path, tag = {
            "virtualNetwork": ("/services/networking/virtualnetwork", "VirtualNetworkSite"),
            "reservedIp": ("/services/networking/reservedips", "ReservedIP"),
            "networkSecurityGroup": (
                f"/services/networking/networksecuritygroups/{seg(name)}",
                "NetworkSecurityGroup",
            ),
            "routeTable": (f"/services/networking/routetables/{seg(name)}", "RouteTable"),
        }[kind]
        found, state = named_item_state(self.get_xml(path, "network"), tag, name)
        if not found:
            raise PermanentError(f"{unit.key} does not exist", reason=Reason.NOT_FOUND, status=404)
        if state is None and kind in STATELESS_KINDS:
            return NOT_REPORTED
        return normalise_state(state)

    def _arm_side_exists(self, unit: Unit) -> bool | None:
        """Whether the unit's ARM side exists (None: no probe to ask)."""
        return None if self.arm_side is None else self.arm_side(unit)

    # --- idempotent starts -------------------------------------------------------------------

    def _state_or_gone(self, unit: Unit) -> str | None:
        try:
            return self.migration_state(unit)
        except PermanentError as error:
            if error.reason == Reason.NOT_FOUND:
                return "Gone"
            raise

    def prepare_unless_prepared(self, unit: Unit, destination: Destination | None = None) -> StartResult:
        """Start prepare unless prepared (or preparing). `PrepareFailed` and not prepared start it;
        a unit whose commit or abort has started or failed is refused (abort or commit it)."""
        unit = self.resolve_unit(unit)
        state = self.migration_state(unit)
        if state == NOT_REPORTED and self._arm_side_exists(unit):
            return StartResult(started=False, state="Prepared")  # its ARM side is there
        if state in ("Prepared", "Preparing"):
            return StartResult(started=False, state=state)
        if state in ("Committing", "Committed", "CommitFailed", "AbortFailed"):
            raise PermanentError(f"prepare {unit.key}: the unit is already {state}", reason=Reason.CONFLICT)
        if state == "Aborting":
            raise TransientError(
                f"prepare {unit.key}: an abort is still running",
                reason=Reason.CONFLICT,
                retry_after=BUSY_RETRY_SECONDS,
            )
        return StartResult(started=True, state=state, request_id=self.start_prepare(unit, destination))

    def commit_unless_committed(self, unit: Unit) -> StartResult:
        """Start commit unless committed. A prepared unit that is gone from the classic side was
        committed: the platform removes the classic resource at commit. `CommitFailed` is
        committed again (the documented remedy); a unit that reports no state is committed and
        the operation's result decides."""
        try:
            unit = self.resolve_unit(unit)
        except PermanentError as error:
            if error.reason != Reason.NOT_FOUND:
                raise
            return StartResult(started=False, state="Committed")
        state = self._state_or_gone(unit)
        if state in ("Committed", "Gone", "Committing"):
            return StartResult(started=False, state="Committed" if state == "Gone" else state)
        if state == "Preparing":
            raise TransientError(
                f"commit {unit.key}: prepare is still running",
                reason=Reason.CONFLICT,
                retry_after=BUSY_RETRY_SECONDS,
            )
        if state not in ("Prepared", "CommitFailed", NOT_REPORTED):
            raise PermanentError(
                f"commit {unit.key}: the unit has not been prepared (state {state or 'None'})",
                reason=Reason.CONFLICT,
            )
        return StartResult(started=True, state=state, request_id=self.start_commit(unit))

    def abort_unless_aborted(self, unit: Unit) -> StartResult:
        """Start abort unless aborted or never prepared; refuse once commit has started.

        `Prepared`, `PrepareFailed` and `AbortFailed` are aborted. A unit that reports no state is
        aborted too; when the platform refuses that and the ARM side shows nothing prepared,
        there was nothing to abort."""
        try:
            unit = self.resolve_unit(unit)
            state = self.migration_state(unit)
        except PermanentError as error:
            if error.reason != Reason.NOT_FOUND:
                raise
            raise PermanentError(
                f"abort {unit.key}: refused, the unit is not on the classic side (committed, "
                "or it never existed)",
                reason=Reason.CONFLICT,
                status=404,
            ) from None
        if state in (None, "Aborting"):
            return StartResult(started=False, state=state)
        if state in ("Committing", "Committed", "CommitFailed"):
            raise PermanentError(
                f"abort {unit.key}: refused, commit has started (state {state})", reason=Reason.CONFLICT
            )
        if state == "Preparing":
            raise TransientError(
                f"abort {unit.key}: prepare is still running",
                reason=Reason.CONFLICT,
                retry_after=BUSY_RETRY_SECONDS,
            )
        try:
            return StartResult(started=True, state=state, request_id=self.start_abort(unit))
        except PermanentError:
            if state == NOT_REPORTED and self._arm_side_exists(unit) is False:
                return StartResult(started=False, state=None)  # nothing was prepared
            raise
