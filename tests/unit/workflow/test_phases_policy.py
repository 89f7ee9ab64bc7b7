"""Phase rules and approver policy: who may decide what, and the review page's token."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from migration.identity import Principal
from migration.phases import COMMIT_PATH, FINAL, Phase, can_abort, can_approve, can_move, is_final
from migration.policy import ApproverPolicy, PolicyError, check_approver, make_token, verify_token
from migration.unit_report import Report

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_contract_names_and_finals() -> None:
    assert [p.value for p in Phase][:11] == [
        "Queued",
        "Snapshotting",
        "Prechecking",
        "Validating",
        "AwaitingPrepareApproval",
        "WaitingForWindow",
        "Preparing",
        "Checking",
        "AwaitingApproval",
        "Committing",
        "Aborting",
    ]
    assert {p.value for p in FINAL} == {"Committed", "Aborted", "NotMigratable", "Failed", "NeedsSupport"}
    assert is_final("Committed") and not is_final("Preparing")


def test_transitions() -> None:
    assert can_move("Validating", "AwaitingPrepareApproval") and can_move(
        "AwaitingPrepareApproval", "Preparing"
    )
    assert can_move("AwaitingPrepareApproval", "Aborted")  # nothing prepared: no Aborting needed
    assert can_approve("AwaitingPrepareApproval") and can_abort("AwaitingPrepareApproval")
    assert can_move("Validating", "NotMigratable")
    assert not can_move("Preparing", "NotMigratable")  # something is prepared: abort instead
    assert not can_move("Committing", "Aborting")  # abort is impossible once commit started
    assert not can_move("Committed", "Aborting")
    assert not can_move("Nonsense", "Committed")


def test_decision_rules() -> None:
    assert can_approve("AwaitingApproval") and not can_approve("Preparing")
    assert can_abort("Preparing") and can_abort("AwaitingApproval") and can_abort("WaitingForWindow")
    assert not can_abort("Committing") and not can_abort("Aborted")


ALICE = Principal("1a1a1a1a-0000-4000-8000-000000000001", "alice@contoso.com")
BOB = Principal("b0b0b0b0-0000-4000-8000-000000000002", "bob@contoso.com")


def test_approver_rules() -> None:
    policy = ApproverPolicy.from_settings(" Alice@contoso.com, bob@contoso.com ", "true")
    ops = {"name": "ops@contoso.com", "objectId": None}
    assert check_approver(policy, ALICE, ops) == ALICE
    with pytest.raises(PolicyError, match="not an approver"):
        check_approver(policy, Principal("0e0e0e0e-0000-4000-8000-000000000003", "mallory@contoso.com"), ops)
    with pytest.raises(PolicyError, match="two-person"):
        check_approver(policy, Principal(BOB.object_id, "BOB@contoso.com"), {"name": "bob@contoso.com"})
    # the requester by object id: a renamed account is still the requester
    with pytest.raises(PolicyError, match="two-person"):
        check_approver(policy, BOB, {"name": "robert@contoso.com", "objectId": BOB.object_id.upper()})
    relaxed = ApproverPolicy.from_settings("bob@contoso.com", "false")
    assert check_approver(relaxed, BOB, {"name": "bob@contoso.com"}) == BOB
    with pytest.raises(PolicyError):
        check_approver(ApproverPolicy.from_settings("", "false"), BOB, None)


def test_approvers_by_object_id_match_whatever_the_name() -> None:
    policy = ApproverPolicy.from_settings(BOB.object_id.upper(), "false")
    assert check_approver(policy, Principal(BOB.object_id, "renamed@contoso.com"), None)
    with pytest.raises(PolicyError, match="not an approver"):
        check_approver(policy, Principal(ALICE.object_id, "bob@contoso.com"), None)  # the name is not the id


def test_token_binds_instance_principal_and_expiry() -> None:
    token = make_token("s3cret", "change-1", "alice@contoso.com", NOW)
    assert verify_token("s3cret", token, "change-1", "alice@contoso.com", NOW + timedelta(minutes=59))
    assert verify_token("s3cret", token, "change-1", "ALICE@contoso.com", NOW)
    assert not verify_token("s3cret", token, "change-1", "alice@contoso.com", NOW + timedelta(hours=2))
    assert not verify_token("s3cret", token, "change-2", "alice@contoso.com", NOW)
    assert not verify_token("s3cret", token, "change-1", "bob@contoso.com", NOW)
    assert not verify_token("other", token, "change-1", "alice@contoso.com", NOW)
    expiry, sig = token.split(".")
    assert not verify_token("s3cret", f"{int(expiry) + 3600}.{sig}", "change-1", "alice@contoso.com", NOW)
    for bad in ("", "garbage", "x.y", "."):
        assert not verify_token("s3cret", bad, "change-1", "alice@contoso.com", NOW)
    with pytest.raises(ValueError):
        make_token("", "change-1", "alice@contoso.com", NOW)


def test_report_model_round_trips_in_camel_case() -> None:
    report = Report.model_validate(
        {
            "id": "r1",
            "unit": {"kind": "cloudService", "name": "web"},
            "phase": "Committed",
            "dryRun": True,
            "findings": [{"severity": "warning", "code": "X", "message": "a<b"}],
            "unknownKey": 1,
            "resourceMap": {"vm1": "/subscriptions/s/x"},
            "timeline": [{"phase": "Queued", "at": "t"}],
        }
    )
    body = report.to_json()
    assert body["dryRun"] is True and body["resourceMap"] == {"vm1": "/subscriptions/s/x"}
    assert "unknownKey" not in body and body["rbacToRecreate"] == [] and body["error"] is None
    assert Report.model_validate(body) == report


def test_a_wave_is_approved_whole_or_not_at_all() -> None:
    """#17 item 9: every unit's rules are checked before any is approved; one refusal (here the
    approver asked for the second unit, under two-person approval) refuses the wave, naming it."""
    from migration.policy import ApproverPolicy, PolicyError, check_wave

    policy = ApproverPolicy.from_settings("ana@contoso.com,bo@contoso.com", "true")
    ana = Principal("a0a0a0a0-0000-4000-8000-00000000000a", "ana@contoso.com")
    bo = Principal("b0b0b0b0-0000-4000-8000-00000000000b", "bo@contoso.com")
    requesters = {
        "p~vnet~a": {"name": "bo@contoso.com"},
        "p~vnet~b": {"name": "ana@contoso.com"},
        "p~vnet~c": None,
    }
    with pytest.raises(PolicyError, match=r"p~vnet~b: .*cannot approve.*no unit of the wave was approved"):
        check_wave(policy, ana, requesters)
    assert check_wave(policy, bo, {"p~vnet~b": {"name": "ana@contoso.com"}}) == bo
    with pytest.raises(PolicyError, match="not an approver"):
        check_wave(policy, Principal("e0e0e0e0-0000-4000-8000-00000000000e", "eve@contoso.com"), {})


def test_the_commit_path_is_a_walk_the_orchestrator_may_take() -> None:
    assert COMMIT_PATH[0] == Phase.QUEUED and COMMIT_PATH[-1] == Phase.COMMITTED
    assert all(can_move(a, b) for a, b in itertools.pairwise(COMMIT_PATH))
