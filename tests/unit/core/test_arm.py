"""Expected ARM (translation contract) and comparison with ARM REST JSON."""

from __future__ import annotations

from typing import Any

import pytest

from migration.arm import (
    LOAD_BALANCER,
    NIC,
    PUBLIC_IP,
    VIRTUAL_MACHINE,
    VIRTUAL_NETWORK,
    ArmResource,
    check_unit,
    compare,
    expected_resources,
    from_arm,
)
from migration.estate import Estate
from migration.units import UnitRef, parse_unit
from tests.unit.core.conftest import load_raw

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"


def by_address(resources: list[ArmResource]) -> dict[str, ArmResource]:
    return {r.address: r for r in resources}


def test_vnet_unit_follows_the_translation_table(sample: Estate) -> None:
    got = by_address(expected_resources(sample, parse_unit("virtualNetwork/vnet-prod")))
    assert set(got) == {
        "Microsoft.Resources/resourceGroups/vnet-prod-Migrated",
        "Microsoft.Network/virtualNetworks/vnet-prod",
        "Microsoft.Network/networkSecurityGroups/nsg-web",
        "Microsoft.Network/routeTables/rt-web",
        "Microsoft.Network/virtualNetworkGateways/vnet-prod-Gateway",
        "Microsoft.Network/localNetworkGateways/onprem",
        "Microsoft.Network/connections/vnet-prod-onprem-Connection",
        "Microsoft.Compute/virtualMachines/web1",
        "Microsoft.Compute/availabilitySets/as-web",
        "Microsoft.KeyVault/vaults/web-cs-KeyVault",
        "Microsoft.Network/networkInterfaces/web1-PrimaryNic",
        "Microsoft.Network/loadBalancers/web-cs-LB",
        "Microsoft.Network/publicIPAddresses/rip-web",
    }  # BGInfo is an XML extension: not migrated; the reserved IP is the VIP (no web-cs-PublicIP)
    assert {r.resource_group for r in got.values()} == {"vnet-prod-Migrated"}
    assert {r.location for r in got.values()} == {"westeurope"}
    lb = got["Microsoft.Network/loadBalancers/web-cs-LB"]
    assert lb.children("loadBalancingRules") == {
        "web-lb": {"protocol": "Tcp", "frontendPort": 80, "backendPort": 80, "probe": "web-lb-Probe"}
    }
    assert set(lb.children("inboundNatRules")) == {"web1-rdp"}
    nic = got["Microsoft.Network/networkInterfaces/web1-PrimaryNic"]
    assert nic.properties["privateIPAddress"] == "10.0.1.4" and nic.properties["subnet"] == "vnet-prod/web"
    rip = got["Microsoft.Network/publicIPAddresses/rip-web"]
    assert rip.properties == {
        "publicIPAllocationMethod": "Static",
        "ipAddress": "40.1.2.3",
        "domainNameLabel": "web-cs",
    }
    assert lb.properties["frontendPublicIPAddresses"] == ["rip-web"]


def test_a_service_in_a_vnet_is_not_a_unit_of_its_own(sample: Estate) -> None:
    with pytest.raises(ValueError, match="migrates with virtualNetwork/vnet-prod"):
        expected_resources(sample, UnitRef("cloudService", "web-cs"))


def arm_json(r: ArmResource) -> dict[str, Any]:
    """A minimal ARM REST rendering of an expected resource, as an emulator would answer."""
    rg = f"{SUB}/resourceGroups/{r.resource_group}"
    p = r.properties
    base: dict[str, Any] = {
        "id": f"{rg}/providers/{r.type}/{r.name}",
        "name": r.name,
        "type": r.type,
        "location": r.location,
    }
    if r.type == VIRTUAL_MACHINE:
        base["properties"] = {
            "hardwareProfile": {"vmSize": p["vmSize"]},
            "storageProfile": {
                "osDisk": {
                    "name": p["osDisk"]["name"],
                    "osType": p["osDisk"]["osType"],
                    "vhd": {"uri": p["osDisk"]["vhdUri"]},
                    "diskSizeGB": p["osDisk"]["diskSizeGB"],
                },
                "dataDisks": [
                    {
                        "lun": int(k),
                        "name": d["name"],
                        "vhd": {"uri": d["vhdUri"]},
                        "diskSizeGB": d["diskSizeGB"],
                    }
                    for k, d in p["dataDisks"].items()
                ],
            },
            "networkProfile": {
                "networkInterfaces": [
                    {
                        "id": f"{rg}/providers/{NIC}/{n}",
                        "properties": {"primary": n == p["primaryNetworkInterface"]},
                    }
                    for n in p["networkInterfaces"]
                ]
            },
            "availabilitySet": {
                "id": f"{rg}/providers/Microsoft.Compute/availabilitySets/{p['availabilitySet']}"
            },
        }
    elif r.type == NIC:
        base["properties"] = {
            "enableIPForwarding": p["enableIPForwarding"],
            "ipConfigurations": [
                {
                    "name": "ipconfig1",
                    "properties": {
                        "primary": True,
                        "privateIPAddress": "10.9.9.9",
                        "subnet": {"id": f"{rg}/providers/{VIRTUAL_NETWORK}/VNet/subnets/Subnet-1"},
                    },
                }
            ],
        }
    elif r.type == LOAD_BALANCER:
        base["properties"] = {
            "frontendIPConfigurations": [
                {"name": "fe", "properties": {"publicIPAddress": {"id": f"{rg}/providers/{PUBLIC_IP}/{n}"}}}
                for n in p["frontendPublicIPAddresses"]
            ],
            "inboundNatRules": [
                {
                    "name": k,
                    "properties": {
                        "protocol": v["protocol"],
                        "frontendPort": v["frontendPort"],
                        "backendPort": v["backendPort"],
                    },
                }
                for k, v in p["inboundNatRules"].items()
            ],
        }
    elif r.type == PUBLIC_IP:
        base["properties"] = {
            "publicIPAllocationMethod": p["publicIPAllocationMethod"],
            "ipAddress": "20.0.0.1",
            "dnsSettings": {"domainNameLabel": p.get("domainNameLabel")},
        }
    return base


