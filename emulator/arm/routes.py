"""ARM routes (JSON): resource groups, resources, Microsoft.Network collections and items.

Any api-version is accepted. Lists are paged with `nextLink` (`$skiptoken` = offset; page size
from the admin settings, default 100) so clients' paging is exercised.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlencode

from emulator.arm import compute
from emulator.arm.errors import ArmError, group_not_found, resource_not_found
from emulator.arm.messages import say
from emulator.classic import HOLDING_STATES
from emulator.http import Call, Reply, Router, json_reply
from emulator.records import ArmResource, ResourceGroup

router = Router()
router.routes.extend(compute.router.routes)  # first: they are more specific than the generic routes
PROVIDER = "Microsoft.ClassicInfrastructureMigrate"


def _page(call: Call, items: list[dict[str, Any]]) -> Reply:
    size = call.platform.controls.settings.arm_page_size
    try:
        top = int(call.query.get("$top", size))
        start = int(call.query.get("$skiptoken", "0"))
    except ValueError as exc:
        raise ArmError(400, "InvalidParameter", say("arm.bad-paging")) from exc
    size = max(1, min(size, top))
    body: dict[str, Any] = {"value": items[start : start + size]}
    if start + size < len(items):
        query = {k: v for k, v in call.query.items() if k != "$skiptoken"}
        query["$skiptoken"] = str(start + size)
        body["nextLink"] = f"{call.base}{call.path}?{urlencode(query)}"
    return json_reply(200, body)


def _group(call: Call) -> ResourceGroup:
    group = call.platform.groups.get(call.params["group"].lower())
    if group is None:
        raise group_not_found(call.params["group"])
    return group


def _in_group(call: Call, group: str) -> list[ArmResource]:
    prefix = f"/subscriptions/{call.platform.subscription}/resourcegroups/{group.lower()}/"
    return [r for rid, r in sorted(call.platform.resources.items()) if rid.startswith(prefix)]


def list_groups(call: Call) -> Reply:
    return _page(call, [g.wire() for _, g in sorted(call.platform.groups.items())])


def get_group(call: Call) -> Reply:
    group = _group(call)
    if call.method == "HEAD":
        return Reply(204, "", "application/json")
    return json_reply(200, group.wire())


def _summary(res: ArmResource) -> dict[str, Any]:
    doc = res.doc
    out: dict[str, Any] = {k: doc[k] for k in ("id", "name", "type", "location", "tags") if k in doc}
    for k in ("sku", "kind"):
        if k in doc:
            out[k] = doc[k]
    return out


def list_group_resources(call: Call) -> Reply:
    group = _group(call)
    return _page(call, [_summary(r) for r in _in_group(call, group.name)])


def list_resources(call: Call) -> Reply:
    return _page(call, [_summary(r) for _, r in sorted(call.platform.resources.items())])


def provider(call: Call) -> Reply:
    ns = call.params["ns"]
    registered = call.platform.estate["migrationProviderRegistered"] or ns.lower() != PROVIDER.lower()
    return json_reply(
        200,
        {
            "id": f"/subscriptions/{call.platform.subscription}/providers/{ns}",
            "namespace": ns,
            "registrationState": "Registered" if registered else "NotRegistered",
            "resourceTypes": [],
        },
    )


def register_provider(call: Call) -> Reply:
    if call.params["ns"].lower() == PROVIDER.lower():
        call.platform.estate["migrationProviderRegistered"] = True
    reply = provider(call)
    reply.mutated = True
    return reply


def usages(call: Call) -> Reply:
    """Network usages: limit = remaining quota of the estate + what prepared units use."""
    used: dict[str, int] = {}
    for record in call.platform.units.values():
        if record.state in HOLDING_STATES:
            for k, n in record.usage.items():
                used[k] = used.get(k, 0) + n
    quotas = call.platform.estate["armQuotas"]
    names = {
        "publicIPAddresses": "PublicIPAddresses",
        "staticPublicIPAddresses": "StaticPublicIPAddresses",
        "loadBalancers": "LoadBalancers",
        "networkSecurityGroups": "NetworkSecurityGroups",
        "routeTables": "RouteTables",
        "networkInterfaces": "NetworkInterfaces",
    }
    loc = call.params["location"]
    items = [
        {
            "id": f"/subscriptions/{call.platform.subscription}/providers/Microsoft.Network/locations/{loc}/usages/{arm}",  # noqa: E501
            "name": {"value": arm, "localizedValue": arm},
            "currentValue": used.get(key, 0),
            "limit": quotas[key],
            "unit": "Count",
        }
        for key, arm in names.items()
    ]
    return _page(call, items)


def list_by_type(call: Call) -> Reply:
    rtype = f"{call.params['ns']}/{call.params['type']}".lower()
    group = call.params.get("group")
    if group is not None:
        _group(call)
        pool = _in_group(call, group)
    else:
        pool = [r for _, r in sorted(call.platform.resources.items())]
    return _page(call, [compute.body(call, r) for r in pool if r.type.lower() == rtype])


def get_by_path(call: Call) -> Reply:
    """`/resourceGroups/{g}/providers/{ns}/{type}/{name}[/{child}[/{childName}]…]`."""
    group = _group(call)
    segments = [s for s in call.params["rest"].split("/") if s]
    ns, rtype, name = call.params["ns"], segments[0], segments[1]
    base_id = f"/subscriptions/{call.platform.subscription}/resourcegroups/{group.name.lower()}/providers/{ns.lower()}"  # noqa: E501
    full = call.platform.resources.get(f"{base_id}/{'/'.join(segments)}".lower())
    if full is not None:
        return json_reply(200, full.doc)
    parent = call.platform.resources.get(f"{base_id}/{rtype}/{name}".lower())
    if parent is None:
        raise resource_not_found(f"{ns}/{rtype}", name, group.name)
    rest = segments[2:]
    if len(rest) == 1:
        # children of a resource: a list held in its properties, or child resources (extensions)
        children = parent.properties.get(rest[0])
        if isinstance(children, list):
            return _page(call, children)
        prefix = f"{parent.id}/{rest[0]}/".lower()
        kids = [r.doc for rid, r in sorted(call.platform.resources.items()) if rid.startswith(prefix)]
        if kids:
            return _page(call, kids)
        raise resource_not_found(f"{ns}/{rtype}/{rest[0]}", name, group.name)
    if len(rest) == 2:
        for child in parent.properties.get(rest[0]) or []:
            if isinstance(child, dict) and child.get("name", "").lower() == rest[1].lower():
                return json_reply(200, child)
        raise resource_not_found(f"{ns}/{rtype}/{rest[0]}", f"{name}/{rest[1]}", group.name)
    raise ArmError(400, "InvalidResourceType", say("arm.path-not-supported", path=call.path))


CLASSIC_SCOPES = {
    "virtualNetwork": "Microsoft.ClassicNetwork/virtualNetworks",
    "cloudService": "Microsoft.ClassicCompute/domainNames",
    "storageAccount": "Microsoft.ClassicStorage/storageAccounts",
    "reservedIp": "Microsoft.ClassicNetwork/reservedIps",
    "networkSecurityGroup": "Microsoft.ClassicNetwork/networkSecurityGroups",
    "routeTable": "Microsoft.ClassicNetwork/routeTables",
}


def role_assignments(call: Call) -> Reply:
    """The estate's RBAC assignments on the subscription and on classic resources.

    Classic resources sit in an invented resource group `classic`; `principalName`,
    `roleDefinitionName` and `classicScope` (`KIND/NAME`) are invented too (documented)."""
    sub = call.platform.subscription
    items = []
    for entry in call.platform.estate["rbac"]:
        scope = f"/subscriptions/{sub}"
        if entry["scope"] != "subscription":
            kind, name = entry["scope"].split("/", 1)
            scope += f"/resourceGroups/classic/providers/{CLASSIC_SCOPES[kind]}/{name}"
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{entry['principal']}|{entry['role']}|{scope}"))
        role_id = uuid.uuid5(uuid.NAMESPACE_URL, "role:" + entry["role"])
        items.append(
            {
                "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}",
                "name": guid,
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_id}",  # noqa: E501
                    "roleDefinitionName": entry["role"],
                    "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, "principal:" + entry["principal"])),
                    "principalName": entry["principal"],
                    "scope": scope,
                    "classicScope": entry["scope"],
                },
            }
        )
    return _page(call, items)


def writes_refused(call: Call) -> Reply:
    raise ArmError(
        405,
        "MethodNotAllowed",
        say("arm.read-only", method=call.method, path=call.path),
    )


router.add("GET", "/resourcegroups", list_groups)
router.add("GET", "/resourcegroups/{group}", get_group)
router.add("GET", "/resourcegroups/{group}/resources", list_group_resources)
router.add("GET", "/resources", list_resources)
router.add("GET", "/providers/{ns}", provider)
router.add("POST", "/providers/{ns}/register", register_provider)
router.add("GET", "/providers/Microsoft.Network/locations/{location}/usages", usages)
router.add("GET", "/providers/Microsoft.Authorization/roleAssignments", role_assignments)
router.add("GET", "/providers/{ns}/{type}", list_by_type)
router.add("GET", "/resourcegroups/{group}/providers/{ns}/{type}", list_by_type)
router.routes.append(
    (
        "GET",
        re.compile(
            r"^/resourcegroups/(?P<group>[^/]+)/providers/(?P<ns>[^/]+)/(?P<rest>[^/]+/[^/]+(?:/[^/]+)*)/?$",
            re.I,
        ),
        get_by_path,
    )
)
for _method in ("PUT", "PATCH", "DELETE", "POST"):
    router.routes.append((_method, re.compile(r"^/.*$"), writes_refused))
