"""`c2arm validate` and `POST /api/validations` against the real local stack (item 1 of #15): the
unit is snapshotted, prechecked and validated by the platform, and nothing is prepared — the
emulator's own request log shows one `comp=Validate` call and no `comp=Prepare` (or any other
write), and the platform's state of the unit is unchanged."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from tests.e2e.cli.helpers import c2arm
from tests.polling import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("ops_stack")]


def emulator(ops_stack: Any) -> httpx.Client:
    info = ops_stack.info
    verify = ssl.create_default_context(cafile=info["caFile"])
    headers = {"Authorization": f"Bearer {info['emulatorAdminToken']}"}
    return httpx.Client(base_url=info["emulatorUrl"], verify=verify, headers=headers, timeout=15)


def platform_requests_since(ops_stack: Any, seq: int) -> list[dict[str, Any]]:
    with emulator(ops_stack) as admin:
        return list(admin.get("/admin/requests", params={"since": seq}).json()["requests"])


def last_seq(ops_stack: Any) -> int:
    with emulator(ops_stack) as admin:
        return int(admin.get("/admin/requests", params={"since": 10**9}).json()["last"])


def validated(ops_stack: Any, kind: str, name: str) -> tuple[Any, list[dict[str, Any]]]:
    """`c2arm validate --kind KIND --name NAME` on the stack: (the finished command, the platform
    requests it caused, from the emulator's own log)."""
    before = last_seq(ops_stack)
    sd = ["--state-dir", str(ops_stack.state_dir)]
    result = c2arm("validate", "--kind", kind, "--name", name, *sd, timeout=180)
    return result, platform_requests_since(ops_stack, before)


def test_validate_a_migratable_unit_changes_nothing(ops_stack: Any) -> None:
    result, log = validated(ops_stack, "storageaccount", "stdiag")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stdout.startswith("storageAccount/stdiag: migratable  (validation validation-")
    assert "nothing was changed" in result.stdout
    posts = [r for r in log if r["method"] != "GET" and "stdiag" in r["path"].lower()]
    assert [r["query"].lower() for r in posts] == ["comp=validate"], posts  # no prepare, no other write
    assert any(
        r["method"] == "GET" and r["path"].endswith("/services/storageservices") for r in log
    )  # snapshot


def test_validate_names_every_reason_and_exits_1(ops_stack: Any) -> None:
    result, log = validated(ops_stack, "cloudService", "acl-cs")
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout.startswith("cloudService/acl-cs: notMigratable")
    assert "[error] precheck C2A-103" in result.stdout  # the endpoint ACL, by c2arm's rule
    assert "[error] platform PlatformValidation" in result.stdout  # and by the platform's validate
    writes = [r for r in log if r["method"] != "GET"]
    assert all(r["query"].lower() == "comp=validate" for r in writes), writes


def test_validations_api_202_status_url_and_400(ops_stack: Any) -> None:
    info = ops_stack.info
    with httpx.Client(
        base_url=info["appUrl"], headers={"x-functions-key": info["functionKey"]}, timeout=15
    ) as app:
        bad = app.post(
            "/api/validations",
            json={
                "subscriptionId": info["subscriptionId"],
                "dryRun": True,
                "unit": {"kind": "vm", "name": "x"},
            },
        )
        assert bad.status_code == 400
        assert {e["field"] for e in bad.json()["errors"]} == {"dryRun", "unit.kind"}
        unit = {"kind": "routeTable", "name": "rt-spare"}
        started = app.post("/api/validations", json={"subscriptionId": info["subscriptionId"], "unit": unit})
        assert started.status_code == 202, started.text
        body = started.json()
        assert body["phase"] == "Queued" and started.headers["Location"] == body["statusUrl"]
        assert body["statusUrl"].endswith(f"/api/validations/{body['id']}")

        def done() -> dict[str, Any] | None:
            doc = app.get(f"/api/validations/{body['id']}").json()
            return doc if doc["phase"] in ("Completed", "Failed") else None

        doc = wait_for(done, 90, "the validation's verdict")
        assert doc["phase"] == "Completed" and doc["verdict"] == "migratable" and doc["kind"] == "validation"
        phases = ["Queued", "Snapshotting", "Prechecking", "Validating", "Completed"]
        assert [t["phase"] for t in doc["timeline"]] == phases
        assert app.get(f"/api/migrations/{body['id']}").status_code == 404  # not a migration
        assert app.get("/api/validations/no-such-one").status_code == 404
        assert app.post("/api/validations", json={}, headers={"x-functions-key": "wrong"}).status_code == 401
