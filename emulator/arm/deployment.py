"""What one IaaS deployment becomes at prepare: VMs, NICs, load balancers, public IPs,
availability sets, key vault (split from `translate.py`; the emulator's own reading of
docs/estate-format.md, compared with the app's by contract tests)."""

from __future__ import annotations

from typing import Any

from emulator.arm import builders as bld
from emulator.arm.builders import NET, Builder
from emulator.classic import deployment_vip, instance_public_ip, reserved_ip_address, role_private_ips

NIC = f"{NET}/networkInterfaces"


def deployment_resources(
    b: Builder, cs: dict[str, Any], subnet_ids: dict[str, str], new_ips: dict[str, str] | None
) -> None:
    """Everything one IaaS deployment becomes (VMs, NICs, LBs, public IPs, sets, key vault)."""
    dep = cs["deployment"]
    classic_ips = role_private_ips(b.platform, cs)
    _key_vault_and_sets(b, cs)
    nat_ids: dict[str, list[str]] = {}
    pool_ids: dict[str, list[str]] = {}
    _public_load_balancer(b, cs, nat_ids, pool_ids)
    for ilb in dep["internalLoadBalancers"]:
        _internal_load_balancer(b, cs, ilb, subnet_ids, nat_ids, pool_ids)
    for role in dep["roles"]:
        ip = (new_ips or {}).get(role["name"]) or classic_ips[role["name"]]
        nic_refs = [_primary_nic(b, dep, role, ip, subnet_ids, new_ips is None, nat_ids, pool_ids)]
        nic_refs += [_secondary_nic(b, role, nic, subnet_ids, new_ips) for nic in role["secondaryNics"]]
        _vm(b, role, nic_refs)


def _key_vault_and_sets(b: Builder, cs: dict[str, Any]) -> None:
    """The key vault of a service with certificates, and its roles' availability sets."""
    if cs["certificates"]:
        b.add(
            "Microsoft.KeyVault/vaults",
            f"{cs['name']}-KeyVault",
            {
                "tenantId": "00000000-0000-0000-0000-000000000000",
                "sku": {"family": "A", "name": "standard"},
                "enabledForDeployment": True,
            },
        )
    roles = cs["deployment"]["roles"]
    for set_name in dict.fromkeys(r["availabilitySet"] for r in roles if r.get("availabilitySet")):
        b.add(
            "Microsoft.Compute/availabilitySets",
            set_name,
            {"platformFaultDomainCount": 2, "platformUpdateDomainCount": 5},
            sku={"name": "Classic"},
        )


def _public_load_balancer(
    b: Builder, cs: dict[str, Any], nat_ids: dict[str, list[str]], pool_ids: dict[str, list[str]]
) -> None:
    """The VIP's load balancer and public IP (the reserved IP if any), when an endpoint is public."""
    platform, dep, csn = b.platform, cs["deployment"], cs["name"]
    public_eps = [
        (r, ep) for r in dep["roles"] for ep in r["endpoints"] if not ep.get("internalLoadBalancer")
    ]
    if not public_eps:
        return
    rip = platform.find("reservedIps", dep["reservedIp"]) if dep.get("reservedIp") else None
    if rip:
        pip_id = bld.public_ip(b, rip["name"], True, reserved_ip_address(rip), csn)
    else:
        pip_id = bld.public_ip(b, f"{csn}-PublicIP", False, deployment_vip(platform, cs), csn)
    _load_balancer(b, f"{csn}-LB", {"publicIPAddress": {"id": pip_id}}, public_eps, nat_ids, pool_ids, csn)


def _internal_load_balancer(
    b: Builder,
    cs: dict[str, Any],
    ilb: dict[str, Any],
    subnet_ids: dict[str, str],
    nat_ids: dict[str, list[str]],
    pool_ids: dict[str, list[str]],
) -> None:
    roles = cs["deployment"]["roles"]
    eps = [(r, ep) for r in roles for ep in r["endpoints"] if ep.get("internalLoadBalancer") == ilb["name"]]
    frontend = {
        "privateIPAllocationMethod": "Static" if ilb.get("staticIp") else "Dynamic",
        "subnet": {"id": subnet_ids.get(ilb["subnet"], "")},
    }
    if ilb.get("staticIp"):
        frontend["privateIPAddress"] = ilb["staticIp"]
    _load_balancer(b, ilb["name"], frontend, eps, nat_ids, pool_ids, cs["name"])


def _primary_nic(
    b: Builder,
    dep: dict[str, Any],
    role: dict[str, Any],
    ip: str,
    subnet_ids: dict[str, str],
    keeps_ips: bool,
    nat_ids: dict[str, list[str]],
    pool_ids: dict[str, list[str]],
) -> dict[str, Any]:
    """A role's primary NIC (its IP, public IP, LB pools and NAT rules, NSG, DNS suffix); its reference."""
    rn = role["name"]
    primary_subnet = role["subnets"][0] if role["subnets"] else None
    ipcfg: dict[str, Any] = {
        "privateIPAddress": ip,
        "privateIPAllocationMethod": "Static" if (role.get("staticIp") and keeps_ips) else "Dynamic",
        "subnet": {"id": subnet_ids.get(primary_subnet or "", subnet_ids.get("*", ""))},
        "primary": True,
    }
    if role.get("publicIp"):
        name = role["publicIp"]["name"]
        ipcfg["publicIPAddress"] = {"id": bld.public_ip(b, name, True, instance_public_ip(name))}
    if pool_ids.get(rn):
        ipcfg["loadBalancerBackendAddressPools"] = [{"id": i} for i in pool_ids[rn]]
    if nat_ids.get(rn):
        ipcfg["loadBalancerInboundNatRules"] = [{"id": i} for i in nat_ids[rn]]
    nic_props: dict[str, Any] = {"enableIPForwarding": role["ipForwarding"], "primary": True}
    if role.get("networkSecurityGroup"):
        nsg = b.platform.item("networkSecurityGroups", role["networkSecurityGroup"])
        nic_props["networkSecurityGroup"] = {"id": bld.nsg(b, nsg)}
    if dep.get("internalDnsSuffix"):
        nic_props["dnsSettings"] = {"internalDomainNameSuffix": dep["internalDnsSuffix"]}
    nic_id = b.rid(NIC, f"{rn}-PrimaryNic")
    nic_props["ipConfigurations"] = [b.child(nic_id, "ipConfigurations", "ipconfig1", ipcfg)]
    b.add(NIC, f"{rn}-PrimaryNic", nic_props)
    return {"id": nic_id, "properties": {"primary": True}}


def _secondary_nic(
    b: Builder,
    role: dict[str, Any],
    nic: dict[str, Any],
    subnet_ids: dict[str, str],
    new_ips: dict[str, str] | None,
) -> dict[str, Any]:
    """One of a role's secondary NICs; its reference."""
    sid = b.rid(NIC, nic["name"])
    sip = (new_ips or {}).get(f"{role['name']}/{nic['name']}") or nic.get("staticIp") or ""
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
        NIC,
        nic["name"],
        {"enableIPForwarding": role["ipForwarding"], "primary": False, "ipConfigurations": [cfg]},
    )
    return {"id": sid, "properties": {"primary": False}}


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
