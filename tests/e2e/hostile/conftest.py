"""The hostile-input tests share one app under the devhost per module (see `tests.e2e.hostile.app`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.stack.azurite import Azurite
from tests.e2e.hostile.app import ApiHost, start_api_host


@pytest.fixture(scope="module")
def api(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHost]:
    host = start_api_host(tmp_path_factory.mktemp("hostile-api"), azurite)
    yield host
    host.host.process.stop()
