"""Every app setting's value is checked at once: each problem names its setting (item 8 of #15)."""

from __future__ import annotations

import pytest

from connectors.settings_check import setting_problems

GOOD = {"REVIEW_TOKEN_SECRET": "s" * 32}


def named(env: dict[str, str]) -> dict[str, str]:
    return {p.setting: p.message for p in setting_problems({**GOOD, **env})}


def test_the_defaults_with_the_secret_set_are_healthy() -> None:
    assert setting_problems(GOOD) == []


def test_a_required_secret_that_is_missing_is_named() -> None:
    assert [p.setting for p in setting_problems({})] == ["REVIEW_TOKEN_SECRET"]


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("TWO_PERSON_APPROVAL", "yes", "'yes' is not a boolean: use true or false"),
        ("TWO_PERSON_APPROVAL", "1", "is not a boolean"),
        ("MIGRATION_WINDOWS", "Someday 25:00-26:00", "Someday"),
        ("MIGRATION_TIMEZONE", "Mars/Olympus", "'Mars/Olympus' is not an IANA time zone"),
        ("APPROVAL_TIMEOUT_DEFAULT", "P1M", "not an ISO 8601 duration"),
        ("APPROVAL_TIMEOUT_DEFAULT", "PT0S", "must be longer than zero"),
        ("MIGRATION_SCHEDULE", "0 22 * * *", "six fields"),
        ("COMMIT_MAX_ATTEMPTS", "many", "'many' is not a whole number"),
        ("PLAN_CONCURRENCY", "0", "out of range: must be from 1 to 100"),
        ("OPERATION_POLL_MIN_SECONDS", "nan", "out of range"),
        ("AZURE_CLOUD", "germany", "'germany' is not one of public, china, usgov"),
        ("ASM_AUTH", "Token", "is not one of certificate, token"),
        ("ASM_ENDPOINT", "localhost:8443", "is not an http(s) URL"),
        ("AZURE_CA_BUNDLE", "/nonexistent/ca.pem", "no such file"),
    ],
)
def test_each_bad_value_is_named(setting: str, value: str, message: str) -> None:
    assert message in named({setting: value})[setting]


def test_booleans_accept_true_and_false_in_any_case() -> None:
    assert named({"TWO_PERSON_APPROVAL": "TRUE"}) == {} and named({"TWO_PERSON_APPROVAL": "false"}) == {}


def test_poll_bounds_in_the_wrong_order_and_every_problem_at_once() -> None:
    problems = named(
        {
            "OPERATION_POLL_MIN_SECONDS": "90",
            "OPERATION_POLL_MAX_SECONDS": "60",
            "MIGRATION_WINDOWS": "nope",
            "TWO_PERSON_APPROVAL": "maybe",
        }
    )
    assert set(problems) == {"OPERATION_POLL_MAX_SECONDS", "MIGRATION_WINDOWS", "TWO_PERSON_APPROVAL"}
    assert "below OPERATION_POLL_MIN_SECONDS" in problems["OPERATION_POLL_MAX_SECONDS"]
