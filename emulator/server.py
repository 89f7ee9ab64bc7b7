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

from aiohttp import web

from emulator import admin, faults, ops
from emulator.arm.errors import ArmError
from emulator.arm.routes import router as arm_router
from emulator.asm.errors import AsmError
from emulator.asm.requests import MAX_BODY
from emulator.asm.routes import router as asm_router
from emulator.http import Call, Reply, json_reply
from emulator.state import Platform

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


def _is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


class Emulator:
    """Holds the platform and answers requests."""

    def __init__(self, platform: Platform, token: str, base_url: str) -> None:
        self.platform = platform
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
                reply = (_arm_error if path.startswith("/subscriptions/") else _asm_error)(
                    500, "InternalError", "Internal server error"
                )
        if reply.mutated:
            self.platform.save()
        if not path.startswith("/admin/"):  # the log is of platform traffic, not of its own inspection
            elapsed = (time.perf_counter() - started) * 1000
            admin.log_request(
                request.method,
                path,
                reply.status,
                self.platform.clock.iso(),
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
        if path.startswith("/subscriptions/"):
            return _arm_error(413, "RequestEntityTooLarge", message)
        return _asm_error(413, "RequestEntityTooLarge", message)

    async def _dispatch(self, request: web.Request, path: str, body: bytes) -> Reply:
        p = self.platform
        if path == "/admin/health":
            return json_reply(200, {"status": "ok"})
        if path.startswith("/admin/"):
            return self._admin(request, path, body)
        arm = path.startswith("/subscriptions/")
        err = _arm_error if arm else _asm_error
        if not self._authenticated(request):
            return err(
                401,
                "AuthenticationFailed",
                "The server failed to authenticate the request. Supply a bearer token or a management certificate.",  # noqa: E501
            )
        parts = path.split("/", 3) if arm else path.split("/", 2)
        sub = parts[2] if arm and len(parts) > 2 else (parts[1] if len(parts) > 1 else "")
        rest = "/" + (
            parts[3] if arm and len(parts) > 3 else (parts[2] if not arm and len(parts) > 2 else "")
        )
        if not arm and "x-ms-version" not in request.headers:
            return err(
                400,
                "MissingOrIncorrectVersionHeader",
                "The versioning header is not specified or was specified incorrectly.",
            )
        if sub.lower() != p.subscription.lower():
            if arm:
                return err(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
            return err(
                403,
                "ForbiddenError",
                "The server failed to authenticate the request. Verify that the certificate is valid and is associated with this subscription.",  # noqa: E501
            )
        query = dict(request.query)
        ctx = {
            "method": request.method,
            "path": path,
            "api": "arm" if arm else "asm",
            "subscription": sub,
            "operation": query.get("comp"),
            "unit": None if arm else unit_of_path(rest),
        }
        fault = faults.request_fault(p, ctx)
        mutated = False
        if fault is not None:
            if fault["type"] == "delay":
                await asyncio.sleep(float(fault.get("seconds", 1.0)))
            else:
                status = int(fault.get("status", 500))
                code, message = ERROR_TEXT.get(status, ("InternalError", "Internal server error"))
                headers = (
                    {"Retry-After": str(fault["retryAfter"])} if fault.get("retryAfter") is not None else {}
                )
                if status == 429 and "Retry-After" not in headers:
                    headers["Retry-After"] = "1"
                reply = err(status, fault.get("code") or code, fault.get("message") or message, headers)
                reply.mutated = True  # the fault's counter moved
                return reply
        if ops.advance(p):
            mutated = True
        cache_key = (request.method, path, request.query_string)
        if request.method == "GET" and not mutated:
            cached = self._cache.get(cache_key)
            if cached is not None and cached[0] == p.version:
                return cached[1]
        router = arm_router if arm else asm_router
        handler, params, known = router.route(request.method, rest)
        if handler is None:
            if known:
                reply = err(405, "MethodNotAllowed", f"The method {request.method} is not allowed on {path}.")
            elif arm:
                reply = err(404, "InvalidResourceType", f"The resource path '{path}' was not found.")
            else:
                reply = err(404, "ResourceNotFound", f"The requested resource {path} does not exist.")
            reply.mutated = mutated
            return reply
        call = Call(p, request.method, rest, query, dict(request.headers), body, self.base, params)
        call.path = path if arm else rest
        try:
            reply = handler(call)
        except AsmError as exc:
            reply = _asm_error(exc.status, exc.code, exc.message)
        except ArmError as exc:
            reply = json_reply(exc.status, exc.body())
        reply.mutated = reply.mutated or mutated
        if request.method == "GET" and reply.status == 200 and not reply.mutated:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[cache_key] = (p.version, reply)
        return reply

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
            self.platform,
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


def build_app(emulator: Emulator) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_route("*", "/{tail:.*}", emulator.handle)
    return app


def eprint(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)
