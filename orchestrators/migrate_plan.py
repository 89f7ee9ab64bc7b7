"""`migrate_plan`: a subscription's units in dependency waves, as `migrate_unit` sub-orchestrations.

The `plan_units` activity snapshots the subscription and asks the core's planner for waves
(ExpressRoute first, VNets and cloud services, storage once no classic VM uses it, the
unassociated rest any time). Waves run in order; inside a wave at most `concurrency` units run
at once. A unit that does not end `Committed` blocks only the units that depend on it.
Approval is per unit (each unit's own approve route) or per wave (`POST /api/plans/{id}/approve`
raises `Approval` on every unit of that wave); the units wait either way.
Unit instance ids derive from the plan id, so restarting a plan never starts a unit twice.
"""

from __future__ import annotations

import json
import re
from typing import Any

import azure.durable_functions as df

from orchestrators import _steps as steps
from orchestrators._status import iso

bp = df.Blueprint()

OK_FOR_DEPENDANTS = {"Committed"}


def unit_instance_id(plan_id: str, unit: dict[str, Any], taken: set[str]) -> str:
    """A request id (`A-Z a-z 0-9 - _ .`, ≤ 100) for a plan's unit, unique within the plan."""
    raw = f"{plan_id}.{unit['kind']}.{unit['name']}"
    if unit.get("deployment"):
        raw += f".{unit['deployment']}"
    base = re.sub(r"[^A-Za-z0-9_.\-]", "-", raw)[:96]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base[:92]}.{n}"
    taken.add(candidate)
    return candidate


def _unit_input(inp: dict[str, Any], unit: dict[str, Any], child_id: str, wave: int) -> dict[str, Any]:
    request: dict[str, Any] = {
        "requestId": child_id,
        "subscriptionId": inp["subscriptionId"],
        "unit": {"deployment": None, **unit},
        "destination": {"mode": "New", "resourceGroup": None, "virtualNetwork": None, "subnet": None},
        "approval": inp.get("unitApproval") or {"timeout": None, "onTimeout": "abort"},
        "window": inp.get("window") or "any",
        "dryRun": bool(inp.get("dryRun")),
        "probes": [],
        "requestedBy": inp.get("requestedBy"),
    }
    base = (inp.get("linksBase") or "").rstrip("/")
    links = {
        "status": f"{base}/api/migrations/{child_id}",
        "approve": f"{base}/api/migrations/{child_id}/approve",
        "abort": f"{base}/api/migrations/{child_id}/abort",
        "review": f"{base}/api/migrations/{child_id}/review",
        "report": f"{base}/api/migrations/{child_id}/report",
    }
    plan = {"id": inp["planId"], "wave": wave, "approval": inp.get("approval", "perUnit")}
    return {"request": request, "config": inp["config"], "links": links,
            "requestedBy": inp.get("requestedBy"), "plan": plan}  # fmt: skip


def fit_plan(status: dict[str, Any], budget: int = 14_000) -> dict[str, Any]:
    """The plan's custom status within Azure's limit: big plans drop dependencies, then the units'
    unit objects (the id names kind and name) and the left-out units' reasons (the output keeps all)."""
    if len(json.dumps(status)) <= budget:
        return status
    out = {**status, "truncated": True}
    out["waves"] = [{**w, "units": [{k: v for k, v in row.items() if k != "dependsOn"} for row in w["units"]]}
                    for w in status["waves"]]  # fmt: skip
    if len(json.dumps(out)) > budget:
        out["waves"] = [{**w, "units": [{k: row[k] for k in ("id", "phase", "blockedBy") if k in row}
                                        for row in w["units"]]} for w in out["waves"]]  # fmt: skip
        out["notMigratable"] = [{"key": u.get("key"), "reasons": len(u.get("reasons", []))}
                                for u in status.get("notMigratable", [])]  # fmt: skip
    if len(json.dumps(out)) > budget:  # very big: running units in full, the others as counts
        waves = []
        for wave in out["waves"]:
            counts: dict[str, int] = {}
            for row in wave["units"]:
                counts[row["phase"]] = counts.get(row["phase"], 0) + 1
            running = [row for row in wave["units"] if row["phase"] == "Running"]
            waves.append({"index": wave["index"], "units": running, "counts": counts})
        out["waves"] = waves
    return out


