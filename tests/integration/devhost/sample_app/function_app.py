"""A Durable Functions app of the devhost's own tests (not c2arm): the standard patterns.

Side effects (run counters, "started" markers, release files for crash tests) go to files in
the folder named by the app setting SAMPLE_STATE_DIR, so a test can count activity runs across
devhost restarts.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)


def _state_dir() -> Path:
    path = Path(os.environ.get("SAMPLE_STATE_DIR", "."))
    path.mkdir(parents=True, exist_ok=True)
    return path


_COUNT_LOCK = threading.Lock()


def _bump(name: str) -> int:
    """Count a run in a file (activities run at least once; tests count how often)."""
    with _COUNT_LOCK:
        counter = _state_dir() / f"{name}.count"
        n = int(counter.read_text()) + 1 if counter.exists() else 1
        tmp = counter.with_suffix(".tmp")
        tmp.write_text(str(n))
        os.replace(tmp, counter)
        return n


class Money:
    """A custom class that travels through activities and orchestrators via to_json/from_json."""

    def __init__(self, amount: int, currency: str) -> None:
        self.amount = amount
        self.currency = currency

    @staticmethod
    def to_json(obj: Money) -> str:
        return json.dumps({"amount": obj.amount, "currency": obj.currency})

    @staticmethod
    def from_json(text: str) -> Money:
        data = json.loads(text)
        return Money(data["amount"], data["currency"])


# ---------------------------------------------------------------- HTTP triggers
@app.route(route="orchestrators/{name}/{instance_id?}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_body()
    payload = json.loads(body) if body else None
    instance_id = await client.start_new(
        req.route_params["name"], req.route_params.get("instance_id"), payload
    )
    return client.create_check_status_response(req, instance_id)


@app.route(route="hello/{name}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    greeting = os.environ.get("SAMPLE_GREETING", "?")
    return func.HttpResponse(
        json.dumps(
            {
                "greeting": f"{greeting}, {req.route_params['name']}",
                "params": dict(req.params),
                "header": req.headers.get("x-sample"),
                "method": req.method,
                "host": os.environ.get("WEBSITE_HOSTNAME"),
                "environment": os.environ.get("AZURE_FUNCTIONS_ENVIRONMENT"),
            }
        ),
        mimetype="application/json",
    )


@app.route(route="items/{id:int}", methods=["GET", "PUT"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"item {req.route_params['id']} {req.method}")


@app.route(route="files/{*path}", auth_level=func.AuthLevel.ANONYMOUS)
def files(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("path", ""))


@app.route(route="echo", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def echo(req: func.HttpRequest) -> func.HttpResponse:
    try:
        data = req.get_json()
    except ValueError:
        return func.HttpResponse("not json", status_code=400)
    resp = func.HttpResponse(json.dumps(data), mimetype="application/json", status_code=201)
    resp.headers["Set-Cookie"] = "a=1"
    return resp


@app.route(route="jobs", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def job_start(req: func.HttpRequest) -> func.HttpResponse:
    """A long-running job: 202 + Location + Retry-After (the asynchronous HTTP pattern)."""
    job = f"job{_bump('jobs')}"
    (_state_dir() / f"{job}.body").write_text(req.get_body().decode())
    headers = {"Location": f"/api/jobs/{job}", "Retry-After": "2"}
    return func.HttpResponse(status_code=202, headers=headers)


@app.route(route="jobs/{job}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def job_status(req: func.HttpRequest) -> func.HttpResponse:
    """Running for two polls, then done with the body it was started with."""
    job = req.route_params["job"]
    if _bump(f"{job}.polls") < 3:
        return func.HttpResponse(status_code=202, headers={"Location": f"/api/jobs/{job}"})
    body = (_state_dir() / f"{job}.body").read_text()
    return func.HttpResponse(json.dumps({"job": job, "body": json.loads(body)}), mimetype="application/json")


@app.route(route="whoami", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def whoami(req: func.HttpRequest) -> func.HttpResponse:
    """The principal headers the host handed over, and WEBSITE_AUTH_ENABLED (auth emulation tests)."""
    seen = {
        k.lower(): v
        for k, v in req.headers.items()
        if k.lower().startswith(("x-ms-client-principal", "x-ms-token-"))
    }
    body = {"headers": seen, "authEnabled": os.environ.get("WEBSITE_AUTH_ENABLED")}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="boom", auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:  # noqa: ARG001 - the host binds `req`
    raise RuntimeError("boom")


@app.route(route="nothing", auth_level=func.AuthLevel.ANONYMOUS)
def nothing(req: func.HttpRequest) -> None:  # noqa: ARG001 - the host binds `req`
    return None


@app.route(route="secret", auth_level=func.AuthLevel.ADMIN)
def secret(req: func.HttpRequest) -> func.HttpResponse:  # noqa: ARG001 - the host binds `req`
    return func.HttpResponse("admin only")


# ---------------------------------------------------------------- orchestrators
@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    name = context.get_input() or "world"
    first = yield context.call_activity("say_hello", name)
    second = yield context.call_activity("say_hello", first)
    third = yield context.call_activity(say_hello, second)
    return [first, second, third]


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input()
    tasks = [context.call_activity("double", i) for i in range(count)]
    results = yield context.task_all(tasks)
    return sum(results)


@app.orchestration_trigger(context_name="context")
def noop_chain(context: df.DurableOrchestrationContext):
    for i in range(context.get_input()):
        yield context.call_activity("noop", i)
    return "done"


@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext):
    """Polls on a 10-minute durable timer, continuing as new after each check."""
    state = context.get_input()
    checks = state["checks"] + 1
    context.set_custom_status({"checks": checks, "at": context.current_utc_datetime.isoformat()})
    if checks >= state["until"]:
        return {"checks": checks, "finishedAt": context.current_utc_datetime.isoformat()}
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=10))
    context.continue_as_new({"checks": checks, "until": state["until"]})
    return None


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    """Human interaction: the Approval event wins, or the timeout after `hours`."""
    hours = context.get_input()
    context.set_custom_status("waiting")
    deadline = context.current_utc_datetime + timedelta(hours=hours)
    timeout = context.create_timer(deadline)
    event = context.wait_for_external_event("Approval")
    winner = yield context.task_any([event, timeout])
    if winner == event:
        timeout.cancel()
        return {"decision": event.result, "at": context.current_utc_datetime.isoformat()}
    return {"decision": "timed out", "at": context.current_utc_datetime.isoformat()}


@app.orchestration_trigger(context_name="context")
def wait_event(context: df.DurableOrchestrationContext):
    value = yield context.wait_for_external_event("Go")
    after = yield context.call_activity("say_hello", value)
    return after


@app.orchestration_trigger(context_name="context")
def sleeper(context: df.DurableOrchestrationContext):
    """A durable timer of `minutes` (scaled time), then one activity."""
    minutes = context.get_input()
    started = context.current_utc_datetime
    yield context.create_timer(started + timedelta(minutes=minutes))
    woke = context.current_utc_datetime
    yield context.call_activity("say_hello", "timer")
    return {"started": started.isoformat(), "woke": woke.isoformat()}


@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=1000, max_number_of_attempts=spec["attempts"]
    )
    result = yield context.call_activity_with_retry("flaky", options, spec)
    return result


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    names = context.get_input()
    first = yield context.call_sub_orchestrator("chain", names[0], f"{context.instance_id}-child-0")
    rest = yield context.task_all([context.call_sub_orchestrator("chain", n) for n in names[1:]])
    try:
        yield context.call_sub_orchestrator("failing", "from parent")
    except Exception as exc:  # noqa: BLE001 - the SDK raises a bare Exception for a failed task
        failure = str(exc)
    return {"first": first, "rest": rest, "childFailure": failure}


@app.orchestration_trigger(context_name="context")
def failing(context: df.DurableOrchestrationContext):
    yield context.call_activity("say_hello", "before failure")
    raise ValueError(f"orchestrator failed on purpose: {context.get_input()}")


@app.orchestration_trigger(context_name="context")
def rewindable(context: df.DurableOrchestrationContext):
    """Fails at its second activity until the test releases it; a rewind then finishes it."""
    first = yield context.call_activity("say_hello", "one")
    second = yield context.call_activity("gated", context.get_input())
    return [first, second]


@app.orchestration_trigger(context_name="context")
def http_caller(context: df.DurableOrchestrationContext):
    """Durable HTTP: a long-running job behind the 202 + Location pattern, then a plain GET."""
    base = context.get_input()
    job = yield context.call_http("POST", f"{base}/api/jobs", {"size": 3})
    page = yield context.call_http("GET", f"{base}/api/hello/durable")
    return {"job": job, "page": page}


@app.orchestration_trigger(context_name="context")
def http_outside(context: df.DurableOrchestrationContext):
    result = yield context.call_http("GET", context.get_input())
    return result


@app.orchestration_trigger(context_name="context")
def money(context: df.DurableOrchestrationContext):
    start = Money(**context.get_input())
    doubled = yield context.call_activity("double_money", start)
    return {"amount": doubled.amount, "currency": doubled.currency, "type": type(doubled).__name__}


@app.orchestration_trigger(context_name="context")
def slow_activity(context: df.DurableOrchestrationContext):
    """Runs `blocking` (which waits for a release file) then one more activity."""
    tag = context.get_input()
    first = yield context.call_activity("blocking", tag)
    second = yield context.call_activity("say_hello", first)
    return second


@app.orchestration_trigger(context_name="context")
def concurrency(context: df.DurableOrchestrationContext):
    seen = yield context.task_all([context.call_activity("probe", i) for i in range(context.get_input())])
    return max(seen)


@app.orchestration_trigger(context_name="context")
def ticker(context: df.DurableOrchestrationContext):
    return {"tick": context.get_input()}


# ---------------------------------------------------------------- activities
@app.activity_trigger(input_name="name")
def say_hello(name: str) -> str:
    _bump("say_hello")
    return f"Hello {name}"


@app.activity_trigger(input_name="value")
async def double(value: int) -> int:
    return value * 2


@app.activity_trigger(input_name="value")
def noop(value: int) -> int:
    return value


@app.activity_trigger(input_name="spec")
def flaky(spec: dict) -> str:
    """Fails the first `failures` runs (counted per `key`), then succeeds."""
    n = _bump(f"flaky-{spec['key']}")
    if n <= spec["failures"]:
        raise RuntimeError(f"flaky failure {n}")
    return f"succeeded on run {n}"


@app.activity_trigger(input_name="tag")
def gated(tag: str) -> str:
    _bump(f"gated-{tag}")
    if not (_state_dir() / f"release-{tag}").exists():
        raise RuntimeError(f"gate {tag} is closed")
    return f"passed {tag}"


@app.activity_trigger(input_name="amount")
def double_money(amount: Money) -> Money:
    return Money(amount.amount * 2, amount.currency)


_RUNNING = [0]


@app.activity_trigger(input_name="value")
def probe(value: int) -> int:  # noqa: ARG001 - the host binds `value`
    """Returns how many probes ran at once (host.json limits activities to 8)."""
    with _COUNT_LOCK:
        _RUNNING[0] += 1
        running = _RUNNING[0]
    time.sleep(0.05)
    with _COUNT_LOCK:
        _RUNNING[0] -= 1
    return running


@app.activity_trigger(input_name="tag")
def blocking(tag: str) -> str:
    """Marks itself started, then waits (up to 30 s) for a release file written by the test."""
    run = _bump(f"blocking-{tag}")
    (_state_dir() / f"blocking-{tag}.started-{run}").write_text("")
    release = _state_dir() / f"blocking-{tag}.release"
    deadline = time.monotonic() + 30
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return f"released {tag} on run {run}"


# ---------------------------------------------------------------- queue + timer triggers
@app.queue_trigger(arg_name="msg", queue_name="sample-requests", connection="AzureWebJobsStorage")
@app.durable_client_input(client_name="client")
async def queue_start(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    """Starts `chain` with the message's id; a message without `id` fails (→ poison)."""
    meta = {
        "id": msg.id,
        "dequeueCount": msg.dequeue_count,
        "inserted": str(msg.insertion_time),
        "popReceipt": bool(msg.pop_receipt),
        "body": msg.get_body().decode(),
    }
    (_state_dir() / f"queue-{_bump('queue_start')}.json").write_text(json.dumps(meta))
    data = msg.get_json()
    logging.info("queue message %s dequeue count %s", msg.id, msg.dequeue_count)
    if "id" not in data:
        raise ValueError("message has no id")
    await client.start_new("chain", data["id"], data.get("name", "queue"))


@app.timer_trigger(arg_name="timer", schedule="%SAMPLE_SCHEDULE%")
@app.durable_client_input(client_name="client")
async def scheduled(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    n = _bump("scheduled")
    (_state_dir() / f"scheduled-{n}.json").write_text(json.dumps({"pastDue": timer.past_due}))
    await client.start_new("ticker", f"tick-{n}", n)


@app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *", run_on_startup=True, use_monitor=False)
def on_startup(timer: func.TimerRequest) -> None:
    (_state_dir() / f"startup-{_bump('startup')}.json").write_text(json.dumps({"pastDue": timer.past_due}))
