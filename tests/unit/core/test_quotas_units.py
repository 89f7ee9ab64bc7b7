"""Units (`KIND/NAME`) and what a unit needs of the ARM quotas."""

from __future__ import annotations

from typing import Any

import pytest

from migration.quotas import QuotaNeeds, cores_of, needs_by_unit, needs_of
from migration.units import UnitRef, parse_unit, resolve_unit, units_of
from tests.unit.core.conftest import load_raw
from tests.unit.core.estates import add_outside_service, clean, roles_of


def test_parse_unit_is_case_insensitive_on_the_kind_only() -> None:
    assert parse_unit("VirtualNetwork/Vnet-A") == UnitRef("virtualNetwork", "Vnet-A")
    assert str(parse_unit(" cloudservice/web ")) == "cloudService/web"
    assert UnitRef("storageAccount", "st").resource_group == "st-Migrated"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("web", "not a unit"),
        ("vm/web", "not a unit kind"),
        ("cloudService/", "not a unit"),
        ("cloudService/a/b", "not a unit"),
    ],
)
def test_parse_unit_errors(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_unit(text)


def test_units_of_lists_only_real_units_in_order() -> None:
    raw: dict[str, Any] = clean()
    add_outside_service(raw, "edge-cs", reservedIp="rip-edge")
    raw["reservedIps"] = [
        {"name": "rip-edge"},
        {"name": "rip-free"},
        {"name": "rip-tied", "cloudService": "app-cs"},
    ]
    raw["networkSecurityGroups"] = [{"name": "nsg-free"}, {"name": "nsg-vm"}, {"name": "nsg-subnet"}]
    raw["routeTables"] = [{"name": "rt-subnet"}, {"name": "rt-free"}]
    raw["virtualNetworks"][0]["subnets"][1].update(networkSecurityGroup="nsg-subnet", routeTable="rt-subnet")
    roles_of(raw)[0]["networkSecurityGroup"] = "nsg-vm"
    estate = load_raw(raw)
    assert [str(u) for u in units_of(estate)] == [
        "virtualNetwork/vnet-app",
        "cloudService/edge-cs",
        "storageAccount/stapp",
        "reservedIp/rip-free",
        "networkSecurityGroup/nsg-free",
        "routeTable/rt-free",
    ]
    with pytest.raises(ValueError, match="migrates with virtualNetwork/vnet-app"):
        resolve_unit(estate, UnitRef("cloudService", "app-cs"))
    with pytest.raises(ValueError, match="is associated"):
        resolve_unit(estate, UnitRef("networkSecurityGroup", "nsg-vm"))
    with pytest.raises(ValueError, match="not in the estate"):
        resolve_unit(estate, UnitRef("routeTable", "nope"))


def test_needs_follow_the_formula() -> None:
    raw: dict[str, Any] = clean()
    raw["networkSecurityGroups"] = [{"name": "nsg-a"}, {"name": "nsg-b"}]
    raw["routeTables"] = [{"name": "rt-a"}]
    raw["virtualNetworks"][0]["subnets"][0].update(networkSecurityGroup="nsg-a", routeTable="rt-a")
    raw["virtualNetworks"][0]["subnets"].append({"name": "GatewaySubnet", "prefix": "10.1.255.0/27"})
    raw["virtualNetworks"][0]["gateways"] = [{"kind": "Vpn"}]
    roles = roles_of(raw)
    roles[0].update(publicIp={"name": "pip1"}, networkSecurityGroup="nsg-a", size="Large")
    roles[1].update(
        networkSecurityGroup="nsg-b", secondaryNics=[{"name": "n2", "subnet": "data"}], size="Mystery"
    )
    roles[0]["secondaryNics"] = [{"name": "n1", "subnet": "data"}]
    dep = raw["cloudServices"][0]["deployment"]
    dep["internalLoadBalancers"] = [{"name": "ilb", "subnet": "data"}]
    edge = add_outside_service(raw, "edge-cs", reservedIp="rip-edge")
    raw["reservedIps"] = [{"name": "rip-edge", "address": "40.0.0.1"}]
    estate = load_raw(raw)
    vnet = needs_of(estate, UnitRef("virtualNetwork", "vnet-app"))
    # VIP (input endpoints) + instance pip1 + gateway; static: pip1; LBs: public + ILB
    assert vnet == QuotaNeeds(
        public_ip_addresses=3,
        static_public_ip_addresses=1,
        load_balancers=2,
        network_security_groups=2,
        route_tables=1,
        network_interfaces=4,
        cores=4,
    )
    assert edge["deployment"]["reservedIp"] == "rip-edge"
    # the reserved IP is the VIP: counted once, static
    assert needs_by_unit(estate)["cloudService/edge-cs"] == QuotaNeeds(1, 1, 1, 0, 0, 1, 2)
    raw["armQuotas"] = {"publicIPAddresses": 2, "cores": 4}
    exceeding = needs_of(load_raw(raw), UnitRef("virtualNetwork", "vnet-app")).exceeding(load_raw(raw))
    assert exceeding == [("publicIPAddresses", 2, 3)]


def test_cores_table() -> None:
    assert cores_of("small") == 1 and cores_of("ExtraLarge") == 8 and cores_of("Standard_DS14_v2") == 16
    assert cores_of("Standard_G5") == 32 and cores_of("A9") == 16 and cores_of("Standard_Q1") is None
