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
from emulator.arm.location import arm_location
from emulator.classic import (
    deployment_vip,
    instance_public_ip,
    reserved_ip_address,
    role_private_ips,
    services_in_vnet,
)
from emulator.state import Platform


def deployment_resources(
    b: Builder, cs: dict[str, Any], subnet_ids: dict[str, str], new_ips: dict[str, str] | None
) -> None:
    """Everything one IaaS deployment becomes (VMs, NICs, LBs, public IPs, sets, key vault)."""
    platform, dep, csn = b.platform, cs["deployment"], cs["name"]
    classic_ips = role_private_ips(platform, cs)
    if cs["certificates"]:
        b.add(
            "Microsoft.KeyVault/vaults",
            f"{csn}-KeyVault",
            {
                "tenantId": "00000000-0000-0000-0000-000000000000",
                "sku": {"family": "A", "name": "standard"},
                "enabledForDeployment": True,
            },
        )
    for set_name in dict.fromkeys(r["availabilitySet"] for r in dep["roles"] if r.get("availabilitySet")):
        b.add(
            "Microsoft.Compute/availabilitySets",
            set_name,
            {"platformFaultDomainCount": 2, "platformUpdateDomainCount": 5},
            sku={"name": "Classic"},
        )
    public_eps = [
        (r, ep) for r in dep["roles"] for ep in r["endpoints"] if not ep.get("internalLoadBalancer")
    ]
    nat_ids: dict[str, list[str]] = {}
    pool_ids: dict[str, list[str]] = {}
    if public_eps:
        rip = platform.find("reservedIps", dep["reservedIp"]) if dep.get("reservedIp") else None
        if rip:
            pip_id = bld.public_ip(b, rip["name"], True, reserved_ip_address(rip), csn)
        else:
            pip_id = bld.public_ip(b, f"{csn}-PublicIP", False, deployment_vip(platform, cs), csn)
        _load_balancer(
            b, f"{csn}-LB", {"publicIPAddress": {"id": pip_id}}, public_eps, nat_ids, pool_ids, csn
        )
    for ilb in dep["internalLoadBalancers"]:
        eps = [
            (r, ep)
            for r in dep["roles"]
            for ep in r["endpoints"]
            if ep.get("internalLoadBalancer") == ilb["name"]
        ]
        frontend = {
            "privateIPAllocationMethod": "Static" if ilb.get("staticIp") else "Dynamic",
            "subnet": {"id": subnet_ids.get(ilb["subnet"], "")},
        }
        if ilb.get("staticIp"):
            frontend["privateIPAddress"] = ilb["staticIp"]
        _load_balancer(b, ilb["name"], frontend, eps, nat_ids, pool_ids, csn)
    for role in dep["roles"]:
        rn = role["name"]
        primary_subnet = role["subnets"][0] if role["subnets"] else None
        subnet_id = subnet_ids.get(primary_subnet or "", subnet_ids.get("*", ""))
        ip = (new_ips or {}).get(rn) or classic_ips[rn]
        ipcfg: dict[str, Any] = {
            "privateIPAddress": ip,
            "privateIPAllocationMethod": "Static"
            if (role.get("staticIp") and new_ips is None)
            else "Dynamic",
            "subnet": {"id": subnet_id},
            "primary": True,
        }
        if role.get("publicIp"):
            ipcfg["publicIPAddress"] = {
                "id": bld.public_ip(
                    b, role["publicIp"]["name"], True, instance_public_ip(role["publicIp"]["name"])
                )
            }
        if pool_ids.get(rn):
            ipcfg["loadBalancerBackendAddressPools"] = [{"id": i} for i in pool_ids[rn]]
        if nat_ids.get(rn):
            ipcfg["loadBalancerInboundNatRules"] = [{"id": i} for i in nat_ids[rn]]
        nic_props: dict[str, Any] = {"enableIPForwarding": role["ipForwarding"], "primary": True}
        if role.get("networkSecurityGroup"):
            nic_props["networkSecurityGroup"] = {
                "id": bld.nsg(b, platform.item("networkSecurityGroups", role["networkSecurityGroup"]))
            }
        if dep.get("internalDnsSuffix"):
            nic_props["dnsSettings"] = {"internalDomainNameSuffix": dep["internalDnsSuffix"]}
        nic_type = f"{NET}/networkInterfaces"
        nic_id = b.rid(nic_type, f"{rn}-PrimaryNic")
        nic_props["ipConfigurations"] = [b.child(nic_id, "ipConfigurations", "ipconfig1", ipcfg)]
        b.add(nic_type, f"{rn}-PrimaryNic", nic_props)
        nic_refs = [{"id": nic_id, "properties": {"primary": True}}]
        for nic in role["secondaryNics"]:
            sid = b.rid(nic_type, nic["name"])
            sip = (new_ips or {}).get(f"{rn}/{nic['name']}") or nic.get("staticIp") or ""
            cfg = b.child(
                sid,
                "ipConfigurations",
                "ipconfig1",
                {
                    "privateIPAddress": sip,
                    "privateIPAllocationMethod": "Static" if nic.get("staticIp") else "Dynamic",
                    "subnet": {"id": subnet_ids.get(nic["subnet"], subnet_ids.get("*", ""))},
                    "primary": True,
                },
            )
            b.add(
                nic_type,
                nic["name"],
                {"enableIPForwarding": role["ipForwarding"], "primary": False, "ipConfigurations": [cfg]},
            )
            nic_refs.append({"id": sid, "properties": {"primary": False}})
        _vm(b, role, nic_refs)


