"""The ARM reader: a `-Migrated` resource group's resources, normalised into the core's model.

Reads with the real SDKs (`azure-mgmt-resource` for the group and the generic list,
`azure-mgmt-network` and `azure-mgmt-compute` for the types the comparison needs), over HTTPS
with the cloud's (or the emulator's) base URL and CA bundle. Each resource is read in full with
an api-version pinned for its type, so the properties the comparison looks at do not change
shape when a service moves its default version: a type with several resources in the group from
one typed list call (the same models as its GET), any other with its GET. Paging follows
`nextLink` (the SDK's pagers).

The SDK's own retries are off: one bounded quick-retry loop and the shared per-subscription
limiter (`connectors.ratelimit`) apply, as for ASM, and every failure is a typed error.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from connectors.closing import Closing
from connectors.cloud import AzureSettings
from connectors.connection import Connection
from connectors.errors import (
    AzureCallError,
    PermanentError,
    Reason,
    TransientError,
    answer_error,
    classify,
    quick_retry_wait,
    untrusted_certificate,
)
from connectors.ratelimit import RateLimiter, shared_limiter
from migration.arm import ArmResource, from_arm

log = logging.getLogger("c2arm.connectors.arm")
T = TypeVar("T")

RESOURCES_API = "2021-04-01"
NETWORK_API = "2024-05-01"
#: api-version per resource type, for the generic re-read of non-network types.
API_VERSIONS: dict[str, str] = {
    "microsoft.compute/virtualmachines": "2024-07-01",
    "microsoft.compute/virtualmachines/extensions": "2024-07-01",
    "microsoft.compute/availabilitysets": "2024-07-01",
    "microsoft.keyvault/vaults": "2023-07-01",
    "microsoft.storage/storageaccounts": "2023-05-01",
}
# network type -> (NetworkManagementClient operation group, its get method's arity)
_NETWORK_GETTERS: dict[str, str] = {
    "microsoft.network/virtualnetworks": "virtual_networks",
    "microsoft.network/networkinterfaces": "network_interfaces",
    "microsoft.network/loadbalancers": "load_balancers",
    "microsoft.network/publicipaddresses": "public_ip_addresses",
    "microsoft.network/networksecuritygroups": "network_security_groups",
    "microsoft.network/routetables": "route_tables",
    "microsoft.network/virtualnetworkgateways": "virtual_network_gateways",
    "microsoft.network/localnetworkgateways": "local_network_gateways",
    "microsoft.network/connections": "virtual_network_gateway_connections",
}
#: compute types whose typed list in a resource group answers full bodies (compute SDK groups)
_COMPUTE_LISTERS: dict[str, str] = {
    "microsoft.compute/virtualmachines": "virtual_machines",
    "microsoft.compute/availabilitysets": "availability_sets",
}


def _as_json(model: Any) -> dict[str, Any]:
    """REST JSON of an SDK model (the new models are mappings over the wire JSON)."""
    return model.as_dict() if hasattr(model, "as_dict") else dict(model)


def sdk_client_options(settings: AzureSettings, **client_kwargs: Any) -> dict[str, Any]:
    """The keyword arguments every ARM management SDK client of c2arm is built with: the cloud's
    (or the emulator's) endpoint and scope, the CA bundle, the timeouts, and no SDK retries (our
    bounded loop retries, not the SDK's); `client_kwargs` (e.g. a test transport) added last."""
    return {
        "base_url": settings.arm_endpoint,
        "credential_scopes": [settings.arm_scope],
        "connection_verify": settings.verify,
        "retry_total": 0,
        "connection_timeout": settings.timeout,
        "read_timeout": settings.timeout,
        **client_kwargs,
    }


class ArmReader(Closing):
    """Reads one subscription's ARM resources. Build with `from_settings`."""

    def __init__(
        self,
        resources: ResourceManagementClient,
        network: NetworkManagementClient,
        compute: ComputeManagementClient,
        subscription_id: str,
        *,
        base_url: str,
        limiter: RateLimiter | None = None,
        quick_retries: int = 3,
        quick_retry_max_seconds: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.resources = resources
        self.network = network
        self.compute = compute
        self.subscription_id = subscription_id
        self.base_url = base_url
        self._limiter = limiter or shared_limiter()
        self._retries = quick_retries
        self._budget = quick_retry_max_seconds
        self._sleep = sleep

    @classmethod
    def connect(cls, connection: Connection, **client_kwargs: Any) -> ArmReader:
        """A reader for `connection`; `client_kwargs` go to the SDK clients (e.g. test policies)."""
        settings, subscription_id = connection.settings, connection.subscription_id
        credential = connection.token_credential()
        common = sdk_client_options(settings, **client_kwargs)
        return cls(
            ResourceManagementClient(credential, subscription_id, api_version=RESOURCES_API, **common),
            NetworkManagementClient(credential, subscription_id, **common),
            ComputeManagementClient(credential, subscription_id, **common),
            subscription_id,
            base_url=settings.arm_endpoint,
            limiter=connection.rate_limiter(),
            quick_retries=settings.quick_retries,
            quick_retry_max_seconds=settings.quick_retry_max_seconds,
        )

    def close(self) -> None:
        self.resources.close()
        self.network.close()
        self.compute.close()

    # --- calls with typed errors and bounded retries -----------------------------------------

    def _error(self, exc: Exception, operation: str) -> AzureCallError:
        if isinstance(exc, HttpResponseError) and exc.response is not None:
            response = exc.response
            # azure-core types the response as a protocol without headers; every real one has them
            headers: Mapping[str, str] = getattr(response, "headers", None) or {}
            code = getattr(exc.error, "code", None) or ""
            message = getattr(exc.error, "message", None) or exc.message or ""
            error = answer_error(response.status_code, code, message, headers, operation=operation)
            if error.status == 429:
                self._limiter.throttled(f"arm/{self.subscription_id}", error.retry_after)
            return error
        if isinstance(exc, ClientAuthenticationError | ServiceRequestError | ServiceResponseError):
            text = str(exc)
            if "CERTIFICATE_VERIFY_FAILED" in text:
                return untrusted_certificate(operation, self.base_url)
            if isinstance(exc, ClientAuthenticationError):
                return classify(
                    401,
                    "AuthenticationFailed",
                    f"credential refused or unavailable: {text}",
                    operation=operation,
                )
            return TransientError(
                f"cannot reach {self.base_url}: {type(exc).__name__}",
                reason=Reason.CONNECTION,
                operation=operation,
            )
        raise exc

    def call(self, operation: str, fn: Callable[[], T]) -> T:
        """Run one SDK call under the limiter, with typed errors and bounded quick retries."""
        started = time.monotonic()
        attempt = 0
        while True:
            self._limiter.acquire(f"arm/{self.subscription_id}", max_wait=self._budget)
            try:
                return fn()
            except (
                HttpResponseError,
                ClientAuthenticationError,
                ServiceRequestError,
                ServiceResponseError,
            ) as exc:
                error = self._error(exc, operation)
            attempt += 1
            wait = quick_retry_wait(error, attempt)
            if (
                not error.transient
                or attempt > self._retries
                or time.monotonic() - started + wait > self._budget
            ):
                raise error from None
            log.info("arm %s: transient %s, retry %d in %.2f s", operation, error.reason, attempt, wait)
            self._sleep(wait)

    # --- reads -------------------------------------------------------------------------------

    def resource_group(self, name: str) -> dict[str, Any]:
        """The resource group's REST JSON (`PermanentError` NOT_FOUND when it does not exist)."""
        group = self.call(f"get resource group {name}", lambda: self.resources.resource_groups.get(name))
        return _as_json(group)

    def group_exists(self, name: str) -> bool:
        """Whether the resource group exists (a reserved IP's, NSG's or route table's ARM side:
        the only sign of its prepare, as those kinds report no `MigrationState`)."""
        try:
            self.resource_group(name)
        except PermanentError as error:
            if error.reason == Reason.NOT_FOUND:
                return False
            raise
        return True

    def list_group(self, name: str) -> list[dict[str, Any]]:
        """The generic listing of a resource group (every page)."""
        return self.call(
            f"list resource group {name}",
            lambda: [_as_json(r) for r in self.resources.resources.list_by_resource_group(name)],
        )

    def get_resource(self, resource_id: str, arm_type: str) -> dict[str, Any]:
        """One resource, re-read with its type's pinned api-version (network types via the network SDK)."""
        key = arm_type.lower()
        group = _segment(resource_id, "resourceGroups")
        name = resource_id.rstrip("/").rsplit("/", 1)[-1]
        getter = _NETWORK_GETTERS.get(key)
        if getter is not None and group:
            operations = getattr(self.network, getter)
            return _as_json(
                self.call(
                    f"get {arm_type} {name}", lambda: operations.get(group, name, api_version=NETWORK_API)
                )
            )
        version = API_VERSIONS.get(key, RESOURCES_API)
        return _as_json(
            self.call(
                f"get {arm_type} {name}",
                lambda: self.resources.resources.get_by_id(resource_id, api_version=version),
            )
        )

    def list_type(self, group: str, arm_type: str) -> list[dict[str, Any]] | None:
        """Every resource of `arm_type` in `group`, full bodies from one typed list call (every
        page), with the api-version its GET is pinned to; None when the type has no typed list
        here. Microsoft's list operations answer the same models as their GETs."""
        key = arm_type.lower()
        network = _NETWORK_GETTERS.get(key)
        if network is not None:
            operations, version = getattr(self.network, network), NETWORK_API
        elif key in _COMPUTE_LISTERS:
            operations, version = getattr(self.compute, _COMPUTE_LISTERS[key]), API_VERSIONS[key]
        else:
            return None
        return self.call(
            f"list {arm_type} in {group}",
            lambda: [_as_json(r) for r in operations.list(group, api_version=version)],
        )

    def read_group(self, name: str) -> list[dict[str, Any]]:
        """The group and every resource in it, each read in full (REST JSON).

        The generic listing says what the group holds; each type with two or more resources there
        is read with one typed list call (a VNet unit's 35 VMs: one call, not 35), any other
        resource with its GET. A resource the typed list misses (it changed between the two
        reads) is read with its GET too, so the listing alone decides what the group holds."""
        result = [self.resource_group(name)]
        listed: dict[str, dict[str, Any]] = {}
        for item in self.list_group(name):
            resource_id = item.get("id", "")
            if resource_id:
                listed.setdefault(resource_id.lower(), item)
        counts = Counter(item.get("type", "").lower() for item in listed.values())
        full: dict[str, dict[str, Any]] = {}
        for arm_type, count in sorted(counts.items()):
            if count >= 2:
                for body in self.list_type(name, arm_type) or []:
                    full[body.get("id", "").lower()] = body
        seen = set(listed)
        for key, item in listed.items():
            body = full.get(key) or self.get_resource(item["id"], item.get("type", ""))
            result.append(body)
            for extension in _embedded_extensions(body):
                if extension.get("id", "").lower() not in seen:
                    seen.add(extension.get("id", "").lower())
                    result.append(extension)
        return result

    def migrated_resources(self, unit_name: str) -> list[ArmResource]:
        """What the platform made of a unit: `<unit>-Migrated` normalised for the comparison."""
        group = f"{unit_name}-Migrated"
        return [from_arm(r, group) for r in self.read_group(group)]


def _segment(resource_id: str, key: str) -> str | None:
    parts = resource_id.strip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == key.lower():
            return parts[i + 1]
    return None


def _embedded_extensions(vm: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """VM extensions a VM GET carries in `resources` (the generic list may omit child resources)."""
    if (vm.get("type") or "").lower() != "microsoft.compute/virtualmachines":
        return []
    return [r for r in vm.get("resources") or [] if isinstance(r, dict) and r.get("id")]
