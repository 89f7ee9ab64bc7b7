"""HTTP triggers of the sample app through plain HTTP: routes, methods, keys, errors, settings."""

from __future__ import annotations

import httpx
import pytest

from cli.stack.devhost import DevHost


@pytest.fixture(scope="module")
def http(sample_host: DevHost) -> httpx.Client:
    with httpx.Client(base_url=sample_host.url, timeout=10) as client:
        yield client


def test_anonymous_route_with_params_headers_and_app_settings(
    http: httpx.Client, sample_host: DevHost
) -> None:
    response = http.get("/api/hello/Ann?x=1&x=2&empty=", headers={"x-sample": "yes"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["greeting"] == "Hi, Ann"  # the environment beats local.settings.json ("Hello")
    assert body["params"] == {"x": "1,2"}  # repeats joined, empty values dropped
    assert body["header"] == "yes"
    assert body["method"] == "GET"
    assert body["host"] == f"localhost:{sample_host.port}"
    assert body["environment"] == "Development"


def test_function_keys_are_enforced(http: httpx.Client, sample_host: DevHost) -> None:
    missing = http.get("/api/items/5")
    wrong = http.get("/api/items/5", headers={"x-functions-key": "nope"})
    assert (missing.status_code, missing.content) == (401, b"")
    assert (wrong.status_code, wrong.content) == (401, b"")
    ok = http.get("/api/items/5", headers={"x-functions-key": sample_host.function_key})
    assert ok.status_code == 200
    assert ok.text == "item 5 GET"
    assert ok.headers["content-type"] == "text/plain; charset=utf-8"
    by_code = http.put(f"/api/items/6?code={sample_host.master_key}")
    assert by_code.text == "item 6 PUT"  # a host (master) key also opens function-level routes
    # the header wins over ?code=
    assert (
        http.get(
            "/api/items/5?code=" + sample_host.function_key, headers={"x-functions-key": "bad"}
        ).status_code
        == 401
    )


def test_admin_level_needs_the_master_key(http: httpx.Client, sample_host: DevHost) -> None:
    assert http.get("/api/secret", headers={"x-functions-key": sample_host.function_key}).status_code == 401
    assert http.get("/api/secret", headers={"x-functions-key": sample_host.master_key}).text == "admin only"
    assert http.get("/admin/host/status").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/items/abc", 404),  # {id:int}
        ("POST", "/api/items/5", 404),  # method not listed
        ("GET", "/api/no/such/route", 404),
        ("GET", "/api/boom", 500),
        ("GET", "/api/nothing", 204),
    ],
)
def test_status_codes(http: httpx.Client, sample_host: DevHost, method: str, path: str, status: int) -> None:
    response = http.request(method, path, headers={"x-functions-key": sample_host.function_key})
    assert response.status_code == status
    if status == 500:
        assert response.content == b""  # no traceback leaks to the caller


def test_catch_all_and_json_bodies(http: httpx.Client) -> None:
    assert http.get("/api/files/a/b/c.txt").text == "a/b/c.txt"
    assert http.get("/api/files").text == ""
    echoed = http.post("/api/echo", json={"a": [1, 2]})
    assert echoed.status_code == 201
    assert echoed.json() == {"a": [1, 2]}
    assert echoed.headers["set-cookie"] == "a=1"
    assert http.post("/api/echo", content=b"{broken").status_code == 400


def test_url_longer_than_4_kb_is_refused(http: httpx.Client) -> None:
    assert http.get("/api/files/" + "a" * 4100).status_code == 414