def _load_balancer(
    b: Builder,
    name: str,
    frontend: dict[str, Any],
    eps: list[tuple[dict[str, Any], dict[str, Any]]],
    nat_ids: dict[str, list[str]],
    pool_ids: dict[str, list[str]],
    csn: str,
) -> None:
    rid = b.rid(f"{NET}/loadBalancers", name)
    fe_name = "LoadBalancerFrontEnd" if name == f"{csn}-LB" else f"{name}-Frontend"
    fe = b.child(rid, "frontendIPConfigurations", fe_name, frontend)
    pools: dict[str, dict[str, Any]] = {}
    rules: dict[str, dict[str, Any]] = {}
    probes: dict[str, dict[str, Any]] = {}
    nats: list[dict[str, Any]] = []
    for role, ep in eps:
        proto = "Tcp" if ep["protocol"] == "tcp" else "Udp"
        if ep.get("loadBalancedSet"):
            s = ep["loadBalancedSet"]
            pool = pools.setdefault(s, b.child(rid, "backendAddressPools", s, {}))
            pool_ids.setdefault(role["name"], [])
            if pool["id"] not in pool_ids[role["name"]]:
                pool_ids[role["name"]].append(pool["id"])
            rule_props: dict[str, Any] = {
                "protocol": proto,
                "frontendPort": ep["port"],
                "backendPort": ep["localPort"],
                "frontendIPConfiguration": {"id": fe["id"]},
                "backendAddressPool": {"id": pool["id"]},
                "idleTimeoutInMinutes": 4,
                "enableFloatingIP": False,
                "loadDistribution": "Default",
            }
            if ep.get("probe"):
                p = ep["probe"]
                probe = probes.setdefault(
                    s,
                    b.child(
                        rid,
                        "probes",
                        f"{s}-Probe",
                        {
                            "protocol": "Http" if p["protocol"] == "http" else "Tcp",
                            "port": p["port"],
                            "intervalInSeconds": 15,
                            "numberOfProbes": 2,
                            **({"requestPath": p["path"]} if p.get("path") else {}),
                        },
                    ),
                )
                rule_props["probe"] = {"id": probe["id"]}
            rules.setdefault(s, b.child(rid, "loadBalancingRules", s, rule_props))
        else:
            nat = b.child(
                rid,
                "inboundNatRules",
                f"{role['name']}-{ep['name']}",
                {
                    "protocol": proto,
                    "frontendPort": ep["port"],
                    "backendPort": ep["localPort"],
                    "frontendIPConfiguration": {"id": fe["id"]},
                    "idleTimeoutInMinutes": 4,
                    "enableFloatingIP": False,
                },
            )
            nats.append(nat)
            nat_ids.setdefault(role["name"], []).append(nat["id"])
    b.add(
        f"{NET}/loadBalancers",
        name,
        {
            "frontendIPConfigurations": [fe],
            "backendAddressPools": list(pools.values()),
            "loadBalancingRules": list(rules.values()),
            "probes": list(probes.values()),
            "inboundNatRules": nats,
        },
        sku={"name": "Basic"},
    )


