"""One real emulator per test module (the realistic estate), reset before each test.

Starting the emulator costs ~0.5 s; resetting it through its admin API costs milliseconds, so the
connector tests share one per module and start every test from the estate file's state.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.stack.emulator import Emulator, start_emulator
from connectors.arm import ArmReader
from connectors.asm import AsmClient
from connectors.cloud import AzureSettings
from connectors.connection import Connection
from connectors.ratelimit import RateLimiter
from migration.requests import Unit

ESTATES = Path(__file__).resolve().parents[3] / "examples" / "estates"


class Admin:
    """The emulator's admin API (faults, progress, reset, request log)."""

    def __init__(self, emulator: Emulator) -> None:
        self.url = emulator.url
        self.client = httpx.Client(
            verify=ssl.create_default_context(cafile=str(emulator.ca_file)),
            headers={"Authorization": f"Bearer {emulator.admin_token}"},
            timeout=10,
        )

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.client.request(method, f"{self.url}/admin/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.call("POST", "reset")
        self.call("DELETE", "requests")
        self.progress("immediate")

    def progress(self, mode: str) -> None:
        self.call("PUT", "progress", {"mode": mode})

    def fault(self, **fault: Any) -> None:
        self.call("POST", "faults", fault)

    def requests(self) -> list[dict[str, Any]]:
        return [r for r in self.call("GET", "requests")["requests"] if not r["path"].startswith("/admin")]


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    state = tmp_path_factory.mktemp("emulator")
    emulator = start_emulator(ESTATES / "realistic.yaml", state, state / "emulator.log")
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def module_admin(realistic: Emulator) -> Iterator[Admin]:
    admin = Admin(realistic)
    yield admin
    admin.client.close()


@pytest.fixture
def admin(module_admin: Admin) -> Admin:
    module_admin.reset()
    return module_admin


@pytest.fixture
def emulator(realistic: Emulator, admin: Admin) -> Emulator:  # noqa: ARG001 - `admin` resets it
    """The module's emulator, reset to the estate with immediate operations and no faults."""
    return realistic


def settings_for(emulator: Emulator, **env: str) -> AzureSettings:
    """Settings that point the connectors at the emulator: only endpoints, credential and CA."""
    base = {
        "ASM_ENDPOINT": emulator.url,
        "ARM_ENDPOINT": emulator.url,
        "AZURE_CA_BUNDLE": str(emulator.ca_file),
        "ASM_AUTH": "token",
        "AZURE_ACCESS_TOKEN": "local-test-token",
        "AZURE_QUICK_RETRIES": "2",
        "AZURE_QUICK_RETRY_MAX_SECONDS": "3",
    }
    return AzureSettings.from_env({**base, **env})


def arm_side_probe(emulator: Emulator) -> Any:
    """What the activities give the ASM client: whether `<unit>-Migrated` exists (real ARM reader)."""

    def probe(unit: Unit) -> bool:
        with ArmReader.connect(Connection(settings_for(emulator), emulator.subscription_id)) as reader:
            return reader.group_exists(f"{unit.name}-Migrated")

    return probe


@pytest.fixture
def asm(emulator: Emulator) -> Iterator[AsmClient]:
    """A token-authenticated client with its own (generous) limiter, so tests do not share budgets,
    and the ARM-side probe the activities give it."""
    with AsmClient.connect(
        Connection(settings_for(emulator), emulator.subscription_id, limiter=RateLimiter(1000, 1000)),
        arm_side=arm_side_probe(emulator),
    ) as client:
        yield client


@pytest.fixture
def bare_asm(emulator: Emulator) -> Iterator[AsmClient]:
    """The same client without an ARM-side probe (only the classic side to go by)."""
    with AsmClient.connect(
        Connection(settings_for(emulator), emulator.subscription_id, limiter=RateLimiter(1000, 1000))
    ) as client:
        yield client
