"""Property: any valid estate survives load → dump → load unchanged (YAML and JSON), and any
mangled one gives an `EstateError` with paths, never another exception."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migration.estate import (
    ArmQuotas,
    EstateError,
    dump_estate,
    dump_estate_json,
    dump_estate_yaml,
    load_estate,
)

words = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8).filter(
    lambda s: s[0].isalpha()
)
case = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])


def enum(*values: str) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(values), case).map(lambda t: t[1](t[0]))


def link(account: str, blob: str) -> str:
    return f"https://{account}.blob.core.windows.net/vhds/{blob}.vhd"


@st.composite
def estates(draw: st.DrawFn) -> dict[str, Any]:
    raw: dict[str, Any] = {"version": 1, "subscriptionId": "11111111-2222-3333-4444-555555555555"}
    if draw(st.booleans()):
        raw["location"] = draw(st.sampled_from(["West Europe", "North Europe", "East US 2"]))
    if draw(st.booleans()):
        raw["migrationProviderRegistered"] = draw(st.booleans())
    if draw(st.booleans()):
        keys = list(ArmQuotas().model_dump(by_alias=True))  # the quota names, as the estate spells them
        raw["armQuotas"] = {
            k: draw(st.integers(0, 5000)) for k in draw(st.lists(st.sampled_from(keys), unique=True))
        }
    nsgs = [f"nsg{i}" for i in range(draw(st.integers(0, 2)))]
    raw["networkSecurityGroups"] = [
        {
            "name": n,
            "rules": [
                {
                    "name": f"r{j}",
                    "priority": draw(st.integers(100, 4096)),
                    "direction": draw(enum("Inbound", "Outbound")),
                    "access": draw(enum("Allow", "Deny")),
                    "protocol": draw(enum("TCP", "UDP", "*")),
                    "sourcePrefix": draw(st.sampled_from(["*", "Internet", "10.0.0.0/8"])),
                    "sourcePort": "*",
                    "destinationPrefix": "VirtualNetwork",
                    "destinationPort": draw(st.sampled_from(["80", "1000-2000", "*"])),
                }
                for j in range(draw(st.integers(0, 2)))
            ],
        }
        for n in nsgs
    ]
    tables = [f"rt{i}" for i in range(draw(st.integers(0, 2)))]
    raw["routeTables"] = [
        {
            "name": t,
            "routes": [
                {
                    "name": "a",
                    "prefix": "0.0.0.0/0",
                    "nextHopType": "VirtualAppliance",
                    "nextHop": "10.0.0.4",
                },
                {
                    "name": "b",
                    "prefix": "10.9.0.0/16",
                    "nextHopType": draw(enum("Internet", "Null", "VNetLocal")),
                },
            ],
        }
        for t in tables
    ]
    raw["localNetworkSites"] = [
        {"name": "site", "addressSpace": ["192.168.0.0/16"], "vpnGatewayAddress": "203.0.113.9"}
    ]
    raw["expressRouteCircuits"] = [{"name": "er", "movedToArm": draw(st.booleans())}]
    vnets = [f"vnet{i}" for i in range(draw(st.integers(0, 2)))]
    raw["virtualNetworks"] = [
        {
            "name": v,
            "addressSpace": ["10.0.0.0/16"],
            "dnsServers": [{"name": "dc", "address": "10.0.0.4"}],
            "subnets": [
                {
                    "name": "s0",
                    "prefix": "10.0.0.0/24",
                    **({"networkSecurityGroup": nsgs[0]} if nsgs else {}),
                    **({"routeTable": tables[0]} if tables else {}),
                },
                {"name": "s1", "prefix": "10.0.1.0/24"},
            ],
            "gateways": draw(
                st.sampled_from(
                    [
                        [],
                        [
                            {
                                "kind": "vpn",
                                "sku": "Standard",
                                "vip": "52.1.1.1",
                                "connections": [
                                    {"localNetworkSite": "site", "type": "ipsec", "state": "disconnected"}
                                ],
                            }
                        ],
                        [{"kind": "ExpressRoute", "circuit": "er"}],
                    ]
                )
            ),
            "peerings": [{"remoteVirtualNetwork": "far"}] if draw(st.booleans()) else [],
            "services": draw(st.lists(st.sampled_from(["HDInsight", "Other"]), max_size=2)),
        }
        for v in vnets
    ]
    raw["storageAccounts"] = [{"name": "st0", "sku": draw(st.sampled_from(["Standard_LRS", "Premium_LRS"]))}]
    raw["disks"] = [
        {
            "name": "free",
            "mediaLink": link("st0", "free"),
            "sizeGB": draw(st.integers(1, 4095)),
            **({"blobSizeBytes": draw(st.integers(0, 2**45))} if draw(st.booleans()) else {}),
        }
    ]
    raw["images"] = [{"name": "img", "mediaLink": link("st0", "img")}] if draw(st.booleans()) else []
    services = []
    for i in range(draw(st.integers(0, 3))):
        vnet = draw(st.sampled_from([None, *vnets]))
        roles = []
        for j in range(draw(st.integers(0, 3))):
            name = f"vm{i}x{j}"
            role: dict[str, Any] = {
                "name": name,
                "size": draw(st.sampled_from(["Small", "Standard_D2", "Odd"])),
                "state": draw(enum("Running", "Stopped", "StoppedDeallocated", "RoleStateUnknown")),
                "guestAgent": draw(enum("Ready", "NotReady")),
                "ipForwarding": draw(st.booleans()),
                "osDisk": {
                    "name": f"{name}-os",
                    "os": draw(enum("Windows", "Linux")),
                    "sizeGB": 127,
                    "mediaLink": link(draw(st.sampled_from(["st0", "ext"])), f"{name}-os"),
                },
                "dataDisks": [
                    {
                        "name": f"{name}-d",
                        "lun": draw(st.integers(0, 63)),
                        "sizeGB": 1,
                        "mediaLink": link("st0", f"{name}-d"),
                        "blobSizeBytes": 2**30 + 512,
                    }
                ],
                "endpoints": [
                    {
                        "name": "e",
                        "protocol": draw(enum("tcp", "udp")),
                        "port": draw(st.integers(1, 65535)),
                        "localPort": 80,
                        "loadBalancedSet": "set",
                        "probe": {"protocol": "http", "port": 80, "path": "/"},
                        "acl": [
                            {"order": 1, "action": draw(enum("permit", "deny")), "remoteSubnet": "1.0.0.0/8"}
                        ],
                    }
                ],
                "extensions": [
                    {
                        "name": "x",
                        "publisher": "p",
                        "version": "1.*",
                        "xml": draw(st.booleans()),
                        "status": draw(st.sampled_from(["Ready", "Unresponsive"])),
                    }
                ],
                "bootDiagnostics": {"storageAccount": "st0"},
            }
            if draw(st.booleans()):
                role["availabilitySet"] = draw(words)
            if vnet:
                role["subnets"] = ["s0"]
                role["staticIp"] = f"10.0.0.{10 + j}"
                role["secondaryNics"] = [{"name": f"{name}-nic2", "subnet": "s1"}]
            if nsgs and draw(st.booleans()):
                role["networkSecurityGroup"] = nsgs[-1]
            if draw(st.booleans()):
                role["publicIp"] = {"name": f"{name}-pip"}
            roles.append(role)
        dep: dict[str, Any] = {"name": f"d{i}", "kind": draw(enum("IaaS", "PaaS")), "roles": roles}
        if vnet:
            dep["virtualNetwork"] = vnet
            dep["internalLoadBalancers"] = [{"name": "ilb", "subnet": "s1", "staticIp": "10.0.1.9"}]
            dep["internalDnsSuffix"] = "x.internal"
        service: dict[str, Any] = {
            "name": f"cs{i}",
            "certificates": [{"thumbprint": "AB"}] * draw(st.integers(0, 1)),
            "alerts": draw(st.integers(0, 3)),
            "autoscale": draw(st.integers(0, 3)),
        }
        if draw(st.booleans()):
            service["deployment"] = dep
        services.append(service)
    raw["cloudServices"] = services
    raw["reservedIps"] = [
        {"name": "rip", "address": "40.0.0.1", **({"cloudService": "cs0"} if services else {})}
    ]
    raw["rbac"] = [
        {
            "principal": "a@b.c",
            "role": "Owner",
            "scope": draw(st.sampled_from(["subscription", "cloudService/cs0"])),
        }
    ]
    return raw


@settings(max_examples=50, deadline=None)
@given(estates())
def test_round_trip_is_lossless(raw: dict[str, Any]) -> None:
    first = load_estate(yaml.safe_dump(raw), "gen.yaml")
    assert load_estate(dump_estate_yaml(first), "again.yaml") == first
    assert load_estate(dump_estate_json(first), "again.json") == first
    assert dump_estate(load_estate(dump_estate_yaml(first))) == dump_estate(first)


def _mangle(value: Any, path: list[Any], junk: Any) -> Any:
    if not path:
        return junk
    head, *rest = path
    if isinstance(value, dict):
        return {**value, head: _mangle(value.get(head), rest, junk)}
    if isinstance(value, list) and isinstance(head, int) and 0 <= head < len(value):
        return [*value[:head], _mangle(value[head], rest, junk), *value[head + 1 :]]
    return value


def _paths(value: Any, prefix: list[Any]) -> list[list[Any]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, [*prefix, k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, [*prefix, i])
    return out


junk = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(estates(), st.data(), junk)
def test_mangled_estates_fail_cleanly(raw: dict[str, Any], data: st.DataObject, value: Any) -> None:
    path = data.draw(st.sampled_from(_paths(raw, [])[1:]))
    bad = _mangle(raw, path, value)
    try:
        load_estate(json.dumps(bad), "bad.json")
    except EstateError as exc:
        assert exc.issues and all(isinstance(p, str) and m for p, m in exc.issues)
