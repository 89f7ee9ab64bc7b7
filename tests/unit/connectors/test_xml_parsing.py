"""The XML → model mapping on answers shaped as the ASM reference documents them.

These samples are written from the platform's own clients and recorded traffic
(docs/connectors.md), not from the emulator, so the parser is checked against the real platform's
shapes; `tests/integration/contract/` checks it against the emulator.
"""

from pathlib import Path

import pytest

from connectors.asm.scoped import disk_users
from connectors.asm.units import collapse_states, deployment_state, parse_operation, parse_validation
from connectors.asm.xml_common import deployment_network_resource, parse_error_body, parse_xml
from connectors.asm.xml_deployment import parse_cloud_service, parse_deployment
from connectors.asm.xml_network import (
    parse_local_network_sites,
    parse_network_security_group,
    parse_reserved_ips,
    parse_route_table,
    parse_virtual_networks,
)
from connectors.asm.xml_storage import parse_disks, parse_images, parse_storage_accounts
from connectors.errors import PermanentError, Reason, TransientError

XML = Path(__file__).parent / "xml"


def load(name: str):
    return parse_xml((XML / name).read_bytes(), name)


def test_deployment_maps_every_field_the_xml_carries() -> None:
    _, sizes = parse_disks(load("disks.xml"))
    dep = parse_deployment(load("deployment.xml"), sizes)
    assert (dep.name, dep.kind, dep.virtual_network, dep.reserved_ip) == (
        "web-dep",
        "IaaS",
        "vnet-prod",
        "rip-web",
    )
    assert dep.internal_dns_suffix == "web.internal.cloudapp.net"
    assert [(i.name, i.subnet, i.static_ip) for i in dep.internal_load_balancers] == [
        ("ilb-sql", "web", "10.0.1.100")
    ]
    web1, web2 = dep.roles
    assert (web1.size, web1.state, web1.guest_agent, web1.availability_set) == (
        "Standard_D2",
        "StoppedDeallocated",
        "NotReady",
        "as-web",
    )
    assert (web1.subnets, web1.static_ip, web1.ip_forwarding) == (["web"], "10.0.1.4", True)
    assert web1.network_security_group == "nsg-web" and web1.public_ip.name == "web1-pip"
    assert [(n.name, n.subnet, n.static_ip) for n in web1.secondary_nics] == [("nic2", "back", "10.0.2.9")]
    http, rdp, sql = web1.endpoints
    assert (http.protocol, http.port, http.local_port, http.load_balanced_set) == ("tcp", 80, 80, "web-lb")
    assert (http.probe.protocol, http.probe.port, http.probe.path) == ("http", 80, "/health")
    assert [(a.order, a.action, a.remote_subnet, a.description) for a in http.acl] == [
        (100, "permit", "10.0.0.0/8", "corp")
    ]
    assert rdp.protocol == "tcp" and rdp.probe is None and rdp.load_balanced_set is None
    assert sql.internal_load_balancer == "ilb-sql"
    # OSVirtualHardDisk carries no size: it comes from the disk registry
    assert (web1.os_disk.name, web1.os_disk.os, web1.os_disk.size_gb) == ("web1-os", "Windows", 127)
    assert [(d.name, d.lun, d.size_gb) for d in web1.data_disks] == [
        ("web1-data0", 0, 128),
        ("web1-data1", 1, 64),
    ]
    bginfo, custom = web1.extensions
    assert (bginfo.name, bginfo.xml, bginfo.status) == ("BGInfo", True, "Unresponsive")
    assert (custom.name, custom.xml, custom.status) == ("CustomScriptExtension", False, "Ready")
    assert web1.boot_diagnostics.storage_account == "stdiag"
    assert web2.state == "RoleStateUnknown"  # BusyRole: not a state the platform migrates
    assert web2.os_disk.size_gb == 30


