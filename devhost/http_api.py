"""HTTP triggers (`/<routePrefix>/<route>`) with keys, and the admin routes.

Keys are enforced (unlike Core Tools): `x-functions-key` header (wins) or `?code=`; a missing or
wrong key is 401 with an empty body. An unhandled exception is 500 (traceback in the log only),
no response is 204.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any

import azure.functions as func
from aiohttp import web

from devhost.app_loader import FunctionSpec, LoadedApp
from devhost.invoke import call_user_function
from devhost.keys import Keys

log = logging.getLogger("devhost.http")
MAX_URL = 4096  # the Functions host's URL limit (the body limit, 100 MB, is set on the server)


def request_key(request: web.Request) -> str | None:
    return request.headers.get("x-functions-key") or request.query.get("code")


def _joined(pairs: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


def to_http_request(request: web.Request, body: bytes, route_params: dict[str, str]) -> func.HttpRequest:
    params = _joined((k, v) for k, v in request.query.items() if v != "")
    return func.HttpRequest(
        method=request.method.upper(),
        url=str(request.url),
        headers=_joined(request.headers.items()),
        params=params,
        route_params=route_params,
        body=body,
    )


def to_web_response(result: Any) -> web.Response:
    if result is None:
        return web.Response(status=204)
    if isinstance(result, str | bytes):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"an HTTP function returned {type(result).__name__}, not func.HttpResponse")
    headers = dict(result.headers.items())
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = result.mimetype or "text/plain; charset=utf-8"
        if result.mimetype and result.charset and "charset" not in result.mimetype:
            headers["Content-Type"] = f"{result.mimetype}; charset={result.charset}"
    return web.Response(status=result.status_code, body=result.get_body(), headers=headers)


class HttpTriggers:
    def __init__(
        self,
        app: LoadedApp,
        keys: Keys,
        client_json: Callable[[], str],
        executor: Executor,
        app_dir: str,
        run_function: Callable[[str, str], Awaitable[bool]],
    ) -> None:
        self.functions = sorted(
            app.of_type("httpTrigger"), key=lambda s: s.route.rank if s.route else (9, 0, 0)
        )
        self.keys = keys
        self.client_json = client_json
        self.executor = executor
        self.app_dir = app_dir
        self.run_function = run_function  # admin: run a non-HTTP function by name

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/admin/host/status", self.host_status),
            web.post("/admin/functions/{name}", self.admin_run),
            web.route("*", "/{tail:.*}", self.dispatch),
        ]

    async def host_status(self, request: web.Request) -> web.Response:
        if self.keys.level_of(request_key(request)) != "admin":
            return web.Response(status=401)
        return web.json_response({"state": "Running", "version": "devhost", "processUptime": 0})

    async def admin_run(self, request: web.Request) -> web.Response:
        if self.keys.level_of(request_key(request)) != "admin":
            return web.Response(status=401)
        raw = await request.read()
        try:
            data = json.loads(raw) if raw.strip() else {}
            text = data.get("input", "") if isinstance(data, dict) else None
        except ValueError:
            text = None
        if not isinstance(text, str):
            return web.json_response({"error": 'body: expected {"input": "<text>"}'}, status=400)
        found = await self.run_function(request.match_info["name"], text)
        return web.Response(status=202) if found else web.Response(status=404)

    def _match(self, request: web.Request) -> tuple[FunctionSpec | None, dict[str, str]]:
        path = request.path.lstrip("/")
        for spec in self.functions:
            assert spec.route is not None
            params = spec.route.match(path)
            if params is not None and request.method.upper() in spec.methods:
                return spec, params
        return None, {}

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        if len(request.raw_path) > MAX_URL:
            return web.Response(status=414)
        spec, params = self._match(request)
        if spec is None:
            return web.Response(status=404)
        if not self.keys.allows(spec.auth_level, request_key(request)):
            return web.Response(status=401)
        body = await request.read()
        kwargs: dict[str, Any] = {spec.trigger_arg: to_http_request(request, body, params)}
        if spec.client_arg:
            kwargs[spec.client_arg] = self.client_json()
        try:
            result = await call_user_function(spec.fn, kwargs, self.executor, spec.name, self.app_dir)
            return to_web_response(result)
        # the host's boundary around app code: whatever the function raises is a 500, as on Azure
        except Exception:  # noqa: BLE001
            log.error("function %s failed:\n%s", spec.name, traceback.format_exc().rstrip())
            return web.Response(status=500)
