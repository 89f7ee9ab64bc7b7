"""The HTTP API's and the queue intake's own rules, through the devhost (real keys, real queues)."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import APPROVER, OTHER_APPROVER, App, request, wait_phase

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("api_host_rules")]


def test_no_key_is_401_and_a_bad_body_names_every_field(api_host: App) -> None:
    with api_host.client(key=False) as anonymous:
        assert anonymous.post("/api/migrations", json=request("k1")).status_code == 401
        assert anonymous.get("/api/migrations/k1").status_code == 401
    with api_host.client() as client:
        response = client.post(
            "/api/migrations", json={"requestId": "bad id!", "unit": {"kind": "vm"}, "dryrun": 1}
        )
        assert response.status_code == 400
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"requestId", "subscriptionId", "unit.kind", "unit.name", "dryrun"}
        assert client.post("/api/migrations", content=b"{nope").status_code == 400
        assert client.get("/api/migrations/never-submitted").status_code == 404


def test_duplicate_request_starts_one_migration(api_host: App) -> None:
    rid = f"dup-{uuid.uuid4().hex[:8]}"
    with api_host.client(principal="ops@contoso.com") as client:
        first = client.post("/api/migrations", json=request(rid))
        assert first.status_code == 202, first.text
        assert first.headers["Location"].endswith(f"/api/migrations/{rid}")
        assert first.json()["statusUrl"] == first.headers["Location"]
        second = client.post("/api/migrations", json=request(rid))
        assert second.status_code == 409 and second.json()["id"] == rid
        listed = client.get("/api/migrations").json()["migrations"]
        assert [m["id"] for m in listed].count(rid) == 1
        audit = client.get(f"/api/migrations/{rid}/audit").json()["entries"]
        assert [(e["principal"], e["action"]) for e in audit] == [("ops@contoso.com", "submit")]


def test_approver_rules(api_host: App) -> None:
    rid = f"rules-{uuid.uuid4().hex[:8]}"
    with api_host.client(principal=APPROVER) as requester:
        assert requester.post("/api/migrations", json=request(rid)).status_code == 202
    with api_host.client() as nobody:
        assert nobody.post(f"/api/migrations/{rid}/approve", json={}).status_code == 403
    with api_host.client(principal="mallory@contoso.com") as stranger:
        response = stranger.post(f"/api/migrations/{rid}/abort", json={"comment": "x"})
        assert response.status_code == 403 and "not an approver" in response.json()["error"]
    with api_host.client(principal=APPROVER) as self_approver:  # two-person rule: the requester
        response = self_approver.post(f"/api/migrations/{rid}/approve", json={})
        assert response.status_code == 403 and "two-person" in response.json()["error"]
    # the platform is unreachable in this host: the unit fails; approving then is a 409
    wait_phase(api_host, rid, {"Failed"}, timeout=90)
    with api_host.client(principal=OTHER_APPROVER) as other:
        response = other.post(f"/api/migrations/{rid}/approve", json={"comment": "late"})
        assert response.status_code == 409 and response.json()["phase"] == "Failed"
        assert other.post(f"/api/migrations/{rid}/abort", json={}).status_code == 409
        assert other.post(f"/api/migrations/{rid}/approve", content=b"[1").status_code == 400
        audit = other.get(f"/api/migrations/{rid}/audit").json()["entries"]
        assert [e["action"] for e in audit] == ["submit"]  # refused decisions are not recorded


def test_bad_window_setting_refuses_to_start(azurite, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cli.stack.devhost import start_devhost
    from tests.e2e.conftest import REPO_ROOT

    env = {
        "AzureWebJobsStorage": azurite.connection_string,
        "REVIEW_TOKEN_SECRET": "s" * 32,
        "MIGRATION_SCHEDULE": "0 0 22 * * *",
        "MIGRATION_WINDOWS": "Someday 25:00-26:00",
        "TWO_PERSON_APPROVAL": "yes",
    }
    host = start_devhost(
        REPO_ROOT, tmp_path / "devhost.log", state=tmp_path / "state.db", keys=tmp_path / "keys.json", env=env
    )
    try:
        app = App(host.url, host.function_key, None, {})  # type: ignore[arg-type]
        with app.client() as client:
            response = client.post("/api/migrations", json=request("cfg-1"))
            assert response.status_code == 500 and "MIGRATION_WINDOWS" in response.json()["error"]
            assert client.get("/api/migrations/cfg-1").status_code == 404
        with app.client(key=False) as anonymous:  # the health route names every bad setting
            health = anonymous.get("/api/health")
            assert health.status_code == 503
            problems = {p["setting"]: p["message"] for p in health.json()["problems"]}
            assert set(problems) == {"MIGRATION_WINDOWS", "TWO_PERSON_APPROVAL"}
            assert "not a boolean" in problems["TWO_PERSON_APPROVAL"]
        assert "app setting MIGRATION_WINDOWS" in (tmp_path / "devhost.log").read_text()  # at start-up
    finally:
        host.process.stop()


def test_health_is_anonymous_and_200_when_every_setting_is_usable(api_host: App) -> None:
    with api_host.client(key=False) as anonymous:
        response = anonymous.get("/api/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_hostile_ids_and_bodies_are_4xx_not_500(api_host: App) -> None:
    with api_host.client(principal=APPROVER) as client:
        for path in (
            "/api/migrations/a%23b",
            "/api/migrations/a%3Fb",
            "/api/plans/x%23y",
            "/api/migrations/a%23b/audit",
        ):
            assert client.get(path).status_code == 404, path
        assert client.post("/api/migrations/a%3Fb/approve", json={}).status_code == 404
        deep = b"[" * 5000 + b"]" * 5000
        response = client.post("/api/migrations", content=deep)
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "(body)"
        assert client.post("/api/plans", content=deep).status_code == 400
