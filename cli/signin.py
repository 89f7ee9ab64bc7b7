"""Signing in to the app the way App Service authentication expects, for the CLI and the tests.

Locally the devhost emulates App Service authentication (`docs/devhost.md`, *Sign-in*): its
client-directed flow takes the principal the caller states (`POST /.auth/login/aad` with
`{"name", "objectId"?, "roles"?}`) and answers `{"authenticationToken"}`, which later requests
carry in `X-ZUMO-AUTH`; the host then injects the principal headers the app trusts. On Azure
there is nothing to state: the CLI sends an Entra bearer token (`C2ARM_APP_SCOPE`) and the
platform signs the request in itself.
"""

from __future__ import annotations

import getpass

import httpx

TOKEN_HEADER = "X-ZUMO-AUTH"  # noqa: S105 - a header name


class SignInFailed(Exception):
    """The sign-in was refused or the host was not reached; the message says which."""


def default_principal() -> str:
    """Who the CLI signs in as on the local stack when no `--as` is given: the OS user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "operator"
    return f"{user}@c2arm.local"


def sign_in(
    app_url: str,
    name: str,
    *,
    object_id: str | None = None,
    roles: tuple[str, ...] = (),
    timeout: float = 15.0,
) -> str:
    """The session token of `name` from the host's client-directed sign-in (`POST /.auth/login/aad`)."""
    origin = app_url.rstrip("/").removesuffix("/api")
    body: dict[str, object] = {"name": name, "roles": list(roles)}
    if object_id:
        body["objectId"] = object_id
    try:
        response = httpx.post(f"{origin}/.auth/login/aad", json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        why = exc or type(exc).__name__
        raise SignInFailed(f"cannot reach the c2arm app at {origin} to sign in: {why}") from None
    if response.status_code == 404:
        raise SignInFailed(f"{origin} offers no sign-in (/.auth/login/aad): is authentication emulated?")
    try:
        token = response.json().get("authenticationToken") if response.status_code == 200 else None
    except ValueError:
        token = None
    if not isinstance(token, str) or not token:
        raise SignInFailed(f"sign-in as {name} refused ({response.status_code}): {response.text[:300]}")
    return token


def auth_headers(token: str) -> dict[str, str]:
    """The header that carries a client-directed sign-in's token."""
    return {TOKEN_HEADER: token}


def signed_in(
    app_url: str,
    name: str,
    *,
    object_id: str | None = None,
    roles: tuple[str, ...] = (),
    timeout: float = 15.0,
) -> dict[str, str]:
    """Sign in as `name` and return the headers of its requests (tests, the demo, the chaos run)."""
    return auth_headers(sign_in(app_url, name, object_id=object_id, roles=roles, timeout=timeout))
