"""ASM routes: parse → call the model → serialize (XML)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.asm import compute_xml, migration, network_xml, storage_xml, writes
from emulator.asm.errors import not_found
from emulator.asm.messages import say
from emulator.asm.requests import flat, parse_xml
from emulator.http import Call, Handler, Reply, Router
from emulator.records import Operation
from emulator.state import Platform
from emulator.xmlw import E, document

router = Router()


def _subnet(call: Call) -> dict[str, Any]:
    vnet = call.platform.find_ci("virtualNetworks", call.params["vnet"])
    if vnet is None:
        raise not_found(say("notfound.vnet", v=call.params["vnet"]))
    subnets: list[dict[str, Any]] = vnet["subnets"]
    for subnet in subnets:
        if subnet["name"].lower() == call.params["subnet"].lower():
            return subnet
    raise not_found(say("notfound.subnet", subnet=call.params["subnet"], v=vnet["name"]))


def subnet_association(key: str, root: str, name_tag: str) -> Handler:
    """`GET …/virtualnetwork/{v}/subnets/{s}/networksecuritygroups|routetables`: the associated
    item's name — `NetworkSecurityGroup/Name` and `RouteTableAssociation/RouteTableName`, as
    Microsoft's client parses them (`getForSubnet`, `getRouteTableForSubnet`) — 404 when there is
    none (an assumption: no recorded answer)."""

    def handler(call: Call) -> Reply:
        name = _subnet(call).get(key)
        if not name:
            raise not_found(say("notfound.association", what=root, subnet=call.params["subnet"]))
        return ok(document(root, [E(name_tag, name)]))

    return handler


HS = "/services/hostedservices"
NW = "/services/networking"


def ok(body: str) -> Reply:
    return Reply(200, body)


def accepted(op: Operation) -> Reply:
    return Reply(202, "", headers={"x-ms-request-id": op.id}, mutated=True)


def _cs(call: Call) -> dict[str, Any]:
    cs = call.platform.find_ci("cloudServices", call.params["service"])
    if cs is None:
        raise not_found(say("notfound.hosted-service"))
    return cs


def list_hosted_services(call: Call) -> Reply:
    return ok(compute_xml.hosted_services(call.platform, call.base))


def get_hosted_service(call: Call) -> Reply:
    detail = call.query.get("embed-detail", "").lower() == "true"
    return ok(compute_xml.hosted_service_doc(call.platform, call.base, _cs(call), detail))


def get_deployment(call: Call) -> Reply:
    cs = writes.find_deployment(
        call.platform, call.params["service"], call.params.get("deployment"), call.params.get("slot")
    )
    return ok(compute_xml.deployment(call.platform, cs))


def get_certificates(call: Call) -> Reply:
    return ok(storage_xml.certificates(call.platform, call.base, _cs(call)))


def migrate_deployment(call: Call) -> Reply:
    body = None
    if call.query.get("comp") in ("validate", "prepare") and call.body.strip():
        body = flat(parse_xml(call.body, "DeploymentNetworkResource"))
    return _migrate(call, "cloudService", call.params["service"], body, call.params["deployment"])


def _migrate(
    call: Call, kind: str, name: str, body: dict[str, str] | None = None, deployment: str | None = None
) -> Reply:
    status, result = migration.handle(call.platform, kind, name, call.query.get("comp"), body, deployment)
    if status == 200:
        assert isinstance(result, list)
        return ok(storage_xml.validation_messages(result))
    assert isinstance(result, Operation)
    return accepted(result)


def _unit_route(kind: str) -> Handler:
    def handler(call: Call) -> Reply:
        return _migrate(call, kind, call.params["name"])

    return handler


def get_operation(call: Call) -> Reply:
    op = call.platform.ops.get(call.params["id"])
    if op is None:
        raise not_found(say("notfound.operation", id=call.params["id"]))
    return ok(storage_xml.operation(op))


def _item(call: Call, collection: str, what: str) -> dict[str, Any]:
    item = call.platform.find_ci(collection, call.params["name"])
    if item is None:
        raise not_found(say("missing.item", what=what, name=call.params["name"]))
    return item


def _full(call: Call) -> bool:
    return any(k.lower() == "detaillevel" and v.lower() == "full" for k, v in call.query.items())


def get_subscription(call: Call) -> Reply:
    """`GET /<subscription>`: the subscription (clients use it to check their credentials)."""
    est = call.platform.estate
    return ok(
        document(
            "Subscription",
            [
                E("SubscriptionID", call.platform.subscription),
                E("SubscriptionName", "c2arm emulator"),
                E("SubscriptionStatus", "Active"),
                E("CurrentHostedServices", len(est["cloudServices"])),
                E("CurrentStorageAccounts", len(est["storageAccounts"])),
                E("CurrentVirtualNetworkSites", len(est["virtualNetworks"])),
            ],
        )
    )


router.add("GET", "", get_subscription)
router.add("GET", HS, list_hosted_services)
router.add("GET", HS + "/{service}", get_hosted_service)
router.add("GET", HS + "/{service}/certificates", get_certificates)
router.add("GET", HS + "/{service}/deployments/{deployment}", get_deployment)
router.add("GET", HS + "/{service}/deploymentslots/{slot}", get_deployment)
router.add(
    "DELETE",
    HS + "/{service}/deployments/{deployment}",
    lambda c: accepted(writes.delete_deployment(c.platform, c.params["service"], c.params["deployment"])),
)
router.add(
    "POST",
    HS + "/{service}/deployments/{deployment}/roles/{role}/DataDisks",
    lambda c: accepted(
        writes.add_data_disk(
            c.platform, c.params["service"], c.params["deployment"], c.params["role"], c.body
        )
    ),
)
router.add(
    "PUT",
    HS + "/{service}/deployments/{deployment}/roles/{role}",
    lambda c: accepted(
        writes.update_role(c.platform, c.params["service"], c.params["deployment"], c.params["role"], c.body)
    ),
)
router.add(
    "POST",
    HS + "/{service}/deployments/{deployment}/roleinstances/{instance}/Operations",
    lambda c: accepted(
        writes.role_operation(
            c.platform, c.params["service"], c.params["deployment"], c.params["instance"], c.body
        )
    ),
)
router.add("POST", HS + "/{service}/deployments/{deployment}/migration", migrate_deployment)
router.add("GET", NW + "/media", lambda c: ok(network_xml.network_configuration(c.platform)))
router.add("PUT", NW + "/media", lambda c: accepted(writes.set_network_configuration(c.platform, c.body)))
router.add("GET", NW + "/virtualnetwork", lambda c: ok(network_xml.virtual_network_sites(c.platform)))
router.add("POST", NW + "/virtualnetwork/{name}/migration", _unit_route("virtualNetwork"))
router.add(
    "GET",
    NW + "/virtualnetwork/{vnet}/subnets/{subnet}/networksecuritygroups",
    subnet_association("networkSecurityGroup", "NetworkSecurityGroup", "Name"),
)
router.add(
    "GET",
    NW + "/virtualnetwork/{vnet}/subnets/{subnet}/routetables",
    subnet_association("routeTable", "RouteTableAssociation", "RouteTableName"),
)


def _vnet(call: Call) -> dict[str, Any]:
    vnet = call.platform.find_ci("virtualNetworks", call.params["vnet"])
    if vnet is None:
        raise not_found(say("notfound.vnet", v=call.params["vnet"]))
    return vnet


def get_gateway(call: Call) -> Reply:
    body = network_xml.gateway_doc(_vnet(call))
    if body is None:
        raise not_found(say("notfound.gateway", v=call.params["vnet"]))
    return ok(body)


router.add("GET", NW + "/{vnet}/gateway", get_gateway)
router.add(
    "GET", NW + "/{vnet}/gateway/connections", lambda c: ok(network_xml.gateway_connections_doc(_vnet(c)))
)


def _network_item_routes(
    segment: str,
    kind: str,
    collection: str,
    what: str,
    title: str,
    listing: Callable[[Platform], str],
    doc: Callable[[Call, dict[str, Any]], str],
) -> None:
    """The four routes of a classic network item migrated on its own (reserved IP, NSG, route
    table): list, get, delete and migration; `what` names a missing one, `title` a deleted one."""
    path = f"{NW}/{segment}"
    router.add("GET", path, lambda c: ok(listing(c.platform)))
    router.add("GET", path + "/{name}", lambda c: ok(doc(c, _item(c, collection, what))))
    router.add(
        "DELETE",
        path + "/{name}",
        lambda c: accepted(writes.delete_network_item(c.platform, kind, collection, c.params["name"], title)),
    )
    router.add("POST", path + "/{name}/migration", _unit_route(kind))


def _listed_routes(segment: str, kind: str, collection: str, what: str, title: str) -> None:
    """An item with entries (an NSG's rules, a route table's routes; `detaillevel=Full`)."""
    _network_item_routes(
        segment,
        kind,
        collection,
        what,
        title,
        lambda p: network_xml.listed_items(p, collection),
        lambda c, item: network_xml.listed_item(c.platform, collection, item, _full(c)),
    )


_network_item_routes(
    "reservedips",
    "reservedIp",
    "reservedIps",
    "reserved IP",
    "Reserved IP",
    network_xml.reserved_ips,
    lambda c, rip: network_xml.reserved_ip_doc(c.platform, rip),
)
_listed_routes(
    "networksecuritygroups",
    "networkSecurityGroup",
    "networkSecurityGroups",
    "network security group",
    "Network Security Group",
)
_listed_routes("routetables", "routeTable", "routeTables", "route table", "Route Table")
router.add("GET", NW + "/dedicatedcircuits", lambda c: ok(network_xml.circuits(c.platform)))


def circuit_links(call: Call) -> Reply:
    circuit = network_xml.circuit_by_key(call.platform, call.params["key"])
    if circuit is None:
        raise not_found(say("notfound.circuit", key=call.params["key"]))
    return ok(network_xml.circuit_links(call.platform, circuit))


router.add("GET", NW + "/dedicatedcircuits/{key}/vnets", circuit_links)
router.add("GET", "/services/storageservices", lambda c: ok(storage_xml.storage_services(c.platform, c.base)))
router.add(
    "GET",
    "/services/storageservices/{name}",
    lambda c: ok(
        storage_xml.storage_service(c.platform, c.base, _item(c, "storageAccounts", "storage account"))
    ),
)
router.add(
    "PUT",
    "/services/storageservices/{name}",
    lambda c: accepted(writes.update_storage(c.platform, c.params["name"], c.body)),
)
router.add("POST", "/services/storageservices/{name}/migration", _unit_route("storageAccount"))
router.add("GET", "/services/disks", lambda c: ok(storage_xml.disks(c.platform)))
router.add("GET", "/services/images", lambda c: ok(storage_xml.images(c.platform)))
router.add("GET", "/operations/{id}", get_operation)
