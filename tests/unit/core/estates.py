"""Small estates for the core's tests, built as mappings so each test edits what it needs."""

from __future__ import annotations

import copy
from typing import Any

SUB = "00000000-0000-0000-0000-000000000001"
ST = "https://stapp.blob.core.windows.net/vhds"


def role(name: str, **extra: Any) -> dict[str, Any]:
    """A healthy VM in subnet `app` with an OS disk and one data disk in account `stapp`."""
    base: dict[str, Any] = {
        "name": name,
        "size": "Standard_D2",
        "availabilitySet": "as-app",
        "subnets": ["app"],
        "endpoints": [
            {
                "name": "https",
                "protocol": "tcp",
                "port": 443,
                "localPort": 443,
                "loadBalancedSet": "app-lb",
                "probe": {"protocol": "tcp", "port": 443},
            },
        ],
        "osDisk": {"name": f"{name}-os", "os": "Linux", "sizeGB": 30, "mediaLink": f"{ST}/{name}-os.vhd"},
        "dataDisks": [
            {
                "name": f"{name}-d0",
                "lun": 0,
                "sizeGB": 10,
                "blobSizeBytes": 10 * 2**30 + 512,
                "mediaLink": f"{ST}/{name}-d0.vhd",
            }
        ],
        "extensions": [{"name": "CustomScript", "publisher": "Microsoft.Azure.Extensions", "version": "2.1"}],
    }
    base.update(extra)
    return base


CLEAN: dict[str, Any] = {
    "version": 1,
    "subscriptionId": SUB,
    "virtualNetworks": [
        {
            "name": "vnet-app",
            "addressSpace": ["10.1.0.0/16"],
            "subnets": [{"name": "app", "prefix": "10.1.1.0/24"}, {"name": "data", "prefix": "10.1.2.0/24"}],
        }
    ],
    "storageAccounts": [{"name": "stapp"}],
    "cloudServices": [
        {
            "name": "app-cs",
            "deployment": {
                "name": "app-dep",
                "virtualNetwork": "vnet-app",
                "roles": [role("app1", staticIp="10.1.1.4"), role("app2", staticIp="10.1.1.5")],
            },
        }
    ],
}


def clean() -> dict[str, Any]:
    """A fresh copy of an estate on which no error, blocked-by-circuit or warning rule fires
    (only the storage account's ordering and 30-day notes)."""
    return copy.deepcopy(CLEAN)


def roles_of(raw: dict[str, Any], service: int = 0) -> list[dict[str, Any]]:
    return raw["cloudServices"][service]["deployment"]["roles"]


def add_outside_service(raw: dict[str, Any], name: str = "edge-cs", **deployment: Any) -> dict[str, Any]:
    """A cloud service outside any VNet, with one VM (disks in `stapp`) and an RDP endpoint."""
    vm = role(f"{name}-vm", subnets=[], availabilitySet=None)
    vm.pop("availabilitySet")
    vm["endpoints"] = [{"name": "rdp", "protocol": "tcp", "port": 3389, "localPort": 3389}]
    service = {"name": name, "deployment": {"name": f"{name}-dep", "roles": [vm], **deployment}}
    raw["cloudServices"].append(service)
    return service
