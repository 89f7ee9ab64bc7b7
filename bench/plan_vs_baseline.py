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
import re
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
from plan_breakdown import breakdown, collect, plan_start, polls_by_operation, render, throttle_figures  # noqa: E402
from plan_breakdown import summary as breakdown_summary  # noqa: E402

from cli.signin import signed_in  # noqa: E402
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


APPROVER_POLL_S = 0.2  # real seconds between the approver's rounds (6 platform s at ×30)


def awaiting_approval(app: httpx.Client, prefix: str) -> list[str]:
    """The ids starting with `prefix` that `GET /api/migrations?phase=AwaitingApproval` lists
    (every page)."""
    ids: list[str] = []
    params = {"phase": "AwaitingApproval"}
    while True:
        page = app.get("/api/migrations", params=params)
        page.raise_for_status()
        body = page.json()
        ids += [row["id"] for row in body["migrations"] if row["id"].startswith(prefix)]
        if not body.get("continuationToken"):
            return ids
        params = {"phase": "AwaitingApproval", "continuationToken": body["continuationToken"]}


def run_plan(
    info: dict[str, Any],
    plan_id: str,
    concurrency: int,
    deadline: float = 900,
    units: list[str] | None = None,
) -> tuple[float, dict]:
    """Start a plan, approve each unit as soon as it awaits approval; (wall seconds, final view).

    The approver asks what an operator's tool would: `GET /api/migrations?phase=AwaitingApproval`
    (the phase index, every page), every `APPROVER_POLL_S` real seconds, and approves the plan's
    units it lists through c2arm's approve route, as a person would, only faster. (It used to
    list every running unit with its custom status through the Durable API every 20 ms: most of
    the devhost's and Azurite's CPU in the scale bench.) The plan's end is read from its
    instance status.
    """
    headers = {"x-functions-key": info["functionKey"], **signed_in(info["appUrl"], APPROVER)}
    approved: set[str] = set()
    hooks = "/runtime/webhooks/durabletask/instances"
    with httpx.Client(base_url=info["appUrl"], headers=headers, timeout=30) as app:
        started = time.monotonic()
        answer = app.post(
            "/api/plans",
            json={
                "planId": plan_id,
                "subscriptionId": info["subscriptionId"],
                "concurrency": concurrency,
                "approval": "perUnit",
                **({"units": units} if units else {}),
            },
            headers=signed_in(info["appUrl"], "ops@contoso.com"),
        )
        answer.raise_for_status()
        while time.monotonic() - started < deadline:
            plan = app.get(f"{hooks}/{plan_id}", params={"showInput": "false"}).json()
            if plan.get("runtimeStatus") in ("Completed", "Failed", "Terminated"):
                wall = time.monotonic() - started
                return wall, app.get(f"/api/plans/{plan_id}").json()
            for unit_id in awaiting_approval(app, f"{plan_id}~"):
                if (
                    unit_id not in approved
                    and app.post(f"/api/migrations/{unit_id}/approve", json={}).status_code == 202
                ):
                    approved.add(unit_id)
            time.sleep(APPROVER_POLL_S)
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


