"""ASM reads, auth and request checks against the real emulator process (httpx + the legacy SDK)."""

from __future__ import annotations

import base64

import httpx
import pytest
import requests
from azure.servicemanagement import ServiceManagementService

from cli.stack.emulator import Emulator
from tests.integration.emulator.helpers import NS, Asm, error_of, tls, x

SUB_PATH = "/services/hostedservices"


def raw(emu: Emulator, headers: dict[str, str], path: str = SUB_PATH) -> httpx.Response:
    with httpx.Client(verify=tls(emu)) as client:
        return client.get(f"{emu.url}/{emu.subscription_id}{path}", headers=headers)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dTpw"}, {"Authorization": "Bearer"}, {"Authorization": "token"}],
    ids=["none", "basic", "bare-scheme", "no-scheme"],
)
def test_missing_or_malformed_auth_is_401(emu: Emulator, headers: dict[str, str]) -> None:
    response = raw(emu, {"x-ms-version": "2017-01-01", **headers})
    assert response.status_code == 401
    assert error_of(response)[0] == "AuthenticationFailed"


def test_management_certificate_authenticates(emu: Emulator) -> None:
    cert, key = emu.management_cert
    with Asm(emu, cert=(cert, key)) as asm:
        root = asm.get(SUB_PATH)
    assert root.tag == NS + "HostedServices"


def test_missing_version_header_is_400_with_error_body(emu: Emulator) -> None:
    response = raw(emu, {"Authorization": "Bearer t"})
    assert response.status_code == 400
    assert error_of(response) == (
        "MissingOrIncorrectVersionHeader",
        "The versioning header is not specified or was specified incorrectly.",
    )


def test_other_subscription_is_forbidden(emu: Emulator) -> None:
    with httpx.Client(verify=tls(emu)) as client:
        response = client.get(
            f"{emu.url}/11111111-1111-1111-1111-111111111111{SUB_PATH}",
            headers={"Authorization": "Bearer t", "x-ms-version": "2017-01-01"},
        )
    assert response.status_code == 403
    assert error_of(response)[0] == "ForbiddenError"


def test_hosted_services_list_and_embed_detail(asm: Asm) -> None:
    root = asm.get(SUB_PATH)
    names = [hs.findtext(x("ServiceName")) for hs in root.findall(x("HostedService"))]
    assert names == [
        "shop-cs",
        "infra-cs",
        "erapp-cs",
        "branch-cs",
        "legacy-cs",
        "api-cs",
        "paas-cs",
        "acl-cs",
        "empty-cs",
    ]
    first = root.find(x("HostedService"))
    assert first.findtext(x("HostedServiceProperties/Location")) == "West Europe"
    assert base64.b64decode(first.findtext(x("HostedServiceProperties/Label"))).decode() == "shop-cs"
    assert first.find(x("Deployments")) is None
    detail = asm.get(f"{SUB_PATH}/shop-cs?embed-detail=true")
    assert detail.tag == NS + "HostedService"
    assert detail.findtext(x("Deployments/Deployment/Name")) == "shop-prod"
    assert asm.get(f"{SUB_PATH}/empty-cs?embed-detail=true").find(x("Deployments")) is not None


