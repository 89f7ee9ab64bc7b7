"""How an HTTP route is registered, and how it refuses a request.

Every route of the API takes the request and the Durable client, and most refuse a request on
the way (a body that does not parse, an id that is not a unit, a setting that makes decisions
unsafe, …). The checks raise `Refused` with the answer they built; `http_route` registers the
route with the host and answers a `Refused` with its response, so a route reads as its way
through and every refusal is exactly the response its check built (docs/http-api.md).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import azure.durable_functions as df
import azure.functions as func

Route = Callable[[func.HttpRequest, df.DurableOrchestrationClient], Awaitable[func.HttpResponse]]


class Refused(Exception):
    """The answer a request gets instead of going on (its 400, 403, 404, 409 or 503)."""

    def __init__(self, answer: func.HttpResponse) -> None:
        super().__init__(answer.status_code)
        self.answer = answer


def answering_refusals(route: Route) -> Route:
    """`route`, answering a `Refused` raised in it with its response (any other error propagates)."""

    @functools.wraps(route)
    async def answered(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
        try:
            return await route(req, client)
        except Refused as refused:
            return refused.answer

    return answered


def http_route(
    bp: df.Blueprint, route: str, method: str, *, anonymous: bool = False
) -> Callable[[Route], Any]:
    """Register a route as the host's HTTP trigger of `method /api/<route>`, with the Durable
    client bound to its `client` parameter and its refusals answered (`answering_refusals`).

    Auth level `function` (the host checks the key), or `anonymous` for the review page's routes,
    which require a verified approver instead (a browser has no function key)."""
    level = func.AuthLevel.ANONYMOUS if anonymous else func.AuthLevel.FUNCTION

    def register(handler: Route) -> Any:
        with_client = bp.durable_client_input(client_name="client")(answering_refusals(handler))
        return bp.route(route=route, methods=[method], auth_level=level)(with_client)

    return register
