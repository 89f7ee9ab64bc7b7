"""Cross-reference checks of an estate file: unique names and references that must resolve.

They run on the raw mapping (not the model) so that they can be reported together with the
structural errors of the same file: every problem at once, each with its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Issue = tuple[str, str]


def _items(container: Any, key: str, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, mapping) of every mapping in the list `container[key]`; anything else is skipped
    (the structural check reports it)."""
    if not isinstance(container, dict):
        return
    values = container.get(key)
    if not isinstance(values, list):
        return
    for i, value in enumerate(values):
        if isinstance(value, dict):
            yield f"{path}{key}[{i}]", value


def _name(item: dict[str, Any]) -> str | None:
    value = item.get("name")
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _unique(items: list[tuple[str, dict[str, Any]]], what: str, issues: list[Issue]) -> set[str]:
    seen: dict[str, str] = {}
    for path, item in items:
        name = _name(item)
        if name is None:
            continue
        if name in seen:
            issues.append((f"{path}.name", f"duplicate {what} name {name!r} (first at {seen[name]})"))
        else:
            seen[name] = path
    return set(seen)


def _ref(item: dict[str, Any], key: str, path: str, known: set[str], what: str, issues: list[Issue]) -> None:
    value = item.get(key)
    if isinstance(value, str) and value not in known:
        issues.append((f"{path}.{key}", f"unknown {what} {value!r}"))


def check_references(raw: Any) -> list[Issue]:
    """Every duplicate name and unresolved reference in the raw estate mapping `raw`."""
    issues: list[Issue] = []
    if not isinstance(raw, dict):
        return issues
    top = {
        key: list(_items(raw, key, ""))
        for key in (
            "virtualNetworks",
            "localNetworkSites",
            "expressRouteCircuits",
            "networkSecurityGroups",
            "routeTables",
            "reservedIps",
            "storageAccounts",
            "disks",
            "images",
            "cloudServices",
        )
    }
    names = {
        "virtualNetworks": _unique(top["virtualNetworks"], "virtual network", issues),
        "localNetworkSites": _unique(top["localNetworkSites"], "local network site", issues),
        "expressRouteCircuits": _unique(top["expressRouteCircuits"], "ExpressRoute circuit", issues),
        "networkSecurityGroups": _unique(top["networkSecurityGroups"], "network security group", issues),
        "routeTables": _unique(top["routeTables"], "route table", issues),
        "reservedIps": _unique(top["reservedIps"], "reserved IP", issues),
        "storageAccounts": _unique(top["storageAccounts"], "storage account", issues),
        "images": _unique(top["images"], "image", issues),
        "cloudServices": _unique(top["cloudServices"], "cloud service", issues),
    }
    subnets_of: dict[str, set[str]] = {}
    for path, vnet in top["virtualNetworks"]:
        subnets = list(_items(vnet, "subnets", f"{path}."))
        subnet_names = _unique(subnets, "subnet", issues)
        if (vname := _name(vnet)) is not None:
            subnets_of[vname] = subnet_names
        for spath, subnet in subnets:
            _ref(
                subnet,
                "networkSecurityGroup",
                spath,
                names["networkSecurityGroups"],
                "network security group",
                issues,
            )
            _ref(subnet, "routeTable", spath, names["routeTables"], "route table", issues)
        for gpath, gateway in _items(vnet, "gateways", f"{path}."):
            _ref(gateway, "circuit", gpath, names["expressRouteCircuits"], "ExpressRoute circuit", issues)
            for cpath, conn in _items(gateway, "connections", f"{gpath}."):
                _ref(
                    conn, "localNetworkSite", cpath, names["localNetworkSites"], "local network site", issues
                )
    for kind in ("networkSecurityGroups", "routeTables"):
        child = "rules" if kind == "networkSecurityGroups" else "routes"
        for path, item in top[kind]:
            _unique(list(_items(item, child, f"{path}.")), child[:-1], issues)
    for path, rip in top["reservedIps"]:
        _ref(rip, "cloudService", path, names["cloudServices"], "cloud service", issues)
    _check_disk_names(top, issues)
    for path, service in top["cloudServices"]:
        _check_deployment(service, f"{path}.deployment", names, subnets_of, issues)
    return issues


