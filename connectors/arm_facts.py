"""Subscription facts a snapshot needs from ARM (not from ASM): whether the migration resource
provider is registered, and the remaining network quotas of the target region.

Both are checked by the platform only at prepare (or not at all), so the prechecks read them up
front: an unregistered provider fails every unit, and a quota shortfall fails prepare after the
unit's VMs have already been stopped.
"""

from __future__ import annotations

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


def with_arm_facts(estate: Estate, arm: ArmReader) -> Estate:
    """The estate with `migrationProviderRegistered` and the network `armQuotas` read from ARM.

    Cores are a compute quota (azure-mgmt-compute is not a dependency): they keep their value.
    """
    quotas = estate.arm_quotas.model_copy(update=network_quotas(arm, estate.location))
    return estate.model_copy(
        update={"migration_provider_registered": provider_registered(arm), "arm_quotas": quotas}
    )
