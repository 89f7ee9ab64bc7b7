"""End-to-end fixtures: the app under the devhost with Azurite (and the emulator for `stack`).

`api_host` runs the app without a platform (enough for the API's own rules: keys, bodies,
duplicates, approver rules, queue intake). `stack` is the whole local stack started by the same
code as `c2arm up` (one per test module, scaled time). Helpers poll with deadlines, never sleep
blindly.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.signin import signed_in
from cli.stack.azurite import Azurite
from cli.stack.up import STACK_KEYS
from connectors.storage import Storage
from tests.polling import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
SUB = "00000000-0000-0000-0000-000000000001"
APPROVER = "approver@contoso.com"
OTHER_APPROVER = "second@contoso.com"


@dataclass
class App:
    url: str
    function_key: str
    storage: Storage
    extra: dict[str, Any]

    def client(self, principal: str | None = None, key: bool = True) -> httpx.Client:
        headers = {}
        if key:
            headers["x-functions-key"] = self.function_key
        if principal:
            headers.update(signed_in(self.url, principal))  # the devhost's emulated sign-in
        return httpx.Client(base_url=self.url, headers=headers, timeout=15)


def wait_phase(app: App, unit_id: str, phases: set[str], timeout: float = 60) -> dict[str, Any]:
    with app.client() as client:

        def check() -> dict[str, Any] | None:
            response = client.get(f"/api/migrations/{unit_id}")
            if response.status_code == 200 and response.json()["phase"] in phases:
                return response.json()
            return None

        return wait_for(check, timeout, f"{unit_id} in {sorted(phases)}")


def wait_plan_completed(app: App, plan_id: str, timeout: float = 60) -> dict[str, Any]:
    """The plan's view (`GET /api/plans/{id}`) once its phase is Completed."""
    with app.client() as client:

        def check() -> dict[str, Any] | None:
            view: dict[str, Any] = client.get(f"/api/plans/{plan_id}").json()
            return view if view["phase"] == "Completed" else None

        return wait_for(check, timeout, f"the plan {plan_id} completed")


def request(request_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "requestId": request_id,
        "subscriptionId": SUB,
        "unit": {"kind": "virtualNetwork", "name": "vnet-small"},
    }
    body.update(extra)
    return body


def events(store: Storage) -> list[dict[str, Any]]:
    return [json.loads(t) for t in store.peek("migration-events", 32)]


def wait_event(store: Storage, kind: str, unit_id: str, timeout: float) -> list[dict[str, Any]]:
    """The `kind` events about `unit_id` on `migration-events`, once there is one (fails after
    `timeout` seconds)."""
    return wait_for(
        lambda: [e for e in events(store) if e["type"] == kind and e["data"]["id"] == unit_id],
        timeout=timeout,
        what=f"{kind} of {unit_id}",
    )