def run_throttled(
    info: dict[str, Any], admin: Admin, estate: dict[str, Any], args: argparse.Namespace
) -> dict:
    """A plan of a third of the estate while the emulator limits classic calls to
    `--throttle` requests per real second; c2arm's limiter starts at 1000/s and must learn.

    Run on a fresh stack: the limiter remembers a minute of traffic, and traffic that went
    through before the fault existed (more than the limit, without a 429) would make the first
    429s look like noise — a platform's real limit is there all along."""
    admin.client.post("/admin/reset").raise_for_status()
    admin.client.put("/admin/progress", json={"mode": "immediate"}).raise_for_status()
    throttle = {"type": "throttle", "limit": args.throttle, "perSeconds": 1}
    fault = {"id": "bench-throttle", "match": {"api": "asm"}, "action": throttle}
    admin.client.put("/admin/faults", json={"faults": [fault]}).raise_for_status()
    admin.clear()
    groups = max(1, len(estate["virtualNetworks"]) // 3)
    names = [f"{k}/{n}" for k, n in unit_order(estate) if int(re.search(r"\d+", n).group()) < groups]
    wall, view = run_plan(info, "bench-throttled", args.concurrency, units=names)
    rows = admin.requests()
    admin.client.delete("/admin/faults").raise_for_status()
    outcomes = Counter(row["phase"] for wave in view["waves"] for row in wave["units"])
    return {
        "limit": args.throttle,
        "units": len(names),
        "wall_s": round(wall, 1),
        "outcomes": dict(outcomes),
        **throttle_figures(rows, args.scale),
    }


def plan_settings(concurrency: int) -> dict[str, str]:
    """A plan run's app settings as an operator sets them: the bench's approver, poll bounds of
    15-60 platform s, a limiter far above what the emulator answers (so the platform, not our
    limiter, sets the pace) and `concurrency` units at once. The chaos run starts from these."""
    return {
        "APPROVERS": APPROVER,
        "OPERATION_POLL_MIN_SECONDS": "15",
        "OPERATION_POLL_MAX_SECONDS": "60",
        "AZURE_REQUESTS_PER_SECOND": "1000",
        "AZURE_REQUESTS_BURST": "1000",
        "PLAN_CONCURRENCY": str(concurrency),
    }


def start_stack(base: Path, estate: dict[str, Any], scale: float, concurrency: int) -> dict[str, Any]:
    """The local stack (emulator, devhost, Azurite) on `estate`, clock × `scale`."""
    base.mkdir(parents=True, exist_ok=True)
    (base / "estate.yaml").write_text(yaml.safe_dump(estate))
    settings = plan_settings(concurrency)
    return up(
        StackOptions(
            estate=base / "estate.yaml", state_dir=base / "stack", settings=settings, time_scale=scale
        )
    )


def measure_plan(info: dict[str, Any], admin: Admin, scale: float, concurrency: int, units: int) -> dict:
    """One plan over the whole estate: makespan, outcomes, requests, the per-unit breakdown."""
    admin.timed()
    admin.clear()
    wall, view = run_plan(info, "bench-plan", concurrency)
    rows = admin.requests()
    raw = collect(info, admin.client, "bench-plan")
    per_unit = breakdown(raw)
    return {
        "scale": scale,
        "wall_s": wall,
        "platform_s": round(wall * scale),
        "outcomes": dict(Counter(row["phase"] for wave in view["waves"] for row in wave["units"])),
        "requests": request_figures(rows, units),
        "planning_s": round(plan_start(raw)),
        "breakdown_mean": breakdown_summary(per_unit),
        "polls_per_operation": polls_by_operation(per_unit),
        "table": render(per_unit),
    }


def print_plan(label: str, run: dict[str, Any], bound: float, baseline_s: float | None) -> None:
    print(
        f"c2arm plan {label}: {run['platform_s']} platform s ({run['wall_s']:.1f} s real), "
        f"outcomes {run['outcomes']}"
    )
    if baseline_s:
        print(f"  speed-up over the baseline: {baseline_s / run['platform_s']:.2f}x (goal ≥ 5x)")
    print(f"  plan / critical-path bound ({bound:.0f} s) = {run['platform_s'] / bound:.2f} (goal ≤ 1.10)")
    print(
        f"  ASM requests per unit: {run['requests']['per unit']} (429s: {run['requests']['429']}); "
        f"operation polls per unit by operation: {run['polls_per_operation']}"
    )
    print(
        f"  planning (plan_units: the estate read and planned, before any unit starts): {run['planning_s']} s"
    )
    print("  where the time goes, per unit (platform s; 'end' = when the plan saw the unit end):")
    for line in run["table"]:
        print("    " + line)


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=300)
    parser.add_argument(
        "--faithful-scale", type=float, default=30, help="the plan again at this slower clock (0: not)"
    )
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-baseline", action="store_true", help="the plan only (quicker, for iterating)")
    parser.add_argument(
        "--throttle", type=int, default=40, help="classic requests per real second, throttled run (0: none)"
    )
    args = parser.parse_args()
    estate = generate_estate()
    units = unit_order(estate)
    base_result, base_rows, slow = None, [], None
    throttled: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="c2arm-bench-") as tmp:
        info = start_stack(Path(tmp) / "fast", estate, args.scale, args.concurrency)
        try:
            admin = Admin(info)
            fast = measure_plan(info, admin, args.scale, args.concurrency, len(units))
            if not args.no_baseline:
                admin.client.post("/admin/reset").raise_for_status()
                admin.timed()
                admin.clear()
                base_result = run_baseline(info["emulatorUrl"], Path(info["caFile"]), SUB, units, args.scale)
                base_rows = admin.requests()
        finally:
            down(Path(tmp) / "fast" / "stack")
        if args.throttle:  # a fresh host, as an app instance starting against a throttled subscription
            info = start_stack(Path(tmp) / "throttled", estate, args.scale, args.concurrency)
            try:
                throttled = run_throttled(info, Admin(info), estate, args)
            finally:
                down(Path(tmp) / "throttled" / "stack")
        if args.faithful_scale:
            info = start_stack(Path(tmp) / "slow", estate, args.faithful_scale, args.concurrency)
            try:
                slow = measure_plan(info, Admin(info), args.faithful_scale, args.concurrency, len(units))
            finally:
                down(Path(tmp) / "slow" / "stack")
    bound = lower_bound(estate, args.concurrency)
    baseline_s = round(base_result.seconds * args.scale) if base_result else None
    runs = [r for r in (fast, slow) if r]
    figures: dict[str, Any] = {
        "units": len(units),
        "scale": args.scale,
        "concurrency": args.concurrency,
        "durations": {"prepare": PREPARE, "commit": COMMIT},
        "lower_bound_platform_s": round(bound),
        "baseline_platform_s": baseline_s,
        "baseline_failed": base_result.failed if base_result else None,
        "baseline_requests": request_figures(base_rows, len(units)) if base_result else None,
        "plans": [
            {k: v for k, v in r.items() if k != "table"}
            | {
                "to_bound": round(r["platform_s"] / bound, 2),
                "speedup": round(baseline_s / r["platform_s"], 2) if baseline_s else None,
            }
            for r in runs
        ],
        "throttled": throttled,
    }
    print(
        f"estate: {len(units)} units; platform durations prepare {PREPARE:.0f} s, commit {COMMIT:.0f} s; "
        f"plan concurrency {args.concurrency}; critical-path lower bound {bound:.0f} platform s"
    )
    if base_result is not None:
        print(
            f"baseline (sequential, 30 s polls) at ×{args.scale:g}: {baseline_s} platform s "
            f"({base_result.seconds:.1f} s real), failed: {base_result.failed or 'none'}; "
            f"ASM requests per unit {figures['baseline_requests']['per unit']}"
        )
    for run in runs:
        print_plan(f"at ×{run['scale']:g}", run, bound, baseline_s)
    if throttled:
        print(
            f"throttled run: emulator limits classic calls to {throttled['limit']}/s per subscription; "
            f"plan of {throttled['units']} units, c2arm's limiter configured at 1000/s: "
            f"{throttled['requests']} classic requests, 429s {throttled['429']} "
            f"({throttled['429 before learning']} before the limiter learned the limit, "
            f"{throttled['429 after learning']} after); outcomes {throttled['outcomes']}; "
            f"{throttled['wall_s']} s real"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
