"""The pieces the benchmarks' generated estates share: a load-balanced web VM and an NSG rule.

Each generator (`core.generate`, `emulator.generate_estate`, `scale_estate.scale_estate`) shapes
its own estate; only the VM and rule literals were the same three times.
"""

from __future__ import annotations

from typing import Any

HTTP_PROBE = {"protocol": "http", "port": 80, "path": "/"}
TCP_PROBE = {"protocol": "tcp", "port": 80}
# inbound HTTP from anywhere: an NSG rule the translation and the prechecks both have to carry
HTTP_RULE = {
    "name": "http",
    "priority": 100,
    "direction": "Inbound",
    "access": "Allow",
    "protocol": "TCP",
    "sourcePrefix": "*",
    "sourcePort": "*",
    "destinationPrefix": "*",
    "destinationPort": "80",
}


def blob(account: str, disk: str) -> str:
    return f"https://{account}.blob.core.windows.net/vhds/{disk}.vhd"


def web_vm(
    name: str,
    account: str,
    availability_set: str,
    *,
    load_balanced_set: str = "web",
    probe: dict[str, Any] = HTTP_PROBE,
    ssh_port: int | None = None,
) -> dict[str, Any]:
    """A Linux VM behind a load-balanced HTTP endpoint (and a NAT'd SSH port if given), its OS
    disk in `account`; callers add data disks, subnets, extensions."""
    endpoints: list[dict[str, Any]] = [
        {
            "name": "http",
            "protocol": "tcp",
            "port": 80,
            "localPort": 80,
            "loadBalancedSet": load_balanced_set,
            "probe": dict(probe),
        }
    ]
    if ssh_port is not None:
        endpoints.append({"name": "ssh", "protocol": "tcp", "port": ssh_port, "localPort": 22})
    return {
        "name": name,
        "size": "Standard_D2",
        "availabilitySet": availability_set,
        "endpoints": endpoints,
        "osDisk": {
            "name": f"{name}-os",
            "os": "Linux",
            "sizeGB": 30,
            "mediaLink": blob(account, f"{name}-os"),
        },
    }
