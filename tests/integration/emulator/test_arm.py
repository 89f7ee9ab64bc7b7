"""The ARM side after prepare, read with the real azure-mgmt-resource and azure-mgmt-network clients."""

from __future__ import annotations

import time

import httpx
import pytest
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from cli.stack.emulator import Emulator
from tests.integration.emulator.helpers import DNR_NEW, Admin, Asm, tls, x

NW = "/services/networking"


class StaticToken:
    """A credential that hands out a fixed token (the emulator accepts any non-empty one)."""

    def __init__(self, token: str = "test-token") -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        del scopes, kwargs  # the protocol's: one token answers them all
        return AccessToken(self.token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: object = None) -> AccessTokenInfo:
        del scopes, options  # the protocol's: one token answers them all
        return AccessTokenInfo(self.token, int(time.time()) + 3600)


def clients(emu: Emulator) -> tuple[ResourceManagementClient, NetworkManagementClient]:
    kw = {"base_url": emu.url, "connection_verify": str(emu.ca_file), "retry_total": 0}
    return (
        ResourceManagementClient(StaticToken(), emu.subscription_id, **kw),
        NetworkManagementClient(StaticToken(), emu.subscription_id, **kw),
    )


@pytest.fixture
def prepared(asm: Asm, emu: Emulator) -> Emulator:
    for path, body in (
        (f"{NW}/virtualnetwork/vnet-prod", None),
        ("/services/hostedservices/api-cs/deployments/api-prod", DNR_NEW),
    ):
        op = asm.run(path, "prepare", body)
        assert op.findtext("{http://schemas.microsoft.com/windowsazure}Status") == "Succeeded"
    return emu


def test_resource_groups_and_resources(prepared: Emulator, admin: Admin) -> None:
    rm, _ = clients(prepared)
    groups = sorted(g.name for g in rm.resource_groups.list())
    assert groups == ["api-cs-Migrated", "vnet-prod-Migrated"]
    group = rm.resource_groups.get("vnet-prod-Migrated")
    assert group.location == "westeurope"
    assert rm.resource_groups.check_existence("vnet-prod-Migrated") is True
    assert rm.resource_groups.check_existence("nope") is False
    everything = {(r.type, r.name) for r in rm.resources.list_by_resource_group("vnet-prod-Migrated")}
    admin.put("/settings", json={"armPageSize": 3})  # the SDK must follow nextLink
    paged = {(r.type, r.name) for r in rm.resources.list_by_resource_group("vnet-prod-Migrated")}
    assert paged == everything and len(everything) > 3
    for expected in [
        ("Microsoft.Network/virtualNetworks", "vnet-prod"),
        ("Microsoft.Network/virtualNetworkGateways", "vnet-prod-Gateway"),
        ("Microsoft.Network/localNetworkGateways", "hq"),
        ("Microsoft.Network/connections", "vnet-prod-hq-Connection"),
        ("Microsoft.Network/loadBalancers", "shop-cs-LB"),
        ("Microsoft.Network/loadBalancers", "shop-ilb"),
        ("Microsoft.Network/publicIPAddresses", "rip-shop"),
        ("Microsoft.Network/publicIPAddresses", "nva1-pip"),
        ("Microsoft.Network/networkInterfaces", "shop-web1-PrimaryNic"),
        ("Microsoft.Network/networkInterfaces", "nva1-nic2"),
        ("Microsoft.Network/networkSecurityGroups", "nsg-web"),
        ("Microsoft.Network/routeTables", "rt-web"),
        ("Microsoft.Compute/virtualMachines", "shop-web1"),
        ("Microsoft.Compute/virtualMachines/extensions", "shop-web1/IaaSAntimalware"),
        ("Microsoft.Compute/availabilitySets", "as-web"),
        ("Microsoft.KeyVault/vaults", "shop-cs-KeyVault"),
    ]:
        assert expected in everything, expected
    assert (
        "Microsoft.Compute/virtualMachines/extensions",
        "shop-web1/BGInfo",
    ) not in everything  # XML: dropped
    assert len(list(rm.resources.list())) == len(everything) + len(
        list(rm.resources.list_by_resource_group("api-cs-Migrated"))
    )
    vm = rm.resources.get_by_id(
        f"/subscriptions/{prepared.subscription_id}/resourceGroups/vnet-prod-Migrated/providers/Microsoft.Compute/virtualMachines/shop-sql1",
        api_version="2024-07-01",
    )
    assert vm.properties["osProfile"]["computerName"] == ""
    assert [d["lun"] for d in vm.properties["storageProfile"]["dataDisks"]] == [0, 1]
    assert vm.properties["availabilitySet"]["id"].endswith("/availabilitySets/as-web")


