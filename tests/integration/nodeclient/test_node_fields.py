"""Every field c2arm reads from the classic GETs, compared with what Microsoft's own parsers (npm
azure-asm-compute / -network / -storage) make of the same answer — not names and counts only.

c2arm's view is its snapshot of the realistic estate (`read_estate`); Microsoft's is each GET
through the Node client. Where c2arm turns a value into the model's vocabulary (an instance status
into a role state, a connectivity state into Connected/Disconnected, a protocol to lower case),
the test applies the same documented step to Microsoft's value, so what is compared is the value
each parser takes out of the XML. Fields no Microsoft client parses are listed in UNPARSED
(docs/fidelity.md) and not compared.
"""

from __future__ import annotations

from typing import Any

from cli.stack.emulator import Emulator
from connectors.asm import AsmClient
from connectors.asm.snapshot import read_estate
from connectors.asm.xml_deployment import _ROLE_STATES
from connectors.asm.xml_gateway import connectivity
from migration.estate import CloudService, Estate, Role, media_link_account
from tests.integration.nodeclient.node import node

#: What c2arm reads that none of Microsoft's three clients parses (so nothing to compare with).
UNPARSED = {
    "Deployment/InternalDnsSuffix": "deployment.internal_dns_suffix",
    "ResourceExtensionReference/ExtensionType": "extension.xml (c2arm falls back on the extension's name)",
}


def _opt(value: Any) -> Any:
    """Microsoft's parsers give '' (or omit the key) where c2arm's give None."""
    return value if value not in ("", None, []) else None


