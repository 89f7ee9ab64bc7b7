"""Durable HTTP (`context.call_http`) on the devhost: loopback targets, the 202 + Location polling
pattern, the extension's DurableHttpResponse shape; a target off loopback fails the orchestration
with a message that says why. Every orchestrator action type of the pinned SDK is handled, and an
unknown one is refused by name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
from azure.durable_functions.models.actions.ActionType import ActionType

from cli.stack.devhost import DevHost
from devhost import episode, replay

HOOK = "/runtime/webhooks/durabletask"


def _run(http: httpx.Client, host: DevHost, name: str, instance_id: str, payload: object) -> dict:
    from tests.integration.devhost.helpers import wait_for

    started = http.post(f"{host.url}{HOOK}/orchestrators/{name}/{instance_id}", json=payload)
    url = started.json()["statusQueryGetUri"]
    return wait_for(lambda: (s := http.get(url)).status_code == 200 and s.json(), what=f"{name} to finish")


def test_call_http_follows_the_202_pattern_to_the_result(sample_host: DevHost, side_dir: Path) -> None:
    with httpx.Client(timeout=20) as http:
        status = _run(http, sample_host, "http_caller", "http-1", sample_host.url)
    assert status["runtimeStatus"] == "Completed", status["output"]
    job, page = status["output"]["job"], status["output"]["page"]
    assert job["statusCode"] == 200
    assert job["headers"]["Content-Type"].startswith("application/json")
    assert job["content"] == '{"job": "job1", "body": {"size": 3}}'  # the POST body reached the target
    assert (side_dir / "job1.polls.count").read_text() == "3"  # 202, 202, then 200
    assert page["statusCode"] == 200 and '"greeting": "Hi, durable"' in page["content"]


def test_call_http_off_loopback_fails_naming_the_rule(sample_host: DevHost) -> None:
    with httpx.Client(timeout=20) as http:
        status = _run(http, sample_host, "http_outside", "http-2", "http://192.0.2.1/nowhere")
    assert status["runtimeStatus"] == "Failed"
    assert "not a loopback http(s) URL" in status["output"]


def _decide(actions: list[dict]) -> episode.EpisodeRecord:
    result = replay.EpisodeResult(done=False, failed=False, actions=actions)
    return episode.decide(
        result,
        instance_id="i",
        execution_id="e",
        actions_seen=0,
        next_id=0,
        now=datetime(2030, 1, 1, tzinfo=UTC),
    )


def test_every_action_type_of_the_sdk_is_handled() -> None:
    kinds = {v for k, v in vars(ActionType).items() if k.isupper()}
    assert kinds - set(episode.ACTION_NAMES) == set()  # a new SDK action type fails here


def test_an_unknown_action_is_refused_by_name_not_number() -> None:
    refused = _decide(
        [
            {"actionType": replay.CALL_HTTP, "httpRequest": {"method": "GET", "uri": "http://127.0.0.1/"}},
            {"actionType": 10},
        ]
    )
    assert refused.outcome == "failed"
    assert "'10' (not an action type of azure-functions-durable 1.7)" in str(refused.output)
    entity = _decide(
        [{"actionType": replay.SIGNAL_ENTITY, "instanceId": "@counter@k", "operation": "add", "input": "1"}]
    )
    assert entity.outcome == "running" and entity.work.entity_requests[0]["target"] == "@counter@k"
    assert (
        entity.events[0]["EventType"] == replay.EVENT_SENT and entity.next_id == 1
    )  # a signal takes a task id
