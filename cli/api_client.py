"""The operator commands' client for the c2arm app's HTTP API (docs/contract.md, docs/http-api.md).

Where the app is:
- the local stack: `<state-dir>/stack.json` written by `c2arm up` (`appUrl`, `functionKey`,
  `subscriptionId`, `storageConnectionString` …);
- a deployed Function App: `--app URL` and the function key in the environment (`C2ARM_KEY`,
  never a flag, so it stays out of shell history). When the app sits behind App Service
  authentication, `C2ARM_APP_SCOPE` (e.g. `api://<app client id>/.default`) makes the client
  send an Entra token for it from azure-identity's `DefaultAzureCredential`; the credential is
  only asked for a token when a request is sent.

Every failure becomes an `ApiError` whose message says what went wrong and what to do, so the
commands print one line and exit non-zero instead of a traceback. Keys never appear in messages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from cli.signin import SignInFailed, auth_headers, sign_in
from connectors.closing import Closing

KEY_HEADER = "x-functions-key"
DEFAULT_STATE_DIR = Path(".c2arm")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ApiError(Exception):
    """A call to the app failed; `status` is the HTTP status (0 when the app was not reached)."""

    def __init__(self, message: str, status: int = 0, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class ConfigError(ApiError):
    """Where the app is, or how to authenticate, is not known (no stack.json, no key …)."""


@dataclass(frozen=True)
class StackInfo:
    """The parts of `stack.json` the operator commands use."""

    app_url: str
    function_key: str
    subscription_id: str | None = None
    storage_connection_string: str | None = None
    ca_file: str | None = None


def read_stack_raw(state_dir: Path) -> dict[str, Any]:
    """The whole `stack.json` of a running local stack, or ConfigError saying how to get one."""
    path = state_dir / "stack.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(
            f"no local stack: {path} does not exist. Start one with `c2arm up --estate FILE`, "
            "or point at a deployed app with --app URL and C2ARM_KEY."
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object; restart the stack with `c2arm up`")
    return data


def read_stack(state_dir: Path) -> StackInfo:
    """The app's address and key from `stack.json` (see `read_stack_raw`)."""
    path = state_dir / "stack.json"
    data = read_stack_raw(state_dir)
    missing = [k for k in ("appUrl", "functionKey") if not isinstance(data.get(k), str) or not data.get(k)]
    if missing:
        raise ConfigError(f"{path} lacks {', '.join(missing)}; restart the stack with `c2arm up`")
    return StackInfo(
        app_url=data["appUrl"].rstrip("/"),
        function_key=data["functionKey"],
        subscription_id=data.get("subscriptionId"),
        storage_connection_string=data.get("storageConnectionString"),
        ca_file=data.get("caFile"),
    )


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


class _EntraAuth(httpx.Auth):
    """Bearer token for the app's Entra registration, fetched lazily and refreshed by the SDK."""

    def __init__(self, credential: Any, scope: str) -> None:
        self.credential = credential
        self.scope = scope

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.credential.get_token(self.scope).token}"
        yield request


def _error_text(response: httpx.Response) -> tuple[str, Any]:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return (text[:300] or response.reason_phrase), text
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts = [
                f"{e.get('field', '?')}: {e.get('message', '')}" if isinstance(e, Mapping) else str(e)
                for e in errors
            ]
            return "; ".join(parts), body
        for key in ("error", "message", "detail"):
            value = body.get(key)
            if isinstance(value, Mapping):
                value = value.get("message")
            if value:
                return str(value), body
        if "phase" in body:
            return f"the migration is {body['phase']}", body
    return json.dumps(body)[:300], body


