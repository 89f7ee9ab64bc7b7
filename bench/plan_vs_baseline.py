"""c2arm's plan against the one-unit-at-a-time baseline, on the same emulated 40-unit estate.

Figures (printed, never asserted):
- makespan of the baseline (`bench/baseline.py`: sequential, fixed 30 s polling) and of c2arm's
  plan (`POST /api/plans`, every unit approved the moment it awaits approval), both in platform
  time, and their ratio (goal ≥ 5×);
- the critical-path lower bound for the plan: max(longest dependency chain, total work /
  concurrency) with each unit's work = prepare + commit duration, and the plan's ratio to it
  (goal ≤ 1.10);
- ASM requests per unit by phase, and 429s received, from the emulator's request log.

The estate: 8 VNets (each with a one-VM cloud service), 8 storage accounts holding those VMs'
disks (so each waits for its VNet), and 8 each of unassociated NSGs, route tables and reserved
IPs — 40 units. Platform durations: prepare 600 s, commit 300 s (a VNet's prepare takes minutes
on Azure); platform and durable time both run `--scale` times faster.

Run: `.venv/bin/python bench/plan_vs_baseline.py [--scale 300] [--concurrency 10]`.
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.append(str(ROOT / "bench"))  # after ROOT: bench/connectors.py must not shadow the package
from baseline import run_baseline  # noqa: E402

from cli.stack.up import StackOptions, down, up  # noqa: E402

SUB = "00000000-0000-0000-0000-0000000000be"
APPROVER = "bench@contoso.com"
PREPARE, COMMIT = 600.0, 300.0


def generate_estate(groups: int = 8, blocked: int = 0) -> dict[str, Any]:
    """`groups` × (VNet + cloud service, storage account, NSG, route table, reserved IP).

    `blocked` VNets get a VM with an endpoint ACL (validate refuses it: NotMigratable), and their
    storage accounts cannot move either — the chaos run's not-migratable units.
    """
    vnets, services, accounts = [], [], []
    for i in range(groups):
        vnets.append(
            {
                "name": f"vnet{i}",
                "addressSpace": [f"10.{i}.0.0/16"],
                "subnets": [{"name": "app", "prefix": f"10.{i}.1.0/24"}],
            }
        )
        accounts.append({"name": f"st{i:02d}bench", "sku": "Standard_LRS"})
        endpoint: dict[str, Any] = {"name": "http", "protocol": "tcp", "port": 80, "localPort": 80}
        if i < blocked:
            endpoint["acl"] = [{"order": 1, "action": "permit", "remoteSubnet": "10.0.0.0/8"}]
        services.append(
            {
                "name": f"cs{i}",
                "deployment": {
                    "name": f"dep{i}",
                    "virtualNetwork": f"vnet{i}",
                    "roles": [
                        {
                            "name": f"vm{i}",
                            "size": "Standard_D2",
                            "subnets": ["app"],
                            "staticIp": f"10.{i}.1.4",
                            "endpoints": [endpoint],
                            "osDisk": {
                                "name": f"vm{i}-os",
                                "os": "Linux",
                                "sizeGB": 30,
                                "mediaLink": f"https://st{i:02d}bench.blob.core.windows.net/vhds/vm{i}-os.vhd",
                            },
                        }
                    ],
                },
            }
        )
    return {
        "version": 1,
        "subscriptionId": SUB,
        "location": "West Europe",
        "virtualNetworks": vnets,
        "storageAccounts": accounts,
        "cloudServices": services,
        "networkSecurityGroups": [{"name": f"nsg{i}", "rules": []} for i in range(groups)],
        "routeTables": [{"name": f"rt{i}", "routes": []} for i in range(groups)],
        "reservedIps": [{"name": f"rip{i}", "address": f"40.9.0.{i + 1}"} for i in range(groups)],
    }


def unit_order(estate: dict[str, Any]) -> list[tuple[str, str]]:
    """Dependency order: VNets, the unassociated units, then storage accounts."""
    return (
        [("virtualNetwork", v["name"]) for v in estate["virtualNetworks"]]
        + [("networkSecurityGroup", n["name"]) for n in estate["networkSecurityGroups"]]
        + [("routeTable", r["name"]) for r in estate["routeTables"]]
        + [("reservedIp", r["name"]) for r in estate["reservedIps"]]
        + [("storageAccount", s["name"]) for s in estate["storageAccounts"]]
    )


def lower_bound(estate: dict[str, Any], concurrency: int) -> float:
    """Critical-path lower bound (platform s): max(longest chain, total work / concurrency)."""
    work = PREPARE + COMMIT
    units = len(unit_order(estate))
    chain = 2 * work if estate["storageAccounts"] else work  # VNet → its storage account
    return max(chain, units * work / concurrency)


class Admin:
    """The emulator's admin API."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.client = httpx.Client(
            base_url=info["emulatorUrl"],
            timeout=30,
            verify=ssl.create_default_context(cafile=info["caFile"]),
            headers={"Authorization": f"Bearer {info['emulatorAdminToken']}"},
        )

    def timed(self) -> None:
        self.client.put(
            "/admin/progress",
            json={"mode": "timed", "durations": {"prepare": PREPARE, "commit": COMMIT, "abort": COMMIT}},
        ).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        out, since = [], 0
        while True:
            page = self.client.get("/admin/requests", params={"since": since}).json()
            rows = page["requests"]
            if not rows:
                return out
            out.extend(rows)
            since = rows[-1]["seq"]

    def clear(self) -> None:
        self.client.delete("/admin/requests").raise_for_status()


