"""Queue triggers on Azurite (starter, poison handling, encodings) and timer triggers
(`%SETTING%` schedule on scaled time, manual runs, `past_due` after downtime)."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable
from pathlib import Path

import httpx
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from cli.stack.azurite import Azurite
from cli.stack.devhost import DevHost
from tests.integration.devhost.helpers import SAMPLE_APP, client_for, run, wait_for, wait_status

DONE = {"Completed", "Failed", "Terminated"}


def _queue(conn: str, name: str, encode: bool = True) -> QueueClient:
    policy = TextBase64EncodePolicy() if encode else None
    client = QueueClient.from_connection_string(conn, name, message_encode_policy=policy)
    with contextlib.suppress(Exception):  # already there
        client.create_queue()
    return client


def test_queue_trigger_starts_orchestrations_and_poisons_bad_messages(
    devhost_factory: Callable[..., DevHost], azurite: Azurite, tmp_path: Path
) -> None:
    side = tmp_path / "side"
    conn = azurite.connection_string
    host = devhost_factory(SAMPLE_APP, env={"SAMPLE_STATE_DIR": str(side), "AzureWebJobsStorage": conn})
    requests = _queue(conn, "sample-requests")
    requests.send_message(json.dumps({"id": "from-queue-1", "name": "Q"}))
    requests.send_message(json.dumps({"no": "id"}))
    _queue(conn, "sample-requests", encode=False).send_message("this is not base64!")

    async def started():
        return await wait_status(client_for(host), "from-queue-1", DONE)

    assert run(started).output[0] == "Hello Q"

    poison = QueueClient.from_connection_string(conn, "sample-requests-poison")

    def poisoned() -> list[str]:
        try:
            return [m.content for m in poison.peek_messages(max_messages=32)]
        except ResourceNotFoundError:  # the host creates the poison queue with the first poison message
            return []

    wait_for(lambda: len(poisoned()) == 2, what="two poison messages")
    texts = poisoned()
    assert "this is not base64!" in texts  # invalid base64: poisoned at once, text unchanged
    bad = next(t for t in texts if t != "this is not base64!")
    assert json.loads(base64.b64decode(bad)) == {"no": "id"}  # moved unchanged (still base64)
    assert requests.peek_messages(max_messages=32) == []
    runs = [json.loads(p.read_text()) for p in sorted(side.glob("queue-*.json"))]
    bad_runs = [r for r in runs if json.loads(r["body"]) == {"no": "id"}]
    assert sorted(r["dequeueCount"] for r in bad_runs) == [1, 2]  # maxDequeueCount 2 in host.json
    assert all(r["popReceipt"] and r["inserted"] != "None" for r in runs)


def test_timer_trigger_with_setting_schedule_on_scaled_time_and_manual_runs(
    devhost_factory: Callable[..., DevHost], tmp_path: Path
) -> None:
    side = tmp_path / "side"
    env = {"SAMPLE_STATE_DIR": str(side), "SAMPLE_SCHEDULE": "0 * * * * *"}  # every minute, env beats local
    host = devhost_factory(SAMPLE_APP, env=env, time_scale=60, start_time="2030-01-08T12:00:30Z")
    wait_for(lambda: (side / "scheduled-1.json").exists(), timeout=10, what="the first scheduled run")
    assert json.loads((side / "scheduled-1.json").read_text()) == {"pastDue": False}

    async def ticked():
        return await wait_status(client_for(host), "tick-1", DONE)

    status = run(ticked)
    assert status.output == {"tick": 1}
    # fired on a whole minute of virtual time (12:01, or 12:02 on a slow start), not at 13:00 (hourly)
    assert status.created_time.hour == 12 and status.created_time.minute in (1, 2)
    assert status.created_time.second < 30

    url = f"{host.url}/admin/functions/scheduled"
    assert (
        httpx.post(url, json={"input": ""}, headers={"x-functions-key": host.function_key}).status_code == 401
    )
    assert (
        httpx.post(
            f"{host.url}/admin/functions/nope",
            json={"input": ""},
            headers={"x-functions-key": host.master_key},
        ).status_code
        == 404
    )
    count = len(list(side.glob("scheduled-*.json")))
    assert (
        httpx.post(url, json={"input": ""}, headers={"x-functions-key": host.master_key}).status_code == 202
    )
    wait_for(lambda: len(list(side.glob("scheduled-*.json"))) > count, what="the manual run")


def test_timer_missed_while_down_runs_once_past_due(
    devhost_factory: Callable[..., DevHost], tmp_path: Path
) -> None:
    side = tmp_path / "side"
    env = {"SAMPLE_STATE_DIR": str(side), "SAMPLE_SCHEDULE": "0 */10 * * * *"}
    host = devhost_factory(SAMPLE_APP, env=env, start_time="2030-01-08T12:00:30Z")
    wait_for(lambda: (side / "startup-1.json").exists(), what="the run on start-up")
    host.process.kill()
    # restarted "an hour later": five occurrences were missed, one past-due run makes up for them
    devhost_factory(
        SAMPLE_APP, env=env, state=host.state_file, keys=host.keys_file, start_time="2030-01-08T13:05:00Z"
    )
    wait_for(lambda: (side / "scheduled-1.json").exists(), what="the past-due run")
    assert json.loads((side / "scheduled-1.json").read_text()) == {"pastDue": True}
    assert not (side / "scheduled-2.json").exists()
    # runOnStartup (a yearly schedule): one run at each start
    wait_for(lambda: (side / "startup-2.json").exists(), what="the run on the second start")
    assert json.loads((side / "startup-2.json").read_text()) == {"pastDue": False}
