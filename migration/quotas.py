"""What a unit needs of the ARM quotas, and the cores of classic role sizes.

`armQuotas` in the estate is the *remaining* capacity in the target region, so a unit fits when
each need is at most what remains. Needs (the platform's prepare check), matching what the
translation creates: public IPs = VIPs of deployments with input endpoints + reserved IPs +
instance-level public IPs + gateway IPs, where a deployment whose VIP *is* a reserved IP counts
it once; static public IPs = reserved + instance-level; load balancers = deployments with input
endpoints + internal load balancers; NICs = roles + secondary NICs; NSGs and route tables = the
distinct ones the unit clones or moves; cores from `CORES` (an unknown size counts 0 and is
reported by a warning rule).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from migration.estate import CloudService, Estate
from migration.units import UnitRef, units_of

_CLASSIC = {"ExtraSmall": 1, "Small": 1, "Medium": 2, "Large": 4, "ExtraLarge": 8}
_A = {"A5": 2, "A6": 4, "A7": 8, "A8": 8, "A9": 16, "A10": 8, "A11": 16}
_STANDARD = {
    **{f"Basic_A{n}": c for n, c in enumerate((1, 1, 2, 4, 8))},
    **{f"Standard_A{n}": c for n, c in enumerate((1, 1, 2, 4, 8, 2, 4, 8, 8, 16, 8, 16))},
    "Standard_A1_v2": 1,
    "Standard_A2_v2": 2,
    "Standard_A4_v2": 4,
    "Standard_A8_v2": 8,
    "Standard_A2m_v2": 2,
    "Standard_A4m_v2": 4,
    "Standard_A8m_v2": 8,
    **{
        f"Standard_{p}{n}": c
        for p in ("D", "DS")
        for n, c in {"1": 1, "2": 2, "3": 4, "4": 8, "11": 2, "12": 4, "13": 8, "14": 16}.items()
    },
    **{
        f"Standard_{p}{n}_v2": c
        for p in ("D", "DS")
        for n, c in {
            "1": 1,
            "2": 2,
            "3": 4,
            "4": 8,
            "5": 16,
            "11": 2,
            "12": 4,
            "13": 8,
            "14": 16,
            "15": 20,
        }.items()
    },
    **{
        f"Standard_{p}{n}": c
        for p in ("G", "GS")
        for n, c in {"1": 2, "2": 4, "3": 8, "4": 16, "5": 32}.items()
    },
    **{
        f"Standard_{p}{n}": c
        for p in ("F", "FS")
        for n, c in {"1": 1, "2": 2, "4": 4, "8": 8, "16": 16}.items()
    },
}
#: Cores of the classic role sizes c2arm knows (lookup is case-insensitive).
CORES: dict[str, int] = {**_CLASSIC, **_A, **_STANDARD}
_CORES_CI = {k.casefold(): v for k, v in CORES.items()}


def cores_of(size: str) -> int | None:
    """Cores of a classic role size, or None when the size is unknown."""
    return _CORES_CI.get(size.casefold())


@dataclass(frozen=True, slots=True)
class QuotaNeeds:
    """A unit's needs, field names as `ArmQuotas` (same order)."""

    public_ip_addresses: int = 0
    static_public_ip_addresses: int = 0
    load_balancers: int = 0
    network_security_groups: int = 0
    route_tables: int = 0
    network_interfaces: int = 0
    cores: int = 0

    def exceeding(self, estate: Estate) -> list[tuple[str, int, int]]:
        """`(quota key as in the file, remaining, needed)` for each need above what remains."""
        out = []
        quotas = estate.arm_quotas
        for f in fields(self):
            need, left = getattr(self, f.name), getattr(quotas, f.name)
            if need > left:
                alias = type(quotas).model_fields[f.name].alias or f.name
                out.append((alias, left, need))
        return out


def _service_needs(service: CloudService, reserved: set[str], counts: dict[str, int], nsgs: set[str]) -> None:
    deployment = service.deployment
    if deployment is None or deployment.kind != "IaaS":
        return
    if deployment.reserved_ip:
        reserved = reserved | {deployment.reserved_ip}
    instance = sum(1 for r in deployment.roles if r.public_ip)
    new_vip = deployment.has_input_endpoints and not deployment.reserved_ip
    counts["public_ip_addresses"] += int(new_vip) + len(reserved) + instance
    counts["static_public_ip_addresses"] += len(reserved) + instance
    counts["load_balancers"] += int(deployment.has_input_endpoints) + len(deployment.internal_load_balancers)
    counts["network_interfaces"] += sum(1 + len(r.secondary_nics) for r in deployment.roles)
    counts["cores"] += sum(cores_of(r.size) or 0 for r in deployment.roles)
    nsgs.update(r.network_security_group for r in deployment.roles if r.network_security_group)


def needs_by_unit(estate: Estate, units: list[UnitRef] | None = None) -> dict[str, QuotaNeeds]:
    """Needs of every unit of the estate (or of `units`, which must be units of it), keyed
    `KIND/NAME` (linear in the estate's size)."""
    reserved: dict[str, set[str]] = {}
    for rip in estate.reserved_ips:
        if rip.cloud_service:
            reserved.setdefault(rip.cloud_service, set()).add(rip.name)
    by_vnet: dict[str, list[CloudService]] = {}
    for service in estate.cloud_services:
        if service.virtual_network:
            by_vnet.setdefault(service.virtual_network, []).append(service)
    vnets = {v.name: v for v in estate.virtual_networks}
    services = {c.name: c for c in estate.cloud_services}
    out: dict[str, QuotaNeeds] = {}
    for unit in units_of(estate) if units is None else units:
        counts = {f.name: 0 for f in fields(QuotaNeeds)}
        nsgs: set[str] = set()
        tables: set[str] = set()
        if unit.kind == "virtualNetwork" and (vnet := vnets.get(unit.name)):
            counts["public_ip_addresses"] += len(vnet.gateways)
            nsgs.update(s.network_security_group for s in vnet.subnets if s.network_security_group)
            tables.update(s.route_table for s in vnet.subnets if s.route_table)
            for service in by_vnet.get(vnet.name, []):
                _service_needs(service, reserved.get(service.name, set()), counts, nsgs)
        elif unit.kind == "cloudService" and (cloud := services.get(unit.name)):
            _service_needs(cloud, reserved.get(cloud.name, set()), counts, nsgs)
        elif unit.kind == "reservedIp":
            counts["public_ip_addresses"] = counts["static_public_ip_addresses"] = 1
        elif unit.kind == "networkSecurityGroup":
            nsgs.add(unit.name)
        elif unit.kind == "routeTable":
            tables.add(unit.name)
        counts["network_security_groups"] = len(nsgs)
        counts["route_tables"] = len(tables)
        out[str(unit)] = QuotaNeeds(**counts)
    return out


def needs_of(estate: Estate, unit: UnitRef) -> QuotaNeeds:
    """What migrating `unit` consumes of the ARM quotas (KeyError if it is not a unit)."""
    return needs_by_unit(estate)[str(unit)]