def _check_disk_names(top: dict[str, Any], issues: list[Issue]) -> None:
    """Disk names are unique across the registry and every role's OS and data disks."""
    disks: list[tuple[str, dict[str, Any]]] = list(top["disks"])
    for cpath, service in top["cloudServices"]:
        deployment = service.get("deployment")
        for rpath, role in _items(deployment, "roles", f"{cpath}.deployment."):
            if isinstance(role.get("osDisk"), dict):
                disks.append((f"{rpath}.osDisk", role["osDisk"]))
            disks.extend(_items(role, "dataDisks", f"{rpath}."))
    seen: dict[str, str] = {}
    for path, disk in disks:
        name = _name(disk)
        if name is not None and name in seen:
            issues.append((f"{path}.name", f"duplicate disk name {name!r} (first at {seen[name]})"))
        elif name is not None:
            seen[name] = path


def _check_deployment(
    service: dict[str, Any],
    path: str,
    names: dict[str, set[str]],
    subnets_of: dict[str, set[str]],
    issues: list[Issue],
) -> None:
    deployment = service.get("deployment")
    if not isinstance(deployment, dict):
        return
    vnet = deployment.get("virtualNetwork")
    _ref(deployment, "virtualNetwork", path, names["virtualNetworks"], "virtual network", issues)
    _ref(deployment, "reservedIp", path, names["reservedIps"], "reserved IP", issues)
    subnets = subnets_of.get(vnet) if isinstance(vnet, str) else None
    ilbs = list(_items(deployment, "internalLoadBalancers", f"{path}."))
    ilb_names = _unique(ilbs, "internal load balancer", issues)
    for ipath, ilb in ilbs:
        _subnet_ref(ilb.get("subnet"), f"{ipath}.subnet", vnet, subnets, issues)
    roles = list(_items(deployment, "roles", f"{path}."))
    _unique(roles, "role", issues)
    paas = isinstance(deployment.get("kind"), str) and deployment["kind"].casefold() == "paas"
    where = _Where(vnet, subnets, names, ilb_names)
    for rpath, role in roles:
        if not paas and "osDisk" not in role:
            issues.append((f"{rpath}.osDisk", "required for an IaaS role"))
        _check_role(role, rpath, where, issues)


@dataclass(frozen=True)
class _Where:
    """What a role's references resolve against: its deployment's VNet and the estate's names."""

    vnet: Any
    subnets: set[str] | None
    names: dict[str, set[str]]
    ilb_names: set[str]


def _check_role(role: dict[str, Any], rpath: str, where: _Where, issues: list[Issue]) -> None:
    role_subnets = role.get("subnets")
    if isinstance(role_subnets, list):
        for i, subnet in enumerate(role_subnets):
            _subnet_ref(subnet, f"{rpath}.subnets[{i}]", where.vnet, where.subnets, issues)
    nsgs = where.names["networkSecurityGroups"]
    _ref(role, "networkSecurityGroup", rpath, nsgs, "network security group", issues)
    nics = list(_items(role, "secondaryNics", f"{rpath}."))
    _unique(nics, "secondary NIC", issues)
    for npath, nic in nics:
        _subnet_ref(nic.get("subnet"), f"{npath}.subnet", where.vnet, where.subnets, issues)
    endpoints = list(_items(role, "endpoints", f"{rpath}."))
    _unique(endpoints, "endpoint", issues)
    for epath, endpoint in endpoints:
        _ref(endpoint, "internalLoadBalancer", epath, where.ilb_names, "internal load balancer", issues)
    _unique(list(_items(role, "extensions", f"{rpath}.")), "extension", issues)
    _check_luns(role, rpath, issues)
    boot = role.get("bootDiagnostics")
    if isinstance(boot, dict):
        accounts = where.names["storageAccounts"]
        _ref(boot, "storageAccount", f"{rpath}.bootDiagnostics", accounts, "storage account", issues)


def _check_luns(role: dict[str, Any], rpath: str, issues: list[Issue]) -> None:
    """A role's data disks have distinct LUNs."""
    luns: dict[Any, str] = {}
    for dpath, disk in _items(role, "dataDisks", f"{rpath}."):
        lun = disk.get("lun")
        if isinstance(lun, int) and lun in luns:
            issues.append((f"{dpath}.lun", f"duplicate LUN {lun} (first at {luns[lun]})"))
        elif isinstance(lun, int):
            luns[lun] = dpath


def _subnet_ref(value: Any, path: str, vnet: Any, subnets: set[str] | None, issues: list[Issue]) -> None:
    if not isinstance(value, str):
        return
    if not isinstance(vnet, str):
        issues.append((path, f"subnet {value!r} named but the deployment has no virtualNetwork"))
    elif subnets is not None and value not in subnets:
        issues.append((path, f"unknown subnet {value!r} in virtual network {vnet!r}"))
