"""The Durable HTTP API: the client RPC routes (`/durabletask/…`, used by
`DurableOrchestrationClient`) and the public webhooks (`/runtime/webhooks/durabletask/…`).

Both need no key locally (as under Core Tools; the devhost listens on loopback only). They differ
in two ways, as on Azure: the client sends inputs and event data JSON-encoded twice (the SDK
serializes, then aiohttp's ``json=`` serializes again), and the public start route answers with the
check-status payload.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from devhost import replay
from devhost.client_ops import InstanceExists, NotRewindable
from devhost.engine import Engine, UnknownOrchestrator
from devhost.entity_api import EntityApi
from devhost.history_view import history_view
from devhost.store import FINAL

RPC = "/durabletask"
WEBHOOK = "/runtime/webhooks/durabletask"
_BAD_ID = re.compile(r"[/\\#?\x00-\x1f\x7f]")
# OrchestrationRuntimeStatus names; a runtimeStatus filter value that is none of them is ignored
RUNTIME_STATUSES = (
    "Running",
    "Completed",
    "ContinuedAsNew",
    "Failed",
    "Canceled",
    "Terminated",
    "Pending",
    "Suspended",
)
PAGE_SIZE = 100  # OrchestrationStatusQueryCondition.PageSize: the instance query pages at 100 by default


def fmt_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def error(status: int, message: str, exception_message: str | None = None) -> web.Response:
    """The extension's error body (an HttpError: `Message`, and the exception's own message)."""
    body = {"ExceptionMessage": exception_message or message, "Message": message}
    return web.json_response(body, status=status)


def check_instance_id(instance_id: str) -> str | None:
    if not instance_id or len(instance_id) > 100 or _BAD_ID.search(instance_id):
        return "instanceId: must be 1-100 characters without '/', '\\', '#', '?' or control characters"
    if instance_id.startswith("@"):
        return "instanceId: orchestration instance ids must not start with @ (reserved for entities)"
    return None


def not_found() -> web.Response:
    """404 with an empty body, as the extension answers an unknown instance."""
    return web.Response(status=404)


class DurableApi:
    """HTTP handlers over the engine; `binding()` is the client binding JSON handed to starters."""

    def __init__(self, engine: Engine, hub: str, base_url: str) -> None:
        self.engine = engine
        self.hub = hub
        self.base_url = base_url

    # ------------------------------------------------------------------ binding
    def management_urls(self, origin: str | None = None) -> dict[str, str]:
        base = f"{origin or self.base_url}{WEBHOOK}/instances/INSTANCEID"
        q = f"taskHub={self.hub}&connection=Storage"
        return {
            "id": "INSTANCEID",
            "statusQueryGetUri": f"{base}?{q}",
            "sendEventPostUri": f"{base}/raiseEvent/{{eventName}}?{q}",
            "terminatePostUri": f"{base}/terminate?reason={{text}}&{q}",
            "rewindPostUri": f"{base}/rewind?reason={{text}}&{q}",
            "purgeHistoryDeleteUri": f"{base}?{q}",
            "restartPostUri": f"{base}/restart?{q}",
            "suspendPostUri": f"{base}/suspend?reason={{text}}&{q}",
            "resumePostUri": f"{base}/resume?reason={{text}}&{q}",
        }

    def binding(self) -> str:
        q = f"taskHub={self.hub}&connection=Storage"
        start = f"{self.base_url}{WEBHOOK}/orchestrators/{{functionName}}[/{{instanceId}}]?{q}"
        return json.dumps(
            {
                "taskHubName": self.hub,
                "creationUrls": {
                    "createNewInstancePostUri": start,
                    "createAndWaitOnNewInstancePostUri": f"{start}&timeout={{timeoutInSeconds}}",
                },
                "managementUrls": self.management_urls(),
                "rpcBaseUrl": f"{self.base_url}{RPC}/",
                "baseUrl": f"{self.base_url}{WEBHOOK}",
                "requiredQueryStringParameters": q,
            }
        )

    def routes(self) -> list[web.RouteDef]:
        out = []
        entities = EntityApi(self.engine)
        for base in (RPC, WEBHOOK):
            out += entities.routes(base)
            out += [
                web.post(f"{base}/orchestrators/{{name}}", self.start),
                web.post(f"{base}/orchestrators/{{name}}/{{instance_id}}", self.start),
                web.get(f"{base}/instances", self.list_instances),
                web.get(f"{base}/instances/", self.list_instances),
                web.delete(f"{base}/instances", self.purge_many),
                web.delete(f"{base}/instances/", self.purge_many),
                web.get(f"{base}/instances/{{instance_id}}", self.status),
                web.delete(f"{base}/instances/{{instance_id}}", self.purge_one),
                web.post(f"{base}/instances/{{instance_id}}/raiseEvent/{{event}}", self.raise_event),
                web.post(f"{base}/instances/{{instance_id}}/{{op}}", self.operation),
            ]
        return out

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _is_rpc(request: web.Request) -> bool:
        return request.path.startswith(RPC + "/")

    async def _input_text(self, request: web.Request) -> str | None:
        """The JSON text of the request's input (RPC bodies are decoded once more); ValueError if bad."""
        raw = await request.read()
        if not raw.strip():
            return None
        text = raw.decode("utf-8")
        parsed = json.loads(text)
        if self._is_rpc(request) and isinstance(parsed, str):
            try:
                json.loads(parsed)
                return parsed
            except ValueError:
                return text
        return text

    def status_json(self, inst: dict[str, Any], request: web.Request) -> dict[str, Any]:
        q = request.query
        body: dict[str, Any] = {
            "name": inst["name"],
            "instanceId": inst["instance_id"],
            "runtimeStatus": inst["status"],
            "input": _loads(inst["input"]) if q.get("showInput", "true").lower() != "false" else None,
            "customStatus": _loads(inst["custom_status"]),
            "output": _loads(inst["output"]),
            "createdTime": fmt_time(inst["created"]),
            "lastUpdatedTime": fmt_time(inst["updated"]),
        }
        if q.get("showHistory", "").lower() == "true":
            body["historyEvents"] = history_view(
                self.engine.history_of(inst["instance_id"]),
                show_output=q.get("showHistoryOutput", "").lower() == "true",
                show_input=q.get("showInput", "true").lower() != "false",
            )
        return body

    def _origin(self, request: web.Request) -> str:
        return f"{request.scheme}://{request.host}"

    def check_status_payload(self, request: web.Request, instance_id: str) -> dict[str, str]:
        urls = self.management_urls(self._origin(request))
        return {k: v.replace("INSTANCEID", instance_id) for k, v in urls.items()}

    # ------------------------------------------------------------------ handlers
    async def start(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        instance_id = request.match_info.get("instance_id")
        if instance_id is not None and (problem := check_instance_id(instance_id)):
            return error(400, problem)
        try:
            input_text = await self._input_text(request)
        except (ValueError, UnicodeDecodeError) as exc:
            return error(400, f"input: the request body is not valid JSON ({exc})")
        try:
            instance_id = await self.engine.start_new(name, instance_id, input_text)
        except UnknownOrchestrator as exc:
            return error(400, str(exc))
        except InstanceExists as exc:  # the extension lets this exception through: 500
            return error(500, str(exc))
        if self._is_rpc(request):
            return web.json_response({"id": instance_id}, status=202)
        return await self.check_status_response(request, instance_id)

    async def check_status_response(self, request: web.Request, instance_id: str) -> web.Response:
        """202 + check-status payload + Location, or with `?timeout=` the output once finished."""
        payload = self.check_status_payload(request, instance_id)
        timeout = request.query.get("timeout")
        if timeout:
            try:
                wait, poll = float(timeout), float(request.query.get("pollingInterval", "1"))
            except ValueError:
                return error(400, "timeout / pollingInterval: expected seconds")
            inst = await self.wait_final(instance_id, wait, poll)
            if inst is not None and inst["status"] == "Completed":
                return web.json_response(_loads(inst["output"]), status=200)
            if inst is not None and inst["status"] in FINAL:
                return await self.status(request, instance_id)
        headers = {"Location": payload["statusQueryGetUri"], "Retry-After": "10"}
        return web.json_response(payload, status=202, headers=headers)

    async def wait_final(self, instance_id: str, timeout: float, poll: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while True:
            inst = self.engine.store.get_instance(instance_id)
            if inst is None or inst["status"] in FINAL or time.monotonic() >= deadline:
                return inst
            await asyncio.sleep(min(max(poll, 0.01), max(0.0, deadline - time.monotonic())))

    async def status(self, request: web.Request, instance_id: str | None = None) -> web.Response:
        instance_id = instance_id or request.match_info["instance_id"]
        inst = self.engine.store.get_instance(instance_id)
        if inst is None:
            return not_found()
        body = self.status_json(inst, request)
        if inst["status"] in FINAL:
            fail_500 = request.query.get("returnInternalServerErrorOnFailure", "").lower() == "true"
            return web.json_response(body, status=500 if fail_500 and inst["status"] == "Failed" else 200)
        location = self.check_status_payload(request, instance_id)["statusQueryGetUri"]
        return web.json_response(body, status=202, headers={"Location": location, "Retry-After": "5"})

    def _filters(self, request: web.Request) -> dict[str, Any]:
        q = request.query
        out: dict[str, Any] = {}
        for key, field in (("createdTimeFrom", "created_from"), ("createdTimeTo", "created_to")):
            if q.get(key):
                try:
                    out[field] = replay.parse_time(q[key]).timestamp()
                except ValueError as exc:
                    raise ValueError(f"{key}: {q[key]!r} is not an ISO 8601 date-time") from exc
        statuses = [s.strip() for s in ",".join(q.getall("runtimeStatus", [])).split(",")]
        if known := [s for s in statuses if s in RUNTIME_STATUSES]:  # unknown values are ignored
            out["statuses"] = known
        if q.get("instanceIdPrefix"):
            out["prefix"] = q["instanceIdPrefix"]
        return out

    async def list_instances(self, request: web.Request) -> web.Response:
        try:
            rows = self.engine.store.query_instances(**self._filters(request))
            offset = int(request.headers.get("x-ms-continuation-token") or 0)
            top = int(request.query["top"]) if request.query.get("top") else PAGE_SIZE
        except ValueError as exc:
            return error(400, str(exc))
        page = rows[offset : offset + max(top, 1)]
        headers = {}
        if offset + max(top, 1) < len(rows):
            headers["x-ms-continuation-token"] = str(offset + max(top, 1))
        return web.json_response([self.status_json(i, request) for i in page], headers=headers)

    async def purge_one(self, request: web.Request) -> web.Response:
        inst = self.engine.store.get_instance(request.match_info["instance_id"])
        if inst is None:
            return not_found()
        if inst["status"] not in FINAL:
            return error(
                412,
                f"instance '{inst['instance_id']}' is {inst['status']}: only a finished instance is purged",
            )
        deleted = await self.engine.purge([inst["instance_id"]])
        return web.json_response({"instancesDeleted": deleted}) if deleted else not_found()

    async def purge_many(self, request: web.Request) -> web.Response:
        if not request.query.get("createdTimeFrom"):
            return error(400, "createdTimeFrom: required to purge instance history")
        try:
            filters = self._filters(request)
        except ValueError as exc:
            return error(400, str(exc))
        if "statuses" not in filters:
            filters["statuses"] = sorted(FINAL)
        rows = self.engine.store.query_instances(**filters)
        deleted = await self.engine.purge([row["instance_id"] for row in rows])
        if not deleted:
            return not_found()
        return web.json_response({"instancesDeleted": deleted})

    async def raise_event(self, request: web.Request) -> web.Response:
        instance_id, event = request.match_info["instance_id"], request.match_info["event"]
        inst = self.engine.store.get_instance(instance_id)  # as the extension: 404 / 410 come first
        if inst is None or inst["status"] in FINAL:
            return web.Response(status=404 if inst is None else 410)
        if not self._is_rpc(request) and request.content_type != "application/json":
            return error(400, "Only application/json request content is supported")
        try:
            input_text = await self._input_text(request)
        except (ValueError, UnicodeDecodeError) as exc:
            return error(400, f"event data: the request body is not valid JSON ({exc})")
        status = await self.engine.raise_event(instance_id, event, input_text)
        return web.Response(status=status)

    async def operation(self, request: web.Request) -> web.Response:
        instance_id, op = request.match_info["instance_id"], request.match_info["op"]
        reason = request.query.get("reason", "")
        if op == "terminate":
            status = await self.engine.terminate(instance_id, reason)
        elif op in ("suspend", "resume"):
            status = await self.engine.suspend(instance_id, op == "suspend")
        elif op == "restart":  # the same orchestrator and input, under a new id unless told otherwise
            inst = self.engine.store.get_instance(instance_id)
            if inst is None:
                return error(400, "InstanceId does not match a valid orchestration instance.")
            same_id = request.query.get("restartWithNewInstanceId", "true").lower() == "false"
            try:
                new_id = await self.engine.start_new(
                    inst["name"], instance_id if same_id else None, inst["input"]
                )
            except InstanceExists as exc:
                return error(500, str(exc))
            return await self.check_status_response(request, new_id)
        elif op == "rewind":
            try:
                status = await self.engine.rewind(instance_id, reason)
            except NotRewindable as exc:  # RewindAsync throws; the handler's catch-all answers 500
                return error(500, "Something went wrong while processing your request", str(exc))
        else:
            return not_found()
        return web.Response(status=status)
