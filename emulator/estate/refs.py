"""The estate's cross-references: names unique where Azure needs them to be, every reference
defined, and the rules that span several mappings (a circuit only on an ExpressRoute gateway, an
osDisk for an IaaS role, a probe path only for http).

The checks read the document as written (not the validated model), tolerating whatever the model
refused: so a file with a misspelled state and an undefined subnet gets both problems in one
answer, as the model alone cannot give (it has no value for a part it refused).
"""

from __future__ import annotations

from typing import Any

from emulator.estate.model import UNIT_KINDS
from emulator.estate.schema import Errors

Doc = dict[str, Any]

#: The kinds whose names are unique in a subscription, in the file's order.
NAMED_KINDS = (
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


def items(doc: Any, key: str) -> list[tuple[int, Doc]]:
    """The mappings of the list at `doc[key]`, with their indexes (anything else is skipped: the
    model has already named it)."""
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def as_text(value: Any) -> str | None:
    """`value` as the model reads text (numbers as their text); None when it is not text."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def text(doc: Any, key: str) -> str | None:
    """`doc[key]` as text (`as_text`); None when absent or not text."""
    return as_text(doc.get(key)) if isinstance(doc, dict) else None


def _is(doc: Any, key: str, canonical: str, default: str | None = None) -> bool:
    """Whether `doc[key]` (or `default` when absent) is `canonical`, in any casing."""
    value = text(doc, key) if isinstance(doc, dict) and doc.get(key) is not None else default
    return value is not None and value.lower() == canonical.lower()


def check_references(raw: Doc, errors: Errors) -> None:
    """Add every duplicate name, undefined reference and cross-mapping rule broken in `raw`."""
    refs = _References(raw, errors)
    for i, vnet in items(raw, "virtualNetworks"):
        refs.virtual_network(f"virtualNetworks[{i}]", vnet)
    for i, rip in items(raw, "reservedIps"):
        refs.ref(
            f"reservedIps[{i}].cloudService", text(rip, "cloudService"), "cloudServices", "cloud service"
        )
    for i, rule in items(raw, "rbac"):
        _check_scope(f"rbac[{i}].scope", text(rule, "scope"), errors)
    for i, route_table in items(raw, "routeTables"):
        for j, route in items(route_table, "routes"):
            if _is(route, "nextHopType", "VirtualAppliance") and not text(route, "nextHop"):
                errors.add(
                    f"routeTables[{i}].routes[{j}].nextHop", "required for nextHopType VirtualAppliance"
                )
    for i, cs in items(raw, "cloudServices"):
        if isinstance(cs.get("deployment"), dict) and cs["deployment"]:
            _Deployment(refs, f"cloudServices[{i}].deployment", cs).check()


def _check_scope(path: str, scope: str | None, errors: Errors) -> None:
    if not scope or scope == "subscription":
        return
    kind, _, name = scope.partition("/")
    if kind not in UNIT_KINDS or not name:
        errors.add(
            path, f"{scope!r} is not 'subscription' or KIND/NAME with KIND one of {', '.join(UNIT_KINDS)}"
        )


class _References:
    """The subscription's names per kind (duplicates reported once, on construction) and the
    check that a reference names one of them."""

    def __init__(self, raw: Doc, errors: Errors) -> None:
        self.raw = raw
        self.errors = errors
        self.names = {kind: self._names(kind) for kind in NAMED_KINDS}
        self.vnets = {text(v, "name"): v for _, v in items(raw, "virtualNetworks") if text(v, "name")}

    def _names(self, kind: str) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i, item in items(self.raw, kind):
            name = text(item, "name")
            if name is None:
                continue
            if name in seen:
                self.errors.add(f"{kind}[{i}].name", f"duplicate name {name!r} (also {kind}[{seen[name]}])")
            else:
                seen[name] = i
        return seen

    def once(self, path: str, name: str | None, seen: set[str], what: str) -> None:
        """Report `name` at `path` when the list it is in (`seen` so far) already has it."""
        if name is None:
            return
        if name in seen:
            self.errors.add(path, f"duplicate {what} {name!r}")
        seen.add(name)

    def ref(self, path: str, value: str | None, kind: str, label: str) -> None:
        if value is not None and value not in self.names[kind]:
            self.errors.add(path, f"{label} {value!r} is not defined in {kind}")

    def virtual_network(self, base: str, vnet: Doc) -> None:
        subnet_names: set[str] = set()
        for j, subnet in items(vnet, "subnets"):
            self.once(f"{base}.subnets[{j}].name", text(subnet, "name"), subnet_names, "subnet")
            nsg = text(subnet, "networkSecurityGroup")
            self.ref(
                f"{base}.subnets[{j}].networkSecurityGroup",
                nsg,
                "networkSecurityGroups",
                "network security group",
            )
            self.ref(
                f"{base}.subnets[{j}].routeTable", text(subnet, "routeTable"), "routeTables", "route table"
            )
        gateways = vnet.get("gateways")
        if isinstance(gateways, list) and len(gateways) > 2:
            self.errors.add(f"{base}.gateways", f"at most 2 gateways, got {len(gateways)}")
        for j, gateway in items(vnet, "gateways"):
            self.gateway(f"{base}.gateways[{j}]", gateway)

    def gateway(self, base: str, gateway: Doc) -> None:
        circuit = text(gateway, "circuit")
        self.ref(f"{base}.circuit", circuit, "expressRouteCircuits", "circuit")
        if circuit is not None and not _is(gateway, "kind", "ExpressRoute"):
            self.errors.add(f"{base}.circuit", "only an ExpressRoute gateway has a circuit")
        for k, conn in items(gateway, "connections"):
            site = text(conn, "localNetworkSite")
            self.ref(
                f"{base}.connections[{k}].localNetworkSite", site, "localNetworkSites", "local network site"
            )


class _Deployment:
    """The checks of one cloud service's deployment: its network, reserved IP, load balancers and
    roles."""

    def __init__(self, refs: _References, base: str, cs: Doc) -> None:
        self.refs = refs
        self.errors = refs.errors
        self.base = base
        self.cs = cs
        self.dep: Doc = cs["deployment"]
        self.vnet = refs.vnets.get(text(self.dep, "virtualNetwork"))
        self.subnets = {text(s, "name") for _, s in items(self.vnet, "subnets")}
        self.ilbs: set[str | None] = set()

    def check(self) -> None:
        base, dep, refs = self.base, self.dep, self.refs
        refs.ref(f"{base}.virtualNetwork", text(dep, "virtualNetwork"), "virtualNetworks", "virtual network")
        self.reserved_ip()
        for j, ilb in items(dep, "internalLoadBalancers"):
            self.ilbs.add(text(ilb, "name"))
            self.subnet(f"{base}.internalLoadBalancers[{j}].subnet", text(ilb, "subnet"))
        roles: set[str] = set()
        for j, role in items(dep, "roles"):
            refs.once(f"{base}.roles[{j}].name", text(role, "name"), roles, "role")
            self.role(f"{base}.roles[{j}]", role)

    def reserved_ip(self) -> None:
        name = text(self.dep, "reservedIp")
        self.refs.ref(f"{self.base}.reservedIp", name, "reservedIps", "reserved IP")
        if name not in self.refs.names["reservedIps"]:
            return
        rip = self.refs.raw["reservedIps"][self.refs.names["reservedIps"][name]]
        owner = text(rip, "cloudService")
        if owner not in (None, text(self.cs, "name")):
            self.errors.add(
                f"{self.base}.reservedIp",
                f"reserved IP {name!r} is associated with cloud service {owner!r}",
            )

    def subnet(self, path: str, subnet: str | None) -> None:
        if subnet is None:
            return
        if self.vnet is None:
            self.errors.add(path, f"subnet {subnet!r} but the deployment is not in a virtual network")
        elif subnet not in self.subnets:
            self.errors.add(
                path, f"subnet {subnet!r} is not a subnet of virtual network {text(self.vnet, 'name')!r}"
            )

    def role(self, base: str, role: Doc) -> None:
        subnets = role.get("subnets")
        for k, subnet in enumerate(subnets if isinstance(subnets, list) else []):
            self.subnet(f"{base}.subnets[{k}]", as_text(subnet))
        for k, nic in items(role, "secondaryNics"):
            self.subnet(f"{base}.secondaryNics[{k}].subnet", text(nic, "subnet"))
        nsg = text(role, "networkSecurityGroup")
        self.refs.ref(f"{base}.networkSecurityGroup", nsg, "networkSecurityGroups", "network security group")
        diagnostics = role.get("bootDiagnostics")
        if isinstance(diagnostics, dict):
            account = text(diagnostics, "storageAccount")
            self.refs.ref(
                f"{base}.bootDiagnostics.storageAccount", account, "storageAccounts", "storage account"
            )
        if _is(self.dep, "kind", "IaaS", default="IaaS") and role.get("osDisk") is None:
            self.errors.add(f"{base}.osDisk", "required for an IaaS role")
        for k, endpoint in items(role, "endpoints"):
            self.endpoint(f"{base}.endpoints[{k}]", endpoint)

    def endpoint(self, base: str, endpoint: Doc) -> None:
        ilb = text(endpoint, "internalLoadBalancer")
        if ilb is not None and ilb not in self.ilbs:
            self.errors.add(
                f"{base}.internalLoadBalancer",
                f"internal load balancer {ilb!r} is not defined in the deployment",
            )
        probe = endpoint.get("probe")
        if isinstance(probe, dict) and text(probe, "path") and not _is(probe, "protocol", "http"):
            self.errors.add(f"{base}.probe.path", "only an http probe has a path")
