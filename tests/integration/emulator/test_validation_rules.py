"""Every validate rule and prepare-only check, on an estate built to break them."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.integration.emulator.helpers import DNR_NEW, immediate, x

SUB = "00000000-0000-0000-0000-00000000000e"


def _role(name: str, **extra: object) -> dict:
    media = f"https://stbad.blob.core.windows.net/vhds/{name}-os.vhd"
    role = {"name": name, "osDisk": {"name": f"{name}-os", "os": "Linux", "sizeGB": 30, "mediaLink": media}}
    role.update(extra)
    return role


ESTATE = {
    "version": 1,
    "subscriptionId": SUB,
    "virtualNetworks": [
        {
            "name": "vnet-bad",
            "addressSpace": ["10.5.0.0/16"],
            "subnets": [{"name": "a", "prefix": "10.5.1.0/24"}, {"name": "b", "prefix": "10.5.2.0/24"}],
            "peerings": [{"remoteVirtualNetwork": "elsewhere"}],
            "services": ["HDInsight", "DomainServices"],
        },
        {
            "name": "vnet-gw",
            "addressSpace": ["10.6.0.1/16"],
            "subnets": [{"name": "GatewaySubnet", "prefix": "10.6.255.0/27"}],
            "gateways": [{"kind": "Vpn", "vip": "52.0.0.1"}, {"kind": "ExpressRoute", "circuit": "er1"}],
        },
        {
            "name": "vnet-ips",
            "addressSpace": ["10.7.0.0/16"],
            "subnets": [{"name": "a", "prefix": "10.7.1.0/24"}],
        },
    ],
    "expressRouteCircuits": [{"name": "er1", "movedToArm": True}],
    "storageAccounts": [{"name": "stbad"}, {"name": "stprem", "sku": "Premium_LRS"}],
    "reservedIps": [{"name": "rip-idle", "address": "40.0.0.9", "cloudService": "idle-cs"}],
    "cloudServices": [
        {
            "name": "vm-cs",
            "deployment": {
                "name": "d",
                "virtualNetwork": "vnet-bad",
                "roles": [
                    _role("multi", subnets=["a", "b"], availabilitySet="s1"),
                    _role("nosub", availabilitySet="s2"),
                    _role("loose"),
                    _role(
                        "ext",
                        subnets=["a"],
                        availabilitySet="s1",
                        extensions=[
                            {
                                "name": "VMSnapshotLinux",
                                "publisher": "Microsoft.Azure.RecoveryServices",
                                "version": "1.0",
                            },
                            {
                                "name": "CustomScript",
                                "publisher": "Microsoft.Azure.Extensions",
                                "version": "2.1",
                                "status": "NotReady",
                            },
                        ],
                        bootDiagnostics={"storageAccount": "stprem"},
                        dataDisks=[
                            {
                                "name": "big",
                                "lun": 0,
                                "sizeGB": 10,
                                "blobSizeBytes": 5,
                                "mediaLink": "https://stbad.blob.core.windows.net/vhds/sub/dir/big.vhd",
                            }
                        ],
                        secondaryNics=[{"name": "nic2", "subnet": "a"}],
                    ),
                ],
            },
        },
        {
            "name": "web-cs",
            "deployment": {
                "name": "w",
                "virtualNetwork": "vnet-bad",
                "kind": "PaaS",
                "roles": [{"name": "WebRole1"}],
            },
        },
        {"name": "idle-cs", "deployment": {"name": "i", "reservedIp": "rip-idle", "roles": [_role("idle1")]}},
        {
            "name": "dup-cs",
            "deployment": {
                "name": "p",
                "roles": [
                    _role("p1", endpoints=[{"name": "a", "port": 80, "loadBalancedSet": "s1"}]),
                    _role("p2", endpoints=[{"name": "b", "port": 80, "loadBalancedSet": "s2"}]),
                ],
            },
        },
        {
            "name": "ips-cs",
            "deployment": {
                "name": "q",
                "virtualNetwork": "vnet-ips",
                "roles": [
                    _role("q1", subnets=["a"], staticIp="10.7.1.10", state="StoppedDeallocated"),
                    _role("q2", subnets=["a"], staticIp="10.7.1.10", state="StoppedDeallocated"),
                ],
            },
        },
    ],
}


def test_every_rule(emulator_factory, asm_for, tmp_path: Path) -> None:
    estate = tmp_path / "bad.yaml"
    estate.write_text(yaml.safe_dump(ESTATE))
    emu = emulator_factory(estate)
    immediate(emu)
    asm = asm_for(emu)
    messages = asm.messages("/services/networking/virtualnetwork/vnet-bad")
    text = "\n".join(f"{c}: {m}" for c, m in messages)
    for fragment in [
        "Error: Migration isn't supported for Virtual Network vnet-bad because it uses Virtual Network peering.",  # noqa: E501
        "Error: Migration isn't supported for Virtual Network vnet-bad because it contains HDInsight.",
        "Error: Migration isn't supported for Virtual Network vnet-bad because it has non-gateway PaaS deployments.",  # noqa: E501
        "Error: Migration isn't supported for Deployment w in HostedService web-cs because it's a PaaS deployment (Web/Worker).",  # noqa: E501
        "VM multi in HostedService vm-cs has multiple subnets (a, b)",
        "VM nosub in HostedService vm-cs is in Virtual Network vnet-bad but doesn't have an explicit subnet",
        "contains Extension VMSnapshotLinux, which is currently not supported for Migration",
        "contains Extension CustomScript reporting Handler Status: NotReady",
        "has Boot Diagnostics with Premium Storage account stprem",
        "Data Disk big whose physical blob size 5 bytes doesn't match the VM Data Disk logical size 10737418752 bytes",  # noqa: E501
        "which has blob name sub/dir/big.vhd that isn't supported",
        "because it has multiple Availabilities Sets.",
        "because it has both single-NIC and multi-NIC VMs.",
    ]:
        assert fragment in text, fragment
    assert "DomainServices" not in text
    idle = asm.messages("/services/hostedservices/idle-cs/deployments/i", DNR_NEW)
    assert idle == [
        (
            "Error",
            "Migration isn't supported for HostedService idle-cs because its Reserved IP rip-idle has no input endpoint.",  # noqa: E501
        )
    ]
    # prepare-only: validate is clean, prepare fails
    for path, fragment in [
        ("/services/networking/virtualnetwork/vnet-gw", "has both an ExpressRoute gateway and a VPN gateway"),
        (
            "/services/networking/virtualnetwork/vnet-gw",
            "Address prefix 10.6.0.1/16 of Virtual Network vnet-gw isn't valid",
        ),
        (
            "/services/networking/virtualnetwork/vnet-ips",
            "VMs q1 and q2 in Virtual Network vnet-ips are Stopped Deallocated with the same private IP 10.7.1.10",  # noqa: E501
        ),
        (
            "/services/hostedservices/dup-cs/deployments/p",
            "Load balancer rule s2 of HostedService dup-cs conflicts with s1 on tcp port 80",
        ),
    ]:
        body = DNR_NEW if "hostedservices" in path else None
        assert asm.messages(path, body) == []
        op = asm.run(path, "prepare", body)
        assert op.findtext(x("Status")) == "Failed"
        assert fragment in op.findtext(x("Error/Message"))
