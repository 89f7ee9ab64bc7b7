"""The ARM side: id-less, comparable resources in a normalised shape.

An `ArmResource` is what the translation predicts and what the check step reads back, reduced to
the properties the translation contract speaks about, so that two of them compare with `==` and
`compare()` can name a property path. References between resources (a NIC's subnet, an LB rule's
probe) are held by *name*, never by resource id, because ids embed the subscription and resource
group that the prediction cannot know in the same spelling.

Child collections (subnets, security rules, routes, load-balancing rules, probes, inbound NAT
rules, data disks) are dicts keyed by the child's name (a data disk by its LUN), so a path reads
`loadBalancingRules.web-lb.probe`. Child *resources* with their own type (VM extensions) carry
their parent's name in `parent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RESOURCE_GROUP = "Microsoft.Resources/resourceGroups"
VIRTUAL_MACHINE = "Microsoft.Compute/virtualMachines"
VM_EXTENSION = "Microsoft.Compute/virtualMachines/extensions"
AVAILABILITY_SET = "Microsoft.Compute/availabilitySets"
KEY_VAULT = "Microsoft.KeyVault/vaults"
NIC = "Microsoft.Network/networkInterfaces"
LOAD_BALANCER = "Microsoft.Network/loadBalancers"
PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
VIRTUAL_NETWORK = "Microsoft.Network/virtualNetworks"
NSG = "Microsoft.Network/networkSecurityGroups"
ROUTE_TABLE = "Microsoft.Network/routeTables"
VNET_GATEWAY = "Microsoft.Network/virtualNetworkGateways"
LOCAL_GATEWAY = "Microsoft.Network/localNetworkGateways"
CONNECTION = "Microsoft.Network/connections"
STORAGE_ACCOUNT = "Microsoft.Storage/storageAccounts"

#: Every type the translation produces, with its canonical spelling.
RESOURCE_TYPES: tuple[str, ...] = (
    RESOURCE_GROUP,
    VIRTUAL_MACHINE,
    VM_EXTENSION,
    AVAILABILITY_SET,
    KEY_VAULT,
    NIC,
    LOAD_BALANCER,
    PUBLIC_IP,
    VIRTUAL_NETWORK,
    NSG,
    ROUTE_TABLE,
    VNET_GATEWAY,
    LOCAL_GATEWAY,
    CONNECTION,
    STORAGE_ACCOUNT,
)
_CANONICAL_TYPES = {t.casefold(): t for t in RESOURCE_TYPES}


def canonical_type(arm_type: str) -> str:
    """The canonical spelling of an ARM type (ARM type names are case-insensitive)."""
    return _CANONICAL_TYPES.get(arm_type.casefold(), arm_type)


@dataclass(frozen=True, slots=True)
class ArmResource:
    """One ARM resource, id-less. Equality covers every field except `may_change`.

    - `type`: canonical ARM type (`Microsoft.Network/loadBalancers`).
    - `name`: the resource's own name (for a child resource, without the parent's).
    - `location`: ARM location (`westeurope`); None for types without one.
    - `resource_group`: the group's name (`web-cs-Migrated`); for a resource group itself, its name.
    - `properties`: the normalised properties (see `migration.arm.normalise`).
    - `parent`: the parent resource's name for child resources (VM extensions), else None.
    - `may_change`: property paths the platform documents as changing (reported as `info`).
    """

    type: str
    name: str
    location: str | None
    resource_group: str
    properties: Mapping[str, Any] = field(default_factory=dict, hash=False)
    parent: str | None = None
    may_change: tuple[str, ...] = field(default=(), compare=False)

    _key: tuple[str, str, str] = field(default=("", "", ""), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # computed once: matching, sorting and de-duplication ask for it many times
        object.__setattr__(
            self, "_key", (self.type.casefold(), (self.parent or "").casefold(), self.name.casefold())
        )

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity for matching expected with actual: type, parent and name, case-insensitive."""
        return self._key

    @property
    def address(self) -> str:
        """A readable address: `Microsoft.Compute/virtualMachines/web1/extensions/BGInfo` style."""
        if self.parent is not None and self.type.count("/") == 2:
            provider, parent_type, child_type = self.type.split("/")
            return f"{provider}/{parent_type}/{self.parent}/{child_type}/{self.name}"
        return f"{self.type}/{self.name}"

    def children(self, collection: str) -> dict[str, Any]:
        """The named children in `collection` (e.g. `loadBalancingRules`), name → properties."""
        value = self.properties.get(collection) or {}
        return dict(value) if isinstance(value, Mapping) else {}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (camelCase), e.g. for `c2arm expected --json` and snapshots."""
        out: dict[str, Any] = {
            "type": self.type,
            "name": self.name,
            "location": self.location,
            "resourceGroup": self.resource_group,
            "properties": _plain(self.properties),
        }
        if self.parent is not None:
            out["parent"] = self.parent
        if self.may_change:
            out["mayChange"] = list(self.may_change)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArmResource:
        """Inverse of `to_dict`."""
        return cls(
            type=canonical_type(str(data["type"])),
            name=str(data["name"]),
            location=data.get("location"),
            resource_group=str(data["resourceGroup"]),
            properties=dict(data.get("properties") or {}),
            parent=data.get("parent"),
            may_change=tuple(data.get("mayChange") or ()),
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
