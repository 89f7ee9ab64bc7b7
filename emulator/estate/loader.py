"""Load an estate file into plain, normalized dictionaries, reporting every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import estate_yaml
from emulator.estate.model import ESTATE, UNIT_KINDS
from emulator.estate.schema import Errors


class EstateError(ValueError):
    """The estate file is unusable; `errors` holds every `path: message` line."""

    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: {len(errors)} error(s)\n" + "\n".join(errors))
        self.errors = errors


def load_estate(path: Path) -> dict[str, Any]:
    """Read and validate `path` (YAML, or JSON by extension); raise EstateError with all errors.

    A file that is not an estate at all (not UTF-8, binary, too big, broken syntax, an alias
    bomb) is one `<file>: problem` line, never a traceback.
    """
    try:
        data = estate_yaml.read_file(path)
    except OSError as exc:
        raise EstateError(str(path), [f"<file>: cannot read: {exc.strerror or exc}"]) from None
    try:
        raw = estate_yaml.parse_bytes(data, json_syntax=path.suffix.lower() == ".json")
    except estate_yaml.ReadError as exc:
        raise EstateError(str(path), [f"<file>: {exc}"]) from None
    return parse_estate(raw, str(path))


def parse_estate(raw: Any, source: str = "<estate>") -> dict[str, Any]:
    """Validate an already-parsed document; return the normalized estate."""
    errors = Errors()
    estate = ESTATE.check(raw, "", errors)
    if estate is None:
        raise EstateError(source, list(errors))
    _inherit_locations(estate)
    _check_references(estate, errors)
    if errors:
        raise EstateError(source, list(errors))
    return estate


def _inherit_locations(estate: dict[str, Any]) -> None:
    default = estate["location"]
    for kind in ("virtualNetworks", "networkSecurityGroups", "routeTables", "reservedIps", "storageAccounts"):
        for item in estate[kind]:
            if item and not item.get("location"):
                item["location"] = default
    for cs in estate["cloudServices"]:
        if cs and not cs.get("location"):
            cs["location"] = default


def _names(estate: dict[str, Any], kind: str, errors: Errors) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i, item in enumerate(estate[kind]):
        name = (item or {}).get("name")
        if name is None:
            continue
        if name in seen:
            errors.add(f"{kind}[{i}].name", f"duplicate name {name!r} (also {kind}[{seen[name]}])")
        else:
            seen[name] = i
    return seen


def _check_references(estate: dict[str, Any], errors: Errors) -> None:
    kinds = (
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
    names = {kind: _names(estate, kind, errors) for kind in kinds}
    vnets = {v["name"]: v for v in estate["virtualNetworks"] if v and v.get("name")}

    def ref(path: str, value: str | None, kind: str, label: str) -> None:
        if value is not None and value not in names[kind]:
            errors.add(path, f"{label} {value!r} is not defined in {kind}")

    for i, vnet in enumerate(estate["virtualNetworks"]):
        if not vnet:
            continue
        base = f"virtualNetworks[{i}]"
        subnet_names: set[str] = set()
        for j, subnet in enumerate(vnet["subnets"]):
            if not subnet:
                continue
            if subnet["name"] in subnet_names:
                errors.add(f"{base}.subnets[{j}].name", f"duplicate subnet {subnet['name']!r}")
            subnet_names.add(subnet["name"])
            ref(
                f"{base}.subnets[{j}].networkSecurityGroup",
                subnet["networkSecurityGroup"],
                "networkSecurityGroups",
                "network security group",
            )
            ref(f"{base}.subnets[{j}].routeTable", subnet["routeTable"], "routeTables", "route table")
        if len(vnet["gateways"]) > 2:
            errors.add(f"{base}.gateways", f"at most 2 gateways, got {len(vnet['gateways'])}")
        for j, gateway in enumerate(vnet["gateways"]):
            if not gateway:
                continue
            ref(f"{base}.gateways[{j}].circuit", gateway["circuit"], "expressRouteCircuits", "circuit")
            if gateway["circuit"] is not None and gateway["kind"] != "ExpressRoute":
                errors.add(f"{base}.gateways[{j}].circuit", "only an ExpressRoute gateway has a circuit")
            for k, conn in enumerate(gateway["connections"]):
                if conn:
                    ref(
                        f"{base}.gateways[{j}].connections[{k}].localNetworkSite",
                        conn["localNetworkSite"],
                        "localNetworkSites",
                        "local network site",
                    )

    for i, rip in enumerate(estate["reservedIps"]):
        if rip:
            ref(f"reservedIps[{i}].cloudService", rip["cloudService"], "cloudServices", "cloud service")

    for i, rule in enumerate(estate["rbac"]):
        scope = (rule or {}).get("scope")
        if scope and scope != "subscription":
            kind, _, name = scope.partition("/")
            if kind not in UNIT_KINDS or not name:
                errors.add(
                    f"rbac[{i}].scope",
                    f"{scope!r} is not 'subscription' or KIND/NAME with KIND one of {', '.join(UNIT_KINDS)}",
                )

    for i, route_table in enumerate(estate["routeTables"]):
        for j, route in enumerate((route_table or {}).get("routes") or []):
            if route and route["nextHopType"] == "VirtualAppliance" and not route["nextHop"]:
                errors.add(
                    f"routeTables[{i}].routes[{j}].nextHop", "required for nextHopType VirtualAppliance"
                )

    for i, cs in enumerate(estate["cloudServices"]):
        dep = (cs or {}).get("deployment")
        if not dep:
            continue
        base = f"cloudServices[{i}].deployment"
        ref(f"{base}.virtualNetwork", dep["virtualNetwork"], "virtualNetworks", "virtual network")
        ref(f"{base}.reservedIp", dep["reservedIp"], "reservedIps", "reserved IP")
        if dep["reservedIp"] in names["reservedIps"]:
            rip = estate["reservedIps"][names["reservedIps"][dep["reservedIp"]]]
            if rip["cloudService"] not in (None, cs["name"]):
                errors.add(
                    f"{base}.reservedIp",
                    f"reserved IP {dep['reservedIp']!r} is associated with "
                    f"cloud service {rip['cloudService']!r}",
                )
        vnet = vnets.get(dep["virtualNetwork"] or "")
        subnets = {s["name"] for s in (vnet or {}).get("subnets", []) if s}

        def subnet_ref(
            path: str, subnet: str | None, vnet: dict[str, Any] | None = vnet, subnets: set[str] = subnets
        ) -> None:
            if subnet is None:
                return
            if vnet is None:
                errors.add(path, f"subnet {subnet!r} but the deployment is not in a virtual network")
            elif subnet not in subnets:
                errors.add(path, f"subnet {subnet!r} is not a subnet of virtual network {vnet['name']!r}")

        ilbs = set()
        for j, ilb in enumerate(dep["internalLoadBalancers"]):
            if ilb:
                ilbs.add(ilb["name"])
                subnet_ref(f"{base}.internalLoadBalancers[{j}].subnet", ilb["subnet"])
        roles: set[str] = set()
        for j, role in enumerate(dep["roles"]):
            if not role:
                continue
            rbase = f"{base}.roles[{j}]"
            if role["name"] in roles:
                errors.add(f"{rbase}.name", f"duplicate role {role['name']!r}")
            roles.add(role["name"])
            for k, subnet in enumerate(role["subnets"]):
                subnet_ref(f"{rbase}.subnets[{k}]", subnet)
            for k, nic in enumerate(role["secondaryNics"]):
                if nic:
                    subnet_ref(f"{rbase}.secondaryNics[{k}].subnet", nic["subnet"])
            ref(
                f"{rbase}.networkSecurityGroup",
                role["networkSecurityGroup"],
                "networkSecurityGroups",
                "network security group",
            )
            if role["bootDiagnostics"]:
                ref(
                    f"{rbase}.bootDiagnostics.storageAccount",
                    role["bootDiagnostics"]["storageAccount"],
                    "storageAccounts",
                    "storage account",
                )
            if dep["kind"] == "IaaS" and role["osDisk"] is None:
                errors.add(f"{rbase}.osDisk", "required for an IaaS role")
            for k, endpoint in enumerate(role["endpoints"]):
                if not endpoint:
                    continue
                if endpoint["localPort"] is None:
                    endpoint["localPort"] = endpoint["port"]
                ilb = endpoint["internalLoadBalancer"]
                if ilb is not None and ilb not in ilbs:
                    errors.add(
                        f"{rbase}.endpoints[{k}].internalLoadBalancer",
                        f"internal load balancer {ilb!r} is not defined in the deployment",
                    )
                probe = endpoint["probe"]
                if probe and probe["path"] and probe["protocol"] != "http":
                    errors.add(f"{rbase}.endpoints[{k}].probe.path", "only an http probe has a path")
