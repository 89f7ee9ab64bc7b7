"""The entity routes of the Durable HTTP API (`…/entities/{name}[/{key}]`), RPC and webhook alike.

As the extension's `HttpApiHandler`: `GET …/entities/{name}/{key}` → 200 with the entity's state
(JSON), 404 (empty body) when it does not exist; `GET …/entities/{name}` lists the entities of that
name (`top`, `fetchState`, paging with `x-ms-continuation-token`); `POST …/entities/{name}/{key}?op=X`
signals operation X with the body as input (parsed when `application/json`, else the text) → 202;
`DELETE …/entities/{name}/{key}` signals `delete`. The RPC client (`signal_entity`) sends the input
JSON-encoded twice, like every RPC body. An empty name or key → 400.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from devhost.engine import Engine
from devhost.entities import check_entity_id, scheduler_id

RPC = "/durabletask"
PAGE_SIZE = 100


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"Message": message, "ExceptionMessage": message}, status=status)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EntityApi:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def routes(self, base: str) -> list[web.RouteDef]:
        return [
            web.get(f"{base}/entities/{{name}}", self.list_entities),
            web.get(f"{base}/entities/{{name}}/{{key}}", self.read),
            web.post(f"{base}/entities/{{name}}/{{key}}", self.signal),
            web.delete(f"{base}/entities/{{name}}/{{key}}", self.signal),
        ]

    async def read(self, request: web.Request) -> web.Response:
        name, key = request.match_info["name"], request.match_info["key"]
        if problem := check_entity_id(name, key):
            return _error(400, problem)
        row = self.engine.store.get_entity(scheduler_id(name, key))
        if row is None:
            return web.Response(status=404)
        return web.Response(
            status=200,
            text=row["state"] if row["state"] is not None else "null",
            content_type="application/json",
        )

    async def signal(self, request: web.Request) -> web.Response:
        name, key = request.match_info["name"], request.match_info["key"]
        if problem := check_entity_id(name, key):
            return _error(400, problem)
        op = "delete" if request.method == "DELETE" else request.query.get("op", "")
        raw = await request.read()
        input_text: str | None = None
        if raw.strip():
            text = raw.decode("utf-8", errors="replace")
            if request.content_type == "application/json":
                try:
                    parsed = json.loads(text)
                except ValueError as exc:
                    return _error(400, f"Could not parse JSON content: {exc}")
                # RPC bodies are encoded once more (the SDK serializes, then aiohttp `json=` again)
                input_text = (
                    parsed if request.path.startswith(RPC + "/") and isinstance(parsed, str) else text
                )
            else:
                input_text = json.dumps(text)
        await self.engine.signal_entity(scheduler_id(name, key), op, input_text)
        return web.Response(status=202)

    async def list_entities(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        fetch_state = request.query.get("fetchState", "").lower() == "true"
        try:
            offset = int(request.headers.get("x-ms-continuation-token") or 0)
            top = max(int(request.query.get("top") or PAGE_SIZE), 1)
        except ValueError as exc:
            return _error(400, f"top / x-ms-continuation-token: {exc}")
        rows = self.engine.store.query_entities(name.lower())
        items: list[dict[str, Any]] = []
        for row in rows[offset : offset + top]:
            item: dict[str, Any] = {
                "entityId": {"name": row["name"], "key": row["key"]},
                "lastOperationTime": _iso(row["last_op"]),
            }
            if fetch_state:
                item["state"] = json.loads(row["state"]) if row["state"] is not None else None
            items.append(item)
        headers = {"x-ms-continuation-token": str(offset + top)} if offset + top < len(rows) else {}
        return web.json_response(items, headers=headers)
