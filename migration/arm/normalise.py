"""Normalisation: ARM REST JSON (what the ARM reader returns) → `ArmResource`, and the value
spellings both sides are reduced to (classic and ARM name some values differently).

`from_arm(resource_json, resource_group=None)` accepts the REST shape of an ARM GET
(`{"id", "name", "type", "location", "sku"?, "properties": {...}}`, camelCase — what an
azure-mgmt model's `serialize(keep_readonly=True)` gives, not its snake_case `as_dict()`).
A child resource's `name` is `parent/child` (VM extensions), as ARM returns it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from migration.arm import model
from migration.arm.model import ArmResource, canonical_type

# classic role sizes that ARM names differently (the platform maps them at prepare)
_VM_SIZES = {
    "extrasmall": "Standard_A0",
    "small": "Standard_A1",
    "medium": "Standard_A2",
    "large": "Standard_A3",
    "extralarge": "Standard_A4",
    **{f"a{n}": f"Standard_A{n}" for n in range(5, 12)},
}
_NEXT_HOP = {
    "virtualappliance": "VirtualAppliance",
    "vpngateway": "VirtualNetworkGateway",
    "virtualnetworkgateway": "VirtualNetworkGateway",
    "internet": "Internet",
    "vnetlocal": "VnetLocal",
    "null": "None",
    "none": "None",
}
_PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "http": "Http", "https": "Https", "*": "*", "all": "All"}
_CONNECTION_TYPES = {"ipsec": "IPsec", "dedicated": "ExpressRoute", "expressroute": "ExpressRoute"}


def vm_size(size: str | None) -> str | None:
    """ARM VM size for a classic size (`Small` → `Standard_A1`); other names are already ARM's."""
    if size is None:
        return None
    return _VM_SIZES.get(size.casefold(), size)


def next_hop_type(value: str | None) -> str | None:
    """ARM next-hop type for a classic or ARM spelling (`VPNGateway` → `VirtualNetworkGateway`)."""
    return None if value is None else _NEXT_HOP.get(value.casefold(), value)


def protocol(value: str | None) -> str | None:
    """ARM protocol spelling (`TCP`/`tcp` → `Tcp`, `http` → `Http`, `*` kept)."""
    return None if value is None else _PROTOCOLS.get(value.casefold(), value)


def connection_type(value: str | None) -> str | None:
    """ARM connection type (`Dedicated` → `ExpressRoute`, `IPsec` kept)."""
    return None if value is None else _CONNECTION_TYPES.get(value.casefold(), value)


@lru_cache(maxsize=256)
def arm_location(value: str | None) -> str | None:
    """ARM location spelling: lower case, no spaces (`West Europe` → `westeurope`)."""
    return None if value is None else "".join(value.split()).lower()


def name_from_id(resource_id: Any) -> str | None:
    """Last segment of an ARM id (`…/publicIPAddresses/web-cs-PublicIP` → `web-cs-PublicIP`)."""
    if isinstance(resource_id, Mapping):
        resource_id = resource_id.get("id")
    if not isinstance(resource_id, str) or not resource_id:
        return None
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def subnet_from_id(resource_id: Any) -> str | None:
    """`vnet/subnet` from a subnet id (`…/virtualNetworks/v/subnets/s` → `v/s`)."""
    if isinstance(resource_id, Mapping):
        resource_id = resource_id.get("id")
    if not isinstance(resource_id, str):
        return None
    parts = resource_id.rstrip("/").split("/")
    lowered = [p.casefold() for p in parts]
    if "virtualnetworks" in lowered and "subnets" in lowered:
        v = lowered.index("virtualnetworks")
        s = lowered.index("subnets")
        if v + 1 < len(parts) and s + 1 < len(parts):
            return f"{parts[v + 1]}/{parts[s + 1]}"
    return None


def resource_group_from_id(resource_id: str) -> str | None:
    parts = resource_id.split("/")
    lowered = [p.casefold() for p in parts]
    if "resourcegroups" in lowered:
        i = lowered.index("resourcegroups")
        if i + 1 < len(parts):
            return parts[i + 1]
    return None


def account_from_uri(uri: Any) -> str | None:
    """Storage account of a blob or storage URI (`https://stprod.blob.core…/` → `stprod`)."""
    if not isinstance(uri, str) or not uri:
        return None
    host = urlsplit(uri).hostname or ""
    return host.split(".", 1)[0] or None


