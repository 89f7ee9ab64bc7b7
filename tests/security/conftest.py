"""Security tests: the app under the devhost without a platform (`api`), shared per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.stack.azurite import Azurite
from tests.hostile.app import ApiHost, start_api_host


@pytest.fixture(scope="module")
def api(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHost]:
    host = start_api_host(tmp_path_factory.mktemp("security-api"), azurite)
    yield host
    host.host.process.stop()
