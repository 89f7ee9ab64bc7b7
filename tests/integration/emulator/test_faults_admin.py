"""Faults (file at start and admin API), deviations, the admin API and the request log."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from cli.stack.emulator import Emulator, start_emulator
from cli.stack.processes import StackInputError
from tests.integration.emulator.helpers import Admin, Asm, error_of, immediate, platform_state, start, tls, x
from tests.polling import wait_for

HS = "/services/hostedservices"
VNET = "/services/networking/virtualnetwork/vnet-prod"


def fault(admin: Admin, **spec: object) -> dict:
    return admin.post("/faults", json=spec, status=201)


def test_transient_500_then_recovers(asm: Asm, admin: Admin) -> None:
    fault(
        admin,
        id="boom",
        match={"method": "GET", "path": "*/services/hostedservices"},
        count=1,
        action={"type": "error", "status": 500},
    )
    r = asm.http.get(HS)
    assert r.status_code == 500 and error_of(r) == ("InternalError", "Internal server error")
    assert asm.http.get(HS).status_code == 200
    assert admin.get("/faults")["faults"][0]["fired"] == 1


def test_503_and_429_with_retry_after(asm: Asm, admin: Admin) -> None:
    fault(admin, match={"path": "*/services/disks"}, count=1, action={"type": "error", "status": 503})
    fault(
        admin,
        match={"path": "*/services/images"},
        count=1,
        action={"type": "error", "status": 429, "retryAfter": 7},
    )
    r = asm.http.get("/services/disks")
    assert r.status_code == 503 and error_of(r)[0] == "ServiceUnavailable"
    r = asm.http.get("/services/images")
    assert r.status_code == 429 and r.headers["Retry-After"] == "7" and error_of(r)[0] == "TooManyRequests"
    assert asm.http.get("/services/images").status_code == 200


def test_throttling_by_request_rate_per_subscription(asm: Asm, admin: Admin, emu: Emulator) -> None:
    fault(admin, id="rate", match={"api": "arm"}, action={"type": "throttle", "limit": 3, "perSeconds": 60})
    with httpx.Client(verify=tls(emu), headers={"Authorization": "Bearer t"}) as client:
        statuses = [
            client.get(f"{emu.url}/subscriptions/{emu.subscription_id}/resourcegroups").status_code
            for _ in range(5)
        ]
        last = client.get(f"{emu.url}/subscriptions/{emu.subscription_id}/resourcegroups")
    assert statuses == [200, 200, 200, 429, 429]
    assert int(last.headers["Retry-After"]) >= 1 and last.json()["error"]["code"] == "TooManyRequests"
    assert asm.http.get(HS).status_code == 200  # ASM is not matched by this fault


def test_probability_zero_never_fires(asm: Asm, admin: Admin) -> None:
    fault(admin, match={"path": "*"}, probability=0.0, action={"type": "error", "status": 500})
    assert all(asm.http.get(HS).status_code == 200 for _ in range(5))


@pytest.mark.parametrize(
    ("transient", "code", "message"),
    [
        (True, "InternalError", "Internal server error"),
        (False, "BadRequest", "Quota exceeded for the region (permanent)."),
    ],
)
def test_operation_failed(asm: Asm, admin: Admin, transient: bool, code: str, message: str) -> None:
    action = {"type": "operationFailed", "transient": transient} | ({} if transient else {"message": message})
    fault(admin, match={"unit": "virtualNetwork/vnet-prod", "operation": "prepare"}, count=1, action=action)
    op = asm.run(VNET, "prepare")
    assert (op.findtext(x("Status")), op.findtext(x("Error/Code")), op.findtext(x("Error/Message"))) == (
        "Failed",
        code,
        message,
    )
    # the platform's own state after a failed prepare (IaaSClassicToArmMigrationState)
    assert _vnet_state(asm) == "PrepareFailed"
    assert asm.run(VNET, "prepare").findtext(x("Status")) == "Succeeded"  # the retry works


def _vnet_state(asm: Asm) -> str | None:
    sites = asm.get("/services/networking/virtualnetwork")
    site = next(s for s in sites.iter(x("VirtualNetworkSite")) if s.findtext(x("Name")) == "vnet-prod")
    return site.findtext(x("MigrationState"))


def test_failed_commit_is_commit_failed_and_retried(asm: Asm, admin: Admin) -> None:
    asm.run(VNET, "prepare")
    fault(admin, match={"operation": "commit"}, count=1, action={"type": "operationFailed"})
    assert asm.run(VNET, "commit").findtext(x("Status")) == "Failed"
    assert _vnet_state(asm) == "CommitFailed"
    assert asm.migrate(VNET, "abort").status_code == 409  # commit has started: no way back
    assert asm.run(VNET, "commit").findtext(x("Status")) == "Succeeded"  # the docs' remedy: commit again


def test_failed_abort_is_abort_failed_and_retried_then_none(asm: Asm, admin: Admin) -> None:
    assert _vnet_state(asm) is None  # never touched: no element
    asm.run(VNET, "prepare")
    fault(admin, match={"operation": "abort"}, count=1, action={"type": "operationFailed"})
    assert asm.run(VNET, "abort").findtext(x("Status")) == "Failed"
    assert _vnet_state(asm) == "AbortFailed"
    assert asm.migrate(VNET, "commit").status_code == 409
    assert asm.run(VNET, "abort").findtext(x("Status")) == "Succeeded"
    assert _vnet_state(asm) == "None"  # no `Aborted` in the platform's vocabulary


def test_failed_prepare_is_aborted(asm: Asm, admin: Admin) -> None:
    action = {"type": "operationFailed", "transient": False, "message": "no"}
    fault(admin, match={"operation": "prepare"}, count=1, action=action)
    assert asm.run(VNET, "prepare").findtext(x("Status")) == "Failed"
    assert _vnet_state(asm) == "PrepareFailed"
    assert asm.run(VNET, "abort").findtext(x("Status")) == "Succeeded"
    assert _vnet_state(asm) == "None"


def test_slow_operation(asm: Asm, admin: Admin) -> None:
    admin.put("/progress", json={"mode": "timed", "durations": {"prepare": 0.05}})
    fault(admin, match={"operation": "prepare"}, action={"type": "slowOperation", "factor": 1000})
    r = asm.migrate(VNET, "prepare")
    op_id = r.headers["x-ms-request-id"]
    assert asm.get(f"/operations/{op_id}").findtext(x("Status")) == "InProgress"
    ops = admin.get("/operations")["operations"]
    op = next(o for o in ops if o["id"] == op_id)
    assert op["due"] - op["created"] == pytest.approx(50, rel=0.01)
    admin.post("/clock", json={"advance": 60})
    assert asm.get(f"/operations/{op_id}").findtext(x("Status")) == "Succeeded"


def _arm(emu: Emulator, path: str) -> dict:
    with httpx.Client(verify=tls(emu), headers={"Authorization": "Bearer t"}) as client:
        r = client.get(f"{emu.url}/subscriptions/{emu.subscription_id}/resourceGroups/{path}")
        assert r.status_code == 200, r.text
        return r.json()


def test_deviations_change_the_prepared_arm_side(asm: Asm, admin: Admin, emu: Emulator) -> None:
    unit = {"unit": "virtualNetwork/vnet-prod"}
    fault(admin, match=unit, action={"type": "deviation", "kind": "missingNatRule", "name": "shop-web2-rdp"})
    fault(admin, match=unit, action={"type": "deviation", "kind": "probePort", "value": 8080})
    fault(
        admin, match=unit, action={"type": "deviation", "kind": "droppedExtension", "name": "IaaSAntimalware"}
    )
    fault(
        admin,
        match=unit,
        action={"type": "deviation", "kind": "nicIp", "name": "shop-web1-PrimaryNic", "value": "10.0.1.99"},
    )
    asm.run(VNET, "prepare")
    base = "vnet-prod-Migrated/providers/Microsoft.Network"
    lb = _arm(emu, f"{base}/loadBalancers/shop-cs-LB")["properties"]
    assert [n["name"] for n in lb["inboundNatRules"]] == ["shop-web1-rdp"]
    assert lb["probes"][0]["properties"]["port"] == 8080
    nic = _arm(emu, f"{base}/networkInterfaces/shop-web1-PrimaryNic")
    assert nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] == "10.0.1.99"
    resources = _arm(emu, "vnet-prod-Migrated/resources")["value"]
    extensions = [r["name"] for r in resources if r["type"].endswith("/extensions")]
    assert extensions == [
        "shop-web2/IaaSAntimalware"
    ]  # one of two dropped (each deviation fires once per prepare)
    assert len(admin.get("/state")["units"]["virtualNetwork/vnet-prod"]["deviations"]) == 4


def test_bad_fault_definitions_are_refused(admin: Admin) -> None:
    bad = [
        ({"action": {"type": "explode"}}, "faults[0].action.type"),
        ({"match": {"colour": "red"}, "action": {"type": "error"}}, "faults[0].match"),
        ({"action": {"type": "error"}, "probability": 2}, "faults[0].probability"),
        ({"action": {"type": "deviation", "kind": "x"}}, "faults[0].action.kind"),
        ({"action": {"type": "throttle"}}, "faults[0].action.limit"),
        ({"action": {"type": "error"}, "extra": 1}, "faults[0].extra"),
    ]
    for spec, field in bad:
        assert field in admin.post("/faults", json=spec, status=400)["error"]
    assert admin.get("/faults")["faults"] == []
    assert "body" in admin.put("/faults", content=b"{not json", status=400)["error"]


def test_admin_needs_its_token(emu: Emulator) -> None:
    with httpx.Client(verify=tls(emu)) as client:
        assert client.get(f"{emu.url}/admin/state").status_code == 401
        assert (
            client.get(f"{emu.url}/admin/state", headers={"Authorization": "Bearer test-token"}).status_code
            == 401
        )
        assert client.get(f"{emu.url}/admin/health").json() == {"status": "ok"}


def test_request_log_and_state(asm: Asm, admin: Admin) -> None:
    last = admin.get("/requests")["last"]
    asm.http.get(HS)
    asm.http.get(f"{HS}/nope")
    entries = admin.get("/requests", params={"since": last})["requests"]
    sub = asm.emulator.subscription_id
    assert [(e["method"], e["path"], e["status"]) for e in entries[:2]] == [
        ("GET", f"/{sub}{HS}", 200),
        ("GET", f"/{sub}{HS}/nope", 404),
    ]
    assert all("time" in e for e in entries)
    state = admin.get("/state")
    assert state["subscriptionId"] == sub and "virtualNetworks" in state["estate"]
    assert admin.put("/progress", json={"mode": "sideways"}, status=400)["error"].startswith("mode:")
    admin.delete("/requests")


def test_faults_file_at_start_and_restart_persistence(tmp_path: Path, asm_for) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(
        json.dumps(
            {
                "faults": [
                    {
                        "id": "f1",
                        "match": {"path": "*/services/disks"},
                        "count": 1,
                        "action": {"type": "error", "status": 503},
                    }
                ]
            }
        )
    )
    emu = start(tmp_path / "state", faults=faults, time_scale=1000.0, start_time="2030-01-05T22:00:00Z")
    try:
        # it prints its base URL when ready (the port may listen a moment before the line is written)
        wait_for(lambda: emu.url in emu.process.log_path.read_text(), 10, "the emulator's ready line")
        assert platform_state(emu)["platformTime"].startswith("2030-01-0")
        asm = asm_for(emu)
        assert asm.http.get("/services/disks").status_code == 503
        assert (
            asm.run("/services/networking/virtualnetwork/vnet-small", "prepare").findtext(x("Status"))
            == "Succeeded"
        )
    finally:
        emu.stop()
    again = start(tmp_path / "state")
    try:
        asm = asm_for(again)
        assert asm.http.get("/services/disks").status_code == 200  # the fault was used up before the restart
        sites = asm.get("/services/networking/virtualnetwork")
        assert sites.findtext(x("VirtualNetworkSite/MigrationState")) == "Prepared"
        assert platform_state(again)["resourceGroups"] == ["vnet-small-Migrated"]
    finally:
        again.stop()
    fresh = start(tmp_path / "state", reset=True)
    try:
        sites = asm_for(fresh).get("/services/networking/virtualnetwork")
        assert sites.findtext(x("VirtualNetworkSite/MigrationState")) is None
        assert platform_state(fresh)["resourceGroups"] == []
    finally:
        fresh.stop()


def test_provider_not_registered_and_quota(tmp_path: Path, emulator_factory, asm_for) -> None:
    text = (Path(__file__).resolve().parents[3] / "examples/estates/small.yaml").read_text()
    estate = tmp_path / "unregistered.yaml"
    estate.write_text(
        text.replace(
            "location: West Europe\n",
            "location: West Europe\nmigrationProviderRegistered: false\narmQuotas: {loadBalancers: 0}\n",
            1,
        )
    )
    emu = emulator_factory(estate)
    immediate(emu)
    asm = asm_for(emu)
    r = asm.migrate("/services/networking/virtualnetwork/vnet-small", "validate")
    assert r.status_code == 400
    assert error_of(r) == (
        "BadRequest",
        "Subscription 00000000-0000-0000-0000-000000000001 is not registered for migration.",
    )
    with httpx.Client(verify=tls(emu), headers={"Authorization": "Bearer t"}) as client:
        r = client.post(
            f"{emu.url}/subscriptions/{emu.subscription_id}/providers/Microsoft.ClassicInfrastructureMigrate/register"
        )
        assert r.json()["registrationState"] == "Registered"
    op = asm.run("/services/networking/virtualnetwork/vnet-small", "prepare")
    assert op.findtext(x("Status")) == "Failed"
    assert (
        "exceeding quota limits of loadBalancers. Current quota is 0, additional needed is 1."
        in op.findtext(x("Error/Message"))
    )


def test_bad_estate_refused_with_every_error(tmp_path: Path) -> None:
    estate = tmp_path / "bad.yaml"
    estate.write_text(
        "version: 1\nsubscriptionId: nope\ncloudServices:\n  - name: a\n    deployment:\n      name: d\n      roles:\n        - {name: r, state: Runing, endpints: []}\n"  # noqa: E501
    )
    with pytest.raises(StackInputError, match="the emulator refuses its input") as refused:  # its exit code 2
        start_emulator(estate, tmp_path / "s", tmp_path / "emulator.log")
    for line in [
        "subscriptionId: 'nope' is not a GUID",
        "cloudServices[0].deployment.roles[0].state: 'Runing' is not one of Running, Stopped, StoppedDeallocated, RoleStateUnknown, ProvisioningTimedOut",  # noqa: E501
        "cloudServices[0].deployment.roles[0].endpints: unknown key",
        "cloudServices[0].deployment.roles[0].osDisk: required for an IaaS role",
    ]:
        assert line in str(refused.value)
    assert not (tmp_path / "s" / "state.json").exists()


def test_request_fault_matching_a_unit(asm: Asm, admin: Admin) -> None:
    fault(
        admin,
        match={"unit": "virtualNetwork/vnet-prod", "operation": "prepare"},
        count=1,
        action={"type": "error", "status": 503},
    )
    assert (
        asm.migrate("/services/networking/virtualnetwork/vnet-er", "prepare").status_code == 202
    )  # other unit
    r = asm.migrate(VNET, "prepare")
    assert r.status_code == 503 and error_of(r)[0] == "ServiceUnavailable"
    assert admin.get("/state")["units"].get("virtualNetwork/vnet-prod") is None  # nothing started
    assert asm.run(VNET, "prepare").findtext(x("Status")) == "Succeeded"


def test_delay_fault_answers_normally_and_counts(asm: Asm, admin: Admin) -> None:
    fault(
        admin,
        id="slow-disks",
        match={"path": "*/services/disks"},
        count=1,
        action={"type": "delay", "seconds": 0.05},
    )
    assert asm.http.get("/services/disks").status_code == 200
    assert admin.get("/faults")["faults"][0]["fired"] == 1


def test_missing_resource_deviation(asm: Asm, admin: Admin, emu: Emulator) -> None:
    unit = {"unit": "virtualNetwork/vnet-prod"}
    fault(admin, match=unit, action={"type": "deviation", "kind": "missingResource", "name": "as-web"})
    asm.run(VNET, "prepare")
    names = [r["name"] for r in _arm(emu, "vnet-prod-Migrated/resources")["value"]]
    assert "as-web" not in names and "shop-web1" in names
    vm = _arm(emu, "vnet-prod-Migrated/providers/Microsoft.Compute/virtualMachines/shop-web1")
    assert vm["properties"]["availabilitySet"]["id"].endswith(
        "/availabilitySets/as-web"
    )  # a dangling reference, on purpose