def test_network_collections_and_items(prepared: Emulator) -> None:
    _, net = clients(prepared)
    rg = "vnet-prod-Migrated"
    vnet = net.virtual_networks.get(rg, "vnet-prod")
    assert vnet.address_space.address_prefixes == ["10.0.0.0/16"]
    assert vnet.dhcp_options.dns_servers == ["10.0.0.4", "10.0.0.5"]
    assert [s.name for s in vnet.subnets] == ["infra", "web", "data", "GatewaySubnet"]
    web = net.subnets.get(rg, "vnet-prod", "web")
    assert web.network_security_group.id.endswith("/networkSecurityGroups/nsg-web")
    assert web.route_table.id.endswith("/routeTables/rt-web")
    assert [s.name for s in net.subnets.list(rg, "vnet-prod")] == ["infra", "web", "data", "GatewaySubnet"]
    lb = net.load_balancers.get(rg, "shop-cs-LB")
    assert [r.name for r in lb.load_balancing_rules] == ["web-http"]
    assert [(p.name, p.protocol, p.port, p.request_path) for p in lb.probes] == [
        ("web-http-Probe", "Http", 80, "/health")
    ]
    assert sorted(n.name for n in lb.inbound_nat_rules) == ["shop-web1-rdp", "shop-web2-rdp"]
    assert lb.frontend_ip_configurations[0].public_ip_address.id.endswith("/publicIPAddresses/rip-shop")
    assert [r.name for r in net.load_balancer_load_balancing_rules.list(rg, "shop-cs-LB")] == ["web-http"]
    assert net.load_balancer_probes.get(rg, "shop-cs-LB", "web-http-Probe").port == 80
    assert net.inbound_nat_rules.get(rg, "shop-cs-LB", "shop-web1-rdp").frontend_port == 50001
    assert [f.name for f in net.load_balancer_frontend_ip_configurations.list(rg, "shop-cs-LB")] == [
        "LoadBalancerFrontEnd"
    ]
    ilb = net.load_balancers.get(rg, "shop-ilb")
    assert ilb.frontend_ip_configurations[0].private_ip_address == "10.0.2.100"
    pip = net.public_ip_addresses.get(rg, "rip-shop")
    assert (pip.ip_address, pip.public_ip_allocation_method, pip.dns_settings.domain_name_label) == (
        "40.1.2.3",
        "Static",
        "shop-cs",
    )
    nic = net.network_interfaces.get(rg, "nva1-PrimaryNic")
    assert nic.enable_ip_forwarding is True
    assert nic.ip_configurations[0].private_ip_address == "10.0.0.10"
    assert nic.ip_configurations[0].public_ip_address.id.endswith("/publicIPAddresses/nva1-pip")
    sql_nic = net.network_interfaces.get(rg, "shop-sql1-PrimaryNic")
    assert sql_nic.network_security_group.id.endswith("/networkSecurityGroups/nsg-data")
    assert sql_nic.dns_settings.internal_domain_name_suffix == "shop.internal.cloudapp.net"
    assert [r.name for r in net.security_rules.list(rg, "nsg-web")] == ["allow-http", "allow-https"]
    assert net.routes.get(rg, "rt-web", "to-fw").next_hop_ip_address == "10.0.0.10"
    gw = net.virtual_network_gateways.get(rg, "vnet-prod-Gateway")
    assert (gw.gateway_type, gw.sku.name) == ("Vpn", "Standard")
    assert net.local_network_gateways.get(rg, "hq").gateway_ip_address == "203.0.113.10"
    conn = net.virtual_network_gateway_connections.get(rg, "vnet-prod-hq-Connection")
    assert conn.connection_type == "IPsec"
    assert [g.name for g in net.virtual_network_gateways.list(rg)] == ["vnet-prod-Gateway"]
    assert sorted(v.name for v in net.virtual_networks.list_all()) == ["api-cs-VirtualNetwork", "vnet-prod"]
    for lister in (
        net.public_ip_addresses.list(rg),
        net.network_interfaces.list(rg),
        net.network_security_groups.list(rg),
        net.route_tables.list(rg),
        net.local_network_gateways.list(rg),
        net.virtual_network_gateway_connections.list(rg),
    ):
        assert list(lister)
    # outside a VNet: a new private IP in the platform-created VNet
    api_nic = net.network_interfaces.get("api-cs-Migrated", "api1-PrimaryNic")
    assert api_nic.ip_configurations[0].private_ip_address == "10.0.0.4"
    assert net.public_ip_addresses.get("api-cs-Migrated", "rip-api").ip_address == "40.1.2.4"


