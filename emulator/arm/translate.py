"""The classic → ARM translation the platform applies at prepare (docs/estate-format.md).

This is the emulator's own reading of the contract; the app predicts the same result with its
own code, and contract tests compare the two.
"""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

from emulator.arm import builders as bld
from emulator.arm.builders import NET, Builder
from emulator.arm.deployment import deployment_resources
from emulator.arm.location import arm_location
from emulator.classic import reserved_ip_address, services_in_vnet
from emulator.estate.model import QUOTA_KEYS
from emulator.records import ResourceGroup
from emulator.state import Platform


# -- units -----------------------------------------------------------------------------------
def translate_unit(
    platform: Platform, unit: str, destination: dict[str, str] | None = None
) -> tuple[ResourceGroup, list[dict[str, Any]]]:
    """(resource group, resources) that preparing `unit` creates."""
    kind, name = unit.split("/", 1)
    group = f"{name}-Migrated"
    if kind == "virtualNetwork":
        vnet = platform.item("virtualNetworks", name)
        b = Builder(platform, group, arm_location(platform.location_of(vnet)))
        vid = bld.vnet(b, vnet)
        bld.gateways(b, vnet, vid)
        subnet_ids = {s["name"]: f"{vid}/subnets/{s['name']}" for s in vnet["subnets"]}
        for cs in services_in_vnet(platform, name):
            if cs["deployment"]["kind"] == "IaaS":
                deployment_resources(b, cs, subnet_ids, None)
    elif kind == "cloudService":
        cs = platform.item("cloudServices", name)
        b = Builder(platform, group, arm_location(platform.location_of(cs)))
        dest = destination or {"mode": "New"}
        if dest.get("mode") == "Existing":
            vid = b.rid(f"{NET}/virtualNetworks", dest["virtualNetwork"], dest["resourceGroup"])
            subnet_id = f"{vid}/subnets/{dest['subnet']}"
            prefix = dest.get("prefix") or "10.0.0.0/24"
        else:
            vid = b.rid(f"{NET}/virtualNetworks", f"{name}-VirtualNetwork")
            subnet_id = f"{vid}/subnets/default"
            prefix = "10.0.0.0/16"
            b.add(
                f"{NET}/virtualNetworks",
                f"{name}-VirtualNetwork",
                {
                    "addressSpace": {"addressPrefixes": [prefix]},
                    "dhcpOptions": {"dnsServers": []},
                    "subnets": [b.child(vid, "subnets", "default", {"addressPrefix": prefix})],
                },
            )
        hosts = itertools.islice(ipaddress.ip_network(prefix, strict=False).hosts(), 3, None)
        new_ips: dict[str, str] = {}
        roles = cs["deployment"]["roles"]
        for role in roles:
            new_ips[role["name"]] = str(next(hosts))
        for role in roles:
            for nic in role["secondaryNics"]:
                new_ips[f"{role['name']}/{nic['name']}"] = str(next(hosts))
        deployment_resources(b, cs, {"*": subnet_id}, new_ips)
    elif kind == "storageAccount":
        acct = platform.item("storageAccounts", name)
        b = Builder(platform, group, arm_location(platform.location_of(acct)))
        b.add(
            "Microsoft.Storage/storageAccounts",
            name,
            {"primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/"}},
            sku={"name": acct["sku"]},
            kind="Storage",
        )
    elif kind == "reservedIp":
        rip = platform.item("reservedIps", name)
        b = Builder(platform, group, arm_location(platform.location_of(rip)))
        bld.public_ip(b, name, True, reserved_ip_address(rip))
    elif kind == "networkSecurityGroup":
        nsg = platform.item("networkSecurityGroups", name)
        b = Builder(platform, group, arm_location(platform.location_of(nsg)))
        bld.nsg(b, nsg)
    else:
        rt = platform.item("routeTables", name)
        b = Builder(platform, group, arm_location(platform.location_of(rt)))
        bld.route_table(b, rt)
    return ResourceGroup.create(platform.subscription, group, b.location), b.resources


def quota_usage(resources: list[dict[str, Any]]) -> dict[str, int]:
    """What a prepare would consume of each `armQuotas` key."""
    use = dict.fromkeys(QUOTA_KEYS, 0)
    for r in resources:
        t = r["type"]
        if t == f"{NET}/publicIPAddresses":
            use["publicIPAddresses"] += 1
            if r["properties"]["publicIPAllocationMethod"] == "Static":
                use["staticPublicIPAddresses"] += 1
        elif t == f"{NET}/loadBalancers":
            use["loadBalancers"] += 1
        elif t == f"{NET}/networkSecurityGroups":
            use["networkSecurityGroups"] += 1
        elif t == f"{NET}/routeTables":
            use["routeTables"] += 1
        elif t == f"{NET}/networkInterfaces":
            use["networkInterfaces"] += 1
        elif t == "Microsoft.Compute/virtualMachines":
            use["cores"] += size_cores(r["properties"]["hardwareProfile"]["vmSize"])
    return use


def size_cores(size: str) -> int:
    """Cores of a classic size (rough: the digits in the name, at least 1)."""
    named = {"ExtraSmall": 1, "Small": 1, "Medium": 2, "Large": 4, "ExtraLarge": 8, "A5": 2, "A6": 4, "A7": 8}
    if size in named:
        return named[size]
    digits = "".join(ch for ch in size.split("_")[-1] if ch.isdigit())
    return max(1, int(digits)) if digits else 1
