"""Helpers of the devhost tests: the real DurableOrchestrationClient against a running devhost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import azure.durable_functions as df
from azure.durable_functions.models.utils import http_utils

from cli.stack.devhost import DevHost, start_devhost
from tests import polling

SAMPLE_APP = Path(__file__).resolve().parent / "sample_app"
T = TypeVar("T")


def start_sample_host(
    base: Path, side: Path, *, env: dict[str, str] | None = None, **options: Any
) -> DevHost:
    """The sample app on a devhost (healthy) whose log, state and keys live in `base` and whose
    activities keep their side files in `side`; `options` as `start_devhost` takes them."""
    return start_devhost(
        SAMPLE_APP,
        base / "devhost.log",
        state=base / "state.db",
        keys=base / "keys.json",
        env={"SAMPLE_STATE_DIR": str(side), **(env or {})},
        **options,
    )


def client_for(host: DevHost, hub: str = "SampleHub") -> df.DurableOrchestrationClient:
    """A client from the same binding shape the host hands to starters (rpcBaseUrl is what it calls)."""
    webhook = f"{host.url}/runtime/webhooks/durabletask"
    binding = {
        "taskHubName": hub,
        "creationUrls": {},
        "managementUrls": {"id": "INSTANCEID", "statusQueryGetUri": f"{webhook}/instances/INSTANCEID"},
        "rpcBaseUrl": f"{host.url}/durabletask/",
    }
    return df.DurableOrchestrationClient(json.dumps(binding))


def run(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on a fresh loop, closing the SDK's shared aiohttp session afterwards."""

    async def main() -> T:
        try:
            return await factory()
        finally:
            await http_utils._close_session()

    return asyncio.run(main())


async def wait_status(
    client: df.DurableOrchestrationClient, instance_id: str, statuses: set[str], timeout: float = 20.0
) -> Any:
    """Poll get_status until the runtime status is one of `statuses` (fails with the last status)."""

    def reached(status: Any) -> bool:
        return bool(status and status.runtime_status is not None and status.runtime_status.value in statuses)

    return await polling.wait_for_async(
        lambda: client.get_status(instance_id, show_history=False),
        timeout=timeout,
        what=f"instance {instance_id} to reach {statuses}",
        interval=0.02,
        until=reached,
    )


wait_for = partial(polling.wait_for, timeout=20.0, interval=0.02)  # the devhost acts within milliseconds


DONE = {"Completed", "Failed", "Terminated"}


def run_to_end(host: DevHost, orchestrator: str, payload: Any = None, instance_id: str | None = None) -> Any:
    """Start `orchestrator` with `payload` through the real client and wait for it to end; its
    final status (fails when it does not end in time)."""

    async def scenario() -> Any:
        client = client_for(host)
        started = await client.start_new(orchestrator, instance_id, payload)
        return await wait_status(client, started, DONE)

    return run(scenario)