def test_arm_errors_are_arm_shaped(prepared: Emulator) -> None:
    rm, net = clients(prepared)
    with pytest.raises(ResourceNotFoundError) as info:
        rm.resource_groups.get("nope")
    assert info.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as info:
        net.virtual_networks.get("vnet-prod-Migrated", "nope")
    assert info.value.error.code == "ResourceNotFound"
    assert (
        "The Resource 'Microsoft.Network/virtualNetworks/nope' under resource group 'vnet-prod-Migrated' was not found"  # noqa: E501
        in info.value.error.message
    )
    with pytest.raises(ResourceNotFoundError):
        net.load_balancer_probes.get("vnet-prod-Migrated", "shop-cs-LB", "nope")
    with pytest.raises(HttpResponseError) as info:
        net.virtual_networks.begin_delete("vnet-prod-Migrated", "vnet-prod").result()
    assert info.value.status_code == 405
    no_token = NetworkManagementClient(
        StaticToken(""),
        prepared.subscription_id,
        base_url=prepared.url,
        connection_verify=str(prepared.ca_file),
        retry_total=0,
    )
    with pytest.raises(ClientAuthenticationError) as info:
        no_token.virtual_networks.get("vnet-prod-Migrated", "vnet-prod")
    assert info.value.status_code == 401
    with httpx.Client(verify=tls(prepared)) as client:
        r = client.get(
            f"{prepared.url}/subscriptions/{prepared.subscription_id}/resourcegroups",
            headers={"Authorization": "Bearer t"},
            params={"api-version": "1999-01-01"},
        )
        assert r.status_code == 200  # any api-version
        r = client.get(
            f"{prepared.url}/subscriptions/22222222-2222-2222-2222-222222222222/resourcegroups",
            headers={"Authorization": "Bearer t"},
        )
        assert r.status_code == 404 and r.json()["error"]["code"] == "SubscriptionNotFound"


def test_provider_registration_and_usages(emu: Emulator) -> None:
    rm, net = clients(emu)
    assert rm.providers.get("Microsoft.ClassicInfrastructureMigrate").registration_state == "Registered"
    usages = {u.name.value: (u.current_value, u.limit) for u in net.usages.list("westeurope")}
    assert usages["LoadBalancers"] == (0, 100)


def test_role_assignments(emu: Emulator) -> None:
    with httpx.Client(verify=tls(emu), headers={"Authorization": "Bearer t"}) as client:
        url = (
            f"{emu.url}/subscriptions/{emu.subscription_id}/providers/Microsoft.Authorization/roleAssignments"
        )
        items = client.get(url, params={"api-version": "2022-04-01"}).json()["value"]
    got = [
        (
            i["properties"]["principalName"],
            i["properties"]["roleDefinitionName"],
            i["properties"]["classicScope"],
        )
        for i in items
    ]
    assert got == [
        ("ops@contoso.com", "Contributor", "subscription"),
        ("shop-team@contoso.com", "Virtual Machine Contributor", "cloudService/shop-cs"),
        ("net-team@contoso.com", "Network Contributor", "virtualNetwork/vnet-prod"),
    ]
    assert items[1]["properties"]["scope"].endswith(
        "/resourceGroups/classic/providers/Microsoft.ClassicCompute/domainNames/shop-cs"
    )


def test_a_moved_circuit_is_an_arm_express_route_circuit_with_its_classic_service_key(
    emu: Emulator, admin: Admin, asm: Asm
) -> None:
    rm, net = clients(emu)
    assert list(net.express_route_circuits.list_all()) == []  # not moved: nothing on the ARM side
    key = asm.get(f"{NW}/dedicatedcircuits").findtext(x("DedicatedCircuit/ServiceKey"))
    moved = admin.post("/circuits/er-legacy/move", json={"resourceGroup": "rg-er"})
    assert moved["armId"].endswith("/rg-er/providers/Microsoft.Network/expressRouteCircuits/er-legacy")
    admin.post("/circuits/er-legacy/move", json={"resourceGroup": "rg-er"})  # again: the same circuit
    (circuit,) = net.express_route_circuits.list_all()
    assert (circuit.name, circuit.service_key, circuit.allow_classic_operations) == ("er-legacy", key, True)
    assert [c.name for c in net.express_route_circuits.list("rg-er")] == ["er-legacy"]
    assert net.express_route_circuits.get("rg-er", "er-legacy").service_key == key
    assert rm.resource_groups.check_existence("rg-er") is True
    # still a classic circuit: the classic list keeps it, with no "moved" flag
    assert asm.get(f"{NW}/dedicatedcircuits").findtext(x("DedicatedCircuit/CircuitName")) == "er-legacy"
    assert admin.post("/circuits/er-legacy/move", status=400, json={"resourceGroup": ""})
    assert admin.post("/circuits/nope/move", status=404)