def test_deployment_by_name_and_by_slot(asm: Asm) -> None:
    by_name = asm.get(f"{SUB_PATH}/shop-cs/deployments/shop-prod")
    by_slot = asm.get(f"{SUB_PATH}/shop-cs/deploymentslots/Production")
    assert [c.tag for c in by_name] == [c.tag for c in by_slot]
    order = [c.tag.replace(NS, "") for c in by_name]
    assert order == [
        "Name",
        "DeploymentSlot",
        "PrivateID",
        "Status",
        "Label",
        "Url",
        "Configuration",
        "RoleInstanceList",
        "RoleList",
        "VirtualNetworkName",
        "Dns",
        "VirtualIPs",
        "ReservedIPName",
        "LoadBalancers",
        "InternalDnsSuffix",
    ]
    roles = by_name.findall(x("RoleList/Role"))
    assert [r.findtext(x("RoleName")) for r in roles] == ["shop-web1", "shop-web2", "shop-sql1"]
    web1 = roles[0]
    assert web1.findtext(x("RoleType")) == "PersistentVMRole"
    assert web1.find(x("MigrationState")) is None
    cfg = web1.find(x("ConfigurationSets/ConfigurationSet"))
    assert cfg.findtext(x("SubnetNames/SubnetName")) == "web"
    assert cfg.findtext(x("StaticVirtualNetworkIPAddress")) == "10.0.1.4"
    http = cfg.find(x("InputEndpoints/InputEndpoint"))
    assert [
        http.findtext(x(t)) for t in ("LoadBalancedEndpointSetName", "LocalPort", "Name", "Port", "Protocol")
    ] == ["web-http", "80", "http", "80", "tcp"]
    assert http.findtext(x("LoadBalancerProbe/Path")) == "/health"
    ext = web1.find(x("ResourceExtensionReferences/ResourceExtensionReference"))
    assert (ext.findtext(x("Name")), ext.findtext(x("ExtensionType"))) == ("BGInfo", "Xml")
    assert web1.findtext(x("DebugSettings/BootDiagnosticsEnabled")) == "true"
    sql = roles[2]
    assert (
        sql.findtext(x("ConfigurationSets/ConfigurationSet/InputEndpoints/InputEndpoint/LoadBalancerName"))
        == "shop-ilb"
    )
    assert [d.findtext(x("Lun")) for d in sql.findall(x("DataVirtualHardDisks/DataVirtualHardDisk"))] == [
        "0",
        "1",
    ]
    inst = by_name.find(x("RoleInstanceList/RoleInstance"))
    assert (
        inst.findtext(x("InstanceStatus")),
        inst.findtext(x("PowerState")),
        inst.findtext(x("IpAddress")),
    ) == ("ReadyRole", "Started", "10.0.1.4")
    vip = by_name.find(x("VirtualIPs/VirtualIP"))
    assert (vip.findtext(x("Address")), vip.findtext(x("IsReserved")), vip.findtext(x("ReservedIPName"))) == (
        "40.1.2.3",
        "true",
        "rip-shop",
    )
    assert (
        by_name.findtext(
            x("LoadBalancers/LoadBalancer/FrontendIpConfiguration/StaticVirtualNetworkIPAddress")
        )
        == "10.0.2.100"
    )
    assert [d.findtext(x("Address")) for d in by_name.findall(x("Dns/DnsServers/DnsServer"))] == [
        "10.0.0.4",
        "10.0.0.5",
    ]


def test_instance_states_and_paas(asm: Asm) -> None:
    legacy = asm.get(f"{SUB_PATH}/legacy-cs/deployments/legacy-prod")
    inst = legacy.find(x("RoleInstanceList/RoleInstance"))
    assert inst.findtext(x("InstanceStatus")) == "RoleStateUnknown"
    assert inst.findtext(x("GuestAgentStatus/Status")) == "NotReady"
    branch = asm.get(f"{SUB_PATH}/branch-cs/deploymentslots/production")
    assert branch.findtext(x("RoleInstanceList/RoleInstance/InstanceStatus")) == "StoppedDeallocated"
    paas = asm.get(f"{SUB_PATH}/paas-cs/deployments/paas-prod")
    assert [r.find(x("RoleType")) for r in paas.findall(x("RoleList/Role"))] == [None, None]


def test_network_reads(asm: Asm) -> None:
    cfg = asm.get("/services/networking/media")
    netns = "{http://schemas.microsoft.com/ServiceHosting/2011/07/NetworkConfiguration}"
    assert cfg.tag == netns + "NetworkConfiguration"
    sites = cfg.findall(
        f"{netns}VirtualNetworkConfiguration/{netns}VirtualNetworkSites/{netns}VirtualNetworkSite"
    )
    assert [s.get("name") for s in sites] == ["vnet-prod", "vnet-er", "vnet-branch", "vnet-legacy"]
    conn = sites[0].find(f"{netns}Gateway/{netns}ConnectionsToLocalNetwork/{netns}LocalNetworkSiteRef")
    assert conn.get("name") == "hq" and conn.find(f"{netns}Connection").get("type") == "IPsec"
    vnets = asm.get("/services/networking/virtualnetwork")
    prod = vnets.find(x("VirtualNetworkSite"))
    assert prod.findtext(x("State")) == "Created" and prod.find(x("MigrationState")) is None
    assert [s.findtext(x("Name")) for s in prod.findall(x("Subnets/Subnet"))] == [
        "infra",
        "web",
        "data",
        "GatewaySubnet",
    ]
    branch = vnets.findall(x("VirtualNetworkSite"))[2]
    assert branch.findtext(x("Gateway/Sites/LocalNetworkSite/Name")) == "branch-office"
    assert vnets.find(x("VirtualNetworkSite/Gateways")) is None  # no invented gateway list
    rips = asm.get("/services/networking/reservedips")
    assert [(r.findtext(x("Name")), r.findtext(x("InUse"))) for r in rips.findall(x("ReservedIP"))] == [
        ("rip-shop", "true"),
        ("rip-api", "true"),
        ("rip-spare", "false"),
    ]
    nsg = asm.get("/services/networking/networksecuritygroups/nsg-web?detaillevel=Full")
    assert [r.findtext(x("DestinationPortRange")) for r in nsg.findall(x("Rules/Rule"))] == ["80", "443"]
    assert len(asm.get("/services/networking/networksecuritygroups").findall(x("NetworkSecurityGroup"))) == 3
    rt = asm.get("/services/networking/routetables/rt-web?detailLevel=full")
    assert rt.findtext(x("RouteList/Route/NextHopType/IpAddress")) == "10.0.0.10"
    circuits = asm.get("/services/networking/dedicatedcircuits")
    (circuit,) = circuits.findall(x("DedicatedCircuit"))
    assert [circuit.findtext(x(t)) for t in ("CircuitName", "Status")] == ["er-legacy", "Enabled"]
    assert circuit.find(x("MovedToArm")) is None and circuit.find(x("CircuitStatus")) is None


