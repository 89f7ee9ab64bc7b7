"""Decisions: approve / abort a unit, approve a plan's wave, and the review page's form post.

The approver is the authenticated principal (`X-MS-CLIENT-PRINCIPAL-NAME`: App Service
authentication sets it on Azure and strips client copies; the devhost's loopback stands in).
403 when it is missing, not in `APPROVERS`, or — with `TWO_PERSON_APPROVAL` — the requester.
Every accepted decision is raised as the `Approval` event and written to the audit table.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import azure.durable_functions as df
import azure.functions as func

from connectors.app_settings import read_setting
from connectors.arm import ArmReader
from connectors.cloud import AzureSettings
from migration.names import APPROVAL_EVENT
from migration.phases import approve_decision, can_abort, can_approve
from migration.policy import PolicyError, check_approver, check_wave, make_token, verify_token
from migration.render import review_page_html
from triggers._runtime import (
    PRINCIPAL_HEADER,
    approver_policy,
    base_url,
    error,
    find,
    input_of,
    instance,
    json_body,
    off_loop,
    respond,
    storage,
    view,
)

bp = df.Blueprint()
log = logging.getLogger("c2arm.triggers.decisions")


def _comment(body: Any) -> str:
    comment = body.get("comment", "") if isinstance(body, dict) else ""
    if not isinstance(comment, str):
        raise ValueError("comment: must be text")
    return comment[:2000]


def _prepared_resources(
    doc: dict[str, Any], subscription: str | None, fallback: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The prepared ARM resources in full (read now, so the page shows what will be committed);
    the status's short list when ARM cannot be read."""
    if not subscription:
        return fallback
    try:
        reader = ArmReader.from_settings(AzureSettings.from_env(), subscription)
        try:
            return reader.read_group(f"{doc['unit']['name']}-Migrated")
        finally:
            reader.close()
    except Exception as exc:  # the page still works from the status
        log.warning("review page of %s: ARM read failed: %s", doc.get("id"), exc)
        return fallback


async def decide(
    client: df.DurableOrchestrationClient, unit_id: str, decision: str, principal: str | None, comment: str,
    base: str = "",
) -> func.HttpResponse:  # fmt: skip
    """Check the approver and the phase, raise `Approval`, audit; the API's answer."""
    policy = approver_policy()
    try:
        check_approver(policy, principal, None)
    except PolicyError as exc:
        return error(403, str(exc))
    status, missing = await find(client, unit_id, base)
    if status is None:
        return missing
    doc = view(status)
    try:
        approver = check_approver(policy, principal, doc.get("requestedBy"))
    except PolicyError as exc:
        return error(403, str(exc))
    allowed = can_approve(doc["phase"]) if decision == "commit" else can_abort(doc["phase"])
    if not allowed:
        return respond({"id": unit_id, "phase": doc["phase"],
                        "error": f"{'approve' if decision == 'commit' else 'abort'} is not possible "
                                 f"in phase {doc['phase']}"}, 409)  # fmt: skip
    if decision == "commit":  # approving at the gate before prepare means: prepare
        decision = approve_decision(doc["phase"])
    await client.raise_event(
        unit_id, APPROVAL_EVENT, {"decision": decision, "approver": approver, "comment": comment}
    )
    action = {"commit": "approve", "prepare": "approve-prepare"}.get(decision, "abort")
    await off_loop(lambda: storage().append_audit(unit_id, approver, action, comment))
    log.info("migration %s: %s by %s", unit_id, decision, approver)
    return respond({"id": unit_id, "decision": decision}, 202)


async def _decision_route(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, decision: str
) -> func.HttpResponse:
    try:
        comment = _comment(json_body(req, empty_ok=True))
    except ValueError as exc:
        return respond({"errors": [{"field": "comment" if "comment" in str(exc) else "(body)",
                                    "message": str(exc)}]}, 400)  # fmt: skip
    principal = req.headers.get(PRINCIPAL_HEADER)
    return await decide(client, req.route_params["id"], decision, principal, comment, base_url(req))


