"""Decisions: approve / abort a unit, approve a plan's wave, and the review page's form post.

The approver is the principal App Service authentication verified (`triggers._runtime.caller`:
on Azure the platform's, locally the devhost's emulation of it), matched on its Entra object id.
403 when there is none, it is not in `APPROVERS`, or — with `TWO_PERSON_APPROVAL` — the requester.
Every accepted decision is raised as the `Approval` event and written to the audit table.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote

import azure.durable_functions as df
import azure.functions as func
from azure.core.exceptions import AzureError

from connectors.app_settings import read_setting
from connectors.arm import ArmReader
from connectors.cloud import AzureSettings
from connectors.connection import Connection
from connectors.decision_claims import Claim, claim_of, claim_wait, release_wait, spend_token
from connectors.errors import AzureCallError
from migration.identity import CLAIMS_GUIDANCE, Approvers, IdentityError, Principal
from migration.names import APPROVAL_EVENT
from migration.phases import approve_decision, can_abort, can_approve, decision_wait
from migration.policy import PolicyError, check_approver, check_wave, make_token, sign_decision, verify_token
from migration.render import page_headers, review_page_html, sign_in_page_html
from triggers._routes import Refused, http_route
from triggers._runtime import (
    approver_policy,
    base_url,
    caller,
    caller_or_none,
    check_decisions_allowed,
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


def _warn_about_name_approvers() -> None:
    """At start-up on Azure: `APPROVERS` names are tolerated, but a UPN can be renamed or reused."""
    if os.environ.get("AZURE_FUNCTIONS_ENVIRONMENT", "Production") == "Development":
        return  # the local stack: names are how people sign in to the devhost's emulation
    try:
        names = Approvers.parse(read_setting("APPROVERS")).names
    except IdentityError:
        return  # named by the settings check (health)
    if names:
        log.warning(
            "app setting APPROVERS lists %d name(s), not Entra object ids: Microsoft's guidance "
            "is to authorise on the immutable object id (oid), not a name that can change (%s)",
            len(names),
            CLAIMS_GUIDANCE,
        )


_warn_about_name_approvers()


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
        reader = ArmReader.connect(Connection(AzureSettings.from_env(), subscription))
        try:
            return reader.read_group(f"{doc['unit']['name']}-Migrated")
        finally:
            reader.close()
    except (
        AzureCallError
    ) as exc:  # the settings, the credential or ARM failed: the page works from the status
        log.warning("review page of %s: ARM read failed: %s", doc.get("id"), exc)
        return fallback


def _requester(doc: dict[str, Any]) -> dict[str, Any]:
    return {"name": doc.get("requestedBy"), "objectId": doc.get("requestedById")}


async def _raise(client: df.DurableOrchestrationClient, unit_id: str, wait: str, claim: Claim) -> None:
    fields = {
        "decision": claim.decision,
        "wait": wait,
        "approver": claim.principal,
        "approverId": claim.principal_id,
        "comment": claim.comment,
        "at": claim.claimed_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    event = {**fields, "signature": sign_decision(read_setting("REVIEW_TOKEN_SECRET"), unit_id, fields)}
    await client.raise_event(unit_id, APPROVAL_EVENT, event)


async def _redeliver_stale(client: df.DurableOrchestrationClient, unit_id: str, wait: str) -> None:
    """The unit still waits at `wait` although a decision claimed it: if that claim is stale, its
    event was lost (the process died between claim and event), so raise the claimed decision."""
    claim = await asyncio.to_thread(claim_of, storage().table, unit_id, wait)
    if claim is None or not claim.stale(datetime.now(UTC)):
        return
    log.warning(
        "migration %s: the %s claimed for wait %s by %s at %s never arrived; re-delivered",
        unit_id,
        claim.decision,
        wait,
        claim.principal,
        claim.claimed_at.isoformat(),
    )
    await _raise(client, unit_id, wait, claim)


async def _raise_signed(
    client: df.DurableOrchestrationClient,
    unit_id: str,
    wait: str,
    decision: str,
    principal: Principal,
    comment: str,
) -> bool:
    """Claim `wait` of the unit and raise the signed `Approval` event; False when another decision
    has claimed that wait already (one decision per wait, whatever the timing; a stale claim's
    lost event is re-delivered then, see `connectors.decision_claims`)."""
    table = storage().table
    claim = Claim(decision, principal.display, principal.object_id, comment, datetime.now(UTC))
    if not await asyncio.to_thread(claim_wait, table, unit_id, wait, claim):
        await _redeliver_stale(client, unit_id, wait)
        return False
    try:
        await _raise(client, unit_id, wait, claim)
    except Exception:
        await asyncio.to_thread(release_wait, table, unit_id, wait)  # not delivered: the wait is still open
        raise
    return True


async def decide(
    client: df.DurableOrchestrationClient,
    unit_id: str,
    decision: str,
    principal: Principal,
    comment: str,
    base: str = "",
) -> func.HttpResponse:
    """Check the approver and the phase, claim the wait, raise the signed `Approval`; the answer.

    The orchestrator audits the decision when it acts on it (`orchestrators._decisions`)."""
    check_decisions_allowed()
    policy = approver_policy()
    try:
        check_approver(policy, principal, None)
    except PolicyError as exc:
        return error(403, str(exc))
    status = await find(client, unit_id, base)
    doc = view(status)
    try:
        check_approver(policy, principal, _requester(doc))
    except PolicyError as exc:
        return error(403, str(exc))
    approver = principal.display
    allowed = can_approve(doc["phase"]) if decision == "commit" else can_abort(doc["phase"])
    if not allowed:
        return respond(
            {
                "id": unit_id,
                "phase": doc["phase"],
                "error": f"{'approve' if decision == 'commit' else 'abort'} is not possible "
                f"in phase {doc['phase']}",
            },
            409,
        )
    if doc["phase"] == "Aborting":  # an abort took effect already: nothing is left to decide
        return respond({"id": unit_id, "phase": doc["phase"], "error": "the unit is being aborted"}, 409)
    if decision == "commit":  # approving at the gate before prepare means: prepare
        decision = approve_decision(doc["phase"])
    wait = decision_wait(doc["phase"])
    if not await _raise_signed(client, unit_id, wait, decision, principal, comment):
        return respond(
            {"id": unit_id, "phase": doc["phase"], "error": f"this wait ({wait}) has been decided already"},
            409,
        )
    log.info("migration %s: %s (%s) by %s", unit_id, decision, wait, approver)
    return respond({"id": unit_id, "decision": decision}, 202)


async def _decision_route(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, decision: str
) -> func.HttpResponse:
    try:
        comment = _comment(json_body(req, empty_ok=True))
    except ValueError as exc:
        return respond(
            {"errors": [{"field": "comment" if "comment" in str(exc) else "(body)", "message": str(exc)}]},
            400,
        )
    try:
        principal = caller(req)
    except IdentityError as exc:
        return error(403, str(exc))
    return await decide(client, req.route_params["id"], decision, principal, comment, base_url(req))


@http_route(bp, "migrations/{id}/approve", "POST")
async def approve_migration(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _decision_route(req, client, "commit")


@http_route(bp, "migrations/{id}/abort", "POST")
async def abort_migration(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _decision_route(req, client, "abort")


def _html(page: str, status: int = 200, *, allow_form: bool = False) -> func.HttpResponse:
    return func.HttpResponse(
        page,
        status_code=status,
        mimetype="text/html",
        charset="utf-8",
        headers=page_headers(allow_form=allow_form),
    )


def _page_viewer(req: func.HttpRequest, unit_id: str) -> Principal:
    """The verified approver viewing the page; Refused: 401 + a sign-in link without a verified
    principal, 403 for one that is not an approver."""
    login = f"/.auth/login/aad?post_login_redirect_uri={quote(f'/api/migrations/{unit_id}/review', safe='/')}"
    try:
        principal = caller(req)
    except IdentityError as exc:
        raise Refused(_html(sign_in_page_html(unit_id, login, str(exc)), 401)) from None
    check_decisions_allowed()
    if not approver_policy().approvers.includes(principal):
        raise Refused(
            _html(sign_in_page_html(unit_id, login, f"{principal.display} is not an approver."), 403)
        )
    return principal


@http_route(bp, "migrations/{id}/review", "GET", anonymous=True)
async def review_page(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The review page, with an anti-forgery token bound to this unit and the viewing principal.

    Anonymous at the function level: a browser has no function key, and a key must never go into
    a URL a browser keeps. A verified approver is required instead (App Service authentication on
    Azure, the devhost's emulation locally); the answer carries the page headers (no framing, no
    caching).
    """
    unit_id = req.route_params["id"]
    principal = _page_viewer(req, unit_id)
    status = await find(client, unit_id, base_url(req))
    doc = view(status)
    token = make_token(read_setting("REVIEW_TOKEN_SECRET"), unit_id, principal.object_id, datetime.now(UTC))
    try:
        blob = (doc.get("snapshot") or {}).get("blob") or ""
        snapshot = await off_loop(lambda: storage().get_snapshot(blob))
    except (ValueError, AzureCallError, AzureError):  # none yet, unreadable, storage down: the status alone
        snapshot = {}
    classic = snapshot.get("unitConfig") or snapshot.get("estate") or {}
    arm = doc.get("armResources", [])
    if doc["phase"] == "AwaitingApproval" and isinstance(doc.get("unit"), dict):
        subscription = (input_of(status).get("request") or {}).get("subscriptionId")
        arm = await asyncio.to_thread(_prepared_resources, doc, subscription, arm)
    page_view = {**doc, "classic": classic, "arm": arm}
    return _html(review_page_html(page_view, token, principal=principal.display), allow_form=True)


