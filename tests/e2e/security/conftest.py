"""Security tests: the app under the devhost without a platform (`api`), and the whole stack with
three approvers under the two-person rule (`decision_stack`); each shared per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.stack.azurite import Azurite
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.hostile.app import APPROVER, SECOND_APPROVER, ApiHost, start_api_host

THIRD_APPROVER = "third@contoso.com"


@pytest.fixture(scope="module")
def api(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHost]:
    host = start_api_host(tmp_path_factory.mktemp("security-api"), azurite)
    yield host
    host.host.process.stop()


@pytest.fixture(scope="module")
def decision_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The small estate's stack; `APPROVER` submits, the second and third approvers decide."""
    settings = {
        "APPROVERS": f"{APPROVER},{SECOND_APPROVER},{THIRD_APPROVER}",
        "TWO_PERSON_APPROVAL": "true",
    }
    with running_stack(tmp_path_factory.mktemp("decisions-stack"), settings) as stack:
        yield stack
