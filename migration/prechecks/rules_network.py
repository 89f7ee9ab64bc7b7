"""Address prefixes ARM refuses (→ error) and the ordering rules (→ blocked)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from migration.prechecks.catalogue import Hit, check, unit_hit
from migration.prechecks.context import Context

ARM_SMALLEST_SUBNET = 29  # ARM refuses subnets smaller than /29


def _net(prefix: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return None


def _within(
    net: ipaddress.IPv4Network | ipaddress.IPv6Network, space: ipaddress.IPv4Network | ipaddress.IPv6Network
) -> bool:
    """`net` lies inside `space` (never, across IP versions)."""
    if isinstance(net, ipaddress.IPv4Network) and isinstance(space, ipaddress.IPv4Network):
        return net.subnet_of(space)
    if isinstance(net, ipaddress.IPv6Network) and isinstance(space, ipaddress.IPv6Network):
        return net.subnet_of(space)
    return False


def _host_bits(prefix: str) -> bool:
    try:
        ipaddress.ip_network(prefix, strict=True)
        return False
    except ValueError:
        return True


def prefix_problems(vnet_space: list[str], subnets: list[tuple[str, str]]) -> list[str]:
    """Why a VNet's address space and subnets (name, prefix) would be refused by ARM."""
    problems = [f"address space {p} has host bits set" for p in vnet_space if _host_bits(p)]
    spaces = [n for p in vnet_space if (n := _net(p)) is not None]
    for i, a in enumerate(spaces):
        for b in spaces[i + 1 :]:
            if a.version == b.version and a.overlaps(b):
                problems.append(f"address spaces {a} and {b} overlap")
    nets: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for name, prefix in subnets:
        net = _net(prefix)
        if net is None:
            continue
        if _host_bits(prefix):
            problems.append(f"subnet {name} prefix {prefix} has host bits set")
        if net.version == 4 and net.prefixlen > ARM_SMALLEST_SUBNET:
            problems.append(f"subnet {name} prefix {prefix} is smaller than /{ARM_SMALLEST_SUBNET}")
        if not any(_within(net, s) for s in spaces):
            problems.append(f"subnet {name} prefix {prefix} is outside the address space")
        for other_name, other in nets:
            if other.version == net.version and other.overlaps(net):
                problems.append(f"subnets {other_name} and {name} overlap")
        nets.append((name, net))
    return problems


@check("C2A-308")
def invalid_prefixes(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        for problem in prefix_problems(vnet.address_space, [(s.name, s.prefix) for s in vnet.subnets]):
            yield unit_hit(f"virtualNetwork/{vnet.name}", f"Virtual network {vnet.name!r}: {problem}.")
        sites = {c.local_network_site for g in vnet.gateways for c in g.connections}
        for site in ctx.estate.local_network_sites:
            if site.name in sites:
                for prefix in site.address_space:
                    if _host_bits(prefix):
                        yield Hit(
                            f"virtualNetwork/{vnet.name}",
                            f"localNetworkSite/{site.name}",
                            f"Local network site {site.name!r}: address space {prefix} has host bits set.",
                        )


@check("C2A-401")
def circuit_pending(ctx: Context) -> Iterator[Hit]:
    circuits = {c.name: c for c in ctx.estate.express_route_circuits}
    for vnet in ctx.estate.virtual_networks:
        for gateway in vnet.gateways:
            circuit = circuits.get(gateway.circuit or "")
            if gateway.kind == "ExpressRoute" and circuit is not None and not circuit.moved_to_arm:
                yield unit_hit(
                    f"virtualNetwork/{vnet.name}",
                    f"Virtual network {vnet.name!r} waits for ExpressRoute circuit "
                    f"{circuit.name!r} to be moved to ARM.",
                    part="/gateway",
                    blocked_by=(f"expressRouteCircuit/{circuit.name}",),
                )


@check("C2A-402")
def storage_in_use(ctx: Context) -> Iterator[Hit]:
    for account in ctx.estate.storage_accounts:
        users = sorted(ctx.account_users.get(account.name, ()))
        if users:
            yield unit_hit(
                f"storageAccount/{account.name}",
                f"Storage account {account.name!r} holds disks of VMs in {', '.join(users)}.",
                blocked_by=tuple(users),
            )