def test_cloud_service_and_state() -> None:
    cs = parse_cloud_service(
        "web-cs",
        "West Europe",
        load("deployment.xml"),
        parse_xml(
            b"<Certificates><Certificate><Thumbprint>3A1F</Thumbprint>"
            b"<ThumbprintAlgorithm>SHA1</ThumbprintAlgorithm><Data>secret</Data>"
            b"</Certificate></Certificates>"
        ),
        {"web1-os": 127},
    )
    assert [c.thumbprint for c in cs.certificates] == ["3A1F"]
    assert "secret" not in cs.model_dump_json()
    assert deployment_state(load("deployment.xml")) == "Prepared"
    assert collapse_states(["Prepared", "Committing"]) == "Committing"
    assert collapse_states([None, "Prepared"]) == "Prepared"
    assert collapse_states([]) is None


def test_os_disk_without_a_known_size_names_the_field() -> None:
    with pytest.raises(PermanentError, match=r"roles\[0\]\.osDisk") as caught:
        parse_deployment(load("deployment.xml"), {})
    assert caught.value.reason == Reason.PROTOCOL


def test_network_configuration_and_vnet_list() -> None:
    netcfg = load("netcfg.xml")
    vnet_list = parse_xml(
        b'<VirtualNetworkSites xmlns="http://schemas.microsoft.com/windowsazure"><VirtualNetworkSite>'
        b"<Name>vnet-prod</Name><State>Created</State><Subnets><Subnet><Name>web</Name>"
        b"<NetworkSecurityGroup>nsg-web</NetworkSecurityGroup></Subnet></Subnets>"
        b"<MigrationState>Preparing</MigrationState></VirtualNetworkSite></VirtualNetworkSites>"
    )
    prod, other = parse_virtual_networks(netcfg, vnet_list)
    assert (prod.name, prod.location, prod.address_space) == ("vnet-prod", "West Europe", ["10.0.0.0/16"])
    assert [(s.name, s.prefix, s.network_security_group) for s in prod.subnets] == [
        ("web", "10.0.1.0/24", "nsg-web"),
        ("GatewaySubnet", "10.0.255.0/27", None),
    ]
    assert [(d.name, d.address) for d in prod.dns_servers] == [("dc1", "10.0.0.4")]
    [gateway] = prod.gateways
    assert gateway.kind == "Vpn"
    assert [(c.local_network_site, c.type) for c in gateway.connections] == [("onprem", "IPsec")]
    assert (other.name, other.subnets, other.gateways) == ("vnet-b", [], [])
    [site] = parse_local_network_sites(netcfg)
    assert (site.name, site.address_space, site.vpn_gateway_address) == (
        "onprem",
        ["192.168.0.0/16"],
        "203.0.113.10",
    )


def test_expressroute_connection_makes_an_expressroute_gateway() -> None:
    netcfg = parse_xml(
        b"<NetworkConfiguration><VirtualNetworkConfiguration><VirtualNetworkSites>"
        b'<VirtualNetworkSite name="v" Location="West Europe"><AddressSpace><AddressPrefix>10.0.0.0/16'
        b'</AddressPrefix></AddressSpace><Gateway><ConnectionsToLocalNetwork><LocalNetworkSiteRef name="er">'
        b'<Connection type="Dedicated" /></LocalNetworkSiteRef></ConnectionsToLocalNetwork></Gateway>'
        b"</VirtualNetworkSite></VirtualNetworkSites></VirtualNetworkConfiguration></NetworkConfiguration>"
    )
    [vnet] = parse_virtual_networks(netcfg)
    assert [(g.kind, [c.type for c in g.connections]) for g in vnet.gateways] == [
        ("ExpressRoute", ["Dedicated"])
    ]


