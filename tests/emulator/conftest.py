"""One realistic-estate emulator per module (reset between tests through the admin API)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.stack.emulator import Emulator
from tests.emulator.helpers import Admin, Asm, start


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = start(tmp_path_factory.mktemp("realistic"), "realistic.yaml")
    yield emulator
    emulator.stop()


@pytest.fixture
def emu(realistic: Emulator) -> Emulator:
    admin = Admin(realistic)
    admin.post("/reset")
    admin.put("/progress", json={"mode": "immediate"})
    admin.put("/settings", json={"armPageSize": 100})
    return realistic


@pytest.fixture
def asm(emu: Emulator) -> Asm:
    return Asm(emu)


@pytest.fixture
def admin(emu: Emulator) -> Admin:
    return Admin(emu)
