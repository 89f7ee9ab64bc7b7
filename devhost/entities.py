"""Durable entities as azure-functions-durable 1.7 drives them (function-based entities).

An entity is addressed by its scheduler id `@<name lower-case>@<key>`. Requests — signals from
clients and orchestrations, calls from orchestrations — are messages to that id, processed in
order, one batch at a time under the entity's lock (an entity runs one operation at a time). A
batch is handed to the entity function as the extension hands it (`{"self": {name, key},
"exists", "state", "batch": [{name, input}]}`); the SDK answers with the new state and one result
per operation. Each *call* gets its result back as an `EventRaised` named by the request id, which
is how the SDK matches it to the waiting `call_entity` task; an operation's exception is raised in
the caller. The new state, the deleted requests and the responses commit in one transaction.
SDK 1.7 has no critical sections (`lock`) and entities cannot signal others, so neither is here.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from azure.functions._durable_functions import EntityContext

from devhost import replay

if TYPE_CHECKING:
    from devhost.engine import Engine

log = logging.getLogger("devhost.entities")


def scheduler_id(name: str, key: str) -> str:
    """The entity's instance id (`EntityId.get_scheduler_id`: the name is lower-cased)."""
    return f"@{name.lower()}@{key}"


def split_id(entity_id: str) -> tuple[str, str]:
    name, _, key = entity_id[1:].partition("@")
    return name, key


def check_entity_id(name: str, key: str) -> str | None:
    """A clear message for an entity id the SDK and the extension would refuse, else None."""
    if not name:
        return "entity name: must not be empty"
    if not key:
        return "entity key: must not be empty"
    if "@" in name:
        return "entity name: must not contain '@'"
    return None


def _run_batch(
    fn: Any, entity_id: str, row: dict[str, Any] | None, ops: list[dict[str, Any]]
) -> dict[str, Any]:
    """The SDK's EntityState for one batch (or every operation failed when the function itself broke)."""
    name, key = split_id(entity_id)
    payload = {
        "self": {"name": name, "key": key},
        "exists": row is not None,
        "state": row["state"] if row else None,
        # the SDK decodes an operation's input twice (json.loads, then its own decoder)
        "batch": [{"name": op.get("op"), "input": json.dumps(op.get("input"))} for op in ops],
    }
    try:
        return dict(json.loads(fn(EntityContext(json.dumps(payload)))))
    # the host's boundary around app code: the entity function or the SDK broke, every operation fails
    except Exception as exc:  # noqa: BLE001
        log.warning("entity %s failed its batch of %d: %s: %s", entity_id, len(ops), type(exc).__name__, exc)
        failure = json.dumps(f"{type(exc).__name__}: {exc}")
        state = row["state"] if row else None
        return {
            "entityExists": row is not None,
            "entityState": state,
            "results": [{"isError": True, "result": failure} for _ in ops],
        }


async def process_entity(engine: Engine, entity_id: str, messages: list[dict[str, Any]]) -> None:
    """Run the visible requests of an entity as one batch; caller holds the entity's lock."""
    store = engine.store
    now_ts = engine.clock.now_ts()
    visible = [m for m in messages if m["visible_at"] <= now_ts and "request" in m]
    later = [m["visible_at"] for m in messages if m["visible_at"] > now_ts]
    if not visible:
        if later:
            engine.notify(entity_id, min(later))
        return
    name, key = split_id(entity_id)
    spec = engine.entities.get(name)
    row = store.get_entity(entity_id)
    ops = [m["request"] for m in visible]
    if spec is None:
        missing = json.dumps(
            f"The function '{name}' doesn't exist, is disabled, or is not an entity function."
        )
        log.warning("requests for entity %s: no entity function named %r", entity_id, name)
        out: dict[str, Any] = {
            "entityExists": row is not None,
            "entityState": row and row["state"],
            "results": [{"isError": True, "result": missing} for _ in ops],
        }
    else:
        out = _run_batch(spec.fn, entity_id, row, ops)
    results = out.get("results") or []
    parents: list[str] = []
    with store.transaction():
        if out.get("entityExists"):
            store.put_entity(entity_id, name, key, out.get("entityState"), now_ts)
        else:
            store.delete_entity(entity_id)
        store.delete_messages([m["id"] for m in visible])
        for op, result in zip(ops, results, strict=False):
            if result.get("isError"):
                log.info("entity %s operation %r failed: %s", entity_id, op.get("op"), result.get("result"))
            if op.get("signal") or not op.get("parent"):
                continue
            response: dict[str, Any] = {"result": result.get("result") or "null"}
            if result.get("isError"):
                response["exceptionType"] = "System.Exception"
            event = {"EventType": replay.EVENT_RAISED, "Name": op["id"], "Input": json.dumps(response)}
            store.add_message(op["parent"], op["parentExecution"], {"event": event}, now_ts)
            parents.append(op["parent"])
    for parent in parents:
        engine.notify(parent)
    if later:
        engine.notify(entity_id, min(later))
