"""`triggers/_routes.py`: a route registered with `http_route` answers a raised `Refused` with its
response, lets every other error through, and shows the host the bindings the stacked
decorators did (its own name and parameters, the Durable client, the auth level)."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

import azure.durable_functions as df
import azure.functions as func
import pytest

from triggers._routes import Refused, answering_refusals, http_route

REQUEST = func.HttpRequest("GET", "http://127.0.0.1/api/things/t1", body=b"", route_params={"id": "t1"})


def test_a_refusal_raised_in_a_route_is_its_answer() -> None:
    answer = func.HttpResponse('{"error": "no thing t1"}', status_code=404)

    async def route(req: func.HttpRequest, client: Any) -> func.HttpResponse:  # noqa: ARG001 - a route's signature
        raise Refused(answer)

    assert asyncio.run(answering_refusals(route)(REQUEST, None)) is answer


def test_a_route_that_does_not_refuse_answers_itself_and_any_other_error_goes_through() -> None:
    async def route(req: func.HttpRequest, client: Any) -> func.HttpResponse:
        if client == "broken":
            raise RuntimeError("a bug")
        return func.HttpResponse(req.route_params["id"])

    assert asyncio.run(answering_refusals(route)(REQUEST, None)).get_body() == b"t1"
    with pytest.raises(RuntimeError, match="a bug"):
        asyncio.run(answering_refusals(route)(REQUEST, "broken"))


@pytest.mark.parametrize(("anonymous", "level"), [(False, "FUNCTION"), (True, "ANONYMOUS")])
def test_the_host_sees_the_route_its_client_binding_and_its_signature(anonymous: bool, level: str) -> None:
    bp = df.Blueprint()

    @http_route(bp, "things/{id}", "GET", anonymous=anonymous)
    async def get_thing(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:  # noqa: ARG001
        raise Refused(func.HttpResponse("gone", status_code=404))

    app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
    app.register_functions(bp)
    (function,) = app.get_functions()
    bindings = {b["type"]: b for b in json.loads(function.get_function_json())["bindings"]}
    assert function.get_function_name() == "get_thing"
    assert bindings["durableClient"]["name"] == "client"
    trigger = bindings["httpTrigger"]
    assert (trigger["route"], trigger["methods"], trigger["authLevel"]) == ("things/{id}", ["GET"], level)
    user = function.get_user_function()
    assert inspect.iscoroutinefunction(user) and list(inspect.signature(user).parameters) == ["req", "client"]
