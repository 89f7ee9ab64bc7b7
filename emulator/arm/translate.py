"""The classic → ARM translation the platform applies at prepare (docs/estate-format.md).

This is the emulator's own reading of the contract; the app predicts the same result with its
own code, and contract tests compare the two.
"""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

from emulator.classic import (
    arm_location,
    deployment_vip,
    instance_public_ip,
    reserved_ip_address,
    role_private_ips,
    services_in_vnet,
    vnet_of,
)
from emulator.state import Platform

NET = "Microsoft.Network"


class Builder:
    """Collects the resources of one resource group."""

    def __init__(self, platform: Platform, group: str, location: str) -> None:
        self.sub = platform.subscription
        self.platform = platform
        self.group = group
        self.location = location
        self.resources: list[dict[str, Any]] = []

    def rid(self, rtype: str, name: str, group: str | None = None) -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{group or self.group}/providers/{rtype}/{name}"

    def add(self, rtype: str, name: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        res = {
            "id": self.rid(rtype, name),
            "name": name,
            "type": rtype,
            "location": self.location,
            "tags": {},
            "properties": {"provisioningState": "Succeeded", **properties},
            **extra,
        }
        self.resources.append(res)
        return res

    def has(self, rtype: str, name: str) -> bool:
        rid = self.rid(rtype, name).lower()
        return any(r["id"].lower() == rid for r in self.resources)

    def child(self, parent_id: str, collection: str, name: str, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"{parent_id}/{collection}/{name}",
            "name": name,
            "properties": {"provisioningState": "Succeeded", **properties},
        }


def _nsg(b: Builder, nsg: dict[str, Any]) -> str:
    rtype = f"{NET}/networkSecurityGroups"
    rid = b.rid(rtype, nsg["name"])
    if not b.has(rtype, nsg["name"]):
        rules = [
            b.child(
                rid,
                "securityRules",
                r["name"],
                {
                    "priority": r["priority"],
                    "direction": r["direction"],
                    "access": r["access"],
                    "protocol": {"TCP": "Tcp", "UDP": "Udp"}.get(r["protocol"], "*"),
                    "sourceAddressPrefix": r["sourcePrefix"],
                    "sourcePortRange": r["sourcePort"],
                    "destinationAddressPrefix": r["destinationPrefix"],
                    "destinationPortRange": r["destinationPort"],
                },
            )
            for r in nsg["rules"]
        ]
        b.add(rtype, nsg["name"], {"securityRules": rules})
    return rid


def _route_table(b: Builder, rt: dict[str, Any]) -> str:
    rtype = f"{NET}/routeTables"
    rid = b.rid(rtype, rt["name"])
    if not b.has(rtype, rt["name"]):
        routes = [
            b.child(
                rid,
                "routes",
                r["name"],
                {
                    "addressPrefix": r["prefix"],
                    "nextHopType": r["nextHopType"],
                    **({"nextHopIpAddress": r["nextHop"]} if r.get("nextHop") else {}),
                },
            )
            for r in rt["routes"]
        ]
        b.add(rtype, rt["name"], {"routes": routes})
    return rid


def _vnet(b: Builder, vnet: dict[str, Any]) -> str:
    rtype = f"{NET}/virtualNetworks"
    rid = b.rid(rtype, vnet["name"])
    subnets = []
    for s in vnet["subnets"]:
        props: dict[str, Any] = {"addressPrefix": s["prefix"]}
        if s.get("networkSecurityGroup"):
            props["networkSecurityGroup"] = {
                "id": _nsg(b, b.platform.find("networkSecurityGroups", s["networkSecurityGroup"]))
            }
        if s.get("routeTable"):
            props["routeTable"] = {"id": _route_table(b, b.platform.find("routeTables", s["routeTable"]))}
        subnets.append(b.child(rid, "subnets", s["name"], props))
    b.add(
        rtype,
        vnet["name"],
        {
            "addressSpace": {"addressPrefixes": list(vnet["addressSpace"])},
            "dhcpOptions": {"dnsServers": [d["address"] for d in vnet["dnsServers"]]},
            "subnets": subnets,
        },
    )
    return rid


def _gateways(b: Builder, vnet: dict[str, Any], vnet_id: str) -> None:
    platform = b.platform
    for g in vnet["gateways"]:
        name = f"{vnet['name']}-Gateway"
        sku = g.get("sku") or ("Basic" if g["kind"] == "Vpn" else "Standard")
        gw = b.add(
            f"{NET}/virtualNetworkGateways",
            name if not b.has(f"{NET}/virtualNetworkGateways", name) else f"{name}-{g['kind']}",
            {
                "gatewayType": g["kind"],
                "vpnType": "RouteBased",
                "sku": {"name": sku, "tier": sku},
                "ipConfigurations": [
                    {
                        "name": "default",
                        "properties": {
                            "privateIPAllocationMethod": "Dynamic",
                            "subnet": {"id": f"{vnet_id}/subnets/GatewaySubnet"},
                        },
                    }
                ],
                "vipAddress": g.get("vip"),
            },
        )
        for c in g["connections"]:
            site = platform.find("localNetworkSites", c["localNetworkSite"])
            lng_type = f"{NET}/localNetworkGateways"
            if site and not b.has(lng_type, site["name"]):
                b.add(
                    lng_type,
                    site["name"],
                    {
                        "localNetworkAddressSpace": {"addressPrefixes": list(site["addressSpace"])},
                        "gatewayIpAddress": site.get("vpnGatewayAddress"),
                    },
                )
            b.add(
                f"{NET}/connections",
                f"{vnet['name']}-{c['localNetworkSite']}-Connection",
                {
                    "connectionType": "IPsec" if c["type"] == "IPsec" else "ExpressRoute",
                    "virtualNetworkGateway1": {"id": gw["id"]},
                    "localNetworkGateway2": {"id": b.rid(lng_type, c["localNetworkSite"])},
                    "connectionStatus": "Connected" if c["state"] == "Connected" else "NotConnected",
                },
            )


def _public_ip(b: Builder, name: str, static: bool, address: str, label: str | None = None) -> str:
    props: dict[str, Any] = {
        "publicIPAllocationMethod": "Static" if static else "Dynamic",
        "publicIPAddressVersion": "IPv4",
        "ipAddress": address,
        "idleTimeoutInMinutes": 4,
    }
    if label:
        props["dnsSettings"] = {"domainNameLabel": label, "fqdn": f"{label}.{b.location}.cloudapp.azure.com"}
    return b.add(f"{NET}/publicIPAddresses", name, props, sku={"name": "Basic"})["id"]


def deployment_resources(
    b: Builder, cs: dict[str, Any], subnet_ids: dict[str, str], new_ips: dict[str, str] | None
) -> None:
    """Everything one IaaS deployment becomes (VMs, NICs, LBs, public IPs, sets, key vault)."""
    platform, dep, csn = b.platform, cs["deployment"], cs["name"]
    classic_ips = role_private_ips(platform, cs)
    if cs["certificates"]:
        b.add("Microsoft.KeyVault/vaults", f"{csn}-KeyVault", {"tenantId": "00000000-0000-0000-0000-000000000000", "sku": {"family": "A", "name": "standard"}, "enabledForDeployment": True})  # noqa: E501 # fmt: skip
    for set_name in dict.fromkeys(r["availabilitySet"] for r in dep["roles"] if r.get("availabilitySet")):
        b.add("Microsoft.Compute/availabilitySets", set_name, {"platformFaultDomainCount": 2, "platformUpdateDomainCount": 5}, sku={"name": "Classic"})  # noqa: E501 # fmt: skip
    public_eps = [
        (r, ep) for r in dep["roles"] for ep in r["endpoints"] if not ep.get("internalLoadBalancer")
    ]
    lb_id = b.rid(f"{NET}/loadBalancers", f"{csn}-LB")
    nat_ids: dict[str, list[str]] = {}
    pool_ids: dict[str, list[str]] = {}
    if public_eps:
        rip = platform.find("reservedIps", dep["reservedIp"]) if dep.get("reservedIp") else None
        if rip:
            pip_id = _public_ip(b, rip["name"], True, reserved_ip_address(rip), csn)
        else:
            pip_id = _public_ip(b, f"{csn}-PublicIP", False, deployment_vip(platform, cs), csn)
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
    del lb_id
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
                "id": _public_ip(
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
                "id": _nsg(b, platform.find("networkSecurityGroups", role["networkSecurityGroup"]))
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
            cfg = b.child(sid, "ipConfigurations", "ipconfig1", {"privateIPAddress": sip, "privateIPAllocationMethod": "Static" if nic.get("staticIp") else "Dynamic", "subnet": {"id": subnet_ids.get(nic["subnet"], subnet_ids.get("*", ""))}, "primary": True})  # noqa: E501 # fmt: skip
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
    pools, rules, probes, nats = {}, {}, {}, []
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
            nat = b.child(rid, "inboundNatRules", f"{role['name']}-{ep['name']}", {"protocol": proto, "frontendPort": ep["port"], "backendPort": ep["localPort"], "frontendIPConfiguration": {"id": fe["id"]}, "idleTimeoutInMinutes": 4, "enableFloatingIP": False})  # noqa: E501 # fmt: skip
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
    props["diagnosticsProfile"] = {"bootDiagnostics": {"enabled": bool(diag), **({"storageUri": f"https://{diag['storageAccount']}.blob.core.windows.net/"} if diag else {})}}  # noqa: E501 # fmt: skip
    vm = b.add("Microsoft.Compute/virtualMachines", role["name"], props)
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
                    "provisioningState": "Succeeded",
                    "publisher": ext["publisher"],
                    "type": ext["name"],
                    "typeHandlerVersion": ext["version"],
                },
            }
        )