class ApiClient(Closing):
    """Typed calls to the app's routes; one `httpx.Client` per command run."""

    def __init__(
        self,
        app_url: str,
        function_key: str | None,
        *,
        credential: Any = None,
        scope: str | None = None,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
        stack: StackInfo | None = None,
    ) -> None:
        parts = urlsplit(app_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(
                f"--app: {app_url!r} is not an http(s) URL such as https://myapp.azurewebsites.net"
            )
        if parts.scheme == "http" and not is_loopback(app_url):
            raise ConfigError(
                f"--app: {app_url!r} must use https: the function key would cross the network in clear"
            )
        self.app_url = app_url.rstrip("/").removesuffix("/api")
        self.stack = stack
        self._tokens: dict[str, str] = {}
        headers = {KEY_HEADER: function_key} if function_key else {}
        auth = _EntraAuth(credential, scope) if credential is not None and scope else None
        self._http = httpx.Client(
            base_url=f"{self.app_url}/api", headers=headers, timeout=timeout, transport=transport, auth=auth
        )

    @classmethod
    def resolve(cls, app: str | None, state_dir: Path, env: Mapping[str, str] | None = None) -> ApiClient:
        """The client for `--app` (+ `C2ARM_KEY`, `C2ARM_APP_SCOPE`) or else the local stack."""
        env = os.environ if env is None else env
        if not app:
            stack = read_stack(state_dir)
            return cls(stack.app_url, stack.function_key, stack=stack)
        key = env.get("C2ARM_KEY")
        if not key:
            raise ConfigError("--app needs the app's function key in the environment variable C2ARM_KEY")
        scope = env.get("C2ARM_APP_SCOPE")
        credential = None
        if scope:
            from azure.identity import DefaultAzureCredential  # constructing it touches no network

            credential = DefaultAzureCredential()
        return cls(app, key, credential=credential, scope=scope)

    def close(self) -> None:
        self._http.close()

    # -- transport ---------------------------------------------------------------------------
    def _unreachable(self, exc: Exception) -> ApiError:
        return ApiError(f"cannot reach the c2arm app at {self.app_url}: {exc or type(exc).__name__}")

    def _call(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise ApiError(
                f"the c2arm app at {self.app_url} did not answer {method} /api{path} in time"
            ) from None
        except httpx.TransportError as exc:
            raise ApiError(
                f"cannot reach the c2arm app at {self.app_url}: {exc or type(exc).__name__}"
            ) from None
        if response.status_code in ok:
            return response
        message, body = _error_text(response)
        if response.status_code == 401:
            message = "the app refused the function key (401): check C2ARM_KEY or the stack's keys"
        raise ApiError(f"{method} /api{path} → {response.status_code}: {message}", response.status_code, body)

    def _json(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any) -> dict[str, Any]:
        response = self._call(method, path, ok=ok, **kwargs)
        try:
            body = response.json()
        except ValueError:
            raise ApiError(
                f"{method} /api{path}: the app answered {response.status_code} without JSON"
            ) from None
        if not isinstance(body, dict):
            raise ApiError(f"{method} /api{path}: expected a JSON object, got {type(body).__name__}")
        return body

    @staticmethod
    def _id(value: str) -> str:
        return quote(value, safe="")

    def _principal(self, principal: str | None) -> dict[str, str]:
        """The headers of a request made as `principal`: signed in through the host's sign-in
        (the devhost's emulation of App Service authentication), once per principal and client.
        None: no sign-in (on Azure the Entra bearer token signs every request in)."""
        if not principal:
            return {}
        if principal not in self._tokens:
            try:
                timeout = self._http.timeout.read or 15.0
                self._tokens[principal] = sign_in(self.app_url, principal, timeout=timeout)
            except SignInFailed as exc:
                raise ApiError(str(exc)) from None
        return auth_headers(self._tokens[principal])

    # -- migrations --------------------------------------------------------------------------
    def submit(self, request: Mapping[str, Any], principal: str | None = None) -> dict[str, Any]:
        """POST /api/migrations → `{"id", "phase", "statusUrl"}` (202), signed in as `principal`."""
        headers = self._principal(principal)
        return self._json("POST", "/migrations", ok=(202,), json=dict(request), headers=headers)

    def migration(self, instance_id: str) -> dict[str, Any]:
        return self._json("GET", f"/migrations/{self._id(instance_id)}")

    def migrations(self, phase: str | None = None) -> list[dict[str, Any]]:
        """Every migration (all pages of `GET /api/migrations`)."""
        out: list[dict[str, Any]] = []
        params: dict[str, str] = {"phase": phase} if phase else {}
        while True:
            body = self._json("GET", "/migrations", params=params)
            out.extend(m for m in body.get("migrations") or [] if isinstance(m, dict))
            token = body.get("continuationToken")
            if not token:
                return out
            params = {**params, "continuationToken": str(token)}

    def decide(
        self, instance_id: str, decision: str, comment: str | None, principal: str | None
    ) -> dict[str, Any]:
        """POST approve (`decision="approve"`) or abort with the approver header."""
        if decision not in {"approve", "abort"}:
            raise ValueError(f"decision must be approve or abort, not {decision!r}")
        return self._json(
            "POST",
            f"/migrations/{self._id(instance_id)}/{decision}",
            ok=(202,),
            json={"comment": comment or ""},
            headers=self._principal(principal),
        )

    def report(self, instance_id: str) -> dict[str, Any]:
        return self._json("GET", f"/migrations/{self._id(instance_id)}/report")

    def review_page(self, instance_id: str, principal: str | None = None) -> str:
        return self._call(
            "GET", f"/migrations/{self._id(instance_id)}/review", headers=self._principal(principal)
        ).text

    def review_decision(
        self, instance_id: str, token: str, decision: str, comment: str, principal: str | None
    ) -> httpx.Response:
        """What the review page's buttons send: a form post with the anti-forgery token and no key."""
        url = f"{self.app_url}/api/migrations/{self._id(instance_id)}/review/decision"
        form = {"decision": decision, "comment": comment, "token": token}
        try:
            return httpx.post(url, data=form, headers=self._principal(principal), timeout=self._http.timeout)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None

    def audit(self, instance_id: str) -> dict[str, Any]:
        return self._json("GET", f"/migrations/{self._id(instance_id)}/audit")

    # -- validations (no effect on the platform) ---------------------------------------------
    def start_validation(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /api/validations → `{"id", "phase", "statusUrl"}` (202)."""
        return self._json("POST", "/validations", ok=(202,), json=dict(body))

    def validation(self, validation_id: str) -> dict[str, Any]:
        return self._json("GET", f"/validations/{self._id(validation_id)}")

    # -- plans -------------------------------------------------------------------------------
    def start_plan(self, body: Mapping[str, Any], principal: str | None = None) -> dict[str, Any]:
        return self._json("POST", "/plans", ok=(202,), json=dict(body), headers=self._principal(principal))

    def plan(self, plan_id: str) -> dict[str, Any]:
        return self._json("GET", f"/plans/{self._id(plan_id)}")

    def approve_wave(
        self, plan_id: str, wave: int, comment: str | None, principal: str | None
    ) -> dict[str, Any]:
        return self._json(
            "POST",
            f"/plans/{self._id(plan_id)}/approve",
            ok=(202,),
            json={"wave": wave, "comment": comment or ""},
            headers=self._principal(principal),
        )
