"""What the triggers share: settings, storage, JSON answers, instance status, links.

Triggers are thin (parse → call → answer). The phase of a migration is read from its
orchestration's custom status (or output once completed), so the API reports what the
orchestrator decided, never a second copy of the truth.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from connectors.app_settings import read_setting
from connectors.settings_check import setting_problems
from connectors.storage import Storage
from migration.identity import IdentityError, Principal, verified_principal
from migration.instance_ids import is_instance_id
from migration.names import FOLLOW_THROUGH as FOLLOW_THROUGH_ORCHESTRATOR
from migration.names import MIGRATE_PLAN as PLAN_ORCHESTRATOR
from migration.names import MIGRATE_UNIT as UNIT_ORCHESTRATOR
from migration.phases import is_final
from migration.policy import ApproverPolicy
from migration.requests import DuplicateKey, RequestError, WorkflowConfig, loads_strict
from migration.status import UnitState, View
from migration.text import install_log_escaping
from triggers._routes import Refused

log = logging.getLogger("c2arm.triggers")
install_log_escaping()  # one record is one line, whatever a request or the platform sends
T = TypeVar("T")


@functools.cache
def storage() -> Storage:
    """c2arm's storage (created once per process). Its clients block: from an async trigger,
    call them through `off_loop`."""
    store = Storage.from_env()
    store.ensure()
    return store


async def off_loop(call: Callable[[], T]) -> T:
    """Run a blocking call (the storage SDK's sync clients) in a worker thread.

    The async triggers share one event loop with every other request of the worker; a storage
    round trip made on it would stall them all for its duration (a debug-mode loop reports it as
    a slow callback, `tests/unit/workflow/test_triggers_nonblocking.py`).
    """
    return await asyncio.to_thread(call)


def _number(name: str, kind: Callable[[str], T], what: str) -> T:
    """App setting `name` as `kind` (int, float); a ValueError naming the setting when it is not."""
    value = read_setting(name)
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"app setting {name}: {value!r} is not {what}") from None


def _int(name: str) -> int:
    return _number(name, int, "a whole number")


def _float(name: str) -> float:
    return _number(name, float, "a number")


def workflow_config() -> WorkflowConfig:
    """The settings an orchestration freezes into its input (read per start: settings may change).

    ValueError names a bad setting, so a misconfigured app refuses to start a migration instead of
    starting one that fails at its first window decision.
    """
    problems = setting_problems()
    if problems:
        raise ValueError("; ".join(f"app setting {p.setting}: {p.message}" for p in problems))
    return WorkflowConfig.model_validate(
        {
            "windows": read_setting("MIGRATION_WINDOWS"),
            "timezone": read_setting("MIGRATION_TIMEZONE"),
            "approvalTimeoutDefault": read_setting("APPROVAL_TIMEOUT_DEFAULT"),
            "commitMaxAttempts": _int("COMMIT_MAX_ATTEMPTS"),
            "planConcurrency": _int("PLAN_CONCURRENCY"),
            "pollMinSeconds": _float("OPERATION_POLL_MIN_SECONDS"),
            "pollMaxSeconds": _float("OPERATION_POLL_MAX_SECONDS"),
            "deadlineMinutes": _float("OPERATION_DEADLINE_MINUTES"),
        }
    )


DECISION_SETTINGS = ("REVIEW_TOKEN_SECRET", "APPROVERS", "TWO_PERSON_APPROVAL")


def check_decisions_allowed() -> None:
    """Refused (503 naming the setting) when a decision cannot be taken safely (an unusable
    signing secret — e.g. an unresolved Key Vault reference —, a bad `APPROVERS` or
    `TWO_PERSON_APPROVAL`); the same problems make `GET /api/health` fail."""
    problems = [p for p in setting_problems() if p.setting in DECISION_SETTINGS]
    if not problems:
        return
    raise Refused(
        error(
            503,
            "decisions are refused until the app settings are fixed: "
            + "; ".join(f"app setting {p.setting}: {p.message}" for p in problems),
        )
    )


def approver_policy() -> ApproverPolicy:
    """The approver rules (call `check_decisions_allowed` first: it names a bad `APPROVERS`)."""
    return ApproverPolicy.from_settings(read_setting("APPROVERS"), read_setting("TWO_PERSON_APPROVAL"))


def caller(req: func.HttpRequest) -> Principal:
    """The principal App Service authentication verified for this request (IdentityError: none).

    `WEBSITE_AUTH_ENABLED` is the platform's own setting (the devhost sets it when it emulates
    the authentication), so a caller cannot switch the check off with a header.
    """
    return verified_principal(req.headers, os.environ.get("WEBSITE_AUTH_ENABLED"))


def caller_or_none(req: func.HttpRequest) -> Principal | None:
    try:
        return caller(req)
    except IdentityError:
        return None


def requester_of(req: func.HttpRequest, label: str | None) -> tuple[str | None, str | None]:
    """(name, object id) of a submission's requester: the signed-in principal, else the body's
    `requestedBy` label. With `TWO_PERSON_APPROVAL` a submission needs a signed-in requester
    (Refused, 403, otherwise): a label written by any function-key holder is not an identity,
    and the rule "the requester may not approve" needs to know who the requester is."""
    who = caller_or_none(req)
    if who is not None:
        return who.display, who.object_id
    # strictly `true`: any other value is a bad setting, which refuses the start with a 500 anyway
    if read_setting("TWO_PERSON_APPROVAL").strip().lower() == "true":
        message = (
            "two-person approval needs a signed-in requester: sign in (App Service authentication) "
            "first; requestedBy is only a label"
        )
        raise Refused(error(403, message))
    return label, None


def base_url(req: func.HttpRequest | None) -> str:
    """Origin for links: PUBLIC_BASE_URL, else the request's own origin, else relative."""
    configured = read_setting("PUBLIC_BASE_URL").rstrip("/")
    if configured or req is None:
        return configured
    url = req.url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else ""


