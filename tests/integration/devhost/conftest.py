"""One sample-app devhost per test module (fast), with its side-effect folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.stack.devhost import DevHost
from tests.integration.devhost.helpers import start_sample_host


@pytest.fixture(scope="module")
def side_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("side")


@pytest.fixture(scope="module")
def sample_host(tmp_path_factory: pytest.TempPathFactory, side_dir: Path) -> Iterator[DevHost]:
    """The sample app at time scale 3600 (an hour of durable time per real second)."""
    base = tmp_path_factory.mktemp("devhost")
    host = start_sample_host(base, side_dir, time_scale=3600, env={"SAMPLE_GREETING": "Hi"})
    yield host
    host.process.stop()
