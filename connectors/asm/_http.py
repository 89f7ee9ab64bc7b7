"""The ASM (Service Management) HTTP layer: auth, TLS, `x-ms-version`, limits, quick retries.

One `AsmHttp` per subscription. It is the only place that sends a request to the classic API:
the migration calls and the reads above it only name a path, a service and a body.

- Auth: a bearer token from an azure-core credential (scope: the cloud's ASM scope) or the
  management certificate presented in TLS — never both, never neither (checked at construction).
- TLS: the CA bundle (the emulator's CA locally; the system's on Azure) in one `ssl.SSLContext`
  that also carries the client certificate. A certificate the CA bundle does not trust fails at
  once as a `ConfigurationError` naming `AZURE_CA_BUNDLE`; it is never retried.
- Quick retries: a transient failure is retried inside the call, bounded by a count and by
  seconds (`Retry-After` honoured); anything longer is the orchestrator's, with a durable
  timer. A POST that may have reached the platform (a 5xx or a timeout after sending) is not
  retried here: the caller re-reads the unit's `MigrationState` first (see `migration.py`).
- Size: an answer larger than `max_body_bytes` is refused before it is parsed.
- `transport` (tests, proxies) replaces httpx's own: it must carry the TLS configuration
  (`ssl_context(ca_bundle, certificate)`), since httpx then ignores the client's `verify`.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from azure.core.credentials import TokenCredential

from connectors.asm.xml_common import parse_error_body
from connectors.closing import Closing
from connectors.credentials import ManagementCertificate, ssl_context
from connectors.errors import (
    AzureCallError,
    ConfigurationError,
    PermanentError,
    Reason,
    TransientError,
    answer_error,
    quick_retry_wait,
    untrusted_certificate,
)
from connectors.ratelimit import RateLimiter, shared_limiter

log = logging.getLogger("c2arm.connectors.asm")

#: `x-ms-version` per classic service, as the platform's own SDKs send it.
SERVICE_VERSIONS: dict[str, str] = {"compute": "2017-01-01", "network": "2016-07-01", "storage": "2016-03-01"}
MAX_BODY_BYTES = 16 * 1024 * 1024
# Statuses at which the platform has certainly not acted on a request: safe to resend a POST.
_NOT_PROCESSED = (429, 503)


class AsmHttp(Closing):
    """Sends requests to one subscription's classic API and turns failures into typed errors."""

    def __init__(
        self,
        base_url: str,
        subscription_id: str,
        *,
        credential: TokenCredential | None = None,
        scope: str = "",
        certificate: ManagementCertificate | None = None,
        ca_bundle: Any = None,
        timeout: float = 30.0,
        quick_retries: int = 3,
        quick_retry_max_seconds: float = 10.0,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        if credential is None and certificate is None:
            raise ConfigurationError(
                "ASM client: no credential: give a token credential (ASM_AUTH=token with an identity or "
                "AZURE_ACCESS_TOKEN) or a management certificate (ASM_AUTH=certificate)",
                setting="ASM_AUTH",
            )
        if credential is not None and certificate is not None:
            raise ConfigurationError(
                "ASM client: give a token credential or a certificate, not both", setting="ASM_AUTH"
            )
        if credential is not None and not scope:
            raise ConfigurationError(
                "ASM client: a token credential needs the ASM scope", setting="AZURE_CLOUD"
            )
        if not base_url.startswith("https://"):
            raise ConfigurationError(f"ASM_ENDPOINT: {base_url!r} is not https", setting="ASM_ENDPOINT")
        self.base_url = base_url.rstrip("/")
        self.subscription_id = subscription_id
        self.auth_mode = "token" if credential is not None else "certificate"
        self._credential = credential
        self._scope = scope
        self._limiter = limiter or shared_limiter()
        self._sleep = sleep
        self._retries = max(0, quick_retries)
        self._retry_budget = max(0.0, quick_retry_max_seconds)
        self._max_body = max_body_bytes
        verify: ssl.SSLContext = ssl_context(ca_bundle, certificate)
        self._client = httpx.Client(
            base_url=f"{self.base_url}/{subscription_id}",
            verify=verify,
            timeout=timeout,
            transport=transport,
            trust_env=False,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def _headers(self, service: str, has_body: bool) -> dict[str, str]:
        headers = {"x-ms-version": SERVICE_VERSIONS[service], "Accept": "application/xml"}
        if has_body:
            headers["Content-Type"] = "application/xml; charset=utf-8"
        if self._credential is not None:
            token = self._credential.get_token(self._scope).token
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def request(
        self,
        method: str,
        path: str,
        service: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        operation: str = "",
    ) -> httpx.Response:
        """Send one call (with bounded quick retries); the 2xx response, its body already read."""
        if service not in SERVICE_VERSIONS:
            raise ValueError(f"service {service!r}: not one of {', '.join(SERVICE_VERSIONS)}")
        operation = operation or f"{method} {path}"
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return self._send_once(method, path, service, params, body, operation)
            except TransientError as error:
                attempt += 1
                elapsed = time.monotonic() - started
                wait = quick_retry_wait(error, attempt)
                retriable = (
                    method == "GET" or error.status in _NOT_PROCESSED or error.reason == Reason.CONNECTION
                )
                if attempt > self._retries or not retriable or elapsed + wait > self._retry_budget:
                    raise
                log.info("asm %s: transient %s, retry %d in %.2f s", operation, error.reason, attempt, wait)
                self._sleep(wait)

    def _send_once(
        self,
        method: str,
        path: str,
        service: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        operation: str,
    ) -> httpx.Response:
        self._limiter.acquire(self.subscription_id, max_wait=self._retry_budget)
        request = self._client.build_request(
            method, path, params=params, content=body, headers=self._headers(service, body is not None)
        )
        try:
            response = self._client.send(request, stream=True)
        except httpx.ConnectError as exc:
            raise self._connect_error(exc, operation) from None
        except httpx.TimeoutException:
            raise TransientError(
                "the request timed out", reason=Reason.TIMEOUT, operation=operation
            ) from None
        except httpx.TransportError as exc:
            hint = ""
            if self.auth_mode == "certificate" and isinstance(exc, httpx.RemoteProtocolError):
                # A TLS 1.3 server that rejects a client certificate closes the connection after
                # the handshake; the client cannot tell that from a dropped connection.
                hint = " (if this persists, the platform may not accept the management certificate)"
            raise TransientError(
                f"connection failed: {type(exc).__name__}: {exc}{hint}",
                reason=Reason.CONNECTION,
                operation=operation,
            ) from None
        try:
            content = self._read_limited(response, operation)
        finally:
            response.close()
        if response.is_success:
            return response
        raise self._http_error(response, content, operation)

    def _read_limited(self, response: httpx.Response, operation: str) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self._max_body:
            raise PermanentError(
                f"answer of {declared} bytes exceeds the {self._max_body}-byte limit",
                reason=Reason.PROTOCOL,
                operation=operation,
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self._max_body:
                    raise PermanentError(
                        f"answer exceeds the {self._max_body}-byte limit",
                        reason=Reason.PROTOCOL,
                        operation=operation,
                    )
                chunks.append(chunk)
        except httpx.TransportError as exc:
            raise TransientError(
                f"connection failed while reading: {type(exc).__name__}",
                reason=Reason.CONNECTION,
                operation=operation,
            ) from None
        content = b"".join(chunks)
        response._content = content  # the body is read once, here, under the size limit
        return content

    def _http_error(self, response: httpx.Response, content: bytes, operation: str) -> AzureCallError:
        try:
            code, message = parse_error_body(content)
        except AzureCallError:
            code, message = "", ""
        if response.status_code in (401, 403):
            mode = "bearer token" if self.auth_mode == "token" else "management certificate"
            message = f"the platform refused the {mode}: {message or response.reason_phrase}"
        error = answer_error(response.status_code, code, message, response.headers, operation=operation)
        if error.status == 429:
            self._limiter.throttled(self.subscription_id, error.retry_after)
        return error

    def _connect_error(self, exc: httpx.ConnectError, operation: str) -> AzureCallError:
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc.__context__, ssl.SSLCertVerificationError):
            return untrusted_certificate(operation, self.base_url)
        if "SSL" in text or "TLS" in text:
            return ConfigurationError(
                f"{operation}: TLS handshake with {self.base_url} failed: {text}", setting="ASM_ENDPOINT"
            )
        return TransientError(
            f"cannot connect to {self.base_url}: {text}", reason=Reason.CONNECTION, operation=operation
        )
