"""The HTTPS server: one aiohttp app on 127.0.0.1 serving ASM (XML), ARM (JSON) and /admin.

Every request: admin check or auth (bearer token or client certificate) → `x-ms-version` for
ASM → request faults → due operations finished → route → error shaping → save when changed →
request log.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from emulator import admin, faults, ops
from emulator.arm.routes import router as arm_router
from emulator.asm.errors import AsmError
from emulator.asm.requests import MAX_BODY
from emulator.asm.routes import router as asm_router
from emulator.http import Call, PlatformError, Reply, Router, json_reply
from emulator.state import Platform, Platforms

log = logging.getLogger("emulator")
ERROR_TEXT = {
    500: ("InternalError", "Internal server error"),
    503: (
        "ServiceUnavailable",
        "The server is currently unable to receive requests. Please retry your request.",
    ),
    429: ("TooManyRequests", "The request was throttled: too many requests. Retry after the delay given."),
}


def _asm_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, AsmError(status, code, message).body(), headers=headers or {})


def _arm_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"error": {"code": code, "message": message}}, headers)


_UNIT_PATHS = [
    (re.compile(r"^/services/hostedservices/([^/]+)/deployments/[^/]+/migration/?$", re.I), "cloudService"),
    (re.compile(r"^/services/networking/virtualnetwork/([^/]+)/migration/?$", re.I), "virtualNetwork"),
    (re.compile(r"^/services/storageservices/([^/]+)/migration/?$", re.I), "storageAccount"),
    (re.compile(r"^/services/networking/reservedips/([^/]+)/migration/?$", re.I), "reservedIp"),
    (
        re.compile(r"^/services/networking/networksecuritygroups/([^/]+)/migration/?$", re.I),
        "networkSecurityGroup",
    ),
    (re.compile(r"^/services/networking/routetables/([^/]+)/migration/?$", re.I), "routeTable"),
]


def unit_of_path(rest: str) -> str | None:
    """`KIND/NAME` of a migration call (so request faults can match a unit), else None."""
    if not rest.endswith(("/migration", "/migration/")):
        return None
    for regex, kind in _UNIT_PATHS:
        match = regex.match(rest)
        if match:
            return f"{kind}/{match.group(1)}"
    return None


def _split_arm(path: str) -> tuple[str, str]:
    """`/subscriptions/{sub}/rest…` → (sub, `/rest…`)."""
    parts = path.split("/", 3)
    return parts[2], "/" + (parts[3] if len(parts) > 3 else "")


def _split_asm(path: str) -> tuple[str, str]:
    """`/{sub}/rest…` → (sub, `/rest…`)."""
    parts = path.split("/", 2)
    return (parts[1] if len(parts) > 1 else ""), "/" + (parts[2] if len(parts) > 2 else "")


@dataclass(frozen=True)
class Api:
    """How one of the platform's two APIs differs on the way through `_dispatch`: its routes,
    how its path names the subscription, the shape of its errors, and what it answers when the
    subscription or the route is unknown."""

    name: str
    router: Router
    split: Callable[[str], tuple[str, str]]
    error: Callable[..., Reply]
    wrong_subscription: Callable[[str], Reply]
    not_found: Callable[[str], Reply]
    needs_version: bool  # ASM requires `x-ms-version`
    call_path: Callable[[str, str], str]  # (full path, path after the subscription) → Call.path
    unit: Callable[[str], str | None]  # `KIND/NAME` of a migration call (for request faults)


ARM = Api(
    name="arm",
    router=arm_router,
    split=_split_arm,
    error=_arm_error,
    wrong_subscription=lambda sub: _arm_error(
        404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found."
    ),
    not_found=lambda path: _arm_error(
        404, "InvalidResourceType", f"The resource path '{path}' was not found."
    ),
    needs_version=False,
    call_path=lambda path, _rest: path,
    unit=lambda _rest: None,
)
ASM = Api(
    name="asm",
    router=asm_router,
    split=_split_asm,
    error=_asm_error,
    wrong_subscription=lambda _sub: _asm_error(
        403,
        "ForbiddenError",
        "The server failed to authenticate the request. Verify that the certificate is valid and is associated with this subscription.",  # noqa: E501
    ),
    not_found=lambda path: _asm_error(
        404, "ResourceNotFound", f"The requested resource {path} does not exist."
    ),
    needs_version=True,
    call_path=lambda _path, rest: rest,
    unit=unit_of_path,
)


def api_of(path: str) -> Api:
    """ARM answers under `/subscriptions/`, ASM everywhere else (`/{subscription}/services/…`)."""
    return ARM if path.startswith("/subscriptions/") else ASM


def _is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


class Emulator:
    """Holds the backend of each subscription and answers requests."""

    def __init__(self, platforms: Platforms, token: str, base_url: str) -> None:
        self.platforms = platforms
        self.token = token
        self.base = base_url
        # GET answers are pure functions of the state; cached until the state next changes
        self._cache: dict[tuple[str, str, str], tuple[int, Reply]] = {}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        path = request.path
        body = b""
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            reply = self._too_large(path)
        else:
            try:
                reply = await self._dispatch(request, path, body)
            except Exception:
                log.exception("unhandled error on %s %s", request.method, path)
                reply = api_of(path).error(500, "InternalError", "Internal server error")
        if reply.mutated:
            self.platforms.save()
        if not path.startswith("/admin/"):  # the log is of platform traffic, not of its own inspection
            elapsed = (time.perf_counter() - started) * 1000
            admin.log_request(
                request.method,
                path,
                reply.status,
                self.platforms.clock.iso(),
                elapsed,
                request.query_string,
                request.headers.get("x-ms-version"),
                body,
            )
        headers = {"Content-Type": reply.content_type, **reply.headers}
        if not path.startswith("/admin") and "x-ms-request-id" not in reply.headers:
            headers["x-ms-request-id"] = uuid.uuid4().hex  # 32 hex digits, as the platform's
        return web.Response(
            status=reply.status, body=reply.body if reply.status != 204 else None, headers=headers
        )

    def _too_large(self, path: str) -> Reply:
        message = f"The request body is larger than {MAX_BODY} bytes."
        return api_of(path).error(413, "RequestEntityTooLarge", message)

    async def _dispatch(self, request: web.Request, path: str, body: bytes) -> Reply:
        """The request's way through the pipeline: each step answers, or passes it on."""
        for prefix, front in FRONT_DOORS:
            if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
                return front(self, request, path, body)
        api = api_of(path)
        sub, rest = api.split(path)
        refused = self._refusal(request, api)
        if refused is not None:
            return refused
        platform = self.platforms.get(sub)
        if platform is None:  # a subscription the emulator has no backend for
            return api.wrong_subscription(sub)
        query = dict(request.query)
        faulted = await self._request_fault(request, api, platform, path, sub, rest, query)
        if faulted is not None:
            return faulted
        mutated = ops.advance(platform)
        version = self.platforms.controls.version
        cache_key = (request.method, path, request.query_string)
        cached = self._cache.get(cache_key) if request.method == "GET" and not mutated else None
        if cached is not None and cached[0] == version:
            return cached[1]
        reply = self._route(request, api, platform, path, rest, query, body)
        reply.mutated = reply.mutated or mutated
        if request.method == "GET" and reply.status == 200 and not reply.mutated:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[cache_key] = (version, reply)
        return reply

    def _health(self, _request: web.Request, _path: str, _body: bytes) -> Reply:
        return json_reply(200, {"status": "ok"})

    def _refusal(self, request: web.Request, api: Api) -> Reply | None:
        """Why the platform refuses the request before reading it (auth, version header), or
        None; an unknown subscription is refused next."""
        if not self._authenticated(request):
            return api.error(
                401,
                "AuthenticationFailed",
                "The server failed to authenticate the request. Supply a bearer token or a management certificate.",  # noqa: E501
            )
        if api.needs_version and "x-ms-version" not in request.headers:
            return api.error(
                400,
                "MissingOrIncorrectVersionHeader",
                "The versioning header is not specified or was specified incorrectly.",
            )
        return None

    async def _request_fault(
        self,
        request: web.Request,
        api: Api,
        platform: Platform,
        path: str,
        sub: str,
        rest: str,
        query: dict[str, str],
    ) -> Reply | None:
        """The answer of a request fault that matches (after its delay, if it is one), or None."""
        ctx = {
            "method": request.method,
            "path": path,
            "api": api.name,
            "subscription": sub,
            "operation": query.get("comp"),
            "unit": api.unit(rest),
        }
        fault = faults.request_fault(platform, ctx)
        if fault is None:
            return None
        if fault["type"] == "delay":
            await asyncio.sleep(float(fault.get("seconds", 1.0)))
            return None
        status = int(fault.get("status", 500))
        code, message = ERROR_TEXT.get(status, ("InternalError", "Internal server error"))
        headers = {"Retry-After": str(fault["retryAfter"])} if fault.get("retryAfter") is not None else {}
        if status == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = "1"
        reply = api.error(status, fault.get("code") or code, fault.get("message") or message, headers)
        reply.mutated = True  # the fault's counter moved
        return reply

    def _route(
        self,
        request: web.Request,
        api: Api,
        platform: Platform,
        path: str,
        rest: str,
        query: dict[str, str],
        body: bytes,
    ) -> Reply:
        """The route's answer, its errors shaped as the API shapes them."""
        handler, params, known = api.router.route(request.method, rest)
        if handler is None:
            if known:
                return api.error(
                    405, "MethodNotAllowed", f"The method {request.method} is not allowed on {path}."
                )
            return api.not_found(path)
        call = Call(platform, request.method, rest, query, dict(request.headers), body, self.base, params)
        call.path = api.call_path(path, rest)
        try:
            return handler(call)
        except PlatformError as exc:
            return exc.reply()

    def _authenticated(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return True
        transport = request.transport
        return bool(transport and transport.get_extra_info("peercert"))

    def _admin(self, request: web.Request, path: str, body: bytes) -> Reply:
        if not _is_loopback(request.remote):
            return json_reply(403, {"error": "the admin API answers on loopback only"})
        auth = request.headers.get("Authorization", "")
        given = (
            auth[7:].strip()
            if auth.lower().startswith("bearer ")
            else request.headers.get("x-admin-token", "")
        )
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            return json_reply(401, {"error": "admin token missing or wrong"})
        handler, params, known = admin.router.route(request.method, path)
        if handler is None:
            return json_reply(405 if known else 404, {"error": f"no admin route {request.method} {path}"})
        call = Call(
            self.platforms.home,  # the admin API acts on the estate file's subscription
            request.method,
            path,
            dict(request.query),
            dict(request.headers),
            body,
            self.base,
            params,
        )
        try:
            return handler(call)
        except admin.AdminError as exc:
            return json_reply(exc.status, {"error": exc.message})


#: The emulator's own doors, before either API: (exact path, or prefix ending in `/`) → method.
FRONT_DOORS: list[tuple[str, Callable[[Emulator, web.Request, str, bytes], Reply]]] = [
    ("/admin/health", Emulator._health),
    ("/admin/", Emulator._admin),
]


def build_app(emulator: Emulator) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_route("*", "/{tail:.*}", emulator.handle)
    return app


def eprint(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)
