"""Gateway and ExpressRoute XML → the model, on answers shaped as the platform sends them (Get
Virtual Network Gateway with `GatewaySize` and a routing `GatewayType`, List Connections, List
Dedicated Circuits with `Status`, List Dedicated Circuit Links): ExpressRoute is recognised from
`Dedicated` connections and from the circuits' VNet links, never from `GatewayType`."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from connectors.asm.xml_common import parse_xml
from connectors.asm.xml_gateway import (
    circuit_service_keys,
    connectivity,
    merge_gateways,
    parse_circuit_links,
    parse_circuits,
    parse_connection_states,
)
from connectors.asm.xml_network import parse_virtual_networks
from migration.estate import VirtualNetwork

WA = 'xmlns="http://schemas.microsoft.com/windowsazure"'
NETCFG = """<NetworkConfiguration xmlns="http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration">
<VirtualNetworkConfiguration><VirtualNetworkSites>
<VirtualNetworkSite name="vnet-hybrid" Location="West Europe">
  <AddressSpace><AddressPrefix>10.0.0.0/16</AddressPrefix></AddressSpace>
  <Subnets><Subnet name="GatewaySubnet"><AddressPrefix>10.0.255.0/27</AddressPrefix></Subnet></Subnets>
  <Gateway><ConnectionsToLocalNetwork>
    <LocalNetworkSiteRef name="hq"><Connection type="IPsec" /></LocalNetworkSiteRef>
    <LocalNetworkSiteRef name="er-site"><Connection type="Dedicated" /></LocalNetworkSiteRef>
  </ConnectionsToLocalNetwork></Gateway>
</VirtualNetworkSite>
<VirtualNetworkSite name="vnet-bare" Location="West Europe">
  <AddressSpace><AddressPrefix>10.1.0.0/16</AddressPrefix></AddressSpace>
  <Gateway />
</VirtualNetworkSite>
</VirtualNetworkSites></VirtualNetworkConfiguration></NetworkConfiguration>"""


def xml(body: str) -> Element:
    return parse_xml(body.encode())


def vnets() -> dict[str, VirtualNetwork]:
    return {v.name: v for v in parse_virtual_networks(xml(NETCFG))}


def gateway_doc(gateway_type: str, sku: str = "HighPerformance", vip: str = "52.1.2.3") -> str:
    return (
        f"<Gateway {WA}><State>Provisioned</State><VIPAddress>{vip}</VIPAddress>"
        f"<LastEvent><Timestamp>2016-01-01T00:00:00Z</Timestamp></LastEvent>"
        f"<GatewayType>{gateway_type}</GatewayType><GatewaySize>{sku}</GatewaySize></Gateway>"
    )


CONNECTIONS = f"""<Connections {WA}>
<Connection><LocalNetworkSiteName>hq</LocalNetworkSiteName><ConnectivityState>Connecting</ConnectivityState>
  <EgressBytesTransferred>0</EgressBytesTransferred><LastConnectionEstablished>2016-01-01T00:00:00Z</LastConnectionEstablished></Connection>
<Connection><LocalNetworkSiteName>er-site</LocalNetworkSiteName><ConnectivityState>Connected</ConnectivityState></Connection>
</Connections>"""
CIRCUITS = f"""<DedicatedCircuits {WA}>
<DedicatedCircuit><Bandwidth>200</Bandwidth><CircuitName>er-one</CircuitName><Location>Amsterdam</Location>
  <ServiceKey>11111111-2222-3333-4444-555555555555</ServiceKey><Status>Enabled</Status></DedicatedCircuit>
<DedicatedCircuit><CircuitName>er-two</CircuitName><ServiceKey>k2</ServiceKey><MovedToArm>true</MovedToArm></DedicatedCircuit>
</DedicatedCircuits>"""
LINKS = f"""<DedicatedCircuitLinks {WA}><DedicatedCircuitLink><State>Provisioned</State>
<VnetName>vnet-hybrid</VnetName></DedicatedCircuitLink></DedicatedCircuitLinks>"""


def test_both_gateway_kinds_from_the_platforms_reads() -> None:
    vnet = vnets()["vnet-hybrid"]
    gateways = merge_gateways(
        vnet, xml(gateway_doc("DynamicRouting")), xml(CONNECTIONS), {"vnet-hybrid": "er-one"}
    )
    assert [g.model_dump() for g in gateways] == [
        {
            "kind": "Vpn",  # with both kinds the platform's Get Gateway describes the VPN one
            "sku": "HighPerformance",
            "vip": "52.1.2.3",
            "circuit": None,
            "connections": [{"local_network_site": "hq", "type": "IPsec", "state": "Disconnected"}],
        },
        {
            "kind": "ExpressRoute",
            "sku": None,
            "vip": None,
            "circuit": "er-one",
            "connections": [{"local_network_site": "er-site", "type": "Dedicated", "state": "Connected"}],
        },
    ]


def test_a_gateway_without_connections_is_expressroute_only_when_a_circuit_links_it() -> None:
    vnet = vnets()["vnet-bare"]
    # a routing type says nothing about the kind: without a link it is a VPN gateway
    for routing in ("StaticRouting", "DynamicRouting"):
        (vpn,) = merge_gateways(vnet, xml(gateway_doc(routing, "Default")), xml(f"<Connections {WA}/>"))
        assert (vpn.kind, vpn.sku, vpn.vip, vpn.circuit) == ("Vpn", "Default", "52.1.2.3", None)
    # Dedicated connections taken out of the network configuration: the link still tells
    (er,) = merge_gateways(vnet, xml(gateway_doc("DynamicRouting")), None, {"vnet-bare": "er-two"})
    assert (er.kind, er.sku, er.circuit, er.connections) == ("ExpressRoute", "HighPerformance", "er-two", [])
    # a link to another VNet changes nothing here
    (other,) = merge_gateways(vnet, xml(gateway_doc("DynamicRouting")), None, {"vnet-hybrid": "er-one"})
    assert other.kind == "Vpn"
    assert merge_gateways(vnets()["vnet-hybrid"].model_copy(update={"gateways": []}), None, None, None) == []


def test_a_linked_vnet_with_a_connected_vpn_gateway_has_both_kinds() -> None:
    vpn_only = vnets()["vnet-hybrid"]
    vpn_only = vpn_only.model_copy(update={"gateways": [g for g in vpn_only.gateways if g.kind == "Vpn"]})
    gateways = merge_gateways(
        vpn_only, xml(gateway_doc("DynamicRouting", "Standard")), None, {"vnet-hybrid": "er-one"}
    )
    assert [(g.kind, g.sku, g.circuit) for g in gateways] == [
        ("Vpn", "Standard", None),
        ("ExpressRoute", None, "er-one"),
    ]


def test_connectivity_and_circuits() -> None:
    assert [connectivity(v) for v in ("Connected", "connected", "Connecting", "NotConnected", None)] == [
        "Connected",
        "Connected",
        "Disconnected",
        "Disconnected",
        None,
    ]
    assert parse_connection_states(xml(CONNECTIONS)) == {"hq": "Disconnected", "er-site": "Connected"}
    # the classic API has no "moved to ARM" flag (an unknown element is ignored): ARM decides
    assert [(c.name, c.moved_to_arm) for c in parse_circuits(xml(CIRCUITS))] == [
        ("er-one", False),
        ("er-two", False),
    ]
    assert circuit_service_keys(xml(CIRCUITS)) == {
        "er-one": "11111111-2222-3333-4444-555555555555",
        "er-two": "k2",
    }
    assert parse_circuit_links(xml(LINKS)) == ["vnet-hybrid"]
    assert parse_circuits(None) == []