def test_nsg_route_table_reserved_ips_storage_images() -> None:
    nsg = parse_network_security_group(load("nsg.xml"))
    assert [
        (r.name, r.priority, r.direction, r.access, r.protocol, r.destination_port) for r in nsg.rules
    ] == [("allow-http", 100, "Inbound", "Allow", "TCP", "80")]  # the platform's default rule is left out
    rt = parse_route_table(load("routetable.xml"))
    assert [(r.name, r.next_hop_type, r.next_hop) for r in rt.routes] == [
        ("to-fw", "VirtualAppliance", "10.0.2.4"),
        ("local", "VNetLocal", None),
    ]
    [rip] = parse_reserved_ips(
        parse_xml(
            b"<ReservedIPs><ReservedIP><Name>rip-web</Name><Address>40.1.2.3</Address><Id>1</Id><State>Created"
            b"</State><InUse>true</InUse><ServiceName>web-cs</ServiceName><Location>West Europe</Location>"
            b"</ReservedIP></ReservedIPs>"
        )
    )
    assert (rip.name, rip.address, rip.cloud_service, rip.location) == (
        "rip-web",
        "40.1.2.3",
        "web-cs",
        "West Europe",
    )
    [acct] = parse_storage_accounts(
        parse_xml(
            b"<StorageServices><StorageService><ServiceName>stprod</ServiceName><StorageServiceProperties>"
            b"<Location>West Europe</Location><AccountType>Premium_LRS</AccountType>"
            b"</StorageServiceProperties>"
            b"<MigrationState>Prepared</MigrationState></StorageService></StorageServices>"
        )
    )
    assert (acct.name, acct.sku, acct.premium) == ("stprod", "Premium_LRS", True)
    unattached, sizes = parse_disks(load("disks.xml"))
    assert [(d.name, d.size_gb) for d in unattached] == [("orphan-1", 128)] and sizes["web1-os"] == 127
    images = parse_images(
        parse_xml(
            b"<Images><OSImage><Category>User</Category><MediaLink>https://stprod.blob.core.windows.net/i/a.vhd"
            b"</MediaLink><Name>mine</Name></OSImage><OSImage><Category>Public</Category><Name>Win2012</Name>"
            b"</OSImage></Images>"
        )
    )
    assert [i.name for i in images] == ["mine"]


def test_flat_list_items_convert_default_and_name_the_failing_item() -> None:
    """`build_each`: a converter applies to a present value only, an absent element leaves the
    model's default, and a value the model refuses names the item's index and field."""
    certs = parse_cloud_service(
        "web-cs",
        "West Europe",
        load("deployment.xml"),
        parse_xml(
            b"<Certificates><Certificate><Thumbprint>3A1F</Thumbprint>"
            b"<ThumbprintAlgorithm>SHA256</ThumbprintAlgorithm></Certificate>"
            b"<Certificate><Thumbprint>4B2E</Thumbprint></Certificate></Certificates>"
        ),
        {"web1-os": 127},
    ).certificates
    assert [(c.thumbprint, c.algorithm) for c in certs] == [("3A1F", "sha256"), ("4B2E", "sha1")]
    [plain] = parse_storage_accounts(
        parse_xml(b"<StorageService><ServiceName>st</ServiceName></StorageService>")
    )
    assert (plain.name, plain.location, plain.sku) == ("st", None, "Standard_LRS")
    with pytest.raises(PermanentError, match=r"reservedIps\[1\]\.address: ") as caught:
        parse_reserved_ips(
            parse_xml(
                b"<ReservedIPs><ReservedIP><Name>a</Name><Address>40.1.2.3</Address></ReservedIP>"
                b"<ReservedIP><Name>b</Name><Address>not-an-ip</Address></ReservedIP></ReservedIPs>"
            )
        )
    assert caught.value.code == "UnexpectedValue"


def test_an_operation_status_outside_the_platform_enum_is_refused_by_name() -> None:
    """The platform's OperationStatus is InProgress, Succeeded or Failed; anything else is a
    protocol error naming the value, not a status the workflow would have to guess about."""
    with pytest.raises(PermanentError, match="Status 'Cancelled' is not one of InProgress") as caught:
        parse_operation(parse_xml(b"<Operation><ID>r1</ID><Status>Cancelled</Status></Operation>"), "r1")
    assert caught.value.reason is Reason.PROTOCOL