@http_route(bp, "migrations/{id}/review/decision", "POST", anonymous=True)
async def review_decision(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The review page's form post: no function key, a valid anti-forgery token instead (else 403).

    A token is good for one post: a second use (a replayed or resubmitted form) is 403 — the page,
    reloaded, carries a fresh one."""
    unit_id = req.route_params["id"]
    try:
        form = {
            k: v[0] for k, v in parse_qs((req.get_body() or b"").decode("utf-8"), max_num_fields=10).items()
        }
    except (UnicodeDecodeError, ValueError):
        return error(400, "the form is not valid")
    check_decisions_allowed()
    principal = caller_or_none(req)
    secret = read_setting("REVIEW_TOKEN_SECRET")
    if principal is None or not verify_token(
        secret, form.get("token", ""), unit_id, principal.object_id, datetime.now(UTC)
    ):
        return error(403, "missing or invalid anti-forgery token")
    decision = form.get("decision", "")
    if decision not in ("commit", "abort"):
        return respond({"errors": [{"field": "decision", "message": "must be commit or abort"}]}, 400)
    if not await asyncio.to_thread(spend_token, storage().table, unit_id, form["token"]):
        return error(403, "this page's anti-forgery token was used already: reload the page")
    return await decide(client, unit_id, decision, principal, form.get("comment", "")[:2000], base_url(req))


@http_route(bp, "plans/{id}/approve", "POST")
async def approve_wave(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Per-wave approval: `Approval` (commit) for every unit of the wave that awaits approval."""
    plan_id = req.route_params["id"]
    wave, comment = _wave_request(req)
    check_decisions_allowed()
    try:
        principal = caller(req)
        check_approver(approver_policy(), principal, None)
    except (IdentityError, PolicyError) as exc:
        return error(403, str(exc))
    approver = principal.display
    rows = await _wave_rows(client, plan_id, wave, base_url(req))
    requesters, phases = await _awaiting(client, rows)
    try:  # every unit's rules before any event: all or nothing
        check_wave(approver_policy(), principal, requesters)
    except PolicyError as exc:
        return error(403, str(exc))
    approved = []
    for unit_id in requesters:
        phase = phases[unit_id]
        if await _raise_signed(
            client,
            unit_id,
            decision_wait(phase),
            approve_decision(phase),
            principal,
            f"wave {wave} of plan {plan_id}: {comment}",
        ):
            approved.append(unit_id)
    if not approved:
        return respond({"id": plan_id, "wave": wave, "error": "no unit of this wave awaits approval"}, 409)
    await off_loop(lambda: storage().append_audit(plan_id, approver, "approve", f"wave {wave}: {comment}"))
    return respond({"id": plan_id, "wave": wave, "decision": "commit", "units": approved}, 202)


def _wave_request(req: func.HttpRequest) -> tuple[int, str]:
    """The body of a wave approval: (wave index, comment); Refused with the 400 naming the field."""
    try:
        body = json_body(req)
        comment = _comment(body)
        wave = body.get("wave") if isinstance(body, dict) else None
        if not isinstance(wave, int) or isinstance(wave, bool) or wave < 0:
            raise ValueError("wave: must be a wave index (0, 1, …)")
    except ValueError as exc:
        field = str(exc).split(":", 1)[0] if str(exc).startswith(("wave", "comment")) else "(body)"
        raise Refused(respond({"errors": [{"field": field, "message": str(exc)}]}, 400)) from None
    return wave, comment


async def _wave_rows(
    client: df.DurableOrchestrationClient, plan_id: str, wave: int, base: str
) -> list[dict[str, Any]]:
    """The units of a per-wave plan's wave; Refused with the answer why not (404, or 409 for a
    plan approved per unit or without that wave)."""
    plan = await find(client, plan_id, base, "plan")
    doc = plan.custom_status if isinstance(plan.custom_status, dict) else {}
    if doc.get("approval") != "perWave":
        raise Refused(respond({"id": plan_id, "error": "this plan approves per unit"}, 409))
    waves = doc.get("waves") or []
    if wave >= len(waves):
        raise Refused(respond({"id": plan_id, "error": f"the plan has no wave {wave}"}, 409))
    return list(waves[wave].get("units", []))


async def _awaiting(
    client: df.DurableOrchestrationClient, rows: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The units of `rows` awaiting a decision: unit → who asked for it, unit → its phase."""
    requesters: dict[str, dict[str, Any]] = {}
    phases: dict[str, str] = {}
    for row in rows:
        unit_status = await instance(client, row["id"])
        if unit_status is None:
            continue
        unit_doc = view(unit_status)
        if can_approve(unit_doc["phase"]):
            requesters[row["id"]] = _requester(unit_doc)
            phases[row["id"]] = unit_doc["phase"]
    return requesters, phases
