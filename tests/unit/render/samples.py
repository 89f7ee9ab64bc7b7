"""Sample report and review data, shaped like the app's JSON (shared by render and browser tests)."""

from __future__ import annotations

from typing import Any

SUB = "00000000-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/vnet-prod-Migrated/providers"


def unit_report(**overrides: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "id": "change-4711",
        "unit": {"kind": "virtualNetwork", "name": "vnet-prod"},
        "phase": "Committed",
        "dryRun": False,
        "requestedBy": "ops@contoso.com",
        "approver": "lead@contoso.com",
        "snapshotDigest": "ab" * 32,
        "timeline": [
            {"phase": "Queued", "at": "2026-11-25T10:00:00Z"},
            {"phase": "Snapshotting", "at": "2026-11-25T10:00:02Z"},
            {"phase": "Prechecking", "at": "2026-11-25T10:00:05Z"},
            {"phase": "Validating", "at": "2026-11-25T10:00:06Z"},
            {"phase": "Preparing", "at": "2026-11-25T10:00:10Z"},
            {"phase": "Checking", "at": "2026-11-25T10:01:10Z"},
            {"phase": "AwaitingApproval", "at": "2026-11-25T10:01:20Z"},
            {"phase": "Committing", "at": "2026-11-25T10:05:20Z"},
            {"phase": "Committed", "at": "2026-11-25T10:06:00Z"},
        ],
        "findings": [
            {"severity": "info", "code": "DiskOrphan", "message": "orphan disk stays classic"},
            {
                "severity": "warning",
                "code": "ChangedPrivateIp",
                "resource": "web1-PrimaryNic",
                "path": "properties.ipConfigurations[0].privateIPAddress",
                "expected": "10.0.1.4",
                "actual": "10.0.1.9",
                "message": "private IP changed",
            },
            {"severity": "error", "code": "XmlExtension", "message": "BGInfo <XML> extension is dropped"},
        ],
        "resourceMap": {
            "cloudService/web-cs/web1": f"{RG}/Microsoft.Compute/virtualMachines/web1",
            "virtualNetwork/vnet-prod": f"{RG}/Microsoft.Network/virtualNetworks/vnet-prod",
        },
        "rbacToRecreate": [
            {"principal": "ops@contoso.com", "role": "Contributor", "scope": "cloudService/web-cs"}
        ],
        "dropped": ["extension BGInfo (XML)", "2 alert rules on web-cs", "autoscale settings of web-cs"],
    }
    report.update(overrides)
    return report


def review_view(**overrides: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": "change-4711",
        "unit": {"kind": "virtualNetwork", "name": "vnet-prod"},
        "phase": "AwaitingApproval",
        "requestedBy": "ops@contoso.com",
        "timeline": unit_report()["timeline"][:7],
        "findings": [
            {
                "severity": "warning",
                "code": "Changed",
                "kind": "changed",
                "resource": f"{RG}/Microsoft.Network/networkInterfaces/web1-PrimaryNic",
                "path": "properties.ipConfigurations[0].privateIPAddress",
                "expected": "10.0.1.4",
                "actual": "10.0.1.9",
                "message": "private IP of web1 changed",
            },
            {
                "severity": "error",
                "code": "Missing",
                "kind": "missing",
                "resource": "web-cs-LB",
                "expected": {"type": "Microsoft.Network/loadBalancers", "location": "westeurope"},
                "message": "load balancer web-cs-LB was not created",
            },
            {
                "severity": "info",
                "code": "Extra",
                "kind": "extra",
                "resource": "stray-pip",
                "message": "public IP stray-pip was not expected",
            },
        ],
        "classic": {
            "virtualNetwork": {"name": "vnet-prod", "addressSpace": ["10.0.0.0/16"]},
            "cloudServices": [
                {
                    "name": "web-cs",
                    "deployment": {"name": "web-dep", "roles": [{"name": "web1", "staticIp": "10.0.1.4"}]},
                }
            ],
        },
        "arm": [
            {
                "id": f"{RG}/Microsoft.Network/virtualNetworks/vnet-prod",
                "name": "vnet-prod",
                "type": "Microsoft.Network/virtualNetworks",
                "location": "westeurope",
                "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}},
            },
            {
                "id": f"{RG}/Microsoft.Network/networkInterfaces/web1-PrimaryNic",
                "name": "web1-PrimaryNic",
                "type": "Microsoft.Network/networkInterfaces",
                "location": "westeurope",
                "properties": {"ipConfigurations": [{"name": "ipconfig1", "privateIPAddress": "10.0.1.9"}]},
            },
            {
                "id": f"{RG}/Microsoft.Network/publicIPAddresses/stray-pip",
                "name": "stray-pip",
                "type": "Microsoft.Network/publicIPAddresses",
                "properties": {},
            },
        ],
    }
    view.update(overrides)
    return view


def plan_report() -> dict[str, Any]:
    first = unit_report()
    second = unit_report(
        id="plan-1-storage",
        unit={"kind": "storageAccount", "name": "stprod"},
        findings=[],
        resourceMap={
            "storageAccount/stprod": f"/subscriptions/{SUB}/resourceGroups/stprod-Migrated/providers"
            "/Microsoft.Storage/storageAccounts/stprod"
        },
        rbacToRecreate=[],
        dropped=[],
        timeline=[
            {"phase": "Queued", "at": "2026-11-25T10:06:05Z"},
            {"phase": "Committed", "at": "2026-11-25T10:08:00Z"},
        ],
    )
    return {
        "id": "plan-1",
        "kind": "plan",
        "phase": "Completed",
        "waves": [
            {
                "index": 0,
                "units": [{"id": first["id"], "unit": first["unit"], "phase": "Committed", "report": first}],
            },
            {
                "index": 1,
                "units": [
                    {"id": second["id"], "unit": second["unit"], "phase": "Committed", "report": second}
                ],
            },
        ],
    }