# -- units -----------------------------------------------------------------------------------
def translate_unit(
    platform: Platform, unit: str, destination: dict[str, str] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(resource group, resources) that preparing `unit` creates."""
    kind, name = unit.split("/", 1)
    group = f"{name}-Migrated"
    if kind == "virtualNetwork":
        vnet = platform.find("virtualNetworks", name)
        b = Builder(platform, group, arm_location(platform.location_of(vnet)))
        vid = _vnet(b, vnet)
        _gateways(b, vnet, vid)
        subnet_ids = {s["name"]: f"{vid}/subnets/{s['name']}" for s in vnet["subnets"]}
        for cs in services_in_vnet(platform, name):
            if cs["deployment"]["kind"] == "IaaS":
                deployment_resources(b, cs, subnet_ids, None)
    elif kind == "cloudService":
        cs = platform.find("cloudServices", name)
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
            b.add(f"{NET}/virtualNetworks", f"{name}-VirtualNetwork", {"addressSpace": {"addressPrefixes": [prefix]}, "dhcpOptions": {"dnsServers": []}, "subnets": [b.child(vid, "subnets", "default", {"addressPrefix": prefix})]})  # noqa: E501 # fmt: skip
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
        acct = platform.find("storageAccounts", name)
        b = Builder(platform, group, arm_location(platform.location_of(acct)))
        b.add("Microsoft.Storage/storageAccounts", name, {"primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/"}}, sku={"name": acct["sku"]}, kind="Storage")  # noqa: E501 # fmt: skip
    elif kind == "reservedIp":
        rip = platform.find("reservedIps", name)
        b = Builder(platform, group, arm_location(platform.location_of(rip)))
        _public_ip(b, name, True, reserved_ip_address(rip))
    elif kind == "networkSecurityGroup":
        nsg = platform.find("networkSecurityGroups", name)
        b = Builder(platform, group, arm_location(platform.location_of(nsg)))
        _nsg(b, nsg)
    else:
        rt = platform.find("routeTables", name)
        b = Builder(platform, group, arm_location(platform.location_of(rt)))
        _route_table(b, rt)
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
    use = dict.fromkeys(("publicIPAddresses", "staticPublicIPAddresses", "loadBalancers", "networkSecurityGroups", "routeTables", "networkInterfaces", "cores"), 0)  # noqa: E501 # fmt: skip
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


__all__ = ["quota_usage", "translate_unit", "vnet_of"]