@bp.orchestration_trigger(context_name="context")
def migrate_plan(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    """Run a plan's waves; the output is the plan status with every unit's final phase."""
    inp: dict[str, Any] = context.get_input()
    config = inp["config"]
    status: dict[str, Any] = {"id": context.instance_id, "phase": "Planning", "approval": inp.get("approval"),
                              "dryRun": bool(inp.get("dryRun")), "createdAt": iso(context), "waves": [],
                              "notMigratable": []}  # fmt: skip
    context.set_custom_status(fit_plan(status))
    planned = yield from steps.call(context, config, steps.PLAN_UNITS, {
        "planId": context.instance_id, "subscriptionId": inp["subscriptionId"], "units": inp.get("units"),
        "concurrency": inp.get("concurrency") or config.get("planConcurrency", 4)})  # fmt: skip
    if planned.get("error"):
        status.update(phase="Failed", error=planned["error"], updatedAt=iso(context))
        context.set_custom_status(fit_plan(status))
        return status

    taken: set[str] = set()
    waves: list[dict[str, Any]] = []
    entries: dict[str, dict[str, Any]] = {}  # unit key -> its row in the status
    for index, wave in enumerate(planned.get("waves", [])):
        rows = []
        for unit in wave:
            child_id = unit_instance_id(context.instance_id, unit["unit"], taken)
            row = {"id": child_id, "unit": unit["unit"], "key": unit["key"],
                   "dependsOn": unit.get("dependsOn", []), "phase": "Pending"}  # fmt: skip
            rows.append(row)
            entries[unit["key"]] = row
        waves.append({"index": index, "units": rows})
    for item in planned.get("notMigratable", []):
        status["notMigratable"].append(
            {
                "unit": item["unit"],
                "key": item.get("key"),
                "phase": "NotMigratable",
                "reasons": item.get("reasons", []),
            }
        )
    status.update(phase="Running", waves=waves, updatedAt=iso(context))
    context.set_custom_status(fit_plan(status))

    limit = max(1, int(inp.get("concurrency") or config.get("planConcurrency", 4)))
    dry_run = bool(inp.get("dryRun"))
    for wave in waves:
        queue = list(wave["units"])
        running: dict[Any, dict[str, Any]] = {}
        while queue or running:
            while queue and len(running) < limit:
                row = queue.pop(0)
                blockers = [
                    d for d in row["dependsOn"]
                    if d in entries and entries[d]["phase"] not in OK_FOR_DEPENDANTS
                    and not (dry_run and entries[d]["phase"] == "Aborted")
                ]  # fmt: skip
                if blockers:
                    row.update(phase="Blocked", blockedBy=blockers)
                    continue
                task = context.call_sub_orchestrator(
                    "migrate_unit", _unit_input(inp, row["unit"], row["id"], wave["index"]), row["id"]
                )
                row["phase"] = "Running"
                running[task] = row
            status["updatedAt"] = iso(context)
            context.set_custom_status(fit_plan(status))
            if not running:
                break
            done = yield context.task_any(list(running))
            row = running.pop(done)
            result = done.result
            if isinstance(result, Exception) or not isinstance(result, dict):
                row.update(phase="Failed", error=str(result).split("\n")[0][:500])
            else:
                row["phase"] = result.get("phase", "Failed")
    phases = [row["phase"] for wave in waves for row in wave["units"]]
    status.update(phase="Completed", updatedAt=iso(context),
                  summary={p: phases.count(p) for p in sorted(set(phases))})  # fmt: skip
    context.set_custom_status(fit_plan(status))
    return status