class Compare:
    """Collects every difference, so one run names them all."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.compared: list[str] = []

    def same(self, where: str, ours: Any, theirs: Any) -> None:
        self.compared.append(where)
        if ours != theirs:
            self.problems.append(f"{where}: c2arm {ours!r} != Microsoft's client {theirs!r}")


def _network_set(role: dict[str, Any]) -> dict[str, Any]:
    sets = role.get("configurationSets") or []
    return next((s for s in sets if s.get("configurationSetType") == "NetworkConfiguration"), {})


def _endpoints(net: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for ep in net.get("inputEndpoints") or []:
        probe = ep.get("loadBalancerProbe")
        protocol = (probe or {}).get("protocol", "tcp").lower()
        out.append(
            {
                "name": ep["name"],
                "protocol": ep["protocol"].lower(),
                "port": ep["port"],
                "local_port": ep["localPort"],
                "load_balanced_set": _opt(ep.get("loadBalancedEndpointSetName")),
                "internal_load_balancer": _opt(ep.get("loadBalancerName")),
                "probe": None
                if probe is None
                else {
                    "protocol": protocol,
                    "port": probe["port"],
                    "path": probe.get("path") if protocol == "http" else None,
                },
                "acl": [
                    {
                        "order": r["order"],
                        "action": r["action"].lower(),
                        "remote_subnet": r["remoteSubnet"],
                        "description": _opt(r.get("description")),
                    }
                    for r in (ep.get("endpointAcl") or {}).get("rules", [])
                ],
            }
        )
    return out


def _compare_role(c: Compare, where: str, ours: Role, role: dict[str, Any], instance: dict[str, Any]) -> None:
    c.same(f"{where}.size", ours.size, role["roleSize"])
    c.same(f"{where}.availability_set", ours.availability_set, _opt(role.get("availabilitySetName")))
    c.same(
        f"{where}.state", ours.state, _ROLE_STATES.get(instance["instanceStatus"].lower(), "RoleStateUnknown")
    )
    agent = (instance.get("guestAgentStatus") or {}).get("status")
    if agent is not None:
        c.same(f"{where}.guest_agent", ours.guest_agent, "Ready" if agent.lower() == "ready" else "NotReady")
    net = _network_set(role)
    c.same(f"{where}.subnets", ours.subnets, net.get("subnetNames") or [])
    c.same(f"{where}.static_ip", ours.static_ip, _opt(net.get("staticVirtualNetworkIPAddress")))
    c.same(f"{where}.ip_forwarding", ours.ip_forwarding, (net.get("iPForwarding") or "").lower() == "enabled")
    c.same(
        f"{where}.network_security_group", ours.network_security_group, _opt(net.get("networkSecurityGroup"))
    )
    public = net.get("publicIPs") or []
    c.same(
        f"{where}.public_ip",
        ours.public_ip.name if ours.public_ip else None,
        public[0]["name"] if public else None,
    )
    c.same(
        f"{where}.secondary_nics",
        [(n.name, n.subnet, n.static_ip) for n in ours.secondary_nics],
        [
            (
                n["name"],
                n["iPConfigurations"][0]["subnetName"],
                _opt(n["iPConfigurations"][0].get("staticVirtualNetworkIPAddress")),
            )
            for n in net.get("networkInterfaces") or []
        ],
    )
    c.same(f"{where}.endpoints", [e.model_dump(exclude_none=False) for e in ours.endpoints], _endpoints(net))
    os_disk = role.get("oSVirtualHardDisk")
    c.same(
        f"{where}.os_disk",
        (ours.os_disk.name, ours.os_disk.os, ours.os_disk.media_link) if ours.os_disk else None,
        (os_disk["name"], os_disk["operatingSystem"], os_disk["mediaLink"]) if os_disk else None,
    )
    c.same(
        f"{where}.data_disks",
        [(d.name, d.lun, d.size_gb, d.media_link) for d in ours.data_disks],
        [
            (d["name"], d.get("logicalUnitNumber") or 0, d["logicalDiskSizeInGB"], d["mediaLink"])
            for d in role.get("dataVirtualHardDisks") or []
        ],
    )
    statuses = {
        s["handlerName"].lower(): s["status"] for s in instance.get("resourceExtensionStatusList") or []
    }
    for handler, status in list(statuses.items()):
        statuses.setdefault(handler.rsplit(".", 1)[-1], status)
    c.same(
        f"{where}.extensions",
        [(e.name, e.publisher, e.version, e.status) for e in ours.extensions],
        [
            (
                e["name"],
                e["publisher"],
                e["version"],
                statuses.get(f"{e['publisher']}.{e['name']}".lower())
                or statuses.get(e["name"].lower())
                or "Ready",
            )
            for e in role.get("resourceExtensionReferences") or []
        ],
    )
    debug = role.get("debugSettings") or {}
    uri = debug.get("serialOutputBlobUri") or debug.get("consoleScreenshotBlobUri")
    c.same(
        f"{where}.boot_diagnostics",
        ours.boot_diagnostics.storage_account if ours.boot_diagnostics else None,
        media_link_account(uri) if debug.get("bootDiagnosticsEnabled") and uri else None,
    )


def _compare_service(
    c: Compare, emulator: Emulator, cs: CloudService, listed: dict[str, Any], sizes: dict[str, int]
) -> None:
    c.same(f"{cs.name}.location", cs.location, listed["properties"]["location"])
    certs = node(emulator, "certificate.list", cs.name)["result"]["certificates"]
    c.same(
        f"{cs.name}.certificates",
        [(x.thumbprint, x.algorithm) for x in cs.certificates],
        [(x["thumbprint"], x["thumbprintAlgorithm"].lower()) for x in certs],
    )
    if cs.deployment is None:
        return
    dep, theirs = cs.deployment, node(emulator, "deployment.getByName", cs.name, cs.deployment.name)["result"]
    where = f"{cs.name}/{dep.name}"
    c.same(f"{where}.virtual_network", dep.virtual_network, _opt(theirs.get("virtualNetworkName")))
    vips = [
        v.get("reservedIPName") for v in theirs.get("virtualIPAddresses") or [] if v.get("reservedIPName")
    ]
    c.same(
        f"{where}.reserved_ip",
        dep.reserved_ip,
        _opt(theirs.get("reservedIPName")) or (vips[0] if vips else None),
    )
    roles = theirs.get("roles") or []
    c.same(
        f"{where}.kind",
        dep.kind,
        "PaaS" if any(r.get("roleType") != "PersistentVMRole" for r in roles) else "IaaS",
    )
    c.same(
        f"{where}.internal_load_balancers",
        [(lb.name, lb.subnet, lb.static_ip) for lb in dep.internal_load_balancers],
        [
            (
                lb["name"],
                lb["frontendIPConfiguration"]["subnetName"],
                _opt(lb["frontendIPConfiguration"].get("staticVirtualNetworkIPAddress")),
            )
            for lb in theirs.get("loadBalancers") or []
            if lb["frontendIPConfiguration"].get("type", "Private").lower() == "private"
        ],
    )
    c.same(f"{where}.roles", [r.name for r in dep.roles], [r["roleName"] for r in roles])
    instances = {i["roleName"]: i for i in theirs.get("roleInstances") or []}
    for ours, role in zip(dep.roles, roles, strict=False):
        _compare_role(
            c, f"{where}/{ours.name}", ours, role, instances.get(role["roleName"], {"instanceStatus": ""})
        )
        if ours.os_disk is not None:  # its size comes from the disk registry
            c.same(f"{where}/{ours.name}.os_disk.size_gb", ours.os_disk.size_gb, sizes.get(ours.os_disk.name))


def _compare_network(c: Compare, emulator: Emulator, estate: Estate) -> None:
    sites = {s["name"]: s for s in node(emulator, "vnet.list")["result"]["virtualNetworkSites"]}
    c.same("virtual_networks", sorted(v.name for v in estate.virtual_networks), sorted(sites))
    local_sites: dict[str, dict[str, Any]] = {}
    for vnet in estate.virtual_networks:
        site, where = sites[vnet.name], f"vnet {vnet.name}"
        c.same(f"{where}.location", vnet.location, _opt(site.get("location")))
        c.same(f"{where}.address_space", vnet.address_space, site["addressSpace"]["addressPrefixes"])
        c.same(
            f"{where}.dns_servers",
            [(d.name, d.address) for d in vnet.dns_servers],
            [(d["name"], d["address"]) for d in site.get("dnsServers") or []],
        )
        theirs_subnets = []
        for s in site.get("subnets") or []:
            table = node(emulator, "routetable.getForSubnet", vnet.name, s["name"]).get("result", {})
            theirs_subnets.append(
                (
                    s["name"],
                    s["addressPrefix"],
                    _opt(s.get("networkSecurityGroup")),
                    _opt(table.get("routeTableName")),
                )
            )
        c.same(
            f"{where}.subnets",
            [(s.name, s.prefix, s.network_security_group, s.route_table) for s in vnet.subnets],
            theirs_subnets,
        )
        gateway_sites = (site.get("gateway") or {}).get("sites") or []
        for gs in gateway_sites:
            local_sites[gs["name"]] = gs
        ours_conns = sorted(
            (conn.local_network_site, conn.type, conn.state) for g in vnet.gateways for conn in g.connections
        )
        if not vnet.gateways:
            c.same(f"{where}.gateways", [], gateway_sites)
            continue
        states = {
            x["localNetworkSiteName"]: connectivity(x.get("connectivityState"))
            for x in node(emulator, "gateway.listConnections", vnet.name)["result"]["connections"]
        }
        c.same(
            f"{where}.connections",
            ours_conns,
            sorted(
                (gs["name"], conn["type"], states.get(gs["name"], "Connected"))
                for gs in gateway_sites
                for conn in gs.get("connections") or []
            ),
        )
        gateway = node(emulator, "gateway.get", vnet.name)["result"]
        vpn = next((g for g in vnet.gateways if g.kind == "Vpn"), vnet.gateways[0])
        c.same(f"{where}.gateway.sku", vpn.sku, _opt(gateway.get("gatewaySKU")))
        c.same(f"{where}.gateway.vip", vpn.vip, _opt(gateway.get("vipAddress")))
    ours_sites = {s.name: s for s in estate.local_network_sites}
    for name, gs in local_sites.items():
        c.same(
            f"local site {name}",
            (ours_sites[name].address_space, ours_sites[name].vpn_gateway_address)
            if name in ours_sites
            else None,
            (gs["addressSpace"]["addressPrefixes"], _opt(gs.get("vpnGatewayAddress"))),
        )


def _compare_items(c: Compare, emulator: Emulator, estate: Estate) -> None:
    rips = {r["name"]: r for r in node(emulator, "reservedip.list")["result"]["reservedIPs"]}
    c.same(
        "reserved_ips",
        sorted((r.name, r.address, r.location, r.cloud_service) for r in estate.reserved_ips),
        sorted(
            (n, _opt(r.get("address")), _opt(r.get("location")), _opt(r.get("serviceName")))
            for n, r in rips.items()
        ),
    )
    for nsg in estate.network_security_groups:
        theirs = node(emulator, "nsg.get", nsg.name, "Full")["result"]
        c.same(f"nsg {nsg.name}.location", nsg.location, _opt(theirs.get("location")))
        c.same(
            f"nsg {nsg.name}.rules",
            [
                (
                    r.name,
                    r.priority,
                    r.direction,
                    r.access,
                    r.protocol,
                    r.source_prefix,
                    r.source_port,
                    r.destination_prefix,
                    r.destination_port,
                )
                for r in nsg.rules
            ],
            [
                (
                    r["name"],
                    r["priority"],
                    r["type"],
                    r["action"],
                    r["protocol"],
                    r["sourceAddressPrefix"],
                    r["sourcePortRange"],
                    r["destinationAddressPrefix"],
                    r["destinationPortRange"],
                )
                for r in theirs.get("rules") or []
                if not r.get("isDefault")
            ],
        )
    for table in estate.route_tables:
        theirs = node(emulator, "routetable.getWithDetails", table.name, "full")["result"]["routeTable"]
        c.same(f"route table {table.name}.location", table.location, _opt(theirs.get("location")))
        c.same(
            f"route table {table.name}.routes",
            [(r.name, r.prefix, r.next_hop_type, r.next_hop) for r in table.routes],
            [
                (r["name"], r["addressPrefix"], r["nextHop"]["type"], _opt(r["nextHop"].get("ipAddress")))
                for r in theirs.get("routeList") or []
            ],
        )
    accounts = {a["name"]: a for a in node(emulator, "storage.list")["result"]["storageAccounts"]}
    c.same(
        "storage_accounts",
        sorted((a.name, a.location, a.sku) for a in estate.storage_accounts),
        sorted(
            (n, _opt(a["properties"].get("location")), a["properties"]["accountType"])
            for n, a in accounts.items()
        ),
    )


def test_every_field_c2arm_reads_comes_out_of_microsofts_parsers(emulator: Emulator, asm: AsmClient) -> None:
    estate = read_estate(asm)
    c = Compare()
    listed = {h["serviceName"]: h for h in node(emulator, "hostedservice.list")["result"]["hostedServices"]}
    c.same("cloud_services", sorted(cs.name for cs in estate.cloud_services), sorted(listed))
    disks = node(emulator, "disk.list")["result"]["disks"]
    sizes = {d["name"]: d["logicalSizeInGB"] for d in disks}
    for cs in estate.cloud_services:
        _compare_service(c, emulator, cs, listed[cs.name], sizes)
    c.same(
        "disks (unattached)",
        sorted((d.name, d.media_link, d.size_gb, d.os) for d in estate.disks),
        sorted(
            (d["name"], d["mediaLinkUri"], d["logicalSizeInGB"], _opt(d.get("operatingSystemType")))
            for d in disks
            if not (d.get("usageDetails") or {}).get("roleName")
        ),
    )
    images = node(emulator, "image.list")["result"]["images"]
    c.same(
        "images (user)",
        sorted((i.name, i.media_link) for i in estate.images),
        sorted(
            (i["name"], i["mediaLinkUri"])
            for i in images
            if i.get("mediaLinkUri") and (i.get("category") or "User").lower() == "user"
        ),
    )
    _compare_network(c, emulator, estate)
    _compare_items(c, emulator, estate)
    assert c.problems == []
    fields = {where.rsplit(".", 1)[-1] for where in c.compared}
    assert {
        "endpoints",
        "data_disks",
        "extensions",
        "secondary_nics",
        "connections",
        "rules",
        "routes",
    } <= fields