def service_outside_vnet(sample_raw: dict[str, Any]) -> Estate:
    dep = sample_raw["cloudServices"][0]["deployment"]
    del dep["virtualNetwork"], dep["reservedIp"]
    del sample_raw["reservedIps"][0]["cloudService"]
    role = dep["roles"][0]
    del role["subnets"], role["staticIp"]
    role["endpoints"] = [role["endpoints"][1]]
    role["extensions"] = []
    sample_raw["cloudServices"][0]["certificates"] = []
    return load_raw(sample_raw)


def test_compare_round_trip_through_arm_json_with_documented_changes(sample_raw: dict[str, Any]) -> None:
    estate = service_outside_vnet(sample_raw)
    unit = UnitRef("cloudService", "web-cs")
    expected = expected_resources(estate, unit)
    actual = [arm_json(r) for r in expected] + [
        {
            "id": f"{SUB}/resourceGroups/web-cs-Migrated/providers/{VIRTUAL_NETWORK}/VNet",
            "name": "VNet",
            "type": VIRTUAL_NETWORK.lower(),
            "location": "westeurope",
            "properties": {},
        }
    ]
    findings = check_unit(estate, unit, actual)
    assert findings, "the new private IP and the platform's VNet must be reported"
    assert {f.severity for f in findings} == {"info"}, [f.to_dict() for f in findings]
    assert {(f.kind, f.path) for f in findings} == {
        ("changed", "subnet"),
        ("changed", "privateIPAddress"),
        ("extra", ""),
    }


def test_compare_reports_missing_extra_and_changed_with_both_sides(sample: Estate) -> None:
    expected = expected_resources(sample, parse_unit("virtualNetwork/vnet-prod"))
    actual = {r.address: r for r in expected}
    lb = actual.pop("Microsoft.Network/loadBalancers/web-cs-LB")
    rules = dict(lb.properties["loadBalancingRules"])
    rules["web-lb"] = {**rules["web-lb"], "frontendPort": 8080}
    rules["surprise"] = {"protocol": "Tcp"}
    actual[lb.address] = ArmResource(
        lb.type, lb.name, lb.location, lb.resource_group, {**lb.properties, "loadBalancingRules": rules}
    )
    del actual["Microsoft.KeyVault/vaults/web-cs-KeyVault"]
    actual["x"] = ArmResource(
        "Microsoft.Network/publicIPAddresses", "stray", "westeurope", "vnet-prod-Migrated", {}
    )
    findings = compare(expected, actual.values())
    got = {(f.kind, f.resource, f.path, repr(f.expected), repr(f.actual)) for f in findings}
    assert ("changed", lb.address, "loadBalancingRules.web-lb.frontendPort", "80", "8080") in got
    assert ("extra", lb.address, "loadBalancingRules.surprise", "None", "{'protocol': 'Tcp'}") in got
    assert any(f.kind == "missing" and f.resource.endswith("web-cs-KeyVault") for f in findings)
    assert any(f.kind == "extra" and f.resource.endswith("/stray") for f in findings)
    assert all(f.severity == "deviation" for f in findings)
    assert len(findings) == 4


def test_compare_is_case_insensitive_and_quiet_when_equal(sample: Estate) -> None:
    expected = expected_resources(sample, parse_unit("virtualNetwork/vnet-prod"))
    shouted = [
        ArmResource(
            r.type.upper(), r.name.upper(), r.location, r.resource_group.lower(), r.properties, r.parent
        )
        for r in expected
    ]
    assert compare(expected, shouted) == []


def test_from_arm_normalises_classic_spellings() -> None:
    r = from_arm(
        {
            "id": f"{SUB}/resourceGroups/rt-Migrated/providers/Microsoft.Network/routeTables/rt",
            "name": "rt",
            "type": "Microsoft.Network/routeTables",
            "location": "West Europe",
            "properties": {
                "routes": [
                    {"name": "a", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VPNGateway"}}
                ]
            },
        }
    )
    assert r.resource_group == "rt-Migrated" and r.location == "westeurope"
    assert r.children("routes") == {
        "a": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualNetworkGateway", "nextHopIpAddress": None}
    }
    ext = from_arm(
        {
            "id": "x",
            "name": "web1/BGInfo",
            "type": "Microsoft.Compute/virtualMachines/extensions",
            "properties": {"publisher": "P"},
        },
        "g",
    )
    assert (ext.parent, ext.name, ext.address) == (
        "web1",
        "BGInfo",
        "Microsoft.Compute/virtualMachines/web1/extensions/BGInfo",
    )
    assert ArmResource.from_dict(ext.to_dict()) == ext
