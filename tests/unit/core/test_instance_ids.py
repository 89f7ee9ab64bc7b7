"""The id scheme (#20 items 7, 10): user ids and derived ids are disjoint, and hostile ids refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migration.instance_ids import derived_id, is_instance_id, plan_unit_id, user_id_problem
from migration.requests import RequestError, parse_plan_request, parse_request_text

SUB = "00000000-0000-0000-0000-000000000001"
user_ids = st.text(st.sampled_from("abcXYZ019-_."), min_size=1, max_size=100).filter(
    lambda t: set(t) != {"."}
)


@given(user_ids, st.sampled_from(["virtualNetwork", "cloudService"]), st.text(min_size=1, max_size=300))
def test_a_plan_unit_id_is_never_a_user_id(plan_id: str, kind: str, name: str) -> None:
    unit_id = plan_unit_id(plan_id, kind, name)
    assert is_instance_id(unit_id) and len(unit_id) <= 100
    assert user_id_problem(unit_id) is not None  # no user can submit it, so none can hold it first


@given(user_ids, user_ids)
def test_every_user_id_is_accepted_and_none_derived(a: str, b: str) -> None:
    assert user_id_problem(a) is None and is_instance_id(a)
    assert derived_id(a, "follow") != b


def test_kinds_of_derived_ids_differ_by_their_number_of_parts() -> None:
    # a cloud service's deployment named "follow" is not the follow-through of the unit
    assert plan_unit_id("p", "cloudService", "web", "follow") != derived_id(
        plan_unit_id("p", "cloudService", "web"), "follow"
    )


@pytest.mark.parametrize(
    ("request_id", "problem"),
    [
        (".", "dots only"),
        ("..", "dots only"),
        ("...", "dots only"),
        ("a~b", "reserved"),
        ("a/b", "A-Z"),
        ("a%2Fb", "A-Z"),
        ("x" * 101, "1-100"),
        ("", "1-100"),
    ],
)
def test_hostile_request_and_plan_ids_are_400s_naming_the_field(request_id: str, problem: str) -> None:
    body = {"requestId": request_id, "subscriptionId": SUB, "unit": {"kind": "virtualNetwork", "name": "v"}}
    with pytest.raises(RequestError) as caught:
        parse_request_text(json.dumps(body))
    assert [e["field"] for e in caught.value.errors] == ["requestId"] and problem in caught.value.errors[0][
        "message"
    ]
    with pytest.raises(RequestError) as caught:
        parse_plan_request({"planId": request_id, "subscriptionId": SUB})
    assert [e["field"] for e in caught.value.errors] == ["planId"]


@pytest.mark.parametrize("timeout", ["P99999999999D", "PT99999999999999999999H", "P9999W", "P3661D"])
def test_an_overflowing_duration_is_a_400_naming_the_field(timeout: str) -> None:
    body = {
        "requestId": "r",
        "subscriptionId": SUB,
        "unit": {"kind": "virtualNetwork", "name": "v"},
        "approval": {"timeout": timeout},
    }
    with pytest.raises(RequestError) as caught:
        parse_request_text(json.dumps(body))
    assert [e["field"] for e in caught.value.errors] == ["approval.timeout"]


def test_duplicate_keys_are_refused_not_last_wins() -> None:
    text = (
        f'{{"requestId": "r", "subscriptionId": "{SUB}", "unit": {{"kind": "virtualNetwork", "name": "v"}},'
        ' "dryRun": false, "dryRun": true}'
    )
    with pytest.raises(RequestError) as caught:
        parse_request_text(text)
    assert caught.value.errors == [
        {"field": "dryRun", "message": "appears twice: which one counts would be a guess"}
    ]
