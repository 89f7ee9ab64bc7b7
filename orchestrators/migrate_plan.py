"""`migrate_plan`: a subscription's units in dependency waves, as `migrate_unit` sub-orchestrations.

The `plan_units` activity snapshots the subscription and asks the core's planner for waves
(ExpressRoute first, VNets and cloud services, storage once no classic VM uses it, the
unassociated rest any time). The waves give the order of priority, not a barrier: a unit starts
as soon as every unit it depends on has ended `Committed` and one of the `concurrency` slots is
free (the earliest wave first), so a storage account moves as soon as its VNet has committed,
not when the whole wave has. A unit that does not end `Committed` blocks only the units that
depend on it (and theirs). Each row records `startedAt` and `endedAt` (plan time).
Approval is per unit (each unit's own approve route) or per wave (`POST /api/plans/{id}/approve`
raises `Approval` on every unit of that wave); the units wait either way.
Unit instance ids derive from the plan id in the reserved namespace (`<planId>~<kind>~<name>`):
restarting a plan never starts a unit twice, and no plan can take over a submitted migration.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import azure.durable_functions as df

from migration import names
from migration.instance_ids import SEPARATOR, derived_id, plan_unit_id
from migration.status import PlanState
from migration.workflow import PlanInput, PlanUnitsInput, PlanUnitsResult
from orchestrators import _steps as steps
from orchestrators._status import iso

bp = df.Blueprint()

OK_FOR_DEPENDANTS = {"Committed"}


def unit_instance_id(plan_id: str, unit: dict[str, Any], taken: set[str]) -> str:
    """The instance id of a plan's unit, unique within the plan: `<planId>~<kind>~<name>[.<dep>]`.

    In the reserved namespace (`migration.instance_ids`): no user id contains `~`, so a plan can
    never start over, or replace, a migration someone submitted — whatever its units are named.
    Two names that reduce to the same id (`web cs!`, `web cs?`) get `~2`, `~3` … in plan order.
    """
    candidate = plan_unit_id(plan_id, unit["kind"], unit["name"], unit.get("deployment"))
    first, n = candidate, 1
    while candidate in taken:
        n += 1
        candidate = derived_id(plan_id, unit["kind"], first.split(SEPARATOR)[-1], str(n))
    taken.add(candidate)
    return candidate


def _unit_input(inp: PlanInput, unit: dict[str, Any], child_id: str, wave: int) -> dict[str, Any]:
    request: dict[str, Any] = {
        "requestId": child_id,
        "subscriptionId": inp.subscription_id,
        "unit": {"deployment": None, **unit},
        "destination": {"mode": "New", "resourceGroup": None, "virtualNetwork": None, "subnet": None},
        "approval": inp.unit_approval or {"timeout": None, "onTimeout": "abort"},
        "window": inp.window or "any",
        "dryRun": inp.dry_run,
        "probes": [],
        "requestedBy": inp.requested_by,
    }
    if inp.follow_through:  # the plan's default for every unit (issue #18)
        request["followThrough"] = inp.follow_through
    base = (inp.links_base or "").rstrip("/")
    links = {
        "status": f"{base}/api/migrations/{child_id}",
        "approve": f"{base}/api/migrations/{child_id}/approve",
        "abort": f"{base}/api/migrations/{child_id}/abort",
        "review": f"{base}/api/migrations/{child_id}/review",
        "report": f"{base}/api/migrations/{child_id}/report",
    }
    plan = {"id": inp.plan_id, "wave": wave, "approval": inp.approval}
    return {
        "request": request,
        "config": inp.config,
        "links": links,
        "requestedBy": inp.requested_by,
        "requestedById": inp.requested_by_id,
        "plan": plan,
    }


def _without_dependencies(status: dict[str, Any]) -> dict[str, Any]:
    waves = [
        {**w, "units": [{k: v for k, v in row.items() if k != "dependsOn"} for row in w["units"]]}
        for w in status["waves"]
    ]
    return {**status, "truncated": True, "waves": waves}


def _in_brief(status: dict[str, Any]) -> dict[str, Any]:
    waves = [{**w, "units": [_brief(row) for row in w["units"]]} for w in status["waves"]]
    return {**_notes(status), "waves": waves}


def _counted(status: dict[str, Any]) -> dict[str, Any]:
    return _counts(_notes(status), status["waves"])


def _whole(status: dict[str, Any]) -> dict[str, Any]:
    return status


PLAN_FORMS: tuple[Callable[[dict[str, Any]], dict[str, Any]], ...] = (
    _whole,
    _without_dependencies,
    _in_brief,  # the units' id, phase, blockedBy; the left-out units' reasons as counts
    _counted,  # only the running units in brief, the others as counts per phase
)
"""The plan's custom status from whole to briefest; the last is taken whatever its size."""


