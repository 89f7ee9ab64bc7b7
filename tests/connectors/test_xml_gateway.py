"""Gateway and ExpressRoute XML → the model, on answers shaped as the platform sends them (Get
Virtual Network Gateway, List Connections, dedicated circuits and their VNet links) — without the
emulator's invented `Gateways` element — and the rule that the platform's reads win over it."""

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
        f"<GatewayType>{gateway_type}</GatewayType><GatewaySKU>{sku}</GatewaySKU></Gateway>"
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
        vnet, None, xml(gateway_doc("DynamicRouting")), xml(CONNECTIONS), {"vnet-hybrid": "er-one"}
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


def test_a_gateway_without_connections_takes_its_kind_from_get_gateway() -> None:
    vnet = vnets()["vnet-bare"]
    vpn = merge_gateways(
        vnet, None, xml(gateway_doc("StaticRouting", "Default")), xml(f"<Connections {WA}/>")
    )
    assert [(g.kind, g.sku, g.vip) for g in vpn] == [("Vpn", "Default", "52.1.2.3")]
    er = merge_gateways(vnet, None, xml(gateway_doc("ExpressRoute")), None)
    assert [g.kind for g in er] == ["ExpressRoute"]
    assert merge_gateways(vnets()["vnet-hybrid"].model_copy(update={"gateways": []}), None, None, None) == []


def test_the_platforms_reads_win_over_the_emulators_gateways_element() -> None:
    listed = xml(
        f"""<VirtualNetworkSite {WA}><Name>vnet-hybrid</Name><Gateways><VirtualNetworkGateway>
        <Kind>Vpn</Kind><Sku>Basic</Sku><VIPAddress>52.9.9.9</VIPAddress><Connections><Connection>
        <LocalNetworkSiteName>hq</LocalNetworkSiteName><Type>IPsec</Type><ConnectivityState>Connected</ConnectivityState>
        </Connection></Connections></VirtualNetworkGateway></Gateways></VirtualNetworkSite>"""
    )
    connections = xml(
        f"<Connections {WA}><Connection><LocalNetworkSiteName>hq</LocalNetworkSiteName>"
        "<ConnectivityState>NotConnected</ConnectivityState></Connection></Connections>"
    )
    (gateway,) = merge_gateways(
        vnets()["vnet-hybrid"], listed, xml(gateway_doc("DynamicRouting", "Standard")), connections
    )
    assert (gateway.kind, gateway.sku, gateway.vip) == ("Vpn", "Standard", "52.1.2.3")
    assert [(c.local_network_site, c.state) for c in gateway.connections] == [("hq", "Disconnected")]
    # without the platform's answers the listed facts stand
    (alone,) = merge_gateways(vnets()["vnet-hybrid"], listed, None, None)
    assert (alone.sku, alone.vip, alone.connections[0].state) == ("Basic", "52.9.9.9", "Connected")


def test_connectivity_and_circuits() -> None:
    assert [connectivity(v) for v in ("Connected", "connected", "Connecting", "NotConnected", None)] == [
        "Connected",
        "Connected",
        "Disconnected",
        "Disconnected",
        None,
    ]
    assert parse_connection_states(xml(CONNECTIONS)) == {"hq": "Disconnected", "er-site": "Connected"}
    assert [(c.name, c.moved_to_arm) for c in parse_circuits(xml(CIRCUITS))] == [
        ("er-one", False),  # the platform reports no such flag: not moved until shown otherwise
        ("er-two", True),
    ]
    assert circuit_service_keys(xml(CIRCUITS)) == {
        "er-one": "11111111-2222-3333-4444-555555555555",
        "er-two": "k2",
    }
    assert parse_circuit_links(xml(LINKS)) == ["vnet-hybrid"]
    assert parse_circuits(None) == []
