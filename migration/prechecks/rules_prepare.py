"""Rules for what validate skips and prepare enforces (→ error), so they fail here, not at prepare."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterator

from migration.prechecks.catalogue import Hit, check, unit_hit
from migration.prechecks.context import Context
from migration.quotas import cores_of, needs_by_unit

_QUOTA_LABEL = {
    "publicIPAddresses": "public IP addresses",
    "staticPublicIPAddresses": "static public IP addresses",
    "loadBalancers": "load balancers",
    "networkSecurityGroups": "network security groups",
    "routeTables": "route tables",
    "networkInterfaces": "network interfaces",
    "cores": "cores",
}


@check("C2A-301")
def coexisting_gateways(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        kinds = {g.kind for g in vnet.gateways}
        if {"Vpn", "ExpressRoute"} <= kinds:
            yield unit_hit(
                f"virtualNetwork/{vnet.name}",
                f"Virtual network {vnet.name!r} has both an ExpressRoute and a VPN gateway.",
                part="/gateway",
            )


@check("C2A-302")
def disconnected(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        for gateway in vnet.gateways:
            for conn in gateway.connections:
                if conn.state == "Disconnected":
                    yield unit_hit(
                        f"virtualNetwork/{vnet.name}",
                        f"The {gateway.kind} gateway of {vnet.name!r} has a disconnected connection to "
                        f"{conn.local_network_site!r}.",
                        part=f"/connection/{conn.local_network_site}",
                    )


@check("C2A-303")
def unknown_circuit(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        for gateway in vnet.gateways:
            if gateway.kind == "ExpressRoute" and not gateway.circuit:
                yield unit_hit(
                    f"virtualNetwork/{vnet.name}",
                    f"The ExpressRoute gateway of {vnet.name!r} names no circuit, so it cannot be "
                    "shown to be in ARM.",
                    part="/gateway",
                )


@check("C2A-304")
def quotas(ctx: Context) -> Iterator[Hit]:
    for unit, needs in needs_by_unit(ctx.estate, ctx.units).items():
        for key, left, need in needs.exceeding(ctx.estate):
            yield Hit(
                unit,
                f"quota/{key}",
                f"Not enough {_QUOTA_LABEL[key]} in the target region: Current quota is {left}, "
                f"additional needed is {need}.",
            )


@check("C2A-305")
def unknown_size(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        if cores_of(at.role.size) is None:
            yield at.hit(f"VM {at.role.name!r} has size {at.role.size!r}, whose cores c2arm does not know.")


@check("C2A-306")
def lb_rules(ctx: Context) -> Iterator[Hit]:
    vnets = {v.name: v for v in ctx.estate.virtual_networks}
    for service, d in ctx.deployments("IaaS"):
        sets: dict[str, set[tuple[object, ...]]] = defaultdict(set)
        ports: dict[tuple[str | None, str, int], set[str]] = defaultdict(set)
        for role in d.roles:
            for e in role.endpoints:
                probe = (e.probe.protocol, e.probe.port, e.probe.path) if e.probe else None
                if e.load_balanced_set:
                    sets[e.load_balanced_set].add(
                        (e.protocol, e.port, e.local_port, probe, e.internal_load_balancer)
                    )
                    ports[(e.internal_load_balancer, e.protocol, e.port)].add(f"set {e.load_balanced_set}")
                else:
                    ports[(e.internal_load_balancer, e.protocol, e.port)].add(f"{role.name}/{e.name}")
        for name, variants in sorted(sets.items()):
            if len(variants) > 1:
                yield ctx.service_hit(
                    service,
                    f"Load-balanced set {name!r} of {service.name!r} is defined differently on its VMs "
                    "(port, protocol, local port, probe or load balancer).",
                    part=f"/loadBalancedSet/{name}",
                )
        for (balancer, proto, port), users in sorted(
            ports.items(), key=lambda kv: (kv[0][0] or "", kv[0][1], kv[0][2])
        ):
            if len(users) > 1:
                where = f"internal load balancer {balancer!r}" if balancer else "the public VIP"
                yield ctx.service_hit(
                    service,
                    f"Port {proto}/{port} on {where} of {service.name!r} is used by "
                    f"{', '.join(sorted(users))}.",
                    part=f"/port/{proto}/{port}",
                )
        vnet = vnets.get(d.virtual_network or "")
        for ilb in d.internal_load_balancers:
            subnet = vnet.subnet(ilb.subnet) if vnet else None
            if subnet and ilb.static_ip and not _inside(ilb.static_ip, subnet.prefix):
                yield ctx.service_hit(
                    service,
                    f"Internal load balancer {ilb.name!r} has IP {ilb.static_ip} outside its subnet "
                    f"{ilb.subnet!r} ({subnet.prefix}).",
                    part=f"/internalLoadBalancer/{ilb.name}",
                )


def _inside(address: str, prefix: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return False


@check("C2A-307")
def conflicting_ips(ctx: Context) -> Iterator[Hit]:
    holders: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for at in ctx.roles:
        vnet = at.deployment.virtual_network
        if not vnet:
            continue
        if at.role.static_ip:
            holders[(vnet, at.role.static_ip)].append((f"VM {at.role.name}", at.role.state))
        for nic in at.role.secondary_nics:
            if nic.static_ip:
                holders[(vnet, nic.static_ip)].append((f"NIC {nic.name}", at.role.state))
    for service in ctx.estate.cloud_services:
        d = service.deployment
        if d and d.virtual_network:
            for ilb in d.internal_load_balancers:
                if ilb.static_ip:
                    holders[(d.virtual_network, ilb.static_ip)].append((f"ILB {ilb.name}", "Running"))
    for (vnet, ip), users in sorted(item for item in holders.items() if len(item[1]) > 1):
        if len(users) > 1:
            deallocated = [u for u, state in users if state == "StoppedDeallocated"]
            note = f" ({', '.join(deallocated)} stopped-deallocated)" if deallocated else ""
            yield unit_hit(
                f"virtualNetwork/{vnet}",
                f"Private IP {ip} is claimed by {', '.join(u for u, _ in users)} in {vnet!r}{note}.",
                part=f"/ip/{ip}",
            )
