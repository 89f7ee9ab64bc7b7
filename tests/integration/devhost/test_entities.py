"""Durable entities on the devhost: the counter app in `entity_app/` (add, reset, get), run
unmodified — signalled and read from HTTP starters through the real client binding, called and
signalled from orchestrations — and the extension's `/runtime/webhooks/durabletask/entities/…`
routes (read: 200 state / 404 empty; list; POST ?op= signals; DELETE signals `delete`)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import azure.durable_functions as df
import httpx
import pytest

from cli.stack.devhost import DevHost, start_devhost
from tests.integration.devhost.helpers import client_for, run, wait_for

ENTITY_APP = Path(__file__).resolve().parent / "entity_app"


@pytest.fixture(scope="module")
def counter_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    base = tmp_path_factory.mktemp("entities")
    host = start_devhost(ENTITY_APP, base / "devhost.log", state=base / "state.db", keys=base / "keys.json")
    yield host
    host.process.stop()


def _finish(http: httpx.Client, host: DevHost, name: str, payload: object) -> dict:
    started = http.post(f"{host.url}/api/orchestrators/{name}", json=payload)
    assert started.status_code == 202, started.text
    url = started.json()["statusQueryGetUri"]
    return wait_for(lambda: (r := http.get(url)).status_code == 200 and r.json(), what=f"{name} to finish")


def _counter(http: httpx.Client, host: DevHost, key: str) -> httpx.Response:
    return http.get(f"{host.url}/api/counters/{key}")


def test_signalled_from_a_client_and_read_back(counter_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        assert _counter(http, counter_host, "c1").status_code == 404  # read_entity_state: does not exist
        for amount in (b"3", b"4", b"5"):
            assert http.post(f"{counter_host.url}/api/counters/c1/add", content=amount).status_code == 202
        reached = wait_for(lambda: _counter(http, counter_host, "c1").text == "12", what="c1 to reach 12")
    assert reached


def test_called_and_signalled_from_an_orchestration(counter_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        status = _finish(http, counter_host, "count_up", "c2")
        assert status["runtimeStatus"] == "Completed"
        # signal add 5 then call get (ordered), call add 10, get, reset, get
        assert status["output"] == [5, 15, 0]
        assert _counter(http, counter_host, "c2").json() == 0
        many = _finish(http, counter_host, "count_many", ["m1", "m2", "m3", "m1"])
        assert many["output"] == 2 + 1 + 1 + 2  # m1 added twice (one operation at a time), read twice
        assert _counter(http, counter_host, "m1").json() == 2


def test_an_operation_that_raises_fails_the_call_in_the_orchestration(counter_host: DevHost) -> None:
    with httpx.Client(timeout=10) as http:
        status = _finish(http, counter_host, "count_refused", "c3")
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] == "caught: counter refused: too big"


def test_the_sdk_client_signals_and_reads_over_rpc(counter_host: DevHost) -> None:
    entity = df.EntityId("Counter", "rpc-1")

    async def scenario():
        client = client_for(counter_host, hub="CounterHub")
        missing = await client.read_entity_state(entity)
        await client.signal_entity(entity, "add", 7)
        await client.signal_entity(entity, "add", 8)
        for _ in range(500):
            state = await client.read_entity_state(entity)
            if state.entity_exists and state.entity_state == 15:
                break
        return missing, state

    missing, state = run(scenario)
    assert missing.entity_exists is False and missing.entity_state is None
    assert state.entity_exists is True and state.entity_state == 15


def test_the_entity_webhook_routes(counter_host: DevHost) -> None:
    base = f"{counter_host.url}/runtime/webhooks/durabletask/entities"
    with httpx.Client(timeout=10) as http:
        unknown = http.get(f"{base}/Counter/nobody")
        assert unknown.status_code == 404 and unknown.content == b""
        assert http.post(f"{base}/Counter/w1", params={"op": "add"}, json=20).status_code == 202
        assert wait_for(lambda: http.get(f"{base}/Counter/w1").status_code == 200, what="w1 to exist")
        assert http.get(f"{base}/counter/w1").json() == 20  # the name is case-insensitive
        assert http.post(f"{base}/Counter/w1", params={"op": "reset"}).status_code == 202  # no body
        assert wait_for(lambda: http.get(f"{base}/Counter/w1").json() == 0, what="w1 reset")
        listed = http.get(f"{base}/Counter", params={"fetchState": "true"}).json()
        assert {"entityId": {"name": "counter", "key": "w1"}, "state": 0} in [
            {k: v for k, v in item.items() if k != "lastOperationTime"} for item in listed
        ]
        assert (
            http.post(
                f"{base}/Counter/w1",
                params={"op": "add"},
                content=b"{bad",
                headers={"Content-Type": "application/json"},
            ).status_code
            == 400
        )
        assert http.delete(f"{base}/Counter/w1").status_code == 202  # signals "delete"
        assert wait_for(lambda: http.get(f"{base}/Counter/w1").status_code == 404, what="w1 deleted")


def test_entity_state_survives_a_crash(tmp_path: Path) -> None:
    state, keys = tmp_path / "state.db", tmp_path / "keys.json"
    host = start_devhost(ENTITY_APP, tmp_path / "a.log", state=state, keys=keys)
    try:
        with httpx.Client(timeout=10) as http:
            http.post(f"{host.url}/api/counters/k/add", content=b"9")
            wait_for(lambda: _counter(http, host, "k").status_code == 200, what="k to exist")
        os.kill(host.process.popen.pid, signal.SIGKILL)
        host.process.popen.wait(timeout=10)
        again = start_devhost(ENTITY_APP, tmp_path / "b.log", state=state, keys=keys)
        try:
            with httpx.Client(timeout=10) as http:
                assert _counter(http, again, "k").json() == 9
        finally:
            again.process.stop()
    finally:
        host.process.stop()
