"""Shared fixtures: real local servers on free loopback ports; markers by folder.

Each fixture starts a real process (Azurite now; the emulator and the devhost join here) with
the same launcher `c2arm up` uses, and stops it afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.stack.azurite import Azurite, start_azurite

pytest_plugins = [
    "tests.fixtures.emulator",
    "tests.fixtures.connectors",
    "tests.fixtures.devhost",
    "tests.fixtures.browser",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
# the tree is by tier (unit: pure, no servers; replay: orchestrators and the devhost's bookkeeping
# through the real SDK; integration: real local servers; e2e: the app on the stack, the CLI);
# a cross-cutting concern is a folder inside a tier (unit/hostile, e2e/hostile, …)
TIERS = ("unit", "replay", "integration", "e2e")
CONCERNS = ("hostile", "security", "chaos", "browser")


@pytest.hookimpl(tryfirst=True)  # before `-m` selects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test carries its tier's marker and its concern's (`-m hostile` spans the tiers)."""
    for item in items:
        folders = item.path.relative_to(TESTS).parts[:-1]
        for name in folders:
            if name in TIERS or name in CONCERNS:
                item.add_marker(name)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """One Azurite for the test session (blob, queue, table), its data in a temp folder."""
    base = tmp_path_factory.mktemp("azurite")
    server = start_azurite(REPO_ROOT, base / "data", base / "azurite.log")
    yield server
    server.process.stop(timeout=2)  # Azurite waits for idle keep-alive sockets; no data to lose here


@pytest.fixture
def storage_connection_string(azurite: Azurite) -> str:
    return azurite.connection_string
