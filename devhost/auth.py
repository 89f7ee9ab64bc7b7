"""App Service authentication ("Easy Auth"), emulated for the local host.

On Azure, App Service authentication sits in front of the app: it signs users in with Entra ID,
strips every `X-MS-CLIENT-PRINCIPAL*` / `X-MS-TOKEN-*` header a caller sends, and injects its
own for a signed-in request (Microsoft Learn, "Work with user identities in Azure App Service
authentication"; "Customize sign-ins and sign-outs": `/.auth/login/<provider>`,
`post_login_redirect_uri`, the client-directed `POST /.auth/login/<provider>` answering
`{"authenticationToken", "user"}` used in `X-ZUMO-AUTH`). The devhost does the same on
127.0.0.1, except that there is no Entra ID: whoever signs in *states* the principal (name,
object id, roles), as the Static Web Apps CLI's local authentication emulator does. What the app
sees is the platform's shape: `X-MS-CLIENT-PRINCIPAL` (base64 JSON claims), `-ID`, `-NAME`,
`-IDP: aad`, and `WEBSITE_AUTH_ENABLED=True` in its settings.

Unauthenticated requests pass through without principal headers (App Service's
`unauthenticatedClientAction: AllowAnonymous`); the function keys still apply. Sessions and
tokens are stateless: HMAC-signed with a key derived from the host's master key, so they survive
a restart of the host (as an App Service session survives a restart of the app).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from aiohttp import web
from multidict import CIMultiDict

SESSION_COOKIE = "AppServiceAuthSession"
TOKEN_HEADER = "X-ZUMO-AUTH"  # noqa: S105 - a header name
SESSION_SECONDS = 8 * 3600  # App Service's default session cookie lifetime (8 h)
OID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
NAME_TYPE = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
ROLE_TYPE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
# the namespace of the object ids derived from a name when the sign-in states none
LOCAL_OID_NAMESPACE = uuid.UUID("6f0d6a3e-2f4b-4c1e-9d55-0c2a0a2b1d11")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STRIPPED = ("x-ms-client-principal", "x-ms-token-")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SignInError(ValueError):
    """A stated principal the emulation refuses; the message names the field."""


def local_object_id(name: str) -> str:
    """The object id of a principal signed in by name only: stable for the name (uuid5)."""
    return str(uuid.uuid5(LOCAL_OID_NAMESPACE, name.strip().casefold()))


@dataclass(frozen=True)
class Principal:
    name: str
    object_id: str
    roles: tuple[str, ...] = ()

    @classmethod
    def stated(cls, name: object, object_id: object = None, roles: object = None) -> Principal:
        """From what a sign-in states; SignInError naming the field when it is not usable."""
        if not isinstance(name, str) or not name.strip() or len(name) > 256:
            raise SignInError("name: the principal's name (e.g. a UPN) is required, 1-256 characters")
        if any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise SignInError("name: control characters are not allowed")
        oid = object_id.strip() if isinstance(object_id, str) else ""
        if object_id not in (None, "") and not _GUID.match(oid):
            raise SignInError("objectId: an Entra object id is a GUID")
        if roles is None:
            roles = []
        if not isinstance(roles, list) or not all(isinstance(r, str) and 0 < len(r) <= 100 for r in roles):
            raise SignInError("roles: a list of role names")
        return cls(name.strip(), (oid or local_object_id(name)).lower(), tuple(roles))

    def claims(self) -> dict[str, object]:
        """The decoded `X-MS-CLIENT-PRINCIPAL` of an Entra sign-in (auth_typ aad)."""
        claims = [
            {"typ": OID_CLAIM, "val": self.object_id},
            {"typ": UPN_CLAIM, "val": self.name},
            {"typ": NAME_TYPE, "val": self.name},
            {"typ": "preferred_username", "val": self.name},
        ]
        claims += [{"typ": ROLE_TYPE, "val": role} for role in self.roles]
        return {"auth_typ": "aad", "claims": claims, "name_typ": NAME_TYPE, "role_typ": ROLE_TYPE}

    def headers(self) -> dict[str, str]:
        encoded = base64.b64encode(json.dumps(self.claims()).encode()).decode()
        return {
            "X-MS-CLIENT-PRINCIPAL": encoded,
            "X-MS-CLIENT-PRINCIPAL-ID": self.object_id,
            "X-MS-CLIENT-PRINCIPAL-NAME": self.name,
            "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
        }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AuthEmulation:
    """The `/.auth/*` routes and the middleware that strips and injects the principal headers."""

    def __init__(self, master_key: str, now: Callable[[], float] = time.time) -> None:
        label = b"devhost App Service authentication"
        self._key = hmac.new(master_key.encode(), label, hashlib.sha256).digest()
        self._now = now

    # -- tokens (the session cookie's value and the client-directed token are the same thing) --
    def issue(self, principal: Principal) -> str:
        body = {
            "n": principal.name,
            "o": principal.object_id,
            "r": list(principal.roles),
            "x": int(self._now()) + SESSION_SECONDS,
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{_b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())}"

    def principal_of_token(self, token: str) -> Principal | None:
        payload, _, signature = (token or "").strip().partition(".")
        expected = _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())
        if not payload or not hmac.compare_digest(expected, signature):
            return None
        try:
            body = json.loads(_unb64(payload))
            if int(body["x"]) < self._now():
                return None
            return Principal(str(body["n"]), str(body["o"]), tuple(str(r) for r in body["r"]))
        except (ValueError, KeyError, TypeError):
            return None

    # -- routes ------------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/.auth/login/aad", self.login_page),
            web.post("/.auth/login/aad", self.client_login),
            web.post("/.auth/login/aad/callback", self.browser_callback),
            web.get("/.auth/me", self.me),
            web.get("/.auth/logout", self.logout),
        ]

    async def login_page(self, request: web.Request) -> web.Response:
        """The browser flow's sign-in page: state who you are (there is no Entra ID locally)."""
        target = _safe_redirect(request.query.get("post_login_redirect_uri"))
        return web.Response(text=_login_html(target), content_type="text/html", headers=_PAGE_HEADERS)

    async def browser_callback(self, request: web.Request) -> web.Response:
        raw = (await request.read()).decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(raw, max_num_fields=10).items()}
        target = _safe_redirect(form.get("post_login_redirect_uri"))
        try:
            roles = [r for r in (x.strip() for x in form.get("roles", "").split(",")) if r]
            principal = Principal.stated(form.get("name"), form.get("objectId"), roles)
        except SignInError as exc:
            return web.Response(
                status=400,
                text=_login_html(target, str(exc)),
                content_type="text/html",
                headers=_PAGE_HEADERS,
            )
        response = web.HTTPFound(target)
        response.set_cookie(
            SESSION_COOKIE,
            self.issue(principal),
            path="/",
            httponly=True,
            samesite="Lax",
            max_age=SESSION_SECONDS,
        )
        return response

    async def client_login(self, request: web.Request) -> web.Response:
        """The client-directed flow: a JSON body states the principal → `{"authenticationToken"}`."""
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.json_response({"error": 'body: expected {"name", "objectId"?, "roles"?}'}, status=400)
        try:
            principal = Principal.stated(body.get("name"), body.get("objectId"), body.get("roles"))
        except SignInError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(
            {"authenticationToken": self.issue(principal), "user": {"userId": principal.name}}
        )

    async def me(self, request: web.Request) -> web.Response:
        principal = self.principal_of(request)
        if principal is None:
            return web.json_response([], status=401)
        claims = principal.claims()
        return web.json_response(
            [
                {
                    "provider_name": "aad",
                    "user_id": principal.name,
                    "user_claims": claims["claims"],
                    "typ": claims["name_typ"],
                }
            ]
        )

    async def logout(self, request: web.Request) -> web.Response:
        response = web.HTTPFound(_safe_redirect(request.query.get("post_logout_redirect_uri")))
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    # -- every other request --------------------------------------------------------------------
    def principal_of(self, request: web.Request) -> Principal | None:
        token = request.headers.get(TOKEN_HEADER)
        if token:
            return self.principal_of_token(token)
        cookie = request.cookies.get(SESSION_COOKIE)
        return self.principal_of_token(cookie) if cookie else None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Strip caller-sent principal headers; inject the signed-in principal's (App Service's order)."""
        if request.path.startswith("/.auth/"):
            return await handler(request)
        principal = self.principal_of(request)
        if request.headers.get(TOKEN_HEADER) and principal is None:
            return web.json_response({"error": f"{TOKEN_HEADER}: not a valid or current token"}, status=401)
        headers = CIMultiDict(
            (k, v) for k, v in request.headers.items() if not k.lower().startswith(_STRIPPED)
        )
        if principal is not None:
            headers.update(principal.headers())
        return await handler(request.clone(headers=headers))


_PAGE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def _safe_redirect(target: str | None) -> str:
    """Only a path on this host (App Service allows external redirects only when configured)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_html(target: str, problem: str = "") -> str:
    note = f'<p class="problem">{html.escape(problem)}</p>' if problem else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in (devhost)</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:3em auto}}label{{display:block;margin:.8em 0}}
input{{width:100%;padding:.3em}}.problem{{color:#a00}}</style></head>
<body><h1>Sign in with Microsoft Entra ID (emulated)</h1>
<p>The devhost emulates App Service authentication on 127.0.0.1: there is no Entra ID here, so
state the principal the app should see.</p>{note}
<form method="post" action="/.auth/login/aad/callback">
<label>Name (user principal name) <input name="name" id="name" required maxlength="256"
 placeholder="approver@contoso.com"></label>
<label>Object id (optional; derived from the name when empty) <input name="objectId" id="objectId"
 placeholder="00000000-0000-0000-0000-000000000000"></label>
<label>Roles (comma-separated, optional) <input name="roles" id="roles"></label>
<input type="hidden" name="post_login_redirect_uri" value="{html.escape(target)}">
<button type="submit" id="sign-in">Sign in</button>
</form></body></html>
"""
