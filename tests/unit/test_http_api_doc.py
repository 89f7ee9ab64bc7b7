"""docs/http-api.md cannot drift from the app: every HTTP route `function_app.py` registers is
documented (method, route, function name, auth level), and the page documents no route the app
lacks. The routes come from the app's own bindings, as the host reads them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.security.routes import http_routes

DOC = Path(__file__).resolve().parents[2] / "docs" / "http-api.md"
# `GET /api/migrations/{id}/report` (a query string after the path is allowed: `?phase=…`)
DOC_ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) /api/([A-Za-z0-9{}/_.-]+)[^`]*`")


def registered_routes() -> list[dict[str, Any]]:
    """(method, route, function name, auth level) of every HTTP trigger of the app, one per method."""
    return [
        {"method": method, "route": r["route"], "name": r["name"], "auth": r["auth"]}
        for r in http_routes()
        for method in r["methods"]
    ]


def _table_rows(text: str) -> dict[tuple[str, str], str]:
    """The "Routes at a glance" table: (method, route) → the row's text."""
    section = text.split("## Routes at a glance", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = DOC_ROUTE.search(line) if line.startswith("|") else None
        if match:
            rows[(match.group(1), match.group(2))] = line
    return rows


def test_the_app_has_http_routes_to_document() -> None:
    routes = registered_routes()
    assert len(routes) >= 14 and {r["name"] for r in routes} >= {"submit_migration", "review_decision"}


def test_every_registered_route_is_in_the_table_with_its_function_and_auth() -> None:
    rows = _table_rows(DOC.read_text(encoding="utf-8"))
    problems = []
    for route in registered_routes():
        row = rows.get((route["method"], route["route"]))
        if row is None:
            problems.append(f"{route['method']} /api/{route['route']}: not in the table")
            continue
        cells = [c.strip() for c in row.strip("|").split("|")]
        if cells[1] != f"`{route['name']}`":
            problems.append(f"{route['method']} /api/{route['route']}: function {cells[1]} ≠ {route['name']}")
        expected_auth = "anonymous" if route["auth"] == "anonymous" else "function key"
        if not cells[2].startswith(expected_auth):
            problems.append(
                f"{route['method']} /api/{route['route']}: auth {cells[2]!r}, app says {route['auth']}"
            )
    assert problems == []


def test_every_registered_route_has_its_own_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    headings = {
        (m.group(1), m.group(2))
        for m in DOC_ROUTE.finditer("\n".join(line for line in text.splitlines() if line.startswith("### ")))
    }
    missing = [
        f"{r['method']} /api/{r['route']}"
        for r in registered_routes()
        if (r["method"], r["route"]) not in headings
    ]
    assert missing == []


def test_the_page_documents_no_route_the_app_lacks() -> None:
    registered = {(r["method"], r["route"]) for r in registered_routes()}
    documented = {(m.group(1), m.group(2)) for m in DOC_ROUTE.finditer(DOC.read_text(encoding="utf-8"))}
    assert documented - registered == set()