def fit_plan(status: dict[str, Any], budget: int = 14_000) -> dict[str, Any]:
    """The plan's custom status within Azure's limit: the first of `PLAN_FORMS` that fits (the
    output keeps all).

    Called at every step of the schedule, and so at every step of every replay: the forms that
    are over `budget` by their units' text alone (lower bounds of their size) are neither built
    nor serialised — the same result as trying each form in turn; serialising the whole plan
    three times per step was most of a 418-unit plan's replay time."""
    *tried, briefest = PLAN_FORMS[_over_by_their_text(status, budget) :]
    for build in tried:
        form = build(status)
        if len(json.dumps(form)) <= budget:
            return form
    return briefest(status)


def _over_by_their_text(status: dict[str, Any], budget: int) -> int:
    """How many of the first `plan_forms` are over `budget` by their units' text alone."""
    rows = [row for wave in status["waves"] for row in wave["units"]]
    # `{"id": "…", "phase": "…"}`: 23 characters besides the two (JSON escapes only lengthen)
    if sum(23 + len(row["id"]) + len(row["phase"]) for row in rows) > budget:
        return 3  # even the units in brief are over
    # … and `"key": "…"`, `"unit": {"kind": "…", "name": "…"}`: 43 more besides the text
    least = sum(
        66 + len(r["id"]) + len(r["phase"]) + len(r["key"]) + len(r["unit"]["kind"]) + len(r["unit"]["name"])
        for r in rows
    )
    return 2 if least > budget else 0  # over: the whole status and the one without dependencies


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "phase", "blockedBy") if k in row}


def _notes(status: dict[str, Any]) -> dict[str, Any]:
    """The status marked truncated, the left-out units' reasons as counts."""
    left_out = [
        {"key": u.get("key"), "reasons": len(u.get("reasons", []))} for u in status.get("notMigratable", [])
    ]
    return {**status, "truncated": True, "notMigratable": left_out}


def _counts(out: dict[str, Any], waves: list[dict[str, Any]]) -> dict[str, Any]:
    """Very big: the running units in brief, the others as counts per phase."""
    shown = []
    for wave in waves:
        counts: dict[str, int] = {}
        for row in wave["units"]:
            counts[row["phase"]] = counts.get(row["phase"], 0) + 1
        running = [_brief(row) for row in wave["units"] if row["phase"] == "Running"]
        shown.append({"index": wave["index"], "units": running, "counts": counts})
    return {**out, "waves": shown}


def _publish(context: df.DurableOrchestrationContext, status: PlanState) -> dict[str, Any]:
    """Publish the plan's status (trimmed to Azure's limit); the whole status as JSON."""
    doc = status.to_json()
    context.set_custom_status(fit_plan(doc))
    return doc


def _blockers(
    row: dict[str, Any], entries: dict[str, dict[str, Any]], dry_run: bool
) -> tuple[list[str], bool]:
    """(dependencies that ended badly, whether every dependency ended well)."""
    bad: list[str] = []
    ready = True
    for dep in row["dependsOn"]:
        other = entries.get(dep)
        if other is None:  # not part of this plan: nothing to wait for
            continue
        phase = other["phase"]
        if phase in ("Pending", "Running"):
            ready = False
        elif phase not in OK_FOR_DEPENDANTS and not (dry_run and phase == "Aborted"):
            bad.append(dep)
    return bad, ready and not bad