@pytest.fixture(scope="module")
def api_host(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app under the devhost with Azurite, no platform: the API's own rules."""
    from cli.stack.devhost import start_devhost

    base = tmp_path_factory.mktemp("api-host")
    env = {
        "AzureWebJobsStorage": azurite.connection_string,
        "APPROVERS": f"{APPROVER},{OTHER_APPROVER}",
        "TWO_PERSON_APPROVAL": "true",
        "REVIEW_TOKEN_SECRET": "test-secret-of-at-least-32-bytes-here",
        "ASM_AUTH": "token",
        "AZURE_ACCESS_TOKEN": "t",
        "ASM_ENDPOINT": "https://127.0.0.1:9",
        "ARM_ENDPOINT": "https://127.0.0.1:9",
        "MIGRATION_SCHEDULE": "0 0 22 * * *",
        "AZURE_QUICK_RETRIES": "0",
    }
    host = start_devhost(
        REPO_ROOT,
        base / "devhost.log",
        state=base / "state.db",
        keys=base / "keys.json",
        env=env,
        time_scale=100,
    )
    store = Storage.from_env({"AzureWebJobsStorage": azurite.connection_string})
    store.ensure()
    yield App(host.url, host.function_key, store, {"log": base / "devhost.log"})
    host.process.stop()


@dataclass
class Stack(App):
    info: dict[str, Any]
    state_dir: Path

    def _platform(self, headers: dict[str, str]) -> httpx.Client:
        verify = ssl.create_default_context(cafile=self.info["caFile"])
        return httpx.Client(base_url=self.info["emulatorUrl"], verify=verify, timeout=15, headers=headers)

    def emulator(self) -> httpx.Client:
        """The emulator's admin API (bearer admin token), over its CA."""
        return self._platform({"Authorization": f"Bearer {self.info['emulatorAdminToken']}"})

    def arm_group(self, name: str) -> list[dict[str, Any]] | None:
        """The resources of an ARM resource group on the emulator (None when the group is absent)."""
        path = f"/subscriptions/{self.info['subscriptionId']}/resourceGroups/{name}/resources"
        with self._platform({"Authorization": "Bearer e2e"}) as arm:
            response = arm.get(path, params={"api-version": "2021-04-01"})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return list(response.json()["value"])

    def arm_get(self, resource_id: str) -> dict[str, Any]:
        """One ARM resource in full."""
        with self._platform({"Authorization": "Bearer e2e"}) as arm:
            response = arm.get(resource_id, params={"api-version": "2024-05-01"})
        response.raise_for_status()
        return dict(response.json())

    def classic(self, path: str) -> httpx.Response:
        """A classic (ASM) read on the emulator."""
        with self._platform({"Authorization": "Bearer e2e", "x-ms-version": "2016-07-01"}) as asm:
            return asm.get(f"/{self.info['subscriptionId']}{path}")


SMALL_ESTATE = REPO_ROOT / "examples" / "estates" / "small.yaml"
REALISTIC_ESTATE = REPO_ROOT / "examples" / "estates" / "realistic.yaml"
# what most stacks under test run with: operations polled every 2–10 durable seconds, and a
# limiter that never holds a test back (the limiter has tests of its own)
FAST = {
    "OPERATION_POLL_MIN_SECONDS": "2",
    "OPERATION_POLL_MAX_SECONDS": "10",
    "AZURE_REQUESTS_PER_SECOND": "200",
    "AZURE_REQUESTS_BURST": "200",
}


@contextmanager
def running_stack(
    base: Path,
    settings: dict[str, str],
    estate: Path = SMALL_ESTATE,
    time_scale: float = 20,
    start_time: str | None = None,
) -> Iterator[Stack]:
    """`c2arm up`'s code path in the state dir `base` (`FAST` overridden by `settings`), and
    `c2arm down` when the block ends, however it ends."""
    from cli.stack.up import StackOptions, down, up

    options = StackOptions(
        estate=estate,
        state_dir=base,
        settings={**FAST, **settings},
        time_scale=time_scale,
        start_time=start_time,
    )
    info = up(options)
    try:
        assert tuple(info) == STACK_KEYS and json.loads((base / "stack.json").read_text()) == info
        store = Storage.from_env({"AzureWebJobsStorage": info["storageConnectionString"]})
        yield Stack(info["appUrl"], info["functionKey"], store, {}, info, base)
    finally:
        down(base)


@pytest.fixture(scope="module")
def small_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole local stack on the small example estate (one per test module)."""
    settings = {"APPROVERS": f"{APPROVER},{OTHER_APPROVER}", "AZURE_QUICK_RETRIES": "1"}
    with running_stack(tmp_path_factory.mktemp("stack"), settings) as stack:
        yield stack


REALISTIC_SUB = "00000000-0000-0000-0000-000000000002"
REALISTIC_START = "2026-11-25T12:00:00Z"  # a Wednesday, noon


def realistic_request(request_id: str, kind: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "requestId": request_id,
        "subscriptionId": REALISTIC_SUB,
        "unit": {"kind": kind, "name": name},
        **extra,
    }


def running_realistic(base: Path, settings: dict[str, str]) -> AbstractContextManager[Stack]:
    """The realistic estate's stack, platform and durable time 60× from `REALISTIC_START`."""
    return running_stack(base, settings, REALISTIC_ESTATE, time_scale=60, start_time=REALISTIC_START)


@pytest.fixture(scope="module")
def realistic_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The realistic estate, platform and durable time 60× from Wednesday noon; the off-hours window
    opens at 12:20 (twenty virtual minutes: twenty seconds, room for `c2arm up` and its health wait on
    a loaded machine before the first off-hours unit is submitted)."""
    settings = {
        "APPROVERS": f"{APPROVER},{OTHER_APPROVER}",
        "MIGRATION_WINDOWS": "Wed 12:20-23:59",
        "OPERATION_POLL_MIN_SECONDS": "5",
        "OPERATION_POLL_MAX_SECONDS": "30",
        "AZURE_QUICK_RETRIES": "1",
        "MIGRATION_SCHEDULE": "0 */10 * * * *",
        "MAX_MIGRATIONS_PER_WINDOW": "1",
    }
    with running_realistic(tmp_path_factory.mktemp("realistic"), settings) as stack:
        yield stack