def _vm(b: Builder, role: dict[str, Any], nic_refs: list[dict[str, Any]]) -> None:
    os_disk = role["osDisk"]
    props: dict[str, Any] = {
        "hardwareProfile": {"vmSize": role["size"]},
        "osProfile": {"computerName": ""},
        "storageProfile": {
            "osDisk": {
                "name": os_disk["name"],
                "osType": os_disk["os"],
                "vhd": {"uri": os_disk["mediaLink"]},
                "diskSizeGB": os_disk["sizeGB"],
                "createOption": "Attach",
                "caching": "ReadWrite",
            },
            "dataDisks": [
                {
                    "name": d["name"],
                    "lun": d["lun"],
                    "vhd": {"uri": d["mediaLink"]},
                    "diskSizeGB": d["sizeGB"],
                    "createOption": "Attach",
                    "caching": "None",
                }
                for d in role["dataDisks"]
            ],
        },
        "networkProfile": {"networkInterfaces": nic_refs},
    }
    if role.get("availabilitySet"):
        props["availabilitySet"] = {
            "id": b.rid("Microsoft.Compute/availabilitySets", role["availabilitySet"])
        }
    diag = role.get("bootDiagnostics")
    props["diagnosticsProfile"] = {
        "bootDiagnostics": {
            "enabled": bool(diag),
            **({"storageUri": f"https://{diag['storageAccount']}.blob.core.windows.net/"} if diag else {}),
        }
    }
    power = POWER.get(role["state"], "deallocated")
    vm = b.add("Microsoft.Compute/virtualMachines", role["name"], props, power=power)
    for ext in role["extensions"]:
        if ext["xml"]:
            continue
        b.resources.append(
            {
                "id": f"{vm['id']}/extensions/{ext['name']}",
                "name": f"{role['name']}/{ext['name']}",
                "type": "Microsoft.Compute/virtualMachines/extensions",
                "location": b.location,
                "tags": {},
                "properties": {
                    "provisioningState": "Succeeded" if ext["status"] == "Ready" else "Failed",
                    "publisher": ext["publisher"],
                    "type": ext["name"],
                    "typeHandlerVersion": ext["version"],
                },
            }
        )


# classic role state → the migrated VM's power state (kept internal; shown by its instanceView)
POWER = {"Running": "running", "Stopped": "stopped", "StoppedDeallocated": "deallocated"}


# -- units -----------------------------------------------------------------------------------
def translate_unit(
    platform: Platform, unit: str, destination: dict[str, str] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
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
    rg = {
        "id": f"/subscriptions/{platform.subscription}/resourceGroups/{group}",
        "name": group,
        "type": "Microsoft.Resources/resourceGroups",
        "location": b.location,
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
    }
    return rg, b.resources


def quota_usage(resources: list[dict[str, Any]]) -> dict[str, int]:
    """What a prepare would consume of each `armQuotas` key."""
    use = dict.fromkeys(
        (
            "publicIPAddresses",
            "staticPublicIPAddresses",
            "loadBalancers",
            "networkSecurityGroups",
            "routeTables",
            "networkInterfaces",
            "cores",
        ),
        0,
    )
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