def test_storage_disks_images_certificates(asm: Asm) -> None:
    storage = asm.get("/services/storageservices")
    assert [s.findtext(x("ServiceName")) for s in storage.findall(x("StorageService"))][:2] == [
        "stprodweb",
        "stproddata",
    ]
    one = asm.get("/services/storageservices/stproddata")
    assert one.findtext(x("StorageServiceProperties/AccountType")) == "Premium_LRS"
    disks = asm.get("/services/disks").findall(x("Disk"))
    attached = {d.findtext(x("Name")): d.findtext(x("AttachedTo/RoleName")) for d in disks}
    assert attached["shop-sql1-data0"] == "shop-sql1" and attached["archive-orphan"] is None
    assert asm.get("/services/images").findtext(x("OSImage/Name")) == "golden-ws2012"
    certs = asm.get(f"{SUB_PATH}/shop-cs/certificates")
    assert certs.findtext(x("Certificate/Thumbprint")) == "3A1F9C0D4E5B6A7980A1B2C3D4E5F60718293A4B"
    assert certs.findtext(x("Certificate/Data")) == ""


@pytest.mark.parametrize(
    "path",
    [
        f"{SUB_PATH}/nope",
        f"{SUB_PATH}/shop-cs/deployments/nope",
        f"{SUB_PATH}/empty-cs/deployments/x",
        f"{SUB_PATH}/shop-cs/deploymentslots/Staging",
        "/services/storageservices/nope",
        "/services/networking/reservedips/nope",
        "/services/networking/networksecuritygroups/nope",
        "/services/networking/routetables/nope",
        "/operations/00000000-0000-0000-0000-000000000000",
        "/services/nothing-here",
    ],
)
def test_unknown_resources_are_404_with_error_body(asm: Asm, path: str) -> None:
    response = asm.http.get(path)
    assert response.status_code == 404
    assert error_of(response)[0] == "ResourceNotFound"


def test_legacy_servicemanagement_client_reads(emu: Emulator) -> None:
    with requests.Session() as session:
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        session.verify = str(emu.ca_file)
        session.headers["Authorization"] = "Bearer legacy"
        sms = ServiceManagementService(
            emu.subscription_id, host=f"127.0.0.1:{emu.port}", request_session=session
        )
        assert sms.get_subscription().subscription_id == emu.subscription_id
        services = sms.list_hosted_services()
        assert [s.service_name for s in services][:2] == ["shop-cs", "infra-cs"]
        props = sms.get_hosted_service_properties("shop-cs", embed_detail=True)
        assert props.hosted_service_properties.location == "West Europe"
        assert props.deployments[0].name == "shop-prod"
        dep = sms.get_deployment_by_name("shop-cs", "shop-prod")
        assert [r.role_name for r in dep.role_list] == ["shop-web1", "shop-web2", "shop-sql1"]
        assert dep.role_instance_list[0].instance_status == "ReadyRole"
        assert dep.virtual_ips[0].address == "40.1.2.3"
        assert sms.get_deployment_by_slot("shop-cs", "Production").name == "shop-prod"
        accounts = sms.list_storage_accounts()
        assert "stapi" in [a.service_name for a in accounts]
        assert (
            sms.get_storage_account_properties("stproddata").storage_service_properties.location
            == "West Europe"
        )
        sites = sms.list_virtual_network_sites()
        assert [s.name for s in sites] == ["vnet-prod", "vnet-er", "vnet-branch", "vnet-legacy"]
        assert [p.name for p in sites[0].subnets] == ["infra", "web", "data", "GatewaySubnet"]
        disks = sms.list_disks()
        assert any(d.attached_to and d.attached_to.role_name == "shop-web1" for d in disks)
        with pytest.raises(Exception, match="The hosted service does not exist"):
            sms.get_hosted_service_properties("nope")