def _schedule(
    context: df.DurableOrchestrationContext,
    inp: PlanInput,
    status: PlanState,
    entries: dict[str, dict[str, Any]],
    order: list[dict[str, Any]],
    wave_of: dict[str, int],
    limit: int,
) -> steps.Step:
    """Start each unit as soon as all it depends on ended well and a slot is free (wave order first).

    Deterministic: the same results in the same order give the same starts, so replay holds.
    A unit whose dependency ended otherwise is Blocked (and so, in turn, are its dependants).
    """
    dry_run = inp.dry_run
    pending = list(order)
    running: dict[Any, dict[str, Any]] = {}
    ended_badly = True  # whether a unit ended otherwise since the last pass (none has run yet)
    while pending or running:
        changed = ended_badly  # only a unit that ended otherwise can block another
        while changed:  # a blocked unit blocks its own dependants in the same pass
            changed = False
            for row in list(pending):
                bad, _ = _blockers(row, entries, dry_run)
                if bad:
                    row.update(phase="Blocked", blockedBy=bad, endedAt=iso(context))
                    pending.remove(row)
                    changed = True
        for row in list(pending):
            if len(running) >= limit:
                break
            _, ready = _blockers(row, entries, dry_run)
            if not ready:
                continue
            child = _unit_input(inp, row["unit"], row["id"], wave_of[row["id"]])
            task = context.call_sub_orchestrator(names.MIGRATE_UNIT, child, row["id"])
            row.update(phase="Running", startedAt=iso(context))
            running[task] = row
            pending.remove(row)
        status.updated_at = iso(context)
        _publish(context, status)
        if not running:  # what is left waits on units outside any order (a cycle): cannot start
            for row in pending:
                waits = [d for d in row["dependsOn"] if d in entries and entries[d]["phase"] == "Pending"]
                row.update(phase="Blocked", blockedBy=waits, endedAt=iso(context))
            break
        done = yield context.task_any(list(running))
        row = running.pop(done)
        row["endedAt"] = iso(context)
        result = done.result
        if isinstance(result, Exception) or not isinstance(result, dict):
            row.update(phase="Failed", error=str(result).split("\n")[0][:500])
        else:
            row["phase"] = result.get("phase", "Failed")
        ended_badly = row["phase"] not in OK_FOR_DEPENDANTS and not (dry_run and row["phase"] == "Aborted")


@bp.orchestration_trigger(context_name="context")
def migrate_plan(context: df.DurableOrchestrationContext) -> steps.Step:
    """Run a plan's waves; the output is the plan status with every unit's final phase."""
    plan = PlanInput.from_json(context.get_input())
    config = plan.settings
    concurrency = plan.concurrency or config.plan_concurrency
    status = PlanState(
        id=context.instance_id,
        phase="Planning",
        approval=plan.approval,
        dryRun=plan.dry_run,
        createdAt=iso(context),
        waves=[],
        notMigratable=[],
    )
    _publish(context, status)
    request = PlanUnitsInput(
        planId=context.instance_id,
        subscriptionId=plan.subscription_id,
        units=plan.units,
        concurrency=concurrency,
    )
    planned = PlanUnitsResult.from_json((yield from steps.call(context, config, names.PLAN_UNITS, request)))
    if planned.error:
        status.phase, status.error, status.updated_at = "Failed", planned.error.to_json(), iso(context)
        return _publish(context, status)

    taken: set[str] = set()
    waves: list[dict[str, Any]] = []
    entries: dict[str, dict[str, Any]] = {}  # unit key -> its row in the status
    for index, wave in enumerate(planned.waves):
        rows = []
        for unit in wave:
            child_id = unit_instance_id(context.instance_id, unit["unit"], taken)
            row = {
                "id": child_id,
                "unit": unit["unit"],
                "key": unit["key"],
                "dependsOn": unit.get("dependsOn", []),
                "phase": "Pending",
            }
            rows.append(row)
            entries[unit["key"]] = row
        waves.append({"index": index, "units": rows})
    for item in planned.not_migratable:
        status.not_migratable.append(
            {
                "unit": item["unit"],
                "key": item.get("key"),
                "phase": "NotMigratable",
                "reasons": item.get("reasons", []),
            }
        )
    status.phase, status.waves, status.updated_at = "Running", waves, iso(context)
    status.running_at, status.scheduling = iso(context), "dependencies"
    _publish(context, status)

    limit = max(1, concurrency)
    order = [row for wave in waves for row in wave["units"]]  # priority: wave, then the planner's order
    wave_of = {row["id"]: wave["index"] for wave in waves for row in wave["units"]}
    yield from _schedule(context, plan, status, entries, order, wave_of, limit)
    phases = [row["phase"] for wave in waves for row in wave["units"]]
    status.phase, status.updated_at = "Completed", iso(context)
    status.summary = {p: phases.count(p) for p in sorted(set(phases))}
    return _publish(context, status)
