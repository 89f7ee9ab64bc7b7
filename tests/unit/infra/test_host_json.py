"""host.json: the production values, still valid for the local devhost and Core Tools."""

from __future__ import annotations

import json
import re

import pytest

from tests.unit.infra.conftest import ROOT

HOST = json.loads((ROOT / "host.json").read_text())
TIMESPAN = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d)$")


def _seconds(value: str) -> int:
    match = TIMESPAN.match(value)
    assert match, f"{value!r} is not an hh:mm:ss timespan"
    hours, minutes, seconds = (int(g) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def test_version_and_extension_bundle() -> None:
    assert HOST["version"] == "2.0"
    assert HOST["extensionBundle"] == {
        "id": "Microsoft.Azure.Functions.ExtensionBundle",
        "version": "[4.*, 5.0.0)",
    }


def test_http_route_prefix_is_the_api_contract() -> None:
    assert HOST["extensions"]["http"]["routePrefix"] == "api"


def test_queue_settings_state_the_encoding_and_the_poison_threshold() -> None:
    queues = HOST["extensions"]["queues"]
    assert queues["messageEncoding"] in ("base64", "none"), "messageEncoding must be stated explicitly"
    assert 1 <= queues["maxDequeueCount"] <= 10
    assert 1 <= queues["batchSize"] <= 32
    assert 0 <= queues["newBatchThreshold"] <= queues["batchSize"]
    assert _seconds(queues["maxPollingInterval"]) >= 1
    _seconds(queues["visibilityTimeout"])


def test_durable_task_hub_and_concurrency() -> None:
    durable = HOST["extensions"]["durableTask"]
    # Azure Storage task hub names: 3-45 characters, letters and digits, starting with a letter.
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,44}", durable["hubName"])
    assert durable["maxConcurrentActivityFunctions"] >= 1
    assert durable["maxConcurrentOrchestratorFunctions"] >= 1
    assert durable["extendedSessionsEnabled"] is False, "extended sessions are not supported for Python"
    assert durable["tracing"]["traceInputsAndOutputs"] is False, "inputs/outputs must not reach the logs"
    assert 1 <= durable["storageProvider"]["partitionCount"] <= 16


def test_the_host_never_replaces_a_running_instance() -> None:
    # a start with the id of a pending or running instance fails instead of replacing it (#20 item 6)
    assert HOST["extensions"]["durableTask"]["overridableExistingInstanceStates"] == "NonRunningStates"


def test_function_timeout_is_bounded() -> None:
    # Activities are short (polling uses durable timers); a hung one is stopped and retried.
    assert 60 <= _seconds(HOST["functionTimeout"]) <= 30 * 60


def _leaf_keys(node: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict):
        return [k for key, value in node.items() for k in _leaf_keys(value, (*prefix, key))]
    return [prefix]


@pytest.mark.parametrize("path", _leaf_keys(HOST), ids=" / ".join)
def test_every_value_is_explained_in_the_operations_doc(path: tuple[str, ...]) -> None:
    doc = (ROOT / "docs" / "operations.md").read_text()
    section = doc.split("## host.json values explained", 1)[1].split("\n## ", 1)[0]
    assert f"`{path[-1]}`" in section, f"docs/operations.md does not explain host.json {' / '.join(path)}"
