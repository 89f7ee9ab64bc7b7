"""Malformed queue messages, through the devhost's queue trigger and Azurite: each one lands in
`migration-requests-poison` with its text unchanged, and nothing is started."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.hostile.app import ApiHost, wait_for
from tests.unit.hostile.strategies import broken_requests, json_values

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("hostile_api")]

# A message is found again by a marker it carries; the marker never makes a bad message valid.
garbage = st.one_of(
    st.text(max_size=200).map(lambda t: f"{t} MARK"),
    json_values.map(lambda v: json.dumps(["MARK", v])),
    json_values.map(lambda v: json.dumps({"requestId": "MARK", "junk": v})),
    # broken anywhere but in requestId (which the marker overwrites)
    broken_requests(request_id="MARK")
    .filter(lambda b: b.field != "requestId")
    .map(lambda b: json.dumps({**b.body, "requestId": "MARK"})),
)


def _drain_poison(api: ApiHost, found: dict[str, str]) -> None:
    for message in api.storage.receive("migration-requests-poison", 32, visibility_timeout=30):
        found[message.content] = message.content
        api.storage.delete("migration-requests-poison", message)


@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(garbage, min_size=8, max_size=8))
def test_malformed_messages_are_poisoned_unchanged_and_start_nothing(api: ApiHost, texts: list[str]) -> None:
    sent = []
    for text in texts:
        marker = f"m{uuid.uuid4().hex[:12]}"
        body = text.replace("MARK", marker)
        api.storage.send("migration-requests", body)
        sent.append(body)
    found: dict[str, str] = {}

    def all_poisoned() -> bool:
        _drain_poison(api, found)
        return all(body in found for body in sent)

    wait_for(all_poisoned, timeout=30, what="every malformed message in the poison queue")
    assert api.storage.peek("migration-requests") == []
    assert api.instance_ids() == set()


def test_deeply_nested_message_is_rejected_at_once(api: ApiHost) -> None:
    marker = uuid.uuid4().hex
    text = "[" * 3000 + json.dumps(marker) + "]" * 3000
    api.storage.send("migration-requests", text)
    found: dict[str, str] = {}

    def poisoned() -> bool:
        _drain_poison(api, found)
        return text in found

    wait_for(poisoned, timeout=6, what="the deep message in the poison queue")
