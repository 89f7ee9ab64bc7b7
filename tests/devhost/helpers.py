"""Helpers of the devhost tests: the real DurableOrchestrationClient against a running devhost."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import azure.durable_functions as df
from azure.durable_functions.models.utils import http_utils

from cli.stack.devhost import DevHost
from tests import polling

SAMPLE_APP = Path(__file__).resolve().parent / "sample_app"
T = TypeVar("T")


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
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = await client.get_status(instance_id, show_history=False)
        if status and status.runtime_status is not None and status.runtime_status.value in statuses:
            return status
        await asyncio.sleep(0.02)
    last = status.runtime_status if status else None
    raise AssertionError(f"instance {instance_id} did not reach {statuses} within {timeout} s (last: {last})")


wait_for = partial(polling.wait_for, timeout=20.0, interval=0.02)  # the devhost acts within milliseconds
