"""Queue intake (`migration-requests`) and the backlog (`migration-backlog`, released on schedule).

A message that is not a valid request is moved at once — at its first attempt, never retried —
to `migration-requests-poison` with its bytes unchanged (a message that is not UTF-8 too), and a
`RequestRejected` event names every problem; a valid one starts `migrate_unit` with the
`requestId` as instance id (a duplicate starts nothing). A transient failure raises, so the host
retries the message (and poisons it at the dequeue limit). The backlog is read by the app
itself, raw: one bad message (not base64, not UTF-8, not a request) is poisoned and the schedule
goes on with the others; it can never wedge a run or `GET /api/backlog`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from connectors.app_settings import read_setting
from connectors.storage import QUEUE_BACKLOG, Storage
from migration.requests import MigrationRequest, RequestError, parse_request_text
from triggers._runtime import base_url, off_loop, respond, storage
from triggers._start import Taken, start_migration

bp = df.Blueprint()
log = logging.getLogger("c2arm.triggers.intake")
# a backlog message that could not be started this often is poisoned (as the host does for a queue)
BACKLOG_MAX_ATTEMPTS = 5


class StartUnderWay(RuntimeError):
    """Another start of the same id is under way: retry the message later (it may be the one)."""


def reject(body: bytes, errors: list[dict[str, str]], source: str, message_id: str | None) -> None:
    """Poison the message's bytes unchanged and publish why (no secrets: the errors name fields only)."""
    store = storage()
    store.to_poison_bytes(body)
    # one id per rejected message: a redelivered message publishes the same event again
    event_id = f"RequestRejected.{source}.{message_id or hashlib.sha256(body).hexdigest()[:32]}"
    data = {"source": source, "messageId": message_id, "errors": errors}
    store.publish_event("RequestRejected", data, event_id=event_id)
    log.warning(
        "rejected a %s message %s: %s",
        source,
        message_id,
        "; ".join(f"{e['field']}: {e['message']}" for e in errors),
    )


def read_request(body: bytes) -> MigrationRequest:
    """The request in a message body, or RequestError naming every problem (never anything else)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(
            [{"field": "(body)", "message": f"is not UTF-8 text (byte {exc.start})"}]
        ) from None
    try:
        return parse_request_text(text)
    except RequestError:
        raise
    # hostile bytes: whatever else the parser raises, the message is bad and is poisoned at once
    # (never retried up to the dequeue limit)
    except Exception as exc:  # noqa: BLE001
        raise RequestError(
            [{"field": "(body)", "message": f"cannot be read: {type(exc).__name__}"}]
        ) from None


async def take(
    client: df.DurableOrchestrationClient, body: bytes, source: str, message_id: str | None
) -> str:
    """Parse and start one request; 'started', 'duplicate' or 'rejected' (StartUnderWay: retry later)."""
    try:
        request = read_request(body)
    except RequestError as exc:
        errors = exc.errors
        await off_loop(lambda: reject(body, errors, source, message_id))
        return "rejected"
    taken, phase = await start_migration(
        client, request, request.requested_by, base_url(None), channel=source
    )
    if taken is Taken.IN_FLIGHT:
        raise StartUnderWay(f"request {request.request_id}: another start of this id is under way")
    if taken is not None:
        log.info("duplicate request %s from %s ignored (phase %s)", request.request_id, source, phase)
        return "duplicate"
    return "started"


@bp.queue_trigger(arg_name="msg", queue_name="migration-requests", connection="AzureWebJobsStorage")
@bp.durable_client_input(client_name="client")
async def request_intake(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    await take(client, msg.get_body(), "queue", msg.id)


def _backlog_body(content: str) -> bytes | None:
    """A raw backlog message's bytes (base64, as every producer writes it); None when not base64."""
    try:
        return base64.b64decode(content.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


async def _release_one(client: df.DurableOrchestrationClient, message: Any) -> str:
    """Take one backlog message; what happened ('kept' = left for the next run)."""
    store = await off_loop(storage)
    body = _backlog_body(message.content)
    if body is None:
        await off_loop(lambda: _reject_not_base64(store, message))
        return "rejected"
    try:
        outcome = await take(client, body, "backlog", message.id)
    # whatever failed, one message must not stop the schedule: it is kept for the next run and
    # poisoned after BACKLOG_MAX_ATTEMPTS runs
    except Exception as exc:  # noqa: BLE001
        if int(getattr(message, "dequeue_count", 0) or 0) < BACKLOG_MAX_ATTEMPTS:
            log.warning("backlog message %s not started this run (%s): kept for the next", message.id, exc)
            return "kept"
        errors = [
            {
                "field": "(body)",
                "message": f"could not be started in {BACKLOG_MAX_ATTEMPTS} runs: {type(exc).__name__}",
            }
        ]
        await off_loop(lambda: reject(body, errors, "backlog", message.id))
        outcome = "rejected"
    await off_loop(lambda: store.delete(QUEUE_BACKLOG, message))
    return outcome


def _reject_not_base64(store: Storage, message: Any) -> None:
    store.to_poison_raw(message.content)
    errors = [{"field": "(body)", "message": "is not base64"}]
    data = {"source": "backlog", "messageId": message.id, "errors": errors}
    store.publish_event("RequestRejected", data, event_id=f"RequestRejected.backlog.{message.id}")
    log.warning("rejected backlog message %s: not base64", message.id)
    store.delete(QUEUE_BACKLOG, message)


@bp.timer_trigger(arg_name="timer", schedule="%MIGRATION_SCHEDULE%")
@bp.durable_client_input(client_name="client")
async def release_backlog(
    timer: func.TimerRequest,  # noqa: ARG001 - the host binds the trigger by this name
    client: df.DurableOrchestrationClient,
) -> None:
    """Start up to MAX_MIGRATIONS_PER_WINDOW backlog requests; the rest wait for the next run."""
    limit = max(0, int(read_setting("MAX_MIGRATIONS_PER_WINDOW")))
    store = await off_loop(storage)
    released, seen = 0, 0
    while released < limit and seen < 4 * limit + 32:  # a run ends even if every message is kept
        wanted = min(32, limit - released)
        messages = await off_loop(
            functools.partial(store.receive_raw, QUEUE_BACKLOG, limit=wanted, visibility_timeout=60)
        )
        if not messages:
            break
        for message in messages:
            seen += 1
            released += await _release_one(client, message) == "started"
    log.info("schedule released %d backlog request(s)", released)


def _listed(content: str) -> dict[str, Any]:
    body = _backlog_body(content)
    if body is None:
        return {"invalid": True, "errors": [{"field": "(body)", "message": "is not base64"}]}
    try:
        return read_request(body).to_json()
    except RequestError as exc:
        return {"invalid": True, "errors": exc.errors}


@bp.route(route="backlog", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def list_backlog(req: func.HttpRequest) -> func.HttpResponse:  # noqa: ARG001 - the host binds `req` by name
    """Requests waiting for the next scheduled run (up to 32, the queue's peek limit); an invalid
    message shows as invalid with its problems (the schedule will poison it), never as a 500."""
    return respond({"requests": [_listed(content) for content in storage().peek_raw(QUEUE_BACKLOG, 32)]})
