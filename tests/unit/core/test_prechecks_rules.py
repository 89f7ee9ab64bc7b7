"""Every rule of the catalogue: one estate that fires it, one near miss that keeps it quiet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migration.prechecks import RULES, run_prechecks
from migration.units import parse_unit
from tests.unit.core.conftest import load_raw
from tests.unit.core.estates import ST, add_outside_service, clean, roles_of

Edit = Callable[[dict[str, Any]], None]
VNET = "virtualNetwork/vnet-app"
STORAGE = "storageAccount/stapp"


def r0(raw: dict[str, Any]) -> dict[str, Any]:
    return roles_of(raw)[0]


def dep(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["cloudServices"][0]["deployment"]


def vnet(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["virtualNetworks"][0]


def ext(name: str, publisher: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "publisher": publisher, "version": "1.0", **extra}


def unattached(raw: dict[str, Any], account: str = "stapp") -> None:
    raw["disks"] = [
        {"name": "old", "mediaLink": f"https://{account}.blob.core.windows.net/v/old.vhd", "sizeGB": 1}
    ]


def image(raw: dict[str, Any], account: str = "stapp") -> None:
    raw["images"] = [{"name": "img", "mediaLink": f"https://{account}.blob.core.windows.net/v/img.vhd"}]


def set_(target: Callable[[dict[str, Any]], dict[str, Any]], **values: Any) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        target(raw).update(values)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        for e in edits:
            e(raw)

    return edit


def er_gateway(circuit: str | None, moved: bool = False) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        gateway: dict[str, Any] = {"kind": "ExpressRoute"}
        if circuit:
            raw["expressRouteCircuits"] = [{"name": circuit, "movedToArm": moved}]
            gateway["circuit"] = circuit
        vnet(raw)["gateways"] = [gateway]

    return edit


def vpn_with(state: str) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        raw["localNetworkSites"] = [
            {"name": "onprem", "addressSpace": ["192.168.0.0/16"], "vpnGatewayAddress": "203.0.113.1"}
        ]
        vnet(raw)["gateways"] = [
            {"kind": "Vpn", "connections": [{"localNetworkSite": "onprem", "type": "IPsec", "state": state}]}
        ]

    return edit


def paas_service(in_vnet: bool) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        d: dict[str, Any] = {
            "name": "web-dep",
            "kind": "paas",
            "roles": [{"name": "WebRole1", "size": "Small"}],
        }
        if in_vnet:
            d["virtualNetwork"] = "vnet-app"
            d["roles"][0]["subnets"] = ["data"]
        raw["cloudServices"].append({"name": "web-cs", "deployment": d})

    return edit


def lb_set_port(port: int) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        roles_of(raw)[1]["endpoints"][0]["port"] = port

    return edit


def rbac(scope: str) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        raw["rbac"] = [{"principal": "ops@contoso.com", "role": "Reader", "scope": scope}]

    return edit


def many_vms(count: int) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        template = r0(raw)
        roles_of(raw)[:] = [
            {
                **template,
                "name": f"vm{i}",
                "staticIp": None,
                "osDisk": {**template["osDisk"], "name": f"vm{i}-os"},
                "dataDisks": [],
                "endpoints": [],
            }
            for i in range(count)
        ]
        for vm in roles_of(raw):
            del vm["staticIp"]

    return edit


def rename_vnet(raw: dict[str, Any], name: str) -> None:
    vnet(raw)["name"] = name
    dep(raw)["virtualNetwork"] = name


def remove_storage(raw: dict[str, Any]) -> None:
    raw["storageAccounts"] = []


def select(*units: str) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        raw["__units__"] = list(units)

    return edit


# rule id -> (unit it concerns, edit that fires it, near miss that keeps it quiet)
CASES: dict[str, tuple[str, Edit, Edit]] = {
    "C2A-001": (
        "subscription",
        set_(lambda r: r, migrationProviderRegistered=False),
        set_(lambda r: r, migrationProviderRegistered=True),
    ),
    "C2A-002": ("cloudService/app-cs", select("cloudService/app-cs"), select("virtualNetwork/vnet-app")),
    "C2A-101": (STORAGE, unattached, lambda raw: unattached(raw, "elsewhere")),
    "C2A-102": (STORAGE, image, lambda raw: image(raw, "elsewhere")),
    "C2A-103": (
        VNET,
        lambda raw: r0(raw)["endpoints"][0].update(
            acl=[{"order": 1, "action": "permit", "remoteSubnet": "1.2.3.0/24"}]
        ),
        lambda raw: r0(raw)["endpoints"][0].update(acl=[]),
    ),
    "C2A-104": (VNET, set_(vnet, services=["applicationGateway"]), set_(vnet, services=["DomainServices"])),
    "C2A-105": (VNET, set_(vnet, peerings=[{"remoteVirtualNetwork": "elsewhere"}]), set_(vnet, peerings=[])),
    "C2A-106": (VNET, set_(vnet, services=["HDInsight"]), set_(vnet, services=["ApplicationGateway"])),
    "C2A-107": (VNET, set_(vnet, services=["QuantumThing"]), set_(vnet, services=["ApiManagement"])),
    "C2A-110": (VNET, set_(r0, subnets=["app", "data"]), set_(r0, subnets=["data"], staticIp="10.1.2.4")),
    "C2A-111": (VNET, set_(r0, subnets=[]), set_(r0, subnets=["app"])),
    "C2A-112": (
        VNET,
        both(
            set_(lambda r: r["storageAccounts"][0], sku="Premium_LRS"),
            set_(r0, bootDiagnostics={"storageAccount": "stapp"}),
        ),
        set_(r0, bootDiagnostics={"storageAccount": "stapp"}),
    ),
    "C2A-113": (VNET, set_(r0, availabilitySet="as-other"), set_(r0, availabilitySet="as-app")),
    "C2A-114": (
        VNET,
        set_(r0, availabilitySet=None),
        both(set_(r0, availabilitySet=None), set_(lambda r: roles_of(r)[1], availabilitySet=None)),
    ),
    "C2A-115": (
        VNET,
        set_(r0, secondaryNics=[{"name": "nic2", "subnet": "data"}]),
        both(
            set_(r0, secondaryNics=[{"name": "nic2", "subnet": "data"}]),
            set_(lambda r: roles_of(r)[1], secondaryNics=[{"name": "nic3", "subnet": "data"}]),
        ),
    ),
    "C2A-116": ("cloudService/web-cs", paas_service(False), set_(dep, kind="IAAS")),
    "C2A-117": (VNET, paas_service(True), paas_service(False)),
    "C2A-118": (VNET, set_(r0, state="RoleStateUnknown"), set_(r0, state="stoppeddeallocated")),
    "C2A-119": (
        "cloudService/edge-cs",
        lambda raw: (
            add_outside_service(raw, reservedIp="rip"),
            raw.update(reservedIps=[{"name": "rip"}]),
            raw["cloudServices"][1]["deployment"]["roles"][0].update(endpoints=[]),
        ),
        lambda raw: (add_outside_service(raw, reservedIp="rip"), raw.update(reservedIps=[{"name": "rip"}])),
    ),
    "C2A-120": (
        "cloudService/empty-cs",
        lambda raw: raw["cloudServices"].append({"name": "empty-cs"}),
        lambda raw: add_outside_service(raw, "empty-cs"),
    ),
    "C2A-201": (
        VNET,
        set_(r0, guestAgent="NotReady"),
        set_(r0, guestAgent="NotReady", state="StoppedDeallocated"),
    ),
    "C2A-202": (
        VNET,
        lambda raw: r0(raw)["extensions"][0].update(status="Unresponsive"),
        lambda raw: r0(raw)["extensions"][0].update(status="ready"),
    ),
    "C2A-203": (
        VNET,
        set_(r0, extensions=[ext("VMSnapshotLinux", "Microsoft.Azure.RecoveryServices")]),
        set_(r0, extensions=[ext("VMAccessForLinux", "Microsoft.OSTCExtensions")]),
    ),
    "C2A-204": (
        VNET,
        set_(r0, extensions=[ext("SiteRecovery", "Microsoft.Azure.RecoveryServices.SiteRecovery")]),
        set_(r0, extensions=[ext("VMSnapshot", "Microsoft.Azure.RecoveryServices")]),
    ),
    "C2A-205": (
        VNET,
        set_(r0, extensions=[ext("AzureSecurityLinuxAgent", "Microsoft.Azure.Security.Monitoring")]),
        set_(r0, extensions=[ext("IaaSAntimalware", "Microsoft.Azure.Security")]),
    ),
    "C2A-206": (
        VNET,
        lambda raw: r0(raw)["dataDisks"][0].update(blobSizeBytes=10 * 2**30),
        lambda raw: r0(raw)["dataDisks"][0].pop("blobSizeBytes"),
    ),
    "C2A-207": (
        VNET,
        lambda raw: r0(raw)["dataDisks"][0].update(mediaLink=f"{ST}/folder/app1-d0.vhd"),
        lambda raw: r0(raw)["dataDisks"][0].update(mediaLink=f"{ST}/folder-app1-d0.vhd"),
    ),
    "C2A-301": (
        VNET,
        lambda raw: (er_gateway("er1", True)(raw), vnet(raw)["gateways"].append({"kind": "Vpn"})),
        er_gateway("er1", True),
    ),
    "C2A-302": (VNET, vpn_with("Disconnected"), vpn_with("connected")),
    "C2A-303": (VNET, er_gateway(None), er_gateway("er1", True)),
    "C2A-304": (VNET, set_(lambda r: r, armQuotas={"cores": 3}), set_(lambda r: r, armQuotas={"cores": 4})),
    "C2A-305": (VNET, set_(r0, size="Standard_Z99"), set_(r0, size="standard_ds2_V2")),
    "C2A-306": (VNET, lb_set_port(8443), lb_set_port(443)),
    "C2A-307": (
        VNET,
        set_(r0, staticIp="10.1.1.5", state="StoppedDeallocated"),
        set_(r0, staticIp="10.1.1.6", state="StoppedDeallocated"),
    ),
    "C2A-308": (
        VNET,
        lambda raw: vnet(raw)["subnets"][1].update(prefix="10.2.0.0/24"),
        lambda raw: vnet(raw)["subnets"][1].update(prefix="10.1.3.0/29"),
    ),
    "C2A-401": (VNET, er_gateway("er1", False), er_gateway("er1", True)),
    "C2A-402": (
        STORAGE,
        lambda _raw: None,
        lambda raw: [
            r.update(
                osDisk={**r["osDisk"], "mediaLink": r["osDisk"]["mediaLink"].replace("stapp", "stother")},
                dataDisks=[],
            )
            for r in roles_of(raw)
        ],
    ),
    "C2A-501": ("cloudService/edge-cs", lambda raw: add_outside_service(raw), lambda _raw: None),
    "C2A-502": (
        VNET,
        set_(r0, extensions=[ext("BGInfo", "Microsoft.Compute", xml=True)]),
        set_(r0, extensions=[ext("BGInfo", "Microsoft.Compute", xml=False)]),
    ),
    "C2A-503": (
        VNET,
        set_(lambda r: r["cloudServices"][0], alerts=2),
        set_(lambda r: r["cloudServices"][0], alerts=0),
    ),
    "C2A-504": (
        VNET,
        set_(lambda r: r["cloudServices"][0], autoscale=1),
        set_(lambda r: r["cloudServices"][0], autoscale=0),
    ),
    "C2A-505": (VNET, rbac("cloudService/app-cs"), rbac("subscription")),  # subscription scope: unaffected
    "C2A-506": (STORAGE, lambda _raw: None, remove_storage),
    "C2A-507": (VNET, many_vms(401), many_vms(400)),
    "C2A-601": (
        VNET,
        set_(lambda r: r["cloudServices"][0], certificates=[{"thumbprint": "AB12"}]),
        set_(lambda r: r["cloudServices"][0], certificates=[]),
    ),
    "C2A-602": (
        "virtualNetwork/Group rg-app vnet-app",
        lambda raw: rename_vnet(raw, "Group rg-app vnet-app"),
        lambda raw: rename_vnet(raw, "Group-rg-app"),
    ),
}


def fired(raw: dict[str, Any], rule_id: str) -> list[Any]:
    """Findings of `rule_id`; a test may select units with the pseudo key `__units__`."""
    units = raw.pop("__units__", None)
    selected = [parse_unit(u) for u in units] if units else None
    return [f for f in run_prechecks(load_raw(raw), selected).findings if f.rule == rule_id]


def test_every_rule_has_a_case() -> None:
    assert sorted(CASES) == sorted(r.id for r in RULES)


def test_the_clean_estate_has_no_error_or_warning_beyond_storage_notes() -> None:
    report = run_prechecks(load_raw(clean()))
    assert {f.rule for f in report.findings} == {"C2A-402", "C2A-506"}
    assert {u.unit: u.verdict for u in report.units} == {VNET: "migratable", STORAGE: "blocked"}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires(rule_id: str) -> None:
    unit, fire, _ = CASES[rule_id]
    raw = clean()
    fire(raw)
    hits = fired(raw, rule_id)
    assert hits, f"{rule_id} did not fire"
    assert {h.unit for h in hits} == {unit}
    rule = next(r for r in RULES if r.id == rule_id)
    assert all(h.severity == rule.severity and h.message and h.remedy for h in hits)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_quiet_on_the_near_miss(rule_id: str) -> None:
    _, _, quiet = CASES[rule_id]
    raw = clean()
    quiet(raw)
    assert fired(raw, rule_id) == []


def test_blob_size_mismatch_warns_and_the_unit_still_migrates() -> None:
    """Microsoft's errors page ends the blob-size message with 'Migration will proceed without
    specifying a size for the data disk': a warning, never a reason to hold the unit back."""
    raw = clean()
    r0(raw)["dataDisks"][0].update(blobSizeBytes=10 * 2**30)
    report = run_prechecks(load_raw(raw))
    (hit,) = [f for f in report.findings if f.rule == "C2A-206"]
    assert hit.severity == "warning" and hit.message.endswith("for the Azure Resource Manager VM.")
    assert {u.unit: u.verdict for u in report.units}[VNET] == "migratable"


def test_prepared_storage_rule_claims_no_deadline() -> None:
    """No source has the platform commit a prepared storage account after 30 days; Microsoft's docs
    say there is no set window (classic-account-migration-process). C2A-506 states the sourced
    part only: the management plane stays locked until commit or abort."""
    rule = next(r for r in RULES if r.id == "C2A-506")
    (hit,) = fired(clean(), "C2A-506")
    for text in (rule.title, rule.remedy, hit.message):
        assert "30 days" not in text
    assert "no set window" in rule.reference and "until it is committed or aborted" in hit.message