@bp.route(route="migrations/{id}/approve", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def approve_migration(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _decision_route(req, client, "commit")


@bp.route(route="migrations/{id}/abort", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def abort_migration(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _decision_route(req, client, "abort")


@bp.route(route="migrations/{id}/review", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def review_page(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The review page, with an anti-forgery token bound to this unit and the viewing principal."""
    unit_id = req.route_params["id"]
    status, missing = await find(client, unit_id, base_url(req))
    if status is None:
        return missing
    doc = view(status)
    principal = req.headers.get(PRINCIPAL_HEADER) or ""
    token = (
        make_token(read_setting("REVIEW_TOKEN_SECRET"), unit_id, principal, datetime.now(UTC))
        if principal
        else ""
    )
    try:
        blob = (doc.get("snapshot") or {}).get("blob") or ""
        snapshot = await off_loop(lambda: storage().get_snapshot(blob))
    except Exception:  # no snapshot yet: the page shows the status alone
        snapshot = {}
    classic = snapshot.get("unitConfig") or snapshot.get("estate") or {}
    arm = doc.get("armResources", [])
    if doc["phase"] == "AwaitingApproval" and isinstance(doc.get("unit"), dict):
        subscription = (input_of(status).get("request") or {}).get("subscriptionId")
        arm = await asyncio.to_thread(_prepared_resources, doc, subscription, arm)
    page_view = {**doc, "classic": classic, "arm": arm}
    page = review_page_html(page_view, token, principal=principal or None)
    return func.HttpResponse(page, status_code=200, mimetype="text/html", charset="utf-8")


@bp.route(route="migrations/{id}/review/decision", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def review_decision(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The review page's form post: no function key, a valid anti-forgery token instead (else 403)."""
    unit_id = req.route_params["id"]
    try:
        form = {
            k: v[0] for k, v in parse_qs((req.get_body() or b"").decode("utf-8"), max_num_fields=10).items()
        }
    except (UnicodeDecodeError, ValueError):
        return error(400, "the form is not valid")
    principal = req.headers.get(PRINCIPAL_HEADER) or ""
    secret = read_setting("REVIEW_TOKEN_SECRET")
    if not principal or not verify_token(
        secret, form.get("token", ""), unit_id, principal, datetime.now(UTC)
    ):
        return error(403, "missing or invalid anti-forgery token")
    decision = form.get("decision", "")
    if decision not in ("commit", "abort"):
        return respond({"errors": [{"field": "decision", "message": "must be commit or abort"}]}, 400)
    return await decide(client, unit_id, decision, principal, form.get("comment", "")[:2000], base_url(req))


@bp.route(route="plans/{id}/approve", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def approve_wave(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Per-wave approval: `Approval` (commit) for every unit of the wave that awaits approval."""
    plan_id = req.route_params["id"]
    try:
        body = json_body(req)
        comment = _comment(body)
        wave = body.get("wave") if isinstance(body, dict) else None
        if not isinstance(wave, int) or isinstance(wave, bool) or wave < 0:
            raise ValueError("wave: must be a wave index (0, 1, …)")
    except ValueError as exc:
        field = str(exc).split(":", 1)[0] if str(exc).startswith(("wave", "comment")) else "(body)"
        return respond({"errors": [{"field": field, "message": str(exc)}]}, 400)
    principal = req.headers.get(PRINCIPAL_HEADER)
    try:
        approver = check_approver(approver_policy(), principal, None)
    except PolicyError as exc:
        return error(403, str(exc))
    plan, missing = await find(client, plan_id, base_url(req), "plan")
    if plan is None:
        return missing
    doc = plan.custom_status if isinstance(plan.custom_status, dict) else {}
    if doc.get("approval") != "perWave":
        return respond({"id": plan_id, "error": "this plan approves per unit"}, 409)
    waves = doc.get("waves") or []
    if wave >= len(waves):
        return respond({"id": plan_id, "error": f"the plan has no wave {wave}"}, 409)
    requesters: dict[str, str | None] = {}  # the units awaiting approval → who asked for them
    for row in waves[wave].get("units", []):
        unit_status = await instance(client, row["id"])
        if unit_status is None:
            continue
        unit_doc = view(unit_status)
        if can_approve(unit_doc["phase"]):
            requesters[row["id"]] = unit_doc.get("requestedBy")
    try:  # every unit's rules before any event: all or nothing
        check_wave(approver_policy(), principal, requesters)
    except PolicyError as exc:
        return error(403, str(exc))
    approved = []
    for unit_id in requesters:
        await client.raise_event(unit_id, APPROVAL_EVENT, {"decision": "commit", "approver": approver,
                                                           "comment": comment})  # fmt: skip
        note = f"wave {wave} of plan {plan_id}: {comment}"
        await off_loop(lambda u=unit_id, n=note: storage().append_audit(u, approver, "approve", n))
        approved.append(unit_id)
    if not approved:
        return respond({"id": plan_id, "wave": wave, "error": "no unit of this wave awaits approval"}, 409)
    await off_loop(lambda: storage().append_audit(plan_id, approver, "approve", f"wave {wave}: {comment}"))
    return respond({"id": plan_id, "wave": wave, "decision": "commit", "units": approved}, 202)
