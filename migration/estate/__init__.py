"""The classic estate: model, loader and writer (estate file version 1, see docs/estate-format).

Public API (stable; add, don't rename):

- `Estate` and its parts: `VirtualNetwork`, `Subnet`, `DnsServer`, `Gateway`, `GatewayConnection`,
  `Peering`, `LocalNetworkSite`, `ExpressRouteCircuit`, `NetworkSecurityGroup`, `NsgRule`,
  `RouteTable`, `Route`, `ReservedIp`, `StorageAccount`, `Disk`, `Image`, `RbacAssignment`,
  `ArmQuotas`, `CloudService`, `Certificate`, `Deployment`, `InternalLoadBalancer`, `Role`,
  `Endpoint`, `Probe`, `AclRule`, `OsDisk`, `DataDisk`, `SecondaryNic`, `PublicIp`,
  `BootDiagnostics`, `Extension`. Frozen pydantic v2 models; attributes are the file's keys in
  snake_case (`sizeGB` → `size_gb`, `publicIPAddresses` → `public_ip_addresses`); constructing in
  Python accepts either spelling. Enumerations hold their canonical spelling (`Running`, `IaaS`,
  `tcp`, `TCP`, …) whatever the input case.
- `load_estate(text, source="<estate>") -> Estate`: YAML or JSON (by `source` suffix) text or
  bytes; raises `EstateError` whose `.issues` is every `(path, message)` at once, e.g.
  `("cloudServices[2].deployment.roles[0].endpints", "unknown key")`.
- `load_estate_file(path) -> Estate`: reads the file, then `load_estate`.
- `dump_estate(estate) -> dict`, `dump_estate_yaml(estate) -> str`, `dump_estate_json(estate) -> str`:
  the file's shape, defaults omitted; `load_estate(dump_estate_yaml(e)) == e`.
- `Estate.model_validate(mapping)` also works for the file's mapping, but reports only structure;
  use `load_estate` for the reference checks.
- `Estate.named(kind, name)`: the item of a kind (its model class: `VirtualNetwork`,
  `CloudService`, `StorageAccount`, `ReservedIp`, `NetworkSecurityGroup`, `RouteTable`,
  `LocalNetworkSite`, `ExpressRouteCircuit`) called `name`, or None; typed by `kind`. One lookup
  for every kind (it replaced the per-kind `cloud_service(name)`, `route_table(name)`, …).
- `EstateIndex(estate)`: O(1) lookups by name (same method names as `Estate`: `named`,
  `location_of`, `services_in`) plus `reserved_ips_of(service)`, for code that asks per unit or per role.
- Helpers: `arm_location(classic)` (`West Europe` → `westeurope`), `expected_blob_bytes(size_gb)`,
  `media_link_account(url)`, `media_link_blob(url)`, `media_link_parts(url)` (both at once).
"""

from migration.estate.compute import (
    AclRule,
    BootDiagnostics,
    Certificate,
    CloudService,
    DataDisk,
    Deployment,
    Endpoint,
    Extension,
    InternalLoadBalancer,
    OsDisk,
    Probe,
    PublicIp,
    Role,
    SecondaryNic,
)
from migration.estate.index import EstateIndex
from migration.estate.loader import (
    EstateError,
    dump_estate,
    dump_estate_json,
    dump_estate_yaml,
    load_estate,
    load_estate_file,
)
from migration.estate.model import DEFAULT_LOCATION, ArmQuotas, Estate, RbacAssignment
from migration.estate.network import (
    KNOWN_VNET_SERVICES,
    DnsServer,
    ExpressRouteCircuit,
    Gateway,
    GatewayConnection,
    LocalNetworkSite,
    NetworkSecurityGroup,
    NsgRule,
    Peering,
    ReservedIp,
    Route,
    RouteTable,
    Subnet,
    VirtualNetwork,
)
from migration.estate.storage import (
    Disk,
    Image,
    StorageAccount,
    expected_blob_bytes,
    media_link_account,
    media_link_blob,
    media_link_parts,
)


def arm_location(classic: str) -> str:
    """The ARM location of a classic region: lower case without spaces (`West Europe` → `westeurope`)."""
    return "".join(classic.split()).lower()


__all__ = [
    "DEFAULT_LOCATION",
    "KNOWN_VNET_SERVICES",
    "AclRule",
    "ArmQuotas",
    "BootDiagnostics",
    "Certificate",
    "CloudService",
    "DataDisk",
    "Deployment",
    "Disk",
    "DnsServer",
    "Endpoint",
    "Estate",
    "EstateError",
    "EstateIndex",
    "ExpressRouteCircuit",
    "Extension",
    "Gateway",
    "GatewayConnection",
    "Image",
    "InternalLoadBalancer",
    "LocalNetworkSite",
    "NetworkSecurityGroup",
    "NsgRule",
    "OsDisk",
    "Peering",
    "Probe",
    "PublicIp",
    "RbacAssignment",
    "ReservedIp",
    "Role",
    "Route",
    "RouteTable",
    "SecondaryNic",
    "StorageAccount",
    "Subnet",
    "VirtualNetwork",
    "arm_location",
    "dump_estate",
    "dump_estate_json",
    "dump_estate_yaml",
    "expected_blob_bytes",
    "load_estate",
    "load_estate_file",
    "media_link_account",
    "media_link_blob",
    "media_link_parts",
]
