"""Subscription facts a snapshot needs from ARM (not from ASM): whether the migration resource
provider is registered, the remaining network quotas of the target region, and which classic
ExpressRoute circuits were moved to ARM.

A moved circuit (Move-AzExpressRouteCircuit) is still listed by the classic API, which has no
"moved" flag; it shows on the ARM side as `Microsoft.Network/expressRouteCircuits` whose
`properties.serviceKey` is the classic service key. So "moved" is decided here, by service key
(by name only for a circuit whose key the snapshot did not see).

Both are checked by the platform only at prepare (or not at all), so the prechecks read them up
front: an unregistered provider fails every unit, and a quota shortfall fails prepare after the
unit's VMs have already been stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.arm import NETWORK_API, ArmReader
from migration.estate import Estate, arm_location

MIGRATION_PROVIDER = "Microsoft.ClassicInfrastructureMigrate"
# ARM usage name -> the estate's `armQuotas` field
QUOTA_FIELDS = {
    "publicipaddresses": "public_ip_addresses",
    "staticpublicipaddresses": "static_public_ip_addresses",
    "loadbalancers": "load_balancers",
    "networksecuritygroups": "network_security_groups",
    "routetables": "route_tables",
    "networkinterfaces": "network_interfaces",
}


def provider_registered(arm: ArmReader, namespace: str = MIGRATION_PROVIDER) -> bool:
    """Whether `namespace` is `Registered` on the subscription."""
    provider = arm.call(f"get provider {namespace}", lambda: arm.resources.providers.get(namespace))
    state = provider.get("registrationState") if hasattr(provider, "get") else None
    return str(state or "").lower() == "registered"


def network_quotas(arm: ArmReader, location: str) -> dict[str, int]:
    """Remaining capacity (limit − current usage) per network quota of the estate, in `location`."""

    def read() -> list[dict[str, Any]]:
        return [u.as_dict() for u in arm.network.usages.list(arm_location(location), api_version=NETWORK_API)]

    remaining: dict[str, int] = {}
    for usage in arm.call(f"list network usages in {location}", read):
        name = str((usage.get("name") or {}).get("value") or "").lower()
        field = QUOTA_FIELDS.get(name)
        if field is not None and usage.get("limit") is not None:
            remaining[field] = max(0, int(usage["limit"]) - int(usage.get("currentValue") or 0))
    return remaining


def arm_circuits(arm: ArmReader) -> list[tuple[str, str | None]]:
    """`(name, serviceKey)` of every `Microsoft.Network/expressRouteCircuits` of the subscription
    (paging followed by the SDK)."""

    def read() -> list[dict[str, Any]]:
        return [c.as_dict() for c in arm.network.express_route_circuits.list_all(api_version=NETWORK_API)]

    return [
        (str(c.get("name") or ""), c.get("service_key") or (c.get("properties") or {}).get("serviceKey"))
        for c in arm.call("list express route circuits", read)
    ]


def with_moved_circuits(
    estate: Estate, arm: ArmReader, service_keys: Mapping[str, str] | None = None
) -> Estate:
    """The estate with each classic circuit's `moved_to_arm` read from ARM.

    `service_keys` is `{classic circuit name: service key}` (`ClassicSnapshot.circuit_keys` from
    `read_snapshot`). A circuit is moved when an ARM circuit carries its service key; a circuit
    whose key is unknown falls back to an ARM circuit of the same name (a guess: if it is wrong,
    the platform's prepare refuses the VNet).
    """
    if not estate.express_route_circuits:
        return estate
    keys = dict(service_keys or {})
    in_arm = arm_circuits(arm)
    arm_keys = {k.lower() for _, k in in_arm if k}
    arm_names = {n.lower() for n, _ in in_arm}
    circuits = [
        c.model_copy(
            update={
                "moved_to_arm": keys[c.name].lower() in arm_keys
                if c.name in keys
                else c.name.lower() in arm_names
            }
        )
        for c in estate.express_route_circuits
    ]
    return estate.model_copy(update={"express_route_circuits": circuits})


def with_arm_facts(estate: Estate, arm: ArmReader, service_keys: Mapping[str, str] | None = None) -> Estate:
    """The estate with `migrationProviderRegistered`, the network `armQuotas` and the circuits'
    `movedToArm` read from ARM (`with_moved_circuits`).

    Cores are a compute quota (azure-mgmt-compute is not a dependency): they keep their value.
    """
    quotas = estate.arm_quotas.model_copy(update=network_quotas(arm, estate.location))
    estate = with_moved_circuits(estate, arm, service_keys)
    return estate.model_copy(
        update={"migration_provider_registered": provider_registered(arm), "arm_quotas": quotas}
    )