def test_disk_users_skips_a_registry_entry_without_media_link() -> None:
    """Found by mypy (#17 item 4): an attached disk without `MediaLink` crashed the scoped read
    with an AttributeError; it names no storage account, so it is left out."""
    root = load("disks.xml")
    root.append(
        parse_xml(
            b"<Disk><AttachedTo><HostedServiceName>db-cs</HostedServiceName></AttachedTo><Name>x</Name></Disk>"
        )
    )
    assert disk_users(root) == {"stprod": {"web-cs"}}


def test_validation_operation_and_error_bodies() -> None:
    result = parse_validation(
        parse_xml(
            b"<ValidationMessages><ValidationMessage><ResourceType>HostedService</ResourceType><ResourceName>web-cs"
            b"</ResourceName><Category>Error</Category><Message>VM web1 ... extension BGInfo</Message>"
            b"<VirtualMachine>web1</VirtualMachine></ValidationMessage><ValidationMessage><Category>Warning"
            b"</Category><Message>note</Message></ValidationMessage></ValidationMessages>"
        )
    )
    assert not result.migratable and [m.virtual_machine for m in result.errors] == ["web1"]
    op = parse_operation(
        parse_xml(
            b"<Operation><ID>r1</ID><Status>Failed</Status><HttpStatusCode>500</HttpStatusCode><Error><Code>"
            b"InternalError</Code><Message>Internal server error</Message></Error></Operation>"
        ),
        "r1",
    )
    assert op.done and not op.succeeded and isinstance(op.error, TransientError)
    op = parse_operation(
        parse_xml(
            b"<Operation><ID>r2</ID><Status>Failed</Status><HttpStatusCode>400</HttpStatusCode><Error><Code>"
            b"BadRequest</Code><Message>Migration isn't supported for Deployment d in HostedService h because"
            b" it's a PaaS deployment (Web/Worker).</Message></Error></Operation>"
        ),
        "r2",
    )
    assert isinstance(op.error, PermanentError) and op.error.reason == Reason.UNSUPPORTED
    assert parse_error_body(b"<Error><Code>BadRequest</Code><Message>nope</Message></Error>") == (
        "BadRequest",
        "nope",
    )
    assert parse_error_body(b"") == ("", "")


def test_deployment_network_resource_body() -> None:
    root = parse_xml(deployment_network_resource("existing", "rg", "vnet", "sub"))
    assert [(c.tag, c.text) for c in root] == [
        ("ResourceGroupName", "rg"),
        ("VirtualNetworkName", "vnet"),
        ("SubNetName", "sub"),
        ("DestinationVirtualNetwork", "Existing"),
    ]
    new = parse_xml(deployment_network_resource("New"))
    assert [c.text or "" for c in new] == ["", "", "", "New"]
    for bad in (("Default",), ("Existing", "rg"), ("New", "rg", "v", "s")):
        with pytest.raises(ValueError):
            deployment_network_resource(*bad)


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b"<Deployment>&lol2;</Deployment>",
    "external entity": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<Deployment>&xxe;</Deployment>",
    "external DTD": b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd"><Deployment/>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_refused(name: str) -> None:
    with pytest.raises(PermanentError, match="hostile XML refused") as caught:
        parse_xml(HOSTILE[name])
    assert caught.value.reason == Reason.PROTOCOL and not caught.value.transient


def test_huge_and_malformed_xml_are_refused() -> None:
    with pytest.raises(PermanentError, match="exceeds"):
        parse_xml(b"<a>" + b"x" * (16 * 1024 * 1024) + b"</a>")
    with pytest.raises(PermanentError, match="malformed"):
        parse_xml(b"<Deployment><Name>x</Deployment>")
