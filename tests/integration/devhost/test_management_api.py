"""The Durable management API as the current extension answers it (`HttpApiHandler` /
`DurableClient`, Azure/azure-functions-durable-extension v3): purge, rewind, restart,
returnInternalServerErrorOnFailure, the history shape, runtimeStatus filters, 404 bodies, paging,
and host.json `overridableExistingInstanceStates`. Against the sample app at time scale 3600."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from cli.stack.devhost import DevHost
from tests.integration.devhost.helpers import SAMPLE_APP, client_for, run, wait_for

HOOK = "/runtime/webhooks/durabletask"


def _start(http: httpx.Client, host: DevHost, name: str, instance_id: str, payload: object = None) -> dict:
    started = http.post(f"{host.url}{HOOK}/orchestrators/{name}/{instance_id}", json=payload)
    assert started.status_code == 202, started.text
    return started.json()


def _final(http: httpx.Client, url: str) -> dict:
    return wait_for(
        lambda: (r := http.get(url)).status_code in (200, 500) and r.json(), what=f"{url} to finish"
    )


def _running(http: httpx.Client, url: str) -> dict:
    return wait_for(
        lambda: (r := http.get(url)).json()["runtimeStatus"] == "Running" and r.json(), what=f"{url} to run"
    )


def test_purging_a_running_instance_is_refused_with_412(sample_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        links = _start(http, sample_host, "wait_event", "purge-running")
        _running(http, links["statusQueryGetUri"])
        refused = http.delete(links["purgeHistoryDeleteUri"])
        assert refused.status_code == 412
        assert http.get(links["statusQueryGetUri"]).status_code == 202  # still there
        http.post(links["terminatePostUri"].replace("{text}", "done"))
        _final(http, links["statusQueryGetUri"])
        assert http.delete(links["purgeHistoryDeleteUri"]).json() == {"instancesDeleted": 1}


def test_rewind_answers_as_the_v3_extension_and_rewinds_a_failed_instance(
    sample_host: DevHost, side_dir: Path
) -> None:
    """HttpApiHandler.HandleRewindInstanceRequestAsync (v3.x): 404 unknown, 410 Completed / Terminated /
    Canceled; otherwise DurableClient.RewindAsync, which throws for an instance that has not failed
    (InvalidOperationException → the handler's catch-all 500)."""
    with httpx.Client(timeout=10) as http:
        unknown = http.post(f"{sample_host.url}{HOOK}/instances/nobody/rewind?reason=x")
        assert unknown.status_code == 404 and unknown.content == b""
        waiting = _start(http, sample_host, "wait_event", "rewind-running")
        _running(http, waiting["statusQueryGetUri"])
        running = http.post(waiting["rewindPostUri"].replace("{text}", "no"))
        assert running.status_code == 500
        assert running.json()["Message"] == "Something went wrong while processing your request"
        assert "only supported on failed orchestration instances" in running.json()["ExceptionMessage"]
        assert http.post(waiting["suspendPostUri"].replace("{text}", "hold")).status_code == 202
        assert http.get(waiting["statusQueryGetUri"]).json()["runtimeStatus"] == "Suspended"
        assert http.post(waiting["rewindPostUri"].replace("{text}", "no")).status_code == 500
        assert http.post(waiting["terminatePostUri"].replace("{text}", "stop")).status_code == 202
        assert _final(http, waiting["statusQueryGetUri"])["runtimeStatus"] == "Terminated"
        terminated = http.post(waiting["rewindPostUri"].replace("{text}", "no"))
        assert terminated.status_code == 410 and terminated.content == b""
        links = _start(http, sample_host, "rewindable", "rewind-1", "g1")
        failed = _final(http, links["statusQueryGetUri"])
        assert failed["runtimeStatus"] == "Failed" and "gate g1 is closed" in failed["output"]
        (side_dir / "release-g1").write_text("open")
        assert http.post(links["rewindPostUri"].replace("{text}", "gate opened")).status_code == 202
        done = _final(http, links["statusQueryGetUri"])
        assert http.post(links["rewindPostUri"].replace("{text}", "again")).status_code == 410  # Completed

        async def sdk_rewind() -> str:  # the SDK's client turns the 410 into its own message
            with pytest.raises(Exception, match="only supported on failed orchestration") as refused:
                await client_for(sample_host).rewind("rewind-1", "again")
            return str(refused.value)

        assert run(sdk_rewind)
        by_itself = _start(http, sample_host, "failing", "rewind-self", "z")  # raises in its own code
        assert _final(http, by_itself["statusQueryGetUri"])["runtimeStatus"] == "Failed"
        assert http.post(by_itself["rewindPostUri"].replace("{text}", "retry")).status_code == 202
        wait_for(
            lambda: http.get(by_itself["statusQueryGetUri"]).json()["runtimeStatus"] == "Failed",
            what="the self-failing orchestrator to fail again",
        )
        replayed = http.get(by_itself["statusQueryGetUri"], params={"showHistory": "true"}).json()
        kinds = [e["EventType"] for e in replayed["historyEvents"]]
        assert (
            "GenericEvent" in kinds
            and kinds.count("ExecutionCompleted") == 1
            and kinds[-1] == "ExecutionCompleted"
        )
    assert done["runtimeStatus"] == "Completed"
    assert done["output"] == ["Hello one", "passed g1"]  # the first activity did not run again
    assert (side_dir / "gated-g1.count").read_text() == "2"


def test_restart_answers_the_check_status_payload_with_location(sample_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        links = _start(http, sample_host, "chain", "restart-payload", "P")
        _final(http, links["statusQueryGetUri"])
        restarted = http.post(links["restartPostUri"])
        assert restarted.status_code == 202
        payload = restarted.json()
        assert payload["id"] != "restart-payload"
        assert restarted.headers["Location"] == payload["statusQueryGetUri"]
        assert set(payload) >= {
            "statusQueryGetUri",
            "sendEventPostUri",
            "terminatePostUri",
            "purgeHistoryDeleteUri",
        }
        assert _final(http, payload["statusQueryGetUri"])["output"][0] == "Hello P"
        unknown = http.post(f"{sample_host.url}{HOOK}/instances/nobody/restart")
        assert unknown.status_code == 400


def test_return_internal_server_error_on_failure(sample_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        links = _start(http, sample_host, "failing", "fails-500", "x")
        url = links["statusQueryGetUri"]
        assert _final(http, url)["runtimeStatus"] == "Failed"
        assert http.get(url).status_code == 200
        assert http.get(url, params={"returnInternalServerErrorOnFailure": "true"}).status_code == 500
        ok = _start(http, sample_host, "chain", "ok-200", "y")["statusQueryGetUri"]
        _final(http, ok)
        assert http.get(ok, params={"returnInternalServerErrorOnFailure": "true"}).status_code == 200


def test_history_in_the_extensions_shape(sample_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        url = _start(http, sample_host, "chain", "history-shape", "H")["statusQueryGetUri"]
        _final(http, url)
        body = http.get(url, params={"showHistory": "true", "showHistoryOutput": "true"}).json()
        plain = http.get(url, params={"showHistory": "true"}).json()["historyEvents"]
    assert "history" not in body
    events = body["historyEvents"]
    assert [e["EventType"] for e in events] == [
        "ExecutionStarted",
        *["TaskCompleted"] * 3,
        "ExecutionCompleted",
    ]
    assert events[0]["FunctionName"] == "chain" and "Name" not in events[0]
    first = events[1]
    assert first["FunctionName"] == "say_hello" and first["Result"] == "Hello H"
    assert first["ScheduledTime"] <= first["Timestamp"] and json.loads(first["Input"]) == "H"
    assert (
        events[-1]["OrchestrationStatus"] == "Completed" and events[-1]["Result"][-1] == "Hello Hello Hello H"
    )
    for event in events:
        assert not {"EventId", "IsPlayed", "TaskScheduledId"} & set(event)
    assert all("Result" not in e for e in plain)  # Result only with showHistoryOutput=true


def test_unknown_runtime_status_values_are_ignored(sample_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        _final(http, _start(http, sample_host, "chain", "filter-1", "F")["statusQueryGetUri"])
        everything = http.get(f"{sample_host.url}{HOOK}/instances").json()
        bogus = http.get(f"{sample_host.url}{HOOK}/instances", params={"runtimeStatus": "Bogus"}).json()
        mixed = http.get(
            f"{sample_host.url}{HOOK}/instances", params={"runtimeStatus": "Completed,Bogus"}
        ).json()
    assert {i["instanceId"] for i in bogus} == {i["instanceId"] for i in everything}
    assert mixed and {i["runtimeStatus"] for i in mixed} == {"Completed"}


def test_404_bodies_are_empty(sample_host: DevHost) -> None:
    base = f"{sample_host.url}{HOOK}/instances/nobody"
    with httpx.Client(timeout=10) as http:
        answers = [
            http.get(base),
            http.delete(base),
            http.post(f"{base}/raiseEvent/x", json=1),
            http.post(f"{base}/raiseEvent/x", content=b"not json"),  # unknown before the content type
            http.post(f"{base}/terminate?reason=r"),
            http.post(f"{base}/suspend?reason=r"),
        ]
    assert [(a.status_code, a.content) for a in answers] == [(404, b"")] * len(answers)


def test_the_instance_query_pages_at_100(devhost_factory, tmp_path: Path) -> None:
    host = devhost_factory(SAMPLE_APP, time_scale=3600, env={"SAMPLE_STATE_DIR": str(tmp_path)})

    async def scenario():
        client = client_for(host)
        for i in range(105):
            await client.start_new("wait_event", f"page-{i:03d}", None)
        return await client.get_status_all()

    first_page = run(scenario)
    assert len(first_page) == 100  # the SDK's get_status_all reads one page, as on Azure
    url = f"{host.url}{HOOK}/instances"
    with httpx.Client(timeout=10) as http:
        page1 = http.get(url)
        token = page1.headers["x-ms-continuation-token"]
        page2 = http.get(url, headers={"x-ms-continuation-token": token})
        small = http.get(url, params={"top": "50"})
        everything = http.get(url, params={"top": "1000"}).json()  # the app's start-up timer adds one
    assert len(page1.json()) == 100 and len(page2.json()) == len(everything) - 100 >= 5
    assert "x-ms-continuation-token" not in page2.headers
    ids = [i["instanceId"] for i in page1.json() + page2.json()]
    assert ids == [i["instanceId"] for i in everything]
    assert {f"page-{i:03d}" for i in range(105)} <= set(ids)
    assert len(small.json()) == 50 and small.headers["x-ms-continuation-token"]


@pytest.fixture
def non_running_app(tmp_path: Path) -> Path:
    """The sample app with `overridableExistingInstanceStates: NonRunningStates` in its host.json."""
    app = tmp_path / "app"
    shutil.copytree(SAMPLE_APP, app, ignore=shutil.ignore_patterns(".devhost", "__pycache__"))
    config = json.loads((app / "host.json").read_text())
    config["extensions"]["durableTask"]["overridableExistingInstanceStates"] = "NonRunningStates"
    (app / "host.json").write_text(json.dumps(config))
    return app


def test_non_running_states_refuses_to_replace_an_unfinished_instance(
    devhost_factory, non_running_app: Path, tmp_path: Path
) -> None:
    host = devhost_factory(non_running_app, time_scale=3600, env={"SAMPLE_STATE_DIR": str(tmp_path)})

    async def scenario():
        client = client_for(host)
        await client.start_new("wait_event", "single", None)
        try:
            await client.start_new("wait_event", "single", None)
        except Exception as exc:  # noqa: BLE001 - the Durable client raises a bare Exception
            return str(exc)
        return "not refused"

    assert "already exists" in run(scenario)
    with httpx.Client(timeout=10) as http:
        again = http.post(f"{host.url}{HOOK}/orchestrators/wait_event/single")
        assert again.status_code == 500 and "already exists" in again.json()["ExceptionMessage"]
        http.post(f"{host.url}{HOOK}/instances/single/terminate?reason=stop")
        _final(http, f"{host.url}{HOOK}/instances/single")
        assert (
            http.post(f"{host.url}{HOOK}/orchestrators/wait_event/single").status_code == 202
        )  # finished: replaced


def test_any_state_replaces_a_running_instance(sample_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        first = _start(http, sample_host, "wait_event", "replace-me")
        _running(http, first["statusQueryGetUri"])
        created = http.get(first["statusQueryGetUri"]).json()["createdTime"]
        second = http.post(f"{sample_host.url}{HOOK}/orchestrators/chain/replace-me", json="Z")
        assert second.status_code == 202
        done = _final(http, first["statusQueryGetUri"])
    assert done["name"] == "chain" and done["createdTime"] >= created
