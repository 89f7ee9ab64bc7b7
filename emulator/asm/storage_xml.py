"""XML for storage services, disks, images, certificates and operations."""

from __future__ import annotations

import base64
from typing import Any

from emulator.classic import iter_roles, role_disks
from emulator.records import Operation
from emulator.state import Platform
from emulator.xmlw import E, L, document


def _storage_parts(platform: Platform, base: str, acct: dict[str, Any]) -> list[str]:
    name = acct["name"]
    return [
        E("Url", f"{base}/{platform.subscription}/services/storageservices/{name}"),
        E("ServiceName", name),
        E(
            "StorageServiceProperties",
            [
                E("Description", ""),
                E("Location", platform.location_of(acct)),
                E("Label", base64.b64encode(name.encode()).decode()),
                E("Status", "Created"),
                L(
                    "Endpoints",
                    [
                        E("Endpoint", f"https://{name}.{svc}.core.windows.net/")
                        for svc in ("blob", "queue", "table", "file")
                    ],
                ),
                E("AccountType", acct["sku"]),
            ],
        ),
        E("MigrationState", platform.reported_state(f"storageAccount/{name}")),
    ]


def storage_services(platform: Platform, base: str) -> str:
    items = [
        E("StorageService", _storage_parts(platform, base, a)) for a in platform.estate["storageAccounts"]
    ]
    return document("StorageServices", items)


def storage_service(platform: Platform, base: str, acct: dict[str, Any]) -> str:
    return document("StorageService", _storage_parts(platform, base, acct))


def disks(platform: Platform) -> str:
    """Attached disks (declared on roles, with `AttachedTo`) then the unattached registry."""
    items = []
    for cs, role in iter_roles(platform):
        for kind, disk in role_disks(role):
            items.append(
                E(
                    "Disk",
                    [
                        E(
                            "AttachedTo",
                            [
                                E("HostedServiceName", cs["name"]),
                                E("DeploymentName", cs["deployment"]["name"]),
                                E("RoleName", role["name"]),
                            ],
                        ),
                        E("OS", disk["os"] if kind == "os" else None),
                        E("Location", platform.location_of(cs)),
                        E("LogicalDiskSizeInGB", disk["sizeGB"]),
                        E("MediaLink", disk["mediaLink"]),
                        E("Name", disk["name"]),
                        E("SourceImageName", ""),
                    ],
                )
            )
    for disk in platform.estate["disks"]:
        items.append(
            E(
                "Disk",
                [
                    E("OS", disk.get("os")),
                    E("Location", platform.estate["location"]),
                    E("LogicalDiskSizeInGB", disk.get("sizeGB")),
                    E("MediaLink", disk["mediaLink"]),
                    E("Name", disk["name"]),
                    E("SourceImageName", ""),
                ],
            )
        )
    return document("Disks", items)


def images(platform: Platform) -> str:
    items = [
        E(
            "OSImage",
            [
                E("Category", "User"),
                E("Label", img["name"]),
                E("Location", platform.estate["location"]),
                E("MediaLink", img.get("mediaLink")),
                E("Name", img["name"]),
                E("OS", "Windows"),
            ],
        )
        for img in platform.estate["images"]
    ]
    return document("Images", items)


def certificates(platform: Platform, base: str, cs: dict[str, Any]) -> str:
    items = [
        E(
            "Certificate",
            [
                E(
                    "CertificateUrl",
                    f"{base}/{platform.subscription}/services/hostedservices/{cs['name']}/certificates/"
                    f"{c['algorithm']}-{c['thumbprint']}",
                ),
                E("Thumbprint", c["thumbprint"]),
                E("ThumbprintAlgorithm", c["algorithm"]),
                E("Data", ""),  # secrets are never served
            ],
        )
        for c in cs["certificates"]
    ]
    return document("Certificates", items)


def dashed_id(request_id: str) -> str:
    """`x-ms-request-id` (32 hex digits) as the Operation's `<ID>`: the same GUID with dashes."""
    h = request_id.replace("-", "")
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" if len(h) == 32 else request_id


def operation(op: Operation) -> str:
    """As recorded: `ID` dashed, no `HttpStatusCode` while `InProgress`."""
    err = op.error
    return document(
        "Operation",
        [
            E("ID", dashed_id(op.id)),
            E("Status", op.status),
            E("HttpStatusCode", None if op.status == "InProgress" else op.http_status_code),
            E("Error", [E("Code", err["code"]), E("Message", err["message"])]) if err else "",
        ],
    )


def validation_messages(messages: list[dict[str, str]]) -> str:
    items = [
        E(
            "ValidationMessage",
            [
                E("ResourceType", m["resourceType"]),
                E("ResourceName", m["resourceName"]),
                E("Category", m["category"]),
                E("Message", m["message"]),
                E("VirtualMachine", m.get("virtualMachine") or ""),
            ],
        )
        for m in messages
    ]
    return document("ValidationMessages", items)
