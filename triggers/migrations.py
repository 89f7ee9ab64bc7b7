"""HTTP API for migrations (docs/contract.md): submit, read, list, report, audit.

Every route has auth level `function` (the host checks the key: 401 without). Decisions
(approve / abort) are in `triggers.decisions`.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from connectors.errors import PermanentError
from migration.phases import Phase, is_final
from migration.render import page_headers
from migration.requests import parse_request
from triggers._listing import confirmed, indexed_ids, unit_rows
from triggers._routes import http_route
from triggers._runtime import (
    base_url,
    error,
    find,
    off_loop,
    parsed_body,
    public_view,
    requester_of,
    respond,
    storage,
    view,
)
from triggers._start import Taken, start_migration

bp = df.Blueprint()
log = logging.getLogger("c2arm.triggers.api")
PAGE_SIZE = 100


def _runtime(status: DurableOrchestrationStatus) -> str:
    return status.runtime_status.value if status.runtime_status else "Pending"


@http_route(bp, "migrations", "POST")
async def submit_migration(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """202 + Location for a new request; 400 naming every problem; 409 for an existing requestId."""
    request = parsed_body(req, parse_request)
    # the requester of an HTTP submission is the authenticated principal when there is one
    requester, requester_id = requester_of(req, request.requested_by)
    base = base_url(req)
    try:
        taken, phase = await start_migration(
            client, request, requester, base, channel="http", requester_id=requester_id
        )
    except ValueError as exc:  # a bad app setting: the operator's problem, said plainly
        log.error("cannot start %s: %s", request.request_id, exc)
        return error(500, str(exc))
    if taken is not None:
        why = "exists already" if taken is Taken.EXISTS else "is being started by another submission"
        return respond(
            {
                "id": request.request_id,
                "phase": phase,
                "error": f"an instance with id {request.request_id} {why}",
            },
            409,
        )
    status_url = f"{base}/api/migrations/{request.request_id}"
    return respond(
        {"id": request.request_id, "phase": phase, "statusUrl": status_url}, 202, {"Location": status_url}
    )


@http_route(bp, "migrations/{id}", "GET")
async def get_migration(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The unit's status; 404 for an unknown id or a plan's id (the body points to the plan)."""
    status = await find(client, req.route_params["id"], base_url(req))
    return respond(public_view(view(status)))


@http_route(bp, "migrations", "GET")
async def list_migrations(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Migrations (newest first), optionally of one phase; pages of 100 with a continuation token.

    Without `phase` every page of the task hub is read (`triggers._listing.all_statuses`); with
    it only the phase index's rows of that phase, the page's rows confirmed against their
    instances.
    """
    wanted = req.params.get("phase")
    if wanted is not None and wanted not in {p.value for p in Phase}:
        names = ", ".join(p.value for p in Phase)
        problem = {"field": "phase", "message": f"{wanted!r} is not a phase (one of {names})"}
        return respond({"errors": [problem]}, 400)
    try:
        offset = int(base64.urlsafe_b64decode(req.params.get("continuationToken", "") or "MA==").decode())
        if offset < 0:
            raise ValueError(offset)
    except ValueError:
        return respond(
            {"errors": [{"field": "continuationToken", "message": "is not a token from this API"}]}, 400
        )
    if wanted:
        ids = [unit_id for _, unit_id in await off_loop(lambda: indexed_ids(wanted))]
        rows, total = await confirmed(client, ids[offset : offset + PAGE_SIZE], wanted), len(ids)
    else:
        every = await unit_rows(client)
        rows, total = every[offset : offset + PAGE_SIZE], len(every)
    body: dict[str, Any] = {"migrations": rows}
    if offset + PAGE_SIZE < total:
        body["continuationToken"] = base64.urlsafe_b64encode(str(offset + PAGE_SIZE).encode()).decode()
    return respond(body)


@http_route(bp, "migrations/{id}/report", "GET")
async def get_report(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The final report: JSON, or HTML with `Accept: text/html`; 409 before the unit is final.

    The orchestrator writes the report before it publishes the final phase, so a unit that shows
    a final phase has its report (or the `reportError` saying why not): nothing to wait for. A
    unit that ended before this order (its orchestration still finishing) answers 409 to retry.
    """
    unit_id = req.route_params["id"]
    status = await find(client, unit_id, base_url(req))
    doc = view(status)
    if not is_final(doc["phase"]):
        message = "the report exists once the unit is final"
        return respond({"id": unit_id, "phase": doc["phase"], "error": message}, 409)
    html = "text/html" in (req.headers.get("Accept") or "")
    try:
        report = await off_loop(lambda: storage().get_report(unit_id, "html" if html else "json"))
    except PermanentError as exc:
        if _runtime(status) in ("Running", "Pending") and not doc.get("reportError"):
            message = "the report is still being written: retry in a moment"
            return respond({"id": unit_id, "phase": doc["phase"], "error": message}, 409)
        return error(404, f"report of {unit_id}: {doc.get('reportError') or exc.message}")
    if html:
        return func.HttpResponse(
            report, status_code=200, mimetype="text/html", charset="utf-8", headers=page_headers()
        )
    return respond(report)


@http_route(bp, "migrations/{id}/audit", "GET")
async def get_audit(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    unit_id = req.route_params["id"]
    await find(client, unit_id, base_url(req))  # 404 unless it is a unit
    entries = [e.to_dict() for e in await off_loop(lambda: storage().list_audit(unit_id))]
    return respond({"entries": entries})
