"""HTTP API for plans: start a plan (`migrate_plan`) and read its waves with each unit's phase."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from migration.names import MIGRATE_PLAN as PLAN_ORCHESTRATOR
from migration.requests import parse_plan_request
from triggers._routes import http_route
from triggers._runtime import (
    base_url,
    error,
    find,
    instance,
    off_loop,
    parsed_body,
    requester_of,
    respond,
    storage,
    view,
    workflow_config,
)
from triggers._start import Taken, claim_id, start_claimed

bp = df.Blueprint()


@http_route(bp, "plans", "POST")
async def submit_plan(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    plan = parsed_body(req, parse_plan_request)
    base = base_url(req)
    requester, requester_id = requester_of(req, None)
    try:
        config = workflow_config().to_json()
    except ValueError as exc:
        return error(500, str(exc))
    taken = await claim_id(client, plan.plan_id, "plan")
    if taken is not None:
        existing = await instance(client, plan.plan_id)
        custom = existing.custom_status if existing is not None else None
        phase = custom.get("phase") if isinstance(custom, dict) else None
        why = "exists already" if taken is Taken.EXISTS else "is being started by another submission"
        return respond(
            {
                "id": plan.plan_id,
                "phase": phase or "Planning",
                "error": f"an instance with id {plan.plan_id} {why}",
            },
            409,
        )
    payload = {
        **plan.to_json(),
        "config": config,
        "linksBase": base,
        "requestedBy": requester,
        "requestedById": requester_id,
        "units": [u.model_dump(mode="json") for u in plan.units] if plan.units is not None else None,
    }
    await start_claimed(client, PLAN_ORCHESTRATOR, plan.plan_id, payload)
    who = requester or "unknown"
    await off_loop(
        lambda: storage().append_audit(plan.plan_id, who, "submit", "plan via http", entry_id="submit")
    )
    status_url = f"{base}/api/plans/{plan.plan_id}"
    return respond({"id": plan.plan_id, "statusUrl": status_url}, 202, {"Location": status_url})


@http_route(bp, "plans/{id}", "GET")
async def get_plan(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The plan's waves; units still running show their own current phase."""
    plan_id = req.route_params["id"]
    status = await find(client, plan_id, base_url(req), "plan")
    runtime = status.runtime_status.value if status.runtime_status else "Pending"
    doc = (
        status.output if runtime == "Completed" and isinstance(status.output, dict) else status.custom_status
    )
    doc = dict(doc) if isinstance(doc, dict) else {"id": plan_id, "phase": "Planning", "waves": []}
    if runtime in ("Failed", "Terminated"):
        doc["phase"] = "Failed"
    waves = []
    for wave in doc.get("waves", []):
        rows = []
        for row in wave.get("units", []):
            phase = row.get("phase")
            if phase in ("Running", "Pending"):
                unit_status = await instance(client, row["id"])
                if unit_status is not None:
                    phase = view(unit_status)["phase"]
            rows.append(
                {
                    "id": row["id"],
                    "unit": row.get("unit"),
                    "phase": phase,
                    **({"blockedBy": row["blockedBy"]} if row.get("blockedBy") else {}),
                }
            )
        summary = {"counts": wave["counts"]} if "counts" in wave else {}  # a very big plan (see fit_plan)
        waves.append({"index": wave.get("index"), "units": rows, **summary})
    body = {
        "id": plan_id,
        "phase": doc.get("phase"),
        "approval": doc.get("approval"),
        "waves": waves,
        "notMigratable": doc.get("notMigratable", []),
    }
    if doc.get("error"):
        body["error"] = doc["error"]
    return respond(body)


@http_route(bp, "plans/{id}/audit", "GET")
async def get_plan_audit(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The plan's own audit trail (its submission, each wave approval); its units keep their own."""
    plan_id = req.route_params["id"]
    await find(client, plan_id, base_url(req), "plan")  # 404 unless it is a plan
    entries = [e.to_dict() for e in await off_loop(lambda: storage().list_audit(plan_id))]
    return respond({"entries": entries})