def unit_links(base: str, instance_id: str) -> dict[str, str]:
    root = f"{base}/api/migrations/{instance_id}"
    return {
        "status": root,
        "approve": f"{root}/approve",
        "abort": f"{root}/abort",
        "review": f"{root}/review",
        "report": f"{root}/report",
        "audit": f"{root}/audit",
    }


def respond(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body), status_code=status, mimetype="application/json", headers=headers
    )


def error(status: int, message: str, **extra: Any) -> func.HttpResponse:
    return respond({"error": message, **extra}, status)


def parsed_body(req: func.HttpRequest, parse: Callable[[Any], T]) -> T:
    """`parse` of the JSON body; Refused with the 400 that names every problem (`RequestError`)
    or the one."""
    try:
        return parse(json_body(req))
    except ValueError as exc:
        errors = exc.errors if isinstance(exc, RequestError) else [{"field": "(body)", "message": str(exc)}]
        raise Refused(respond({"errors": errors}, 400)) from None


def json_body(req: func.HttpRequest, *, empty_ok: bool = False) -> Any:
    """The parsed JSON body; ValueError with a message when it is not JSON."""
    raw = req.get_body() or b""
    if not raw.strip():
        if empty_ok:
            return {}
        raise ValueError("the body is empty: a JSON object is required")
    try:
        return loads_strict(raw)
    except DuplicateKey as exc:
        raise ValueError(f"the body is not valid JSON: {exc} (which one counts would be a guess)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # hostile nesting: a 400, not a 500
        raise ValueError("the body is nested too deeply") from None


async def instance(
    client: df.DurableOrchestrationClient, instance_id: str
) -> DurableOrchestrationStatus | None:
    """The orchestration's status, or None when there is no such instance.

    An id outside the instance-id alphabet (`migration.instance_ids`) cannot name a migration or
    a plan; it is not passed to the client at all ('#' or '?' would change the URL the SDK builds,
    '.' and '..' would be path segments that name the instance list)."""
    if not is_instance_id(instance_id):
        return None
    status = await client.get_status(instance_id)
    if status is None or not status.instance_id or status.runtime_status is None:
        return None
    return status


def not_found(
    instance_id: str, status: DurableOrchestrationStatus | None, base: str, wanted: str
) -> func.HttpResponse:
    """The 404 of a unit route (`wanted` "unit") or a plan route ("plan") for an id that is not one.

    An id that names the other kind says so and points to its route, so a client that mixed the
    two up learns where to look instead of a bare "not found".
    """
    other = "plan" if wanted == "unit" else "unit"
    if status is not None and status.name == (PLAN_ORCHESTRATOR if other == "plan" else UNIT_ORCHESTRATOR):
        url = f"{base}/api/{'plans' if other == 'plan' else 'migrations'}/{instance_id}"
        what = "a plan, not a unit migration" if other == "plan" else "a unit migration, not a plan"
        return error(404, f"{instance_id} is {what}: see {url}", id=instance_id, kind=other, statusUrl=url)
    return error(404, f"no {'migration' if wanted == 'unit' else 'plan'} {instance_id}", id=instance_id)


async def find(
    client: df.DurableOrchestrationClient, instance_id: str, base: str, wanted: str = "unit"
) -> DurableOrchestrationStatus:
    """The status when `instance_id` is a `wanted` ("unit" or "plan") instance, else Refused (404).

    Every unit route and every plan route answers an id of the other kind the same way: 404.
    """
    status = await instance(client, instance_id)
    # a unit's follow-through (`<unit id>~follow`) answers on the unit routes
    kinds = (UNIT_ORCHESTRATOR, FOLLOW_THROUGH_ORCHESTRATOR) if wanted == "unit" else (PLAN_ORCHESTRATOR,)
    if status is not None and status.name in (None, *kinds):
        return status
    raise Refused(not_found(instance_id, status, base, wanted))


def input_of(status: DurableOrchestrationStatus) -> dict[str, Any]:
    """The instance's input as a dict (the client may hand it over as JSON text)."""
    value = status.input_
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def view(status: DurableOrchestrationStatus) -> dict[str, Any]:
    """The unit's status document: the orchestrator's own status, corrected for host-side ends."""
    runtime = status.runtime_status.value if status.runtime_status else "Pending"
    doc = (
        status.output if runtime == "Completed" and isinstance(status.output, dict) else status.custom_status
    )
    doc = dict(doc) if isinstance(doc, dict) else {}
    doc.setdefault("id", status.instance_id)
    doc.setdefault("phase", "Queued")
    doc.setdefault("findings", [])
    doc.setdefault("timeline", [])
    doc.setdefault("links", {})
    if runtime in ("Failed", "Terminated") and not is_final(doc["phase"]):
        doc["error"] = doc.get("error") or {
            "message": f"the orchestration {runtime.lower()}: {str(status.output or '')[:500]}"
        }
        doc["phase"] = "Failed"
    created = status.created_time.isoformat() if status.created_time else None
    updated = status.last_updated_time.isoformat() if status.last_updated_time else None
    doc.setdefault("createdAt", created)
    doc["updatedAt"] = doc.get("updatedAt") or updated
    if "unit" not in doc:
        doc["unit"] = (input_of(status).get("request") or {}).get("unit")
    return doc


def public_view(doc: dict[str, Any], shown: View = View.MIGRATION) -> dict[str, Any]:
    """The GET body of docs/http-api.md: the status's keys that the `shown` answer shows (the
    `UnitState` fields marked for it, in their order); `error` only when there is one."""
    keys = UnitState.shown_in(shown)
    return {k: doc[k] for k in keys if k in doc and (k != "error" or doc[k])}
