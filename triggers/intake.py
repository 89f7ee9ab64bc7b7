"""Queue intake (`migration-requests`) and the backlog (`migration-backlog`, released on schedule).

A message that is not a valid request is moved at once to `migration-requests-poison` with its
text unchanged, and a `RequestRejected` event names every problem; a valid one starts
`migrate_unit` with the `requestId` as instance id (a duplicate starts nothing). A transient
failure raises, so the host retries the message (and poisons it at the dequeue limit).
"""

from __future__ import annotations

import hashlib
import logging

import azure.durable_functions as df
import azure.functions as func

from connectors.app_settings import read_setting
from connectors.storage import QUEUE_BACKLOG
from migration.requests import RequestError, parse_request_text
from triggers._runtime import base_url, respond, storage
from triggers._start import start_migration

bp = df.Blueprint()
log = logging.getLogger("c2arm.triggers.intake")


def reject(text: str, errors: list[dict[str, str]], source: str, message_id: str | None) -> None:
    """Poison the message unchanged and publish why (no secrets: the errors name fields only)."""
    store = storage()
    store.to_poison(text)
    # one id per rejected message: a redelivered message publishes the same event again
    event_id = f"RequestRejected.{source}.{message_id or hashlib.sha256(text.encode()).hexdigest()[:32]}"
    data = {"source": source, "messageId": message_id, "errors": errors}
    store.publish_event("RequestRejected", data, event_id=event_id)
    log.warning("rejected a %s message %s: %s", source, message_id,
                "; ".join(f"{e['field']}: {e['message']}" for e in errors))  # fmt: skip


async def take(client: df.DurableOrchestrationClient, text: str, source: str, message_id: str | None) -> str:
    """Parse and start one request text; 'started', 'duplicate' or 'rejected'."""
    try:
        request = parse_request_text(text)
    except RequestError as exc:
        reject(text, exc.errors, source, message_id)
        return "rejected"
    started, phase = await start_migration(
        client, request, request.requested_by, base_url(None), channel=source
    )
    if not started:
        log.info("duplicate request %s from %s ignored (phase %s)", request.request_id, source, phase)
        return "duplicate"
    return "started"


@bp.queue_trigger(arg_name="msg", queue_name="migration-requests", connection="AzureWebJobsStorage")
@bp.durable_client_input(client_name="client")
async def request_intake(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    body = msg.get_body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
        reject(text, [{"field": "(body)", "message": "is not UTF-8 text"}], "queue", msg.id)
        return
    await take(client, text, "queue", msg.id)


@bp.timer_trigger(arg_name="timer", schedule="%MIGRATION_SCHEDULE%")
@bp.durable_client_input(client_name="client")
async def release_backlog(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    """Start up to MAX_MIGRATIONS_PER_WINDOW backlog requests; the rest wait for the next run."""
    limit = max(0, int(read_setting("MAX_MIGRATIONS_PER_WINDOW")))
    store = storage()
    released = 0
    while released < limit:
        messages = store.receive(QUEUE_BACKLOG, limit=min(32, limit - released), visibility_timeout=60)
        if not messages:
            break
        for message in messages:
            outcome = await take(client, message.content, "backlog", message.id)
            store.delete(QUEUE_BACKLOG, message)
            released += outcome == "started"
    log.info("schedule released %d backlog request(s)", released)


@bp.route(route="backlog", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def list_backlog(req: func.HttpRequest) -> func.HttpResponse:
    """Requests waiting for the next scheduled run (up to 32, the queue's peek limit)."""
    requests = []
    for text in storage().peek(QUEUE_BACKLOG, 32):
        try:
            requests.append(parse_request_text(text).to_json())
        except RequestError as exc:
            requests.append({"invalid": True, "errors": exc.errors})
    return respond({"requests": requests})
