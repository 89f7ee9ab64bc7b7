"""A counter entity app, written as any Durable Functions Python user would (azure-functions-durable 1.7).

The devhost must run it unmodified: the entity (add, reset, get), signalled and read from HTTP
starters through the client binding, and called / signalled from an orchestration. Nothing here
knows about the devhost.
"""

from __future__ import annotations

import json

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.entity_trigger(context_name="context")
def Counter(context: df.DurableEntityContext) -> None:
    current = context.get_state(lambda: 0)
    operation = context.operation_name
    if operation == "add":
        current += context.get_input()
        context.set_state(current)
    elif operation == "reset":
        context.set_state(0)
    elif operation == "get":
        context.set_result(current)
    elif operation == "fail":
        raise ValueError(f"counter refused: {context.get_input()}")
    elif operation == "delete":
        context.destruct_on_exit()


@app.route(route="counters/{key}/add", methods=["POST"])
@app.durable_client_input(client_name="client")
async def add_to_counter(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    amount = int(req.get_body() or b"1")
    await client.signal_entity(df.EntityId("Counter", req.route_params["key"]), "add", amount)
    return func.HttpResponse(status_code=202)


@app.route(route="counters/{key}", methods=["GET"])
@app.durable_client_input(client_name="client")
async def read_counter(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    state = await client.read_entity_state(df.EntityId("Counter", req.route_params["key"]))
    if not state.entity_exists:
        return func.HttpResponse("no such counter", status_code=404)
    return func.HttpResponse(json.dumps(state.entity_state), mimetype="application/json")


@app.route(route="orchestrators/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new(req.route_params["name"], None, req.get_json())
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def count_up(context: df.DurableOrchestrationContext):
    """Add to a counter, read it back (call), reset it, and read again: every result in order."""
    key = context.get_input()
    entity = df.EntityId("Counter", key)
    context.signal_entity(entity, "add", 5)
    first = yield context.call_entity(entity, "get")
    yield context.call_entity(entity, "add", 10)
    second = yield context.call_entity(entity, "get")
    yield context.call_entity(entity, "reset")
    third = yield context.call_entity(entity, "get")
    return [first, second, third]


@app.orchestration_trigger(context_name="context")
def count_many(context: df.DurableOrchestrationContext):
    """Fan out: several counters called at once, then the total."""
    keys = context.get_input()
    yield context.task_all([context.call_entity(df.EntityId("Counter", k), "add", 1) for k in keys])
    values = yield context.task_all([context.call_entity(df.EntityId("Counter", k), "get") for k in keys])
    return sum(values)


@app.orchestration_trigger(context_name="context")
def count_refused(context: df.DurableOrchestrationContext):
    """An entity operation that raises: the exception reaches the calling orchestration."""
    try:
        yield context.call_entity(df.EntityId("Counter", context.get_input()), "fail", "too big")
    except Exception as exc:  # noqa: BLE001 - the SDK raises a bare Exception for a failed task
        return f"caught: {exc}"
    return "not raised"