def _props(data: Mapping[str, Any]) -> Mapping[str, Any]:
    value = data.get("properties")
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _named(items: Any, build: Callable[[Mapping[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in _list(items):
        if isinstance(item, Mapping) and item.get("name") is not None:
            out[str(item["name"])] = build(_props(item))
    return dict(sorted(out.items()))


def _vnet(data: Mapping[str, Any]) -> dict[str, Any]:
    p = _props(data)
    return {
        "addressPrefixes": sorted(_list((p.get("addressSpace") or {}).get("addressPrefixes"))),
        "dnsServers": _list((p.get("dhcpOptions") or {}).get("dnsServers")),
        "subnets": _named(
            p.get("subnets"),
            lambda s: {
                "addressPrefix": s.get("addressPrefix"),
                "networkSecurityGroup": name_from_id(s.get("networkSecurityGroup")),
                "routeTable": name_from_id(s.get("routeTable")),
            },
        ),
    }


def _nsg(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "securityRules": _named(
            _props(data).get("securityRules"),
            lambda r: {
                "priority": r.get("priority"),
                "direction": r.get("direction"),
                "access": r.get("access"),
                "protocol": protocol(r.get("protocol")),
                "sourceAddressPrefix": r.get("sourceAddressPrefix"),
                "sourcePortRange": r.get("sourcePortRange"),
                "destinationAddressPrefix": r.get("destinationAddressPrefix"),
                "destinationPortRange": r.get("destinationPortRange"),
            },
        )
    }


def _route_table(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "routes": _named(
            _props(data).get("routes"),
            lambda r: {
                "addressPrefix": r.get("addressPrefix"),
                "nextHopType": next_hop_type(r.get("nextHopType")),
                "nextHopIpAddress": r.get("nextHopIpAddress"),
            },
        )
    }


def _public_ip(data: Mapping[str, Any]) -> dict[str, Any]:
    p = _props(data)
    return {
        "publicIPAllocationMethod": p.get("publicIPAllocationMethod"),
        "ipAddress": p.get("ipAddress"),
        "domainNameLabel": (p.get("dnsSettings") or {}).get("domainNameLabel"),
    }


def _load_balancer(data: Mapping[str, Any]) -> dict[str, Any]:
    p = _props(data)
    frontends = [_props(f) for f in _list(p.get("frontendIPConfigurations")) if isinstance(f, Mapping)]
    return {
        "frontendPublicIPAddresses": sorted(
            n for f in frontends if (n := name_from_id(f.get("publicIPAddress"))) is not None
        ),
        "frontendSubnets": sorted(s for f in frontends if (s := subnet_from_id(f.get("subnet"))) is not None),
        "frontendPrivateIPAddresses": sorted(
            f["privateIPAddress"] for f in frontends if f.get("privateIPAddress") and f.get("subnet")
        ),
        "loadBalancingRules": _named(
            p.get("loadBalancingRules"),
            lambda r: {
                "protocol": protocol(r.get("protocol")),
                "frontendPort": r.get("frontendPort"),
                "backendPort": r.get("backendPort"),
                "probe": name_from_id(r.get("probe")),
            },
        ),
        "probes": _named(
            p.get("probes"),
            lambda r: {
                "protocol": protocol(r.get("protocol")),
                "port": r.get("port"),
                "requestPath": r.get("requestPath"),
            },
        ),
        "inboundNatRules": _named(
            p.get("inboundNatRules"),
            lambda r: {
                "protocol": protocol(r.get("protocol")),
                "frontendPort": r.get("frontendPort"),
                "backendPort": r.get("backendPort"),
            },
        ),
    }


def _nic(data: Mapping[str, Any]) -> dict[str, Any]:
    p = _props(data)
    configs = [c for c in _list(p.get("ipConfigurations")) if isinstance(c, Mapping)]
    primary = next((c for c in configs if _props(c).get("primary")), configs[0] if configs else {})
    c = _props(primary)
    return {
        "enableIPForwarding": bool(p.get("enableIPForwarding", False)),
        "networkSecurityGroup": name_from_id(p.get("networkSecurityGroup")),
        "virtualMachine": name_from_id(p.get("virtualMachine")),
        "subnet": subnet_from_id(c.get("subnet")),
        "privateIPAddress": c.get("privateIPAddress"),
        "publicIPAddress": name_from_id(c.get("publicIPAddress")),
        "internalDomainNameSuffix": (p.get("dnsSettings") or {}).get("internalDomainNameSuffix"),
    }


def _vm(data: Mapping[str, Any]) -> dict[str, Any]:
    p = _props(data)
    storage = p.get("storageProfile") or {}
    os_disk = storage.get("osDisk") or {}
    nics = [
        n for n in _list((p.get("networkProfile") or {}).get("networkInterfaces")) if isinstance(n, Mapping)
    ]
    primary = next((n for n in nics if _props(n).get("primary")), nics[0] if nics else None)
    boot = ((p.get("diagnosticsProfile") or {}).get("bootDiagnostics")) or {}
    data_disks: dict[str, Any] = {}
    for disk in _list(storage.get("dataDisks")):
        if isinstance(disk, Mapping) and disk.get("lun") is not None:
            data_disks[str(disk["lun"])] = {
                "name": disk.get("name"),
                "vhdUri": (disk.get("vhd") or {}).get("uri"),
                "diskSizeGB": disk.get("diskSizeGB"),
            }
    return {
        "vmSize": vm_size((p.get("hardwareProfile") or {}).get("vmSize")),
        "computerName": (p.get("osProfile") or {}).get("computerName") or "",
        "osDisk": {
            "name": os_disk.get("name"),
            "osType": os_disk.get("osType"),
            "vhdUri": (os_disk.get("vhd") or {}).get("uri"),
            "diskSizeGB": os_disk.get("diskSizeGB"),
        },
        "dataDisks": dict(sorted(data_disks.items(), key=lambda kv: int(kv[0]))),
        "networkInterfaces": sorted(n for x in nics if (n := name_from_id(x)) is not None),
        "primaryNetworkInterface": name_from_id(primary) if primary else None,
        "availabilitySet": name_from_id(p.get("availabilitySet")),
        "bootDiagnostics": account_from_uri(boot.get("storageUri")) if boot.get("enabled") else None,
    }


def _extension(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"publisher": _props(data).get("publisher")}


def _availability_set(data: Mapping[str, Any]) -> dict[str, Any]:
    vms = _props(data).get("virtualMachines")
    return {"virtualMachines": sorted(n for v in _list(vms) if (n := name_from_id(v)) is not None)}


def _gateway(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"gatewayType": _props(data).get("gatewayType")}


def _local_gateway(data: Mapping[str, Any]) -> dict[str, Any]:
    p = _props(data)
    return {
        "addressPrefixes": sorted(_list((p.get("localNetworkAddressSpace") or {}).get("addressPrefixes"))),
        "gatewayIpAddress": p.get("gatewayIpAddress"),
    }


def _connection(data: Mapping[str, Any]) -> dict[str, Any]:
    p = _props(data)
    return {
        "connectionType": connection_type(p.get("connectionType")),
        "virtualNetworkGateway": name_from_id(p.get("virtualNetworkGateway1")),
        "localNetworkGateway": name_from_id(p.get("localNetworkGateway2")),
    }


def _storage(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"sku": (data.get("sku") or {}).get("name")}


_EXTRACTORS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    model.VIRTUAL_NETWORK: _vnet,
    model.NSG: _nsg,
    model.ROUTE_TABLE: _route_table,
    model.PUBLIC_IP: _public_ip,
    model.LOAD_BALANCER: _load_balancer,
    model.NIC: _nic,
    model.VIRTUAL_MACHINE: _vm,
    model.VM_EXTENSION: _extension,
    model.AVAILABILITY_SET: _availability_set,
    model.VNET_GATEWAY: _gateway,
    model.LOCAL_GATEWAY: _local_gateway,
    model.CONNECTION: _connection,
    model.STORAGE_ACCOUNT: _storage,
}


def from_arm(resource: Mapping[str, Any], resource_group: str | None = None) -> ArmResource:
    """Normalise one ARM resource (REST JSON shape) for comparison with the expected ones.

    `resource_group` defaults to the one in the resource's `id`. Unknown types keep no properties
    (they can still be reported as extra).
    """
    arm_type = canonical_type(str(resource.get("type", "")))
    full_name = str(resource.get("name", ""))
    parent, name = full_name.rsplit("/", 1) if "/" in full_name else (None, full_name)
    rid = str(resource.get("id") or "")
    group = resource_group or resource_group_from_id(rid) or ""
    if arm_type == model.RESOURCE_GROUP:
        group = name
    extractor = _EXTRACTORS.get(arm_type)
    properties = extractor(resource) if extractor else {}
    return ArmResource(
        type=arm_type,
        name=name,
        location=arm_location(resource.get("location")),
        resource_group=group,
        properties=properties,
        parent=parent,
    )
