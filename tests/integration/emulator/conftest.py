"""One realistic-estate emulator per module (reset between tests through the admin API)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli.stack.emulator import Emulator
from tests.integration.emulator.helpers import Admin, Asm, start


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = start(tmp_path_factory.mktemp("realistic"), "realistic.yaml")
    yield emulator
    emulator.stop()


@pytest.fixture
def emu(realistic: Emulator) -> Emulator:
    with Admin(realistic) as admin:
        admin.post("/reset")
        admin.put("/progress", json={"mode": "immediate"})
        admin.put("/settings", json={"armPageSize": 100})
    return realistic


@pytest.fixture
def asm(emu: Emulator) -> Iterator[Asm]:
    with Asm(emu) as client:
        yield client


@pytest.fixture
def admin(emu: Emulator) -> Iterator[Admin]:
    with Admin(emu) as client:
        yield client


@pytest.fixture
def asm_for() -> Iterator[Callable[..., Asm]]:
    """`asm_for(emulator, cert=None)`: an `Asm` client for an emulator a test started itself,
    closed when the test ends."""
    opened: list[Asm] = []

    def open_client(emulator: Emulator, cert: tuple[Path, Path] | None = None) -> Asm:
        opened.append(Asm(emulator, cert))
        return opened[-1]

    yield open_client
    for client in opened:
        client.close()
