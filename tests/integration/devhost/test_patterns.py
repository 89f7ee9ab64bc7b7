"""The standard Durable patterns, driven through the real DurableOrchestrationClient (and plain
HTTP for the async HTTP API) against the devhost running the sample app at time scale 3600."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from cli.stack.devhost import DevHost
from tests.integration.devhost.helpers import DONE, client_for, run, run_to_end, wait_for, wait_status


def test_function_chaining(sample_host: DevHost) -> None:
    status = run_to_end(sample_host, "chain", "Ada")
    assert status.runtime_status.value == "Completed"
    assert status.output == ["Hello Ada", "Hello Hello Ada", "Hello Hello Hello Ada"]
    assert status.input_ == "Ada"


def test_fan_out_fan_in_150_activities(sample_host: DevHost) -> None:
    status = run_to_end(sample_host, "fan_out", 150)
    assert status.runtime_status.value == "Completed"
    assert status.output == sum(2 * i for i in range(150))


def test_async_http_api_follow_status_query_uri(sample_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        started = http.post(
            f"{sample_host.url}/api/orchestrators/chain/http-api-1",
            json="Grace",
            headers={"x-functions-key": sample_host.function_key},
        )
        assert started.status_code == 202
        payload = started.json()
        assert payload["id"] == "http-api-1"
        assert started.headers["Location"] == payload["statusQueryGetUri"]

        def finished() -> httpx.Response | None:
            polled = http.get(payload["statusQueryGetUri"])
            if polled.status_code == 200:
                return polled
            assert polled.status_code == 202  # running: 202 with a Location to poll
            assert polled.headers["Location"]
            return None

        polled = wait_for(finished, what="the status query to answer 200")
        body = polled.json()
        assert body["runtimeStatus"] == "Completed"
        assert body["output"][-1] == "Hello Hello Hello Grace"
        assert body["createdTime"].endswith("Z")
        # the other links work when followed too
        gone = http.post(payload["sendEventPostUri"].replace("{eventName}", "x"), json=1)
        assert gone.status_code == 410
        assert http.delete(payload["purgeHistoryDeleteUri"]).json() == {"instancesDeleted": 1}
        assert http.get(payload["statusQueryGetUri"]).status_code == 404


def test_monitor_timer_loop_with_continue_as_new(sample_host: DevHost) -> None:
    status = run_to_end(sample_host, "monitor", {"checks": 0, "until": 4})
    assert status.runtime_status.value == "Completed"
    assert status.output["checks"] == 4
    # three 10-minute durable timers passed in virtual time
    assert status.custom_status["checks"] == 4


def test_human_interaction_event_wins(sample_host: DevHost) -> None:
    async def scenario():
        client = client_for(sample_host)
        instance_id = await client.start_new("approval", None, 1000)
        status = await wait_status(client, instance_id, {"Running"})
        assert status.custom_status == "waiting"
        await client.raise_event(instance_id, "Approval", {"by": "ops"})
        return await wait_status(client, instance_id, DONE)

    status = run(scenario)
    assert status.output["decision"] == {"by": "ops"}


def test_human_interaction_timer_wins(sample_host: DevHost) -> None:
    status = run_to_end(sample_host, "approval", 1)  # 1 hour = ~1 s real at scale 3600
    assert status.output["decision"] == "timed out"
    assert status.last_updated_time - status.created_time >= timedelta(minutes=59)


def test_event_raised_before_the_orchestrator_waits_is_kept(sample_host: DevHost) -> None:
    async def scenario():
        client = client_for(sample_host)
        instance_id = await client.start_new("wait_event", "early-event")
        await client.raise_event(instance_id, "Go", "early")
        return await wait_status(client, instance_id, DONE)

    assert run(scenario).output == "Hello early"


def test_retry_fails_then_succeeds(sample_host: DevHost, side_dir: Path) -> None:
    spec = {"key": "ok2", "failures": 2, "attempts": 4}
    status = run_to_end(sample_host, "retrying", spec)
    assert status.runtime_status.value == "Completed"
    assert status.output == "succeeded on run 3"
    assert (side_dir / "flaky-ok2.count").read_text() == "3"


def test_retry_exhausted_fails_with_the_error_after_exactly_max_attempts(
    sample_host: DevHost, side_dir: Path
) -> None:
    instance_id = "retry-never"
    status = run_to_end(sample_host, "retrying", {"key": "never", "failures": 99, "attempts": 3}, instance_id)
    assert status.runtime_status.value == "Failed"
    assert "flaky failure 3" in status.output
    assert (side_dir / "flaky-never.count").read_text() == "3"
    # each failure is followed by the host's retry timer, the last one too (then the SDK raises);
    # the history API folds each TaskScheduled into its TaskFailed, as the extension does
    url = f"{sample_host.url}/runtime/webhooks/durabletask/instances/{instance_id}?showHistory=true"
    events = [e["EventType"] for e in httpx.get(url, timeout=10).json()["historyEvents"]]
    attempt = ["TaskFailed", "TimerCreated", "TimerFired"]
    assert events == ["ExecutionStarted", *attempt, *attempt, *attempt, "ExecutionCompleted"]


def test_sub_orchestrations_and_a_failing_child(sample_host: DevHost) -> None:
    async def scenario():
        client = client_for(sample_host)
        instance_id = await client.start_new("parent", "parent-1", ["a", "b", "c"])
        status = await wait_status(client, instance_id, DONE)
        child = await client.get_status("parent-1-child-0")
        return status, child

    status, child = run(scenario)
    assert status.runtime_status.value == "Completed"
    assert status.output["first"] == ["Hello a", "Hello Hello a", "Hello Hello Hello a"]
    assert [r[0] for r in status.output["rest"]] == ["Hello b", "Hello c"]
    assert "orchestrator failed on purpose: from parent" in status.output["childFailure"]
    assert child.runtime_status.value == "Completed"


def test_orchestrator_exception_is_failed_with_the_error(sample_host: DevHost) -> None:
    status = run_to_end(sample_host, "failing", "direct")
    assert status.runtime_status.value == "Failed"
    assert "orchestrator failed on purpose: direct" in status.output


def test_custom_classes_travel_with_to_json_from_json(sample_host: DevHost) -> None:
    status = run_to_end(sample_host, "money", {"amount": 21, "currency": "EUR"})
    assert status.output == {"amount": 42, "currency": "EUR", "type": "Money"}


def test_terminate_suspend_resume_and_purge(sample_host: DevHost) -> None:
    async def scenario():
        client = client_for(sample_host)
        waiting = await client.start_new("wait_event", "term-1")
        await wait_status(client, waiting, {"Running"})
        await client.suspend(waiting, "pause")
        await wait_status(client, waiting, {"Suspended"})
        await client.raise_event(waiting, "Go", "while suspended")
        still = await client.get_status(waiting)
        await client.resume(waiting, "go on")
        resumed = await wait_status(client, waiting, DONE)

        other = await client.start_new("wait_event", "term-2")
        await wait_status(client, other, {"Running"})
        await client.terminate(other, "operator said stop")
        terminated = await wait_status(client, other, DONE)
        purged = await client.purge_instance_history(other)
        gone = await client.get_status(other)
        again = await client.purge_instance_history(other)
        return still, resumed, terminated, purged, gone, again

    still, resumed, terminated, purged, gone, again = run(scenario)
    assert still.runtime_status.value == "Suspended"
    assert resumed.output == "Hello while suspended"
    assert terminated.runtime_status.value == "Terminated"
    assert terminated.output == "operator said stop"
    assert purged.instances_deleted == 1
    assert not gone
    assert again.instances_deleted == 0


def test_events_for_unknown_or_finished_instances_are_refused(sample_host: DevHost) -> None:
    async def scenario():
        client = client_for(sample_host)
        errors = []
        for target in ("no-such-instance",):
            try:
                await client.raise_event(target, "Go", 1)
            except Exception as exc:  # noqa: BLE001 - the Durable client raises a bare Exception
                errors.append(str(exc))
        done = await client.start_new("chain", "finished-1", "x")
        await wait_status(client, done, DONE)
        try:
            await client.raise_event(done, "Go", 1)
        except Exception as exc:  # noqa: BLE001 - the Durable client raises a bare Exception
            errors.append(str(exc))
        try:
            await client.start_new("no_such_orchestrator", None, 1)
        except Exception as exc:  # noqa: BLE001 - the Durable client raises a bare Exception
            errors.append(str(exc))
        return errors

    errors = run(scenario)
    assert "No instance with ID no-such-instance found." in errors[0]
    assert "is gone" in errors[1]
    assert "no_such_orchestrator" in errors[2]


def test_list_and_filter_instances(sample_host: DevHost) -> None:
    async def scenario():
        client = client_for(sample_host)
        for n in range(3):
            await wait_status(client, await client.start_new("chain", f"listed-{n}", "x"), DONE)
        everything = await client.get_status_all()
        from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus

        completed = await client.get_status_by(runtime_status=[OrchestrationRuntimeStatus.Completed])
        return everything, completed

    everything, completed = run(scenario)
    ids = {s.instance_id for s in everything}
    assert {"listed-0", "listed-1", "listed-2"} <= ids
    assert all(s.runtime_status.value == "Completed" for s in completed)
    assert {"listed-0", "listed-1", "listed-2"} <= {s.instance_id for s in completed}
    with httpx.Client() as http:
        page = http.get(
            f"{sample_host.url}/runtime/webhooks/durabletask/instances",
            params={"instanceIdPrefix": "listed-", "top": 2},
        )
        assert len(page.json()) == 2
        token = page.headers["x-ms-continuation-token"]
        rest = http.get(
            f"{sample_host.url}/runtime/webhooks/durabletask/instances",
            params={"instanceIdPrefix": "listed-", "top": 2},
            headers={"x-ms-continuation-token": token},
        )
        assert [s["instanceId"] for s in rest.json()] == ["listed-2"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/runtime/webhooks/durabletask/orchestrators/chain", b"{not json", 400),
        ("/runtime/webhooks/durabletask/orchestrators/nope", b"1", 400),
        ("/runtime/webhooks/durabletask/orchestrators/chain/bad%23id", b"1", 400),
        ("/runtime/webhooks/durabletask/instances/none/raiseEvent/x", b"1", 404),
    ],
)
def test_durable_api_rejects_bad_requests(sample_host: DevHost, path: str, body: bytes, status: int) -> None:
    response = httpx.post(sample_host.url + path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    if status == 400:
        assert response.json()["Message"]


def test_webhook_start_with_timeout_waits_for_the_output(sample_host: DevHost) -> None:
    response = httpx.post(
        f"{sample_host.url}/runtime/webhooks/durabletask/orchestrators/chain?timeout=10&pollingInterval=0.05",
        content=json.dumps("W"),
        timeout=15,
    )
    assert response.status_code == 200
    assert response.json()[0] == "Hello W"


def test_purge_by_filter_and_list_by_created_time(sample_host: DevHost) -> None:
    from datetime import datetime

    from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus

    async def scenario():
        client = client_for(sample_host)
        first = await client.start_new("chain", "purge-by-1", "p")
        await wait_status(client, first, DONE)
        created = (await client.get_status(first)).created_time
        later = await client.start_new("chain", "purge-by-2", "p")
        await wait_status(client, later, DONE)
        window = await client.get_status_by(created_time_from=created, created_time_to=datetime(2999, 1, 1))
        result = await client.purge_instance_history_by(
            created_time_from=created, runtime_status=[OrchestrationRuntimeStatus.Completed]
        )
        left = await client.get_status_by(created_time_from=created)
        return window, result, left

    window, result, left = run(scenario)
    assert {"purge-by-1", "purge-by-2"} <= {s.instance_id for s in window}
    assert result.instances_deleted >= 2
    assert not {"purge-by-1", "purge-by-2"} & {s.instance_id for s in left}


def test_activities_run_in_parallel_up_to_max_concurrent_activity_functions(sample_host: DevHost) -> None:
    status = run_to_end(sample_host, "concurrency", 24)
    assert status.runtime_status.value == "Completed"
    assert 2 <= status.output <= 8  # host.json maxConcurrentActivityFunctions = 8


def test_restart_runs_the_same_orchestrator_and_input_again(sample_host: DevHost) -> None:
    async def scenario():
        client = client_for(sample_host)
        first = await client.start_new("chain", "restart-1", "R")
        await wait_status(client, first, DONE)
        # the host answers restart with the check-status payload, which the SDK hands back as is
        again = (await client.restart(first))["id"]
        same = (await client.restart(first, restart_with_new_instance_id=False))["id"]
        return await wait_status(client, again, DONE), again, await wait_status(client, same, DONE)

    status, again, same = run(scenario)
    assert again != "restart-1"
    assert status.output[0] == "Hello R"
    assert same.instance_id == "restart-1" and same.output[0] == "Hello R"


def test_purge_by_filter_needs_created_time_from_and_suspend_over_the_webhook(sample_host: DevHost) -> None:
    base = f"{sample_host.url}/runtime/webhooks/durabletask"
    with httpx.Client(timeout=10) as http:
        refused = http.delete(f"{base}/instances", params={"runtimeStatus": "Completed"})
        assert refused.status_code == 400
        assert "createdTimeFrom" in refused.json()["Message"]
        assert http.get(f"{base}/instances", params={"createdTimeFrom": "yesterday"}).status_code == 400
        started = http.post(f"{base}/orchestrators/wait_event/hook-1").json()
        assert http.post(started["suspendPostUri"].replace("{text}", "pause")).status_code == 202
        assert http.get(started["statusQueryGetUri"]).json()["runtimeStatus"] == "Suspended"
        assert http.post(started["resumePostUri"].replace("{text}", "go")).status_code == 202
        # while it still waits (once the event below finishes it, the answer is 410 before any body check)
        no_json = http.post(started["sendEventPostUri"].replace("{eventName}", "Go"), content=b"x")
        assert no_json.status_code == 400
        sent = http.post(started["sendEventPostUri"].replace("{eventName}", "Go"), json="hook")
        assert sent.status_code == 202

        def completed() -> httpx.Response | None:
            answer = http.get(started["statusQueryGetUri"])
            return answer if answer.status_code == 200 else None

        status = wait_for(completed, what="hook-1 to complete")
        assert status.json()["output"] == "Hello hook"
        assert http.post(started["terminatePostUri"].replace("{text}", "late")).status_code == 410
