"""Contract: Microsoft's own classic clients (npm azure-asm-compute@0.18.0, azure-asm-network@0.13.1,
azure-asm-storage@0.12.1, pinned in package.json) against the emulator, for every call c2arm
makes — the emulator accepts each request as those clients send it, and what c2arm reads comes out
of their parsers with the same value. They are to the emulator what boto3 is to moto.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from cli.stack.emulator import Emulator
from connectors.asm import AsmClient
from connectors.asm.snapshot import read_estate
from migration.requests import Unit
from tests.integration.nodeclient.node import node

NEW = {
    "destinationVirtualNetwork": "New",
    "resourceGroupName": "",
    "subNetName": "",
    "virtualNetworkName": "",
}
# kind -> (Node call prefix, the unit, the Node call's arguments)
KINDS = {
    "cloudService": (
        "deployment",
        Unit(kind="cloudService", name="api-cs", deployment="api-prod"),
        ["api-cs", "api-prod"],
    ),
    "virtualNetwork": ("vnet", Unit(kind="virtualNetwork", name="vnet-prod"), ["vnet-prod"]),
    "storageAccount": ("storage", Unit(kind="storageAccount", name="stdiag"), ["stdiag"]),
    "reservedIp": ("reservedip", Unit(kind="reservedIp", name="rip-spare"), ["rip-spare"]),
    "networkSecurityGroup": ("nsg", Unit(kind="networkSecurityGroup", name="nsg-spare"), ["nsg-spare"]),
    "routeTable": ("routetable", Unit(kind="routeTable", name="rt-spare"), ["rt-spare"]),
}


def _args(kind: str, comp: str) -> list[Any]:
    prefix, _unit, args = KINDS[kind]
    return [*args, NEW] if prefix == "deployment" and comp in ("validate", "prepare") else list(args)


def _run(emulator: Emulator, kind: str, comp: str) -> str:
    """Start `comp` with the Node client, poll with its getOperationStatus; the request id."""
    prefix = KINDS[kind][0]
    started = node(emulator, f"{prefix}.{comp}", *_args(kind, comp))
    assert "result" in started, started
    request_id = started["result"]["requestId"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
    status = node(emulator, "operation.status", request_id)["result"]
    assert status["status"] == "Succeeded" and str(status["httpStatusCode"]) == "200", status
    assert status["id"].replace("-", "") == request_id
    return request_id


@pytest.mark.parametrize("kind", list(KINDS))
def test_migration_calls_of_every_kind(emulator: Emulator, asm: AsmClient, kind: str) -> None:
    """validate → prepare → abort → prepare → commit, each as Microsoft's client sends it, and
    the states c2arm reads agree with those the clients parse where they parse one."""
    prefix, unit, _ = KINDS[kind]
    validated = node(emulator, f"{prefix}.validate", *_args(kind, "validate"))["result"]
    key = {"deployment": "validateDeploymentMessages", "storage": "validateStorageMessages"}.get(
        prefix, "validationMessages"
    )
    messages = validated[key]
    assert not [m for m in messages if m["category"] == "Error"], messages
    assert asm.validate(unit).migratable
    _run(emulator, kind, "prepare")
    if kind == "virtualNetwork":
        site = next(
            s
            for s in node(emulator, "vnet.list")["result"]["virtualNetworkSites"]
            if s["name"] == "vnet-prod"
        )
        assert site["migrationState"] == asm.migration_state(unit) == "Prepared"
    if kind == "storageAccount":
        account = node(emulator, "storage.get", "stdiag")["result"]["storageAccount"]
        assert account["migrationState"] == asm.migration_state(unit) == "Prepared"
    if kind == "cloudService":
        roles = node(emulator, "deployment.getByName", "api-cs", "api-prod")["result"]["roles"]
        assert {r.get("migrationState") for r in roles} == {asm.migration_state(unit)} == {"Prepared"}
    _run(emulator, kind, "abort")
    if kind == "virtualNetwork":
        site = next(
            s
            for s in node(emulator, "vnet.list")["result"]["virtualNetworkSites"]
            if s["name"] == "vnet-prod"
        )
        assert site["migrationState"] == "None" and asm.migration_state(unit) is None
    _run(emulator, kind, "prepare")
    _run(emulator, kind, "commit")
    assert asm.commit_unless_committed(unit).state == "Committed"  # gone from the classic side


def test_reads_parse_to_what_c2arm_reads(emulator: Emulator, asm: AsmClient) -> None:
    """Every GET of the snapshot, through Microsoft's parsers, gives c2arm's values."""
    estate = read_estate(asm)
    services = {cs.name: cs for cs in estate.cloud_services}
    listed = node(emulator, "hostedservice.list")["result"]["hostedServices"]
    assert {h["serviceName"] for h in listed} == set(services)
    detailed = node(emulator, "hostedservice.getDetailed", "api-cs")["result"]
    assert detailed["serviceName"] == "api-cs" and detailed["deployments"][0]["name"] == "api-prod"
    for name, cs in services.items():
        if cs.deployment is None:
            continue
        dep = node(emulator, "deployment.getBySlot", name, "Production")["result"]
        assert dep["name"] == cs.deployment.name
        assert {r["roleName"] for r in dep["roles"]} == {r.name for r in cs.deployment.roles}
        by_name = node(emulator, "deployment.getByName", name, cs.deployment.name)["result"]
        assert by_name["name"] == cs.deployment.name
        certs = node(emulator, "certificate.list", name)["result"]["certificates"]
        assert len(certs) == len(cs.certificates)
    disks = node(emulator, "disk.list")["result"]["disks"]
    assert {d["name"] for d in disks if not d.get("usageDetails")} <= {d.name for d in estate.disks}
    images = node(emulator, "image.list")["result"]["images"]
    assert {i["name"] for i in images} == {i.name for i in estate.images}
    sites = node(emulator, "vnet.list")["result"]["virtualNetworkSites"]
    assert {s["name"] for s in sites} == {v.name for v in estate.virtual_networks}
    config = node(emulator, "network.configuration")["result"]["configuration"]
    assert all(f'name="{v.name}"' in config for v in estate.virtual_networks)
    for vnet in estate.virtual_networks:
        site = next(s for s in sites if s["name"] == vnet.name)
        for subnet in vnet.subnets:
            parsed = next(s for s in site["subnets"] if s["name"] == subnet.name)
            assert parsed.get("networkSecurityGroup") == subnet.network_security_group
            routes = node(emulator, "routetable.getForSubnet", vnet.name, subnet.name)
            assert routes.get("result", {}).get("routeTableName") == subnet.route_table, (
                vnet.name,
                subnet.name,
            )
            nsg = node(emulator, "nsg.getForSubnet", vnet.name, subnet.name)
            assert nsg.get("result", {}).get("name") == subnet.network_security_group
        if vnet.gateways:
            gateway = node(emulator, "gateway.get", vnet.name)["result"]
            skus = {g.sku for g in vnet.gateways}
            assert gateway["gatewaySKU"] in skus, (gateway, skus)  # read from GatewaySize
            connections = node(emulator, "gateway.listConnections", vnet.name)["result"]["connections"]
            ours = {c.local_network_site for g in vnet.gateways for c in g.connections}
            assert {c["localNetworkSiteName"] for c in connections} <= ours
    rips = node(emulator, "reservedip.list")["result"]["reservedIPs"]
    assert {r["name"]: r.get("address") for r in rips} == {r.name: r.address for r in estate.reserved_ips}
    assert node(emulator, "reservedip.get", "rip-spare")["result"]["name"] == "rip-spare"
    nsgs = node(emulator, "nsg.list")["result"]["networkSecurityGroups"]
    assert {n["name"] for n in nsgs} == {n.name for n in estate.network_security_groups}
    full = node(emulator, "nsg.get", "nsg-web", "Full")["result"]
    ours = next(n for n in estate.network_security_groups if n.name == "nsg-web")
    assert {r["name"] for r in full["rules"] if not r.get("isDefault")} == {r.name for r in ours.rules}
    tables = node(emulator, "routetable.list")["result"]["routeTables"]
    assert {t["name"] for t in tables} == {t.name for t in estate.route_tables}
    detail = node(emulator, "routetable.getWithDetails", "rt-web", "full")["result"]["routeTable"]
    ours_rt = next(t for t in estate.route_tables if t.name == "rt-web")
    assert {r["name"] for r in detail["routeList"]} == {r.name for r in ours_rt.routes}
    accounts = node(emulator, "storage.list")["result"]["storageAccounts"]
    assert {a["name"] for a in accounts} == {a.name for a in estate.storage_accounts}
