"""Durable HTTP (`context.call_http`): the extension's built-in `BuiltIn::HttpActivity`, loopback only.

The request is the SDK's `DurableHttpRequest` JSON (`method`, `uri`, `content`, `headers`,
`tokenSource`); the result is the extension's `DurableHttpResponse` JSON (`statusCode`, `headers`
— one string per name, a list when repeated —, `content`). With the asynchronous pattern (on by
default): while the answer is 202 with a `Location`, wait `Retry-After` seconds (else
`httpSettings.defaultAsyncRequestSleepTimeMilliseconds`) of *virtual* time and GET the
`Location`, without the `x-functions-key` header, as the extension's polling does. The devhost
polls inside the one activity (the extension interleaves durable timers and further activity
calls in the orchestration's history); the orchestrator sees the same single task and result.
Only loopback targets (the house rule); a managed-identity token source cannot be honoured locally.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class DurableHttpError(RuntimeError):
    """The durable HTTP request cannot be made (the activity fails with this message)."""


def _check(uri: str) -> None:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in LOOPBACK_HOSTS:
        raise DurableHttpError(
            f"call_http: {uri!r} is not a loopback http(s) URL; the devhost makes durable HTTP calls "
            "to 127.0.0.1 / localhost only"
        )


def _headers_json(headers: Any) -> dict[str, Any]:
    out: dict[str, list[str]] = {}
    for name, value in headers.items():
        out.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in out.items()}


def _retry_after(headers: dict[str, Any], default_ms: int) -> float:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0]
    try:
        return float(int(str(value))) if value is not None else default_ms / 1000
    except ValueError:
        return default_ms / 1000


async def _send(
    session: aiohttp.ClientSession, method: str, uri: str, headers: dict[str, str], content: str | None
) -> dict[str, Any]:
    _check(uri)
    data = content.encode("utf-8") if content is not None else None
    async with session.request(method, uri, headers=headers, data=data, allow_redirects=False) as response:
        text = await response.text(errors="replace")
        return {"statusCode": response.status, "headers": _headers_json(response.headers), "content": text}


async def call_http(request_json: str | None, default_poll_ms: int, scale: float) -> str:
    """Make the request (and follow the 202 pattern); the `DurableHttpResponse` JSON text."""
    request = json.loads(request_json or "null")
    if not isinstance(request, dict) or not request.get("uri") or not request.get("method"):
        raise DurableHttpError("call_http: the request needs a method and a uri")
    if request.get("tokenSource"):
        raise DurableHttpError(
            "call_http: token_source (managed identity) is not available in the devhost; send the "
            "Authorization header yourself"
        )
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    timeout = aiohttp.ClientTimeout(total=90)  # the extension's default HTTP timeout is 90 s
    async with aiohttp.ClientSession(timeout=timeout) as session:
        uri = str(request["uri"])
        response = await _send(session, str(request["method"]).upper(), uri, headers, request.get("content"))
        poll_headers = {k: v for k, v in headers.items() if k.lower() != "x-functions-key"}
        while response["statusCode"] == 202:
            location = next((v for k, v in response["headers"].items() if k.lower() == "location"), None)
            if not location:
                break
            await asyncio.sleep(_retry_after(response["headers"], default_poll_ms) / scale)
            uri = urljoin(uri, location if isinstance(location, str) else location[0])
            response = await _send(session, "GET", uri, poll_headers, None)
    return json.dumps(response)
