"""A unit's scoped snapshot: the subscription's lists plus the unit's neighbourhood, read fresh.

`read_snapshot` reads the whole subscription (one detail read per cloud service, NSG, route
table, gateway and subnet association); a unit needs only its neighbourhood
(`migration.neighbourhood`, per kind). `read_scoped` reads every subscription-level list (one
GET each, whatever the estate's size, all at once), then in detail only the neighbourhood: the
services the inventory (or the fresh disk registry and reserved-IP list) places there, the
services the inventory does not know yet, the NSGs and route tables they name, and the unit's own VNet's
associations, gateway, connections and circuit links. Nothing is cached: a storage account read
just after its VNet committed sees the commit (the VNet's services answer 404, or are no longer
listed, and its VMs no longer hold the account's disks).

The estate it returns holds the lists in full and the neighbourhood in detail; resources outside
the neighbourhood that need a detail read are absent (services, NSGs, route tables) or carry
their list-level data only (other VNets: address space and subnets without per-subnet
association reads, no gateway). The prechecks' findings for the unit and its expected ARM are
the same as from the full snapshot (`tests/integration/connectors/test_scoped_equivalence.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from connectors.asm.client import AsmClient
from connectors.asm.snapshot import (
    ClassicSnapshot,
    _association,
    _circuit_links,
    _optional,
    _production,
    _with_gateways,
)
from connectors.asm.units import seg
from connectors.asm.xml_common import child, children, text
from connectors.asm.xml_deployment import parse_cloud_service, parse_hosted_services
from connectors.asm.xml_gateway import circuit_service_keys, parse_circuits
from connectors.asm.xml_network import (
    parse_local_network_sites,
    parse_network_security_group,
    parse_reserved_ips,
    parse_route_table,
    parse_virtual_networks,
)
from connectors.asm.xml_storage import parse_disks, parse_images, parse_storage_accounts
from migration.estate import DEFAULT_LOCATION, CloudService, Estate, VirtualNetwork, media_link_parts
from migration.neighbourhood import Inventory, Neighbourhood, service_links, services_of, subnets_naming
from migration.units import UnitRef

NET = "/services/networking"
#: detail reads in flight at once for one unit (each still takes its slot from the limiter)
PARALLEL_READS = 4


@dataclass(frozen=True)
class ScopedRead:
    """A unit's snapshot, the inventory brought up to date, what was read in detail, and how
    many classic GETs it took (each call once; the transport's quick retries not counted)."""

    snapshot: ClassicSnapshot
    inventory: Inventory
    neighbourhood: Neighbourhood
    gets: int = 0


class CountingClient(AsmClient):
    """The given client (its transport, limiter and any override of `get_xml`), counting the
    GETs made through it."""

    def __init__(self, client: AsmClient) -> None:
        super().__init__(client.http)
        self._inner = client
        self._lock = threading.Lock()  # the lists are read from several threads at once
        self.gets = 0

    def get_xml(self, path: str, service: str, params: Mapping[str, str] | None = None) -> Element:
        with self._lock:
            self.gets += 1
        return self._inner.get_xml(path, service, params)


def disk_users(disks: Element) -> dict[str, set[str]]:
    """`{storage account: services whose VMs have a disk in it}` from the disk registry
    (`AttachedTo/HostedServiceName` and the disk's `MediaLink`)."""
    users: dict[str, set[str]] = {}
    for disk in children(disks, "Disk"):
        attached = child(disk, "AttachedTo")
        service = text(attached, "HostedServiceName") if attached is not None else None
        link = text(disk, "MediaLink")
        account = media_link_parts(link)[0] if link else None
        if service and account:
            users.setdefault(account, set()).add(service)
    return users


def _services(
    client: AsmClient, listed: list[tuple[str, str | None]], wanted: set[str], sizes: dict[str, int]
) -> list[CloudService]:
    """The `wanted` services of the list, in detail (one still there when read), in the list's
    order; each service's two reads (detail, certificates) at once with the others'."""

    def read(i: int, name: str, location: str | None) -> CloudService | None:
        path = f"/services/hostedservices/{seg(name)}"
        detail = _optional(client, path, "compute", {"embed-detail": "true"})
        if detail is None:
            return None  # gone since the list (committed or deleted meanwhile)
        certificates = _optional(client, f"{path}/certificates", "compute")
        location = location or text(detail, "HostedServiceProperties", "Location")
        where = f"cloudServices[{i}]"
        return parse_cloud_service(name, location, _production(detail), certificates, sizes, where=where)

    todo = [(i, name, location) for i, (name, location) in enumerate(listed) if name in wanted]
    if not todo:
        return []
    with ThreadPoolExecutor(max_workers=min(len(todo), PARALLEL_READS), thread_name_prefix="asm-svc") as pool:
        found = list(pool.map(lambda item: read(*item), todo))
    return [service for service in found if service is not None]


def _associate(client: AsmClient, vnet: VirtualNetwork, subnets: set[str]) -> VirtualNetwork:
    """`vnet` with the NSG and route-table associations of `subnets` read (per-subnet reads
    where the VNet list did not report them; 404 = none)."""
    updated = []
    for subnet in vnet.subnets:
        if subnet.name in subnets and subnet.name != "GatewaySubnet":
            base = f"{NET}/virtualnetwork/{seg(vnet.name)}/subnets/{seg(subnet.name)}"
            update = {}
            if subnet.network_security_group is None:
                update["network_security_group"] = _association(client, f"{base}/networksecuritygroups")
            if subnet.route_table is None:
                update["route_table"] = _association(client, f"{base}/routetables")
            subnet = subnet.model_copy(update={k: v for k, v in update.items() if v})
        updated.append(subnet)
    return vnet.model_copy(update={"subnets": updated})


def _with_gateway(
    client: AsmClient, vnet: VirtualNetwork, listed: Element | None, circuit_keys: dict[str, str], index: int
) -> VirtualNetwork:
    """The unit's VNet with its gateways (as `read_snapshot` reads them)."""
    return _with_gateways(client, vnet, listed, _circuit_links(client, circuit_keys), index)


def _details(client: AsmClient, kind: str, wanted: set[str]) -> list[Element]:
    """Detail reads of the `wanted` NSGs or route tables (one gone since is absent: 404)."""
    params = {"detaillevel": "Full"} if kind == "networksecuritygroups" else {"detailLevel": "full"}
    found = []
    for name in sorted(wanted):
        detail = _optional(client, f"{NET}/{kind}/{seg(name)}", "network", params)
        if detail is not None:
            found.append(detail)
    return found


# The subscription-level lists each kind needs (one GET each). A list a kind's rules and
# translation never look at is not read: a route table needs no hosted services, a cloud service
# outside any VNet no network configuration.
LISTS: dict[str, frozenset[str]] = {
    "virtualNetwork": frozenset({"hosted", "disks", "network", "circuits", "reservedIps", "accounts"}),
    "cloudService": frozenset({"hosted", "disks", "reservedIps", "accounts"}),
    "storageAccount": frozenset({"hosted", "disks", "images", "accounts"}),
    "reservedIp": frozenset({"hosted", "reservedIps"}),
    "networkSecurityGroup": frozenset({"hosted", "network"}),
    "routeTable": frozenset({"network"}),
}


def read_lists(client: AsmClient, lists: frozenset[str]) -> dict[str, Element | None]:
    """The subscription-level lists named in `lists` (`LISTS`' names; `network` is the network
    configuration and the VNet list), read at once, a thread each: they do not depend on each
    other, so a unit's snapshot waits for one round trip, not one per list. An optional list
    the platform does not have (404) is None; any other failure is raised."""
    reads: dict[str, Callable[[], Element | None]] = {
        "hosted": lambda: client.get_xml("/services/hostedservices", "compute"),
        "reservedIps": lambda: client.get_xml(f"{NET}/reservedips", "network"),
        "disks": lambda: client.get_xml("/services/disks", "compute"),
        "media": lambda: _optional(client, f"{NET}/media", "network"),
        "network": lambda: client.get_xml(f"{NET}/virtualnetwork", "network"),
        "circuits": lambda: _optional(client, f"{NET}/dedicatedcircuits", "network"),
        "images": lambda: client.get_xml("/services/images", "compute"),
        "accounts": lambda: client.get_xml("/services/storageservices", "storage"),
    }
    wanted = sorted(lists | ({"media"} if "network" in lists else set()))
    with ThreadPoolExecutor(max_workers=len(wanted) or 1, thread_name_prefix="asm-list") as pool:
        futures = {name: pool.submit(reads[name]) for name in wanted}
        return {name: future.result() for name, future in futures.items()}


def read_scoped(
    client: AsmClient, unit: UnitRef, inventory: Inventory, location: str = DEFAULT_LOCATION
) -> ScopedRead:
    """`unit`'s scoped snapshot (see the module docstring) and the inventory brought up to date."""
    client = CountingClient(client)
    compute, lists = "compute", LISTS[unit.kind]
    read_first = read_lists(client, lists)
    hosted, reserved = read_first.get("hosted"), read_first.get("reservedIps")
    listed = parse_hosted_services(hosted) if hosted is not None else []
    reserved_ips = parse_reserved_ips(reserved) if reserved is not None else []
    names = {name for name, _ in listed} if "hosted" in lists else set(inventory.services)
    unknown = names - set(inventory.services)
    reserved_by = {r.name: r.cloud_service for r in reserved_ips if r.cloud_service}
    disks = read_first.get("disks")
    wanted = set(services_of(unit, inventory, disk_users(disks) if disks is not None else {}, reserved_by))
    wanted = wanted & names | unknown
    if disks is None and wanted:  # a holder or user of the unit: its disks' sizes are in the registry
        disks = client.get_xml("/services/disks", compute)
    unattached, sizes = parse_disks(disks) if disks is not None else ([], {})
    services = _services(client, listed, wanted, sizes)
    read = {s.name for s in services}
    partial = Estate(
        version=1, subscription_id=client.http.subscription_id, location=location, cloud_services=services
    )
    fresh = {name: service_links(partial, name) for name in read}
    kept = {n: s for n, s in inventory.services.items() if n in names and n not in wanted}
    inventory = Inventory({**kept, **fresh}, inventory.subnets)

    netcfg, vnet_list, circuits = (
        read_first.get("media"),
        read_first.get("network"),
        read_first.get("circuits"),
    )
    vnets = parse_virtual_networks(netcfg, vnet_list) if netcfg is not None and vnet_list is not None else []
    listed_sites = (
        {text(site, "Name"): site for site in children(vnet_list, "VirtualNetworkSite")}
        if vnet_list is not None
        else {}
    )
    circuit_keys = circuit_service_keys(circuits)
    nsgs_wanted = {n for _, _, r in partial.roles() if (n := r.network_security_group)}
    rts_wanted: set[str] = set()
    subnets = set(subnets_naming(inventory, unit))
    full_vnet = unit.name if unit.kind == "virtualNetwork" else None
    result = []
    for i, vnet in enumerate(vnets):
        if vnet.name == full_vnet:
            vnet = _associate(client, vnet, {s.name for s in vnet.subnets})
            vnet = _with_gateway(client, vnet, listed_sites.get(vnet.name), circuit_keys, i)
            nsgs_wanted |= {n for s in vnet.subnets if (n := s.network_security_group)}
            rts_wanted |= {t for s in vnet.subnets if (t := s.route_table)}
        elif any(v == vnet.name for v, _ in subnets):
            vnet = _associate(client, vnet, {s for v, s in subnets if v == vnet.name})
        result.append(vnet)
    if unit.kind == "networkSecurityGroup":
        nsgs_wanted.add(unit.name)
    if unit.kind == "routeTable":
        rts_wanted.add(unit.name)
    nsg_details = _details(client, "networksecuritygroups", nsgs_wanted)
    rt_details = _details(client, "routetables", rts_wanted)
    subnet_map = {
        v.name: {s.name: (s.network_security_group, s.route_table) for s in v.subnets}
        for v in result
        if v.name == full_vnet or any(x == v.name for x, _ in subnets)
    }
    inventory = Inventory(inventory.services, {**inventory.subnets, **subnet_map})
    image_list, account_list = read_first.get("images"), read_first.get("accounts")
    images = parse_images(image_list) if image_list is not None else []
    accounts = parse_storage_accounts(account_list) if account_list is not None else []
    estate = Estate(
        version=1,
        subscription_id=client.http.subscription_id,
        location=location,
        virtual_networks=result,
        local_network_sites=parse_local_network_sites(netcfg) if netcfg is not None and full_vnet else [],
        network_security_groups=[
            parse_network_security_group(d, f"networkSecurityGroups[{i}]") for i, d in enumerate(nsg_details)
        ],
        route_tables=[parse_route_table(d, f"routeTables[{i}]") for i, d in enumerate(rt_details)],
        reserved_ips=reserved_ips,
        storage_accounts=accounts,
        disks=unattached,
        images=images,
        express_route_circuits=parse_circuits(circuits),
        cloud_services=services,
    )
    own = {
        (v.name, x.name)
        for v in result
        if v.name == full_vnet
        for x in v.subnets
        if x.name != "GatewaySubnet"
    }
    hood = Neighbourhood(
        frozenset(read), frozenset(nsgs_wanted), frozenset(rts_wanted), full_vnet, frozenset(subnets | own)
    )
    return ScopedRead(ClassicSnapshot(estate, circuit_keys), inventory, hood, client.gets)