def run_plan(
    info: dict[str, Any], plan_id: str, concurrency: int, deadline: float = 900
) -> tuple[float, dict]:
    """Start a plan, approve each unit as soon as it awaits approval; (wall seconds, final view)."""
    headers = {"x-functions-key": info["functionKey"], "X-MS-CLIENT-PRINCIPAL-NAME": APPROVER}
    approved: set[str] = set()
    with httpx.Client(base_url=info["appUrl"], headers=headers, timeout=30) as app:
        started = time.monotonic()
        answer = app.post(
            "/api/plans",
            json={
                "planId": plan_id,
                "subscriptionId": info["subscriptionId"],
                "concurrency": concurrency,
                "approval": "perUnit",
            },
            headers={"X-MS-CLIENT-PRINCIPAL-NAME": "ops@contoso.com"},
        )
        answer.raise_for_status()
        while time.monotonic() - started < deadline:
            view = app.get(f"/api/plans/{plan_id}").json()
            if view.get("phase") in ("Completed", "Failed"):
                return time.monotonic() - started, view
            for wave in view.get("waves", []):
                for row in wave["units"]:
                    waiting = row["phase"] == "AwaitingApproval" and row["id"] not in approved
                    if (
                        waiting
                        and app.post(f"/api/migrations/{row['id']}/approve", json={}).status_code == 202
                    ):
                        approved.add(row["id"])
            time.sleep(0.05)
    raise RuntimeError(f"plan {plan_id} did not finish within {deadline} s")


def classify(row: dict[str, Any]) -> str:
    path = row["path"].lower()
    if "/operations/" in path:
        return "operation poll"
    if path.endswith("/migration"):
        return "migration call"
    return "read"


def request_figures(rows: list[dict[str, Any]], units: int) -> dict[str, Any]:
    kinds = Counter(classify(r) for r in rows)
    return {
        "per unit": {k: round(v / units, 1) for k, v in sorted(kinds.items())},
        "total": len(rows),
        "429": sum(1 for r in rows if r["status"] == 429),
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    estate = generate_estate()
    units = unit_order(estate)
    with tempfile.TemporaryDirectory(prefix="c2arm-bench-") as tmp:
        base = Path(tmp)
        (base / "estate.yaml").write_text(yaml.safe_dump(estate))
        settings = {
            "APPROVERS": APPROVER,
            "OPERATION_POLL_MIN_SECONDS": "15",
            "OPERATION_POLL_MAX_SECONDS": "60",
            "AZURE_REQUESTS_PER_SECOND": "1000",
            "AZURE_REQUESTS_BURST": "1000",
            "PLAN_CONCURRENCY": str(args.concurrency),
        }
        info = up(
            StackOptions(
                estate=base / "estate.yaml",
                state_dir=base / "stack",
                settings=settings,
                time_scale=args.scale,
            )
        )
        try:
            admin = Admin(info)
            admin.timed()
            admin.clear()
            plan_wall, view = run_plan(info, "bench-plan", args.concurrency)
            plan_rows = admin.requests()
            outcomes = Counter(row["phase"] for wave in view["waves"] for row in wave["units"])
            admin.client.post("/admin/reset").raise_for_status()
            admin.timed()
            admin.clear()
            base_result = run_baseline(info["emulatorUrl"], Path(info["caFile"]), SUB, units, args.scale)
            base_rows = admin.requests()
        finally:
            down(base / "stack")
    bound = lower_bound(estate, args.concurrency)
    figures = {
        "units": len(units),
        "scale": args.scale,
        "concurrency": args.concurrency,
        "durations": {"prepare": PREPARE, "commit": COMMIT},
        "baseline_platform_s": round(base_result.seconds * args.scale),
        "baseline_failed": base_result.failed,
        "plan_platform_s": round(plan_wall * args.scale),
        "plan_outcomes": dict(outcomes),
        "speedup": round(base_result.seconds / plan_wall, 2),
        "lower_bound_platform_s": round(bound),
        "plan_to_bound": round(plan_wall * args.scale / bound, 2),
        "plan_requests": request_figures(plan_rows, len(units)),
        "baseline_requests": request_figures(base_rows, len(units)),
    }
    print(
        f"estate: {len(units)} units; platform durations prepare {PREPARE:.0f} s, commit {COMMIT:.0f} s; "
        f"time ×{args.scale:g}; plan concurrency {args.concurrency}"
    )
    print(
        f"baseline (sequential, 30 s polls): {figures['baseline_platform_s']} platform s "
        f"({base_result.seconds:.1f} s real), failed: {base_result.failed or 'none'}"
    )
    print(
        f"c2arm plan: {figures['plan_platform_s']} platform s ({plan_wall:.1f} s real), "
        f"outcomes {dict(outcomes)}"
    )
    print(f"speed-up: {figures['speedup']}x (goal ≥ 5x)")
    print(
        f"critical-path lower bound: {figures['lower_bound_platform_s']} platform s; "
        f"plan / bound = {figures['plan_to_bound']} (goal ≤ 1.10)"
    )
    print(
        f"ASM requests per unit, plan: {figures['plan_requests']['per unit']} "
        f"(429s: {figures['plan_requests']['429']}); baseline: {figures['baseline_requests']['per unit']}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
