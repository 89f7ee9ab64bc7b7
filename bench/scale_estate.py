"""A generated estate for the scale benchmark and the scoped-snapshot tests.

`scale_estate(services)`: VNets of five cloud services (a third of the services stand alone),
each service with `roles_per_service` VMs whose disks live in one storage account per VNet (or
per stand-alone service), subnets with an NSG and a route table, reserved IPs (one per stand-alone
service, plus spare ones), spare NSGs and route tables — and `vnet-tiny`, one small VNet of two
cloud services with one VM each (the unit whose dry run `tests/e2e/test_scoped_reads.py` counts).
Every address is valid, so every unit is migratable.
"""

from __future__ import annotations

from typing import Any

from bench.estate_parts import HTTP_RULE, TCP_PROBE, web_vm

SUB = "00000000-0000-0000-0000-0000000000c1"
PER_VNET = 5


def _role(service: str, r: int, account: str, subnet: str | None, ip: str | None) -> dict[str, Any]:
    role = web_vm(
        f"{service}-vm{r}", account, f"{service}-as", load_balanced_set=f"{service}-web", probe=TCP_PROBE
    )
    if subnet:
        role["subnets"] = [subnet]
    if ip:
        role["staticIp"] = ip
    return role


def scale_estate(services: int = 320, roles_per_service: int = 7, spares: int = 40) -> dict[str, Any]:
    """An estate of `services` cloud services (+ vnet-tiny's two) and their neighbours."""
    standalone = services // 3
    in_vnets = services - standalone
    vnets = max(1, in_vnets // PER_VNET)
    estate: dict[str, Any] = {
        "version": 1,
        "subscriptionId": SUB,
        "location": "West Europe",
        "migrationProviderRegistered": True,
        "armQuotas": {
            "publicIPAddresses": 100_000,
            "staticPublicIPAddresses": 100_000,
            "loadBalancers": 100_000,
            "networkSecurityGroups": 100_000,
            "routeTables": 100_000,
            "networkInterfaces": 100_000,
            "cores": 1_000_000,
        },
        "virtualNetworks": [],
        "networkSecurityGroups": [],
        "routeTables": [],
        "reservedIps": [],
        "storageAccounts": [],
        "cloudServices": [],
    }
    route = {"name": "default", "prefix": "0.0.0.0/0", "nextHopType": "Internet"}
    for v in range(vnets):
        name, account = f"vnet-{v:03d}", f"stv{v:03d}"
        space = f"10.{v % 250}.0.0/16"
        estate["virtualNetworks"].append(
            {
                "name": name,
                "addressSpace": [space],
                "subnets": [
                    {
                        "name": f"s{i}",
                        "prefix": f"10.{v % 250}.{i}.0/24",
                        "networkSecurityGroup": f"nsg-{v:03d}",
                        "routeTable": f"rt-{v:03d}",
                    }
                    for i in range(PER_VNET)
                ],
            }
        )
        estate["networkSecurityGroups"].append({"name": f"nsg-{v:03d}", "rules": [HTTP_RULE]})
        estate["routeTables"].append({"name": f"rt-{v:03d}", "routes": [route]})
        estate["storageAccounts"].append({"name": account, "sku": "Standard_LRS"})
        for i in range(PER_VNET):
            service = f"cs-{v:03d}-{i}"
            roles = [
                _role(service, r, account, f"s{i}", f"10.{v % 250}.{i}.{10 + r}")
                for r in range(roles_per_service)
            ]
            estate["cloudServices"].append(
                {
                    "name": service,
                    "deployment": {"name": f"{service}-dep", "virtualNetwork": name, "roles": roles},
                }
            )
    for s in range(standalone):
        service, account, rip = f"cs-solo-{s:03d}", f"sts{s:03d}", f"rip-{s:03d}"
        estate["storageAccounts"].append({"name": account, "sku": "Standard_LRS"})
        estate["reservedIps"].append(
            {"name": rip, "address": f"40.{s // 250}.{s % 250}.1", "cloudService": service}
        )
        roles = [_role(service, r, account, None, None) for r in range(roles_per_service)]
        estate["cloudServices"].append(
            {"name": service, "deployment": {"name": f"{service}-dep", "reservedIp": rip, "roles": roles}}
        )
    for s in range(spares):
        estate["reservedIps"].append({"name": f"rip-spare-{s:03d}", "address": f"41.0.{s % 250}.1"})
        estate["networkSecurityGroups"].append({"name": f"nsg-spare-{s:03d}", "rules": [HTTP_RULE]})
        estate["routeTables"].append({"name": f"rt-spare-{s:03d}", "routes": [route]})
    estate["virtualNetworks"].append(
        {
            "name": "vnet-tiny",
            "addressSpace": ["172.16.0.0/16"],
            "subnets": [{"name": "app", "prefix": "172.16.1.0/24"}],
        }
    )
    estate["storageAccounts"].append({"name": "sttiny", "sku": "Standard_LRS"})
    for i in range(2):
        service = f"tiny-cs{i}"
        role = _role(service, 0, "sttiny", "app", f"172.16.1.{10 + i}")
        estate["cloudServices"].append(
            {
                "name": service,
                "deployment": {"name": f"{service}-dep", "virtualNetwork": "vnet-tiny", "roles": [role]},
            }
        )
    return estate


def resource_count(estate: dict[str, Any]) -> int:
    """Classic resources of the estate (VNets, services, NSGs, route tables, reserved IPs,
    storage accounts, circuits): what 'total reads ≤ 3× the estate's resources' counts."""
    keys = (
        "virtualNetworks",
        "cloudServices",
        "networkSecurityGroups",
        "routeTables",
        "reservedIps",
        "storageAccounts",
        "expressRouteCircuits",
    )
    return sum(len(estate.get(k) or []) for k in keys)
