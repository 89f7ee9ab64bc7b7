"""`POST /api/validations` and `GET /api/validations/{id}`: a live validate that changes nothing.

Starts `validate_migration` (snapshot → prechecks → the platform's validate, never prepare) for
one unit and answers 202 with the status URL at once; the result is `{verdict, findings}` once
the validation's phase is `Completed`. Ids are made here (`validation-…`), so a validation never
takes the id a migration or plan might want.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from migration import names
from migration.requests import RequestError, parse_request, unit_input
from migration.status import View
from triggers._routes import http_route
from triggers._runtime import (
    base_url,
    error,
    instance,
    parsed_body,
    public_view,
    respond,
    view,
    workflow_config,
)
from triggers._start import claim_id, start_claimed

bp = df.Blueprint()
log = logging.getLogger("c2arm.triggers.validations")

VALIDATION_ORCHESTRATOR = names.VALIDATE_MIGRATION
FIELDS = ("subscriptionId", "unit", "destination")


def parse_validation(body: Any, validation_id: str) -> Any:
    """The request a validation checks (a MigrationRequest), or RequestError naming every problem."""
    if not isinstance(body, dict):
        raise RequestError([{"field": "(body)", "message": "must be a JSON object"}])
    unknown = [{"field": key, "message": "unknown field"} for key in body if key not in FIELDS]
    try:
        request = parse_request(
            {**{k: v for k, v in body.items() if k in FIELDS}, "requestId": validation_id}
        )
    except RequestError as exc:
        raise RequestError(unknown + exc.errors) from None
    if unknown:
        raise RequestError(unknown)
    return request


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    out = public_view(doc, View.VALIDATION)
    out["kind"] = "validation"
    return out


@http_route(bp, "validations", "POST")
async def submit_validation(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """202 + Location of the validation's status; 400 naming every problem; 500 for a bad setting."""
    validation_id = f"validation-{secrets.token_hex(8)}"
    request = parsed_body(req, lambda body: parse_validation(body, validation_id))
    base = base_url(req)
    status_url = f"{base}/api/validations/{validation_id}"
    try:
        payload = unit_input(request, workflow_config(), {"status": status_url})
    except ValueError as exc:
        log.error("cannot start validation %s: %s", validation_id, exc)
        return error(500, str(exc))
    if await claim_id(client, validation_id, "validation") is not None:  # 64 random bits: never in practice
        return error(500, f"validation id {validation_id} is taken: submit again")
    await start_claimed(client, VALIDATION_ORCHESTRATOR, validation_id, payload)
    log.info("validation %s started (%s)", validation_id, request.unit.key)
    return respond(
        {"id": validation_id, "phase": "Queued", "statusUrl": status_url}, 202, {"Location": status_url}
    )


@http_route(bp, "validations/{id}", "GET")
async def get_validation(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The validation's status: phase, findings, and once `Completed` its `verdict`; 404 otherwise."""
    validation_id = req.route_params["id"]
    status = await instance(client, validation_id)
    if status is None or status.name not in (None, VALIDATION_ORCHESTRATOR):
        return error(404, f"no validation {validation_id}", id=validation_id)
    return respond(_public(view(status)))