def test_subnet_association_reads(asm: Asm) -> None:
    base = "/services/networking/virtualnetwork/vnet-prod/subnets"
    assert asm.get(f"{base}/web/networksecuritygroups").findtext(x("Name")) == "nsg-web"
    # as Microsoft's client parses it (getRouteTableForSubnet): RouteTableAssociation/RouteTableName
    association = asm.get(f"{base}/web/routetables")
    assert (
        association.tag == x("RouteTableAssociation")
        and association.findtext(x("RouteTableName")) == "rt-web"
    )
    sites = asm.get("/services/networking/virtualnetwork")
    assert sites.find(f".//{x('RouteTableName')}") is None  # the VNet list has no route table on subnets
    assert asm.http.get(f"{base}/infra/networksecuritygroups").status_code == 404
    assert asm.http.get(f"{base}/nope/routetables").status_code == 404


def test_subscription_read_and_a_foreign_client_certificate(emu: Emulator) -> None:
    import ssl

    import trustme

    with Asm(emu) as asm:
        root = asm.get("")
    assert root.findtext(x("SubscriptionID")) == emu.subscription_id
    assert root.findtext(x("SubscriptionStatus")) == "Active"
    other = trustme.CA().issue_cert("intruder")
    ctx = ssl.create_default_context(cafile=str(emu.ca_file))
    other.configure_cert(ctx)
    with (
        httpx.Client(verify=ctx) as client,
        pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)),
    ):
        client.get(f"{emu.url}/{emu.subscription_id}", headers={"x-ms-version": "2017-01-01"})


def test_gateway_and_connection_reads(asm: Asm) -> None:
    gw = asm.get("/services/networking/vnet-prod/gateway")
    assert [gw.findtext(x(t)) for t in ("State", "VIPAddress", "GatewayType", "GatewaySize")] == [
        "Provisioned",
        "52.1.2.3",
        "DynamicRouting",
        "Standard",
    ]
    assert gw.find(x("GatewaySKU")) is None  # not the platform's name (Microsoft's client reads GATEWAYSIZE)
    er = asm.get("/services/networking/vnet-er/gateway")  # a routing type, not "ExpressRoute"
    assert [er.findtext(x(t)) for t in ("GatewayType", "GatewaySize")] == [
        "DynamicRouting",
        "HighPerformance",
    ]
    conns = asm.get("/services/networking/vnet-branch/gateway/connections").findall(x("Connection"))
    assert [(c.findtext(x("LocalNetworkSiteName")), c.findtext(x("ConnectivityState"))) for c in conns] == [
        ("branch-office", "NotConnected")
    ]
    assert asm.http.get("/services/networking/vnet-legacy/gateway").status_code == 404
    assert asm.get("/services/networking/vnet-legacy/gateway/connections").findall(x("Connection")) == []


def test_circuit_links_name_the_vnets_of_its_expressroute_gateways(asm: Asm) -> None:
    key = asm.get("/services/networking/dedicatedcircuits").findtext(x("DedicatedCircuit/ServiceKey"))
    links = asm.get(f"/services/networking/dedicatedcircuits/{key}/vnets").findall(x("DedicatedCircuitLink"))
    assert [(link.findtext(x("VnetName")), link.findtext(x("State"))) for link in links] == [
        ("vnet-er", "Provisioned")
    ]
    assert (
        asm.get(f"/services/networking/dedicatedcircuits/{key.upper()}/vnets").findtext(
            x("DedicatedCircuitLink/VnetName")
        )
        == "vnet-er"
    )  # a GUID in any case
    unknown = "00000000-0000-0000-0000-000000000000"
    missing = asm.http.get(f"/services/networking/dedicatedcircuits/{unknown}/vnets")
    assert missing.status_code == 404 and error_of(missing)[0] == "ResourceNotFound"
