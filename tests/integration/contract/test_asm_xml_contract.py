"""Contract: the emulator's XML, parsed by the connectors, is the core's model of the same estate
file — on every field the classic API's XML carries.

The emulator and the core each read the estate file with their own code; the connectors read
only what the emulator serves over HTTPS. Gateways are compared whole (kind, SKU, VIP, circuit,
each connection's type and connectivity) and so are the ExpressRoute circuits (moved to ARM or
not): the prechecks decide on them. Fields the platform's XML does not carry (alerts, autoscale,
RBAC, blob sizes, quotas) are left out of the comparison, and listed here so the gap stays
visible.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.stack.emulator import Emulator, start_emulator
from connectors.asm import AsmClient
from connectors.asm.snapshot import read_estate
from connectors.cloud import AzureSettings
from connectors.connection import Connection
from connectors.ratelimit import RateLimiter
from migration.estate import Estate, load_estate_file

ESTATES = sorted((Path(__file__).resolve().parents[3] / "examples" / "estates").glob("*.yaml"))

NOT_IN_XML = {
    "cloudService": {"alerts", "autoscale"},
    "disk": {"blob_size_bytes"},
    "vnet": {"peerings", "services"},
}


def _gateways(vnet: Any) -> list[dict[str, Any]]:
    return [g.model_dump() for g in vnet.gateways]


def _disk(disk: Any) -> dict[str, Any]:
    return disk.model_dump(exclude=NOT_IN_XML["disk"])


def _role(role: Any, paas: bool) -> dict[str, Any]:
    if paas:
        return {"name": role.name, "size": role.size}
    data = role.model_dump(exclude={"os_disk", "data_disks"})
    data["os_disk"] = _disk(role.os_disk) if role.os_disk else None
    data["data_disks"] = [_disk(d) for d in role.data_disks]
    return data


def projection(estate: Estate) -> dict[str, Any]:
    """The estate reduced to what the ASM XML carries, with inherited locations resolved."""
    loc = estate.location_of
    services = {}
    for cs in estate.cloud_services:
        dep = cs.deployment
        services[cs.name] = {
            "location": loc(cs),
            "certificates": [c.model_dump() for c in cs.certificates],
            "deployment": None
            if dep is None
            else {
                **dep.model_dump(exclude={"roles"}),
                "roles": [_role(r, dep.kind == "PaaS") for r in dep.roles],
            },
        }
    vnets = {
        v.name: {
            "location": loc(v),
            "address_space": v.address_space,
            "subnets": [s.model_dump() for s in v.subnets],
            "dns_servers": [d.model_dump() for d in v.dns_servers],
            "gateways": _gateways(v),
        }
        for v in estate.virtual_networks
    }
    return {
        "subscription": estate.subscription_id,
        "cloudServices": services,
        "virtualNetworks": vnets,
        "localNetworkSites": {s.name: s.model_dump() for s in estate.local_network_sites},
        "networkSecurityGroups": {
            n.name: {"location": loc(n), "rules": [r.model_dump() for r in n.rules]}
            for n in estate.network_security_groups
        },
        "routeTables": {
            r.name: {"location": loc(r), "routes": [x.model_dump() for x in r.routes]}
            for r in estate.route_tables
        },
        "reservedIps": {
            r.name: {"address": r.address, "location": loc(r), "cloud_service": r.cloud_service}
            for r in estate.reserved_ips
        },
        "storageAccounts": {s.name: {"location": loc(s), "sku": s.sku} for s in estate.storage_accounts},
        "disks": {d.name: _disk(d) for d in estate.disks},
        "images": {i.name: i.model_dump() for i in estate.images},
        "expressRouteCircuits": {c.name: c.model_dump() for c in estate.express_route_circuits},
    }


@pytest.fixture(scope="module", params=ESTATES, ids=[p.stem for p in ESTATES])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Emulator]]:
    state = tmp_path_factory.mktemp(f"emulator-{request.param.stem}")
    emulator = start_emulator(request.param, state, state / "emulator.log")
    yield request.param, emulator
    emulator.stop()


def _diff(left: Any, right: Any, path: str = "") -> list[str]:
    if isinstance(left, dict) and isinstance(right, dict):
        problems = []
        for key in sorted(set(left) | set(right), key=str):
            problems += _diff(left.get(key, "<absent>"), right.get(key, "<absent>"), f"{path}.{key}")
        return problems
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            p for i, (a, b) in enumerate(zip(left, right, strict=True)) for p in _diff(a, b, f"{path}[{i}]")
        ]
    return [] if left == right else [f"{path}: parsed {left!r} != estate {right!r}"]


def test_emulator_xml_parses_to_the_core_model(served: tuple[Path, Emulator]) -> None:
    path, emulator = served
    settings = AzureSettings.from_env(
        {
            "ASM_ENDPOINT": emulator.url,
            "AZURE_CA_BUNDLE": str(emulator.ca_file),
            "ASM_AUTH": "token",
            "AZURE_ACCESS_TOKEN": "contract-test",
        }
    )
    with AsmClient.connect(
        Connection(settings, emulator.subscription_id, limiter=RateLimiter(1000, 1000))
    ) as asm:
        parsed = read_estate(asm, load_estate_file(path).location)
    assert _diff(projection(parsed), projection(load_estate_file(path))) == []
