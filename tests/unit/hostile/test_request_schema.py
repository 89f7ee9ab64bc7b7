"""The request schema under fuzzing, called directly (`migration.requests`).

Whatever arrives, the answer is a request or a `RequestError` whose every entry names a field
and a problem — never another exception — and a request broken in one place is refused naming
that place.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migration.requests import RequestError, parse_plan_request, parse_request, parse_request_text
from tests.unit.hostile.strategies import Broken, broken_requests, json_values, valid_request

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _well_formed(errors: list[dict[str, str]]) -> None:
    assert errors, "a refusal names at least one problem"
    for error in errors:
        assert set(error) == {"field", "message"}
        assert isinstance(error["field"], str) and error["field"]
        assert isinstance(error["message"], str) and error["message"]


def _names(errors: list[dict[str, str]], field: str) -> bool:
    """True when an error is about `field` (or inside it, e.g. `unit` → `unit.kind`)."""
    return any(e["field"] == field or e["field"].startswith((field + ".", field + "[")) for e in errors)


def test_the_valid_request_parses() -> None:
    assert parse_request(valid_request()).request_id == "fuzz-1"


@FUZZ
@given(json_values)
def test_any_json_value_is_a_request_or_a_named_refusal(value: object) -> None:
    try:
        parse_request(value)
    except RequestError as exc:
        _well_formed(exc.errors)


@FUZZ
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_text_is_a_request_or_a_named_refusal(text: str | bytes) -> None:
    try:
        parse_request_text(text)
    except RequestError as exc:
        _well_formed(exc.errors)


@FUZZ
@given(broken_requests())
def test_a_request_broken_in_one_place_is_refused_naming_that_place(broken: Broken) -> None:
    try:
        parse_request(broken.body)
    except RequestError as exc:
        _well_formed(exc.errors)
        assert _names(exc.errors, broken.field), (broken.how, broken.field, exc.errors)
    else:
        raise AssertionError(f"accepted a request with {broken.how} {broken.field}: {broken.body}")


@FUZZ
@given(broken_requests())
def test_the_json_text_of_a_broken_request_is_refused_too(broken: Broken) -> None:
    try:
        parse_request_text(json.dumps(broken.body))
    except RequestError as exc:
        assert _names(exc.errors, broken.field)
    else:
        raise AssertionError(f"accepted {broken.field} ({broken.how})")


PLAN_KEYS = ["planId", "subscriptionId", "units", "concurrency", "approval", "window", "dryRun", "x"]


@FUZZ
@given(st.one_of(json_values, st.dictionaries(st.sampled_from(PLAN_KEYS), json_values)))
def test_any_plan_request_is_a_plan_or_a_named_refusal(value: object) -> None:
    try:
        parse_plan_request(value)
    except RequestError as exc:
        _well_formed(exc.errors)


def test_deeply_nested_json_text_is_a_named_refusal() -> None:
    with pytest.raises(RequestError) as info:
        parse_request_text("[" * 5000 + "]" * 5000)
    assert info.value.errors[0]["field"] == "(body)"
