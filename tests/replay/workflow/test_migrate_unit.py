"""Replay tests: `migrate_unit` driven through the real SDK, its platform scripted by stand-ins."""

from __future__ import annotations

import json
from datetime import timedelta

from orchestrators.migrate_unit import migrate_unit
from tests.replay.workflow.harness import ActivityError, Harness, handle_of, parse_time
from tests.replay.workflow.stand_ins import Platform, signed, unit_input

COMMIT = signed("change-1", "commit", "commit", comment="go")
ABORT = signed("change-1", "abort", "commit", comment="no")


def harness(platform: Platform, **kw) -> Harness:
    return Harness(handle_of(migrate_unit), unit_input(**kw), platform.activities(), instance_id="change-1")


def phases(h: Harness) -> list[str]:
    return [t["phase"] for t in h.custom_status["timeline"]]


def test_waits_for_approval_then_commits() -> None:
    platform = Platform()
    h = harness(platform)
    state = h.run()
    assert not state["isDone"]
    status = h.custom_status
    assert status["phase"] == "AwaitingApproval" and status["links"]["status"].endswith("change-1")
    assert platform.state == "Prepared"
    state = h.run({"Approval": [COMMIT]})
    assert state["isDone"] and state["output"]["phase"] == "Committed"
    assert phases(h) == [
        "Queued",
        "Snapshotting",
        "Prechecking",
        "Validating",
        "Preparing",
        "Checking",
        "AwaitingApproval",
        "Committing",
        "Committed",
    ]
    assert platform.state == "Committed"
    assert state["output"]["approver"] == "alice@contoso.com"
    assert state["output"]["report"]["json"] == "reports/change-1.json"
    assert [e["type"] for e in platform.events] == ["ApprovalRequested", "MigrationFinished"]


PREPARE = signed("change-1", "prepare", "prepare", comment="prepare it")


def test_gate_before_prepare_waits_for_a_person_then_prepares() -> None:
    """Item 2 of #15: `approval.beforePrepare` adds AwaitingPrepareApproval between Validating and
    Preparing; nothing is prepared until `prepare` arrives (a `commit` there decides nothing)."""
    platform = Platform()
    h = harness(platform, approval={"beforePrepare": True})
    gate = "AwaitingPrepareApproval"
    state = h.run(until_phase=gate)
    assert not state["isDone"] and h.custom_status["phase"] == gate
    assert platform.state == "Unprepared" and platform.started == []  # nothing prepared
    requested = {
        "type": "ApprovalRequested",
        "id": "change-1",
        "data": {"links": h.custom_status["links"], "wait": "prepare"},
    }
    assert {k: v for k, v in platform.events[-1].items() if k != "eventId"} == requested
    state = h.run({"Approval": [COMMIT]}, until_phase=gate)  # meant for the other wait: ignored
    assert not state["isDone"] and platform.started == []
    state = h.run({"Approval": [PREPARE]})
    assert h.custom_status["phase"] == "AwaitingApproval" and platform.state == "Prepared"
    state = h.run({"Approval": [COMMIT]})
    assert state["isDone"] and state["output"]["phase"] == "Committed"
    assert phases(h)[3:6] == ["Validating", "AwaitingPrepareApproval", "Preparing"]
    assert state["output"]["prepareDecision"] == {k: v for k, v in PREPARE.items() if k != "signature"}


def test_gate_before_prepare_abort_ends_aborted_with_nothing_prepared() -> None:
    platform = Platform()
    h = harness(platform, approval={"beforePrepare": True})
    h.run(until_phase="AwaitingPrepareApproval")
    state = h.run({"Approval": [ABORT]})
    assert state["isDone"] and state["output"]["phase"] == "Aborted"
    assert phases(h)[-3:] == ["Validating", "AwaitingPrepareApproval", "Aborted"]
    assert platform.state == "Unprepared" and platform.started == []  # no prepare, no abort


def test_polls_within_a_fraction_of_the_elapsed_time_and_honours_retry_after() -> None:
    platform = Platform(ticks=40)
    h = harness(platform, config={"pollMinSeconds": 5, "pollMaxSeconds": 10})
    h.run()
    timers = [parse_time(e["FireAt"]) for e in h.history if e["EventType"] == 10 and "TimerId" not in e]
    created = [parse_time(e["Timestamp"]) for e in h.history if e["EventType"] == 10 and "TimerId" not in e]
    gaps = [round((f - c).total_seconds(), 3) for f, c in zip(timers, created, strict=True)]
    # the prepare's polls: pollMinSeconds (5 s) for the first 100 s (20 polls), since 5 % of
    # less than 100 s is under 5 s; from then on each wait is 5 % of the time elapsed, so the
    # elapsed time grows by 1.05 per poll and the k-th wait after the first 100 s is 5 × 1.05^k;
    # 5 × 1.05^15 ≈ 10.39 passes pollMaxSeconds (10 here), so from the 36th poll on each waits 10 s
    assert gaps[:20] == [5.0] * 20
    assert gaps[20:25] == [5.0, 5.25, 5.513, 5.788, 6.078]
    assert gaps[34] == 9.9  # 5 × 1.05^14
    assert gaps[35:40] == [10.0] * 5
    platform2 = Platform(ticks=3, retry_after=45)
    h2 = harness(platform2)
    h2.run()
    timers2 = [e for e in h2.history if e["EventType"] == 10]
    gaps2 = [(parse_time(e["FireAt"]) - parse_time(e["Timestamp"])).total_seconds() for e in timers2]
    assert gaps2[:3] == [45, 45, 45]


def test_error_findings_end_not_migratable_with_every_reason_and_nothing_prepared() -> None:
    platform = Platform(
        precheck=[{"severity": "error", "code": "PaaS", "message": "web role"}],
        validate=[
            {"severity": "error", "code": "Platform", "message": "nope"},
            {"severity": "warning", "code": "W", "message": "meh"},
        ],
    )
    h = harness(platform)
    state = h.run()
    out = state["output"]
    assert out["phase"] == "NotMigratable"
    assert [f["code"] for f in out["findings"]] == ["PaaS", "Platform", "W"]
    assert "start_operation" not in h.names() and platform.started == []


def test_dry_run_prepares_checks_and_aborts() -> None:
    platform = Platform()
    h = harness(platform, dry_run=True)
    state = h.run()
    assert state["output"]["phase"] == "Aborted" and state["output"]["dryRun"] is True
    assert [r.split("-")[0] for r in platform.started] == ["prepare", "abort"]
    assert "AwaitingApproval" not in phases(h) and platform.state == "Unprepared"


def test_abort_decision_aborts() -> None:
    platform = Platform()
    h = harness(platform)
    state = h.run({"Approval": [ABORT]})
    assert state["output"]["phase"] == "Aborted" and platform.state == "Unprepared"
    assert phases(h)[-2:] == ["Aborting", "Aborted"]


def test_abort_raised_early_is_kept_until_prepared() -> None:
    platform = Platform()
    h = harness(platform)
    h.start()
    early = json.dumps(signed("change-1", "abort", "abort", approver="a"))
    h._episode([h._event(15, Name="Approval", Input=early)])
    state = h.run()
    assert state["output"]["phase"] == "Aborted"


def test_an_unsigned_or_forged_decision_is_ignored_and_audited() -> None:
    """#20 item 4: an event raised around the decision routes (e.g. the Durable HTTP API's
    raiseEvent) decides nothing; the audit records that it was ignored, then a signed one counts."""
    platform = Platform()
    h = harness(platform)
    forged = [
        {"decision": "commit", "approver": "boss@contoso.com", "comment": "trust me"},  # unsigned
        signed("another-unit", "commit", "commit"),  # signed, but for another unit
        {**COMMIT, "comment": "changed after signing"},
    ]  # altered
    for n, event in enumerate(forged, 1):
        h.run({"Approval": [event]})
        assert h.custom_status["phase"] == "AwaitingApproval" and platform.state == "Prepared"
        assert h.custom_status["ignoredDecisions"] == n
    ignored = [a for a in platform.audit if a["action"] == "ignored"]
    assert [a["entryId"] for a in ignored] == ["ignored-1", "ignored-2", "ignored-3"]
    assert all(a["principal"] == "system" for a in ignored) and "boss@contoso.com" in ignored[0]["comment"]
    assert "no signature" in ignored[0]["comment"] and "does not match" in ignored[1]["comment"]
    state = h.run({"Approval": [COMMIT]})
    assert state["output"]["phase"] == "Committed"
    decided = [a for a in platform.audit if a["action"] == "approve"]
    assert decided == [
        {
            "id": "change-1",
            "principal": "alice@contoso.com",
            "action": "approve",
            "comment": "go",
            "entryId": "decision-commit",
        }
    ]
    assert "signature" not in state["output"]["decision"]  # the status shows the decision, not its MAC


def test_approval_timeout_abort_policy() -> None:
    platform = Platform()
    h = harness(platform, approval={"timeout": "P10D", "onTimeout": "abort"})
    start = h.now
    state = h.run(let_time_pass=True)
    assert state["output"]["phase"] == "Aborted"
    assert h.now - start >= timedelta(days=10)
    long_timers = [
        e
        for e in h.history
        if e["EventType"] == 10 and parse_time(e["FireAt"]) - parse_time(e["Timestamp"]) > timedelta(hours=1)
    ]
    assert len(long_timers) == 2  # 10 days = 6 + 4: chained below the 7-day limit
    assert platform.audit == [
        {
            "id": "change-1",
            "principal": "system",
            "action": "abort",
            "comment": "approval timed out",
            "entryId": "approval-timeout",
        }
    ]


def test_approval_timeout_remind_policy_keeps_waiting() -> None:
    platform = Platform()
    h = harness(platform, approval={"timeout": "PT1H", "onTimeout": "remind"})
    state = h.run(max_episodes=80, let_time_pass=True)
    assert not state["isDone"]
    reminders = [e for e in platform.events if e["type"] == "ApprovalReminder"]
    assert len(reminders) >= 3 and h.custom_status["phase"] == "AwaitingApproval"


def test_permanent_prepare_failure_aborts_then_failed_with_platform_words() -> None:
    platform = Platform(fail_op={"prepare": {"message": "Quota exceeded: Current quota is 1", "times": 9}})
    h = harness(platform)
    state = h.run()
    out = state["output"]
    assert out["phase"] == "Failed" and "Quota exceeded" in out["error"]["message"]
    assert out["error"]["phase"] == "Preparing"
    assert "Aborting" in phases(h)


def test_transient_prepare_failure_is_retried_then_commits() -> None:
    platform = Platform(
        fail_op={"prepare": {"message": "Internal server error", "transient": True, "times": 2}},
        transient_status=3,
    )
    h = harness(platform)
    state = h.run({"Approval": [COMMIT]})
    assert state["output"]["phase"] == "Committed"
    assert [r.split("-")[0] for r in platform.started] == ["prepare"] * 3 + ["commit"]


def test_commit_failing_every_attempt_needs_support() -> None:
    platform = Platform(
        fail_op={"commit": {"message": "Internal server error", "transient": True, "times": 99}}
    )
    h = harness(platform, config={"commitMaxAttempts": 3})
    state = h.run({"Approval": [COMMIT]})
    out = state["output"]
    assert out["phase"] == "NeedsSupport"
    assert len(out["error"]["correlation"]) == 3
    assert [r.split("-")[0] for r in platform.started].count("commit") == 3


def test_activity_failing_every_retry_fails_the_unit_cleanly() -> None:
    platform = Platform()
    h = harness(platform)
    h.activities["check_unit"] = lambda _p: (_ for _ in ()).throw(
        __import__("tests.replay.workflow.harness", fromlist=["ActivityError"]).ActivityError("ARM down")
    )
    state = h.run()
    out = state["output"]
    assert out["phase"] == "Failed" and "ARM down" in out["error"]["message"]
    assert platform.state == "Unprepared"  # it was prepared: aborted on the way out
    assert h.names().count("check_unit") == 5


def test_snapshot_of_a_missing_unit_is_not_migratable() -> None:
    platform = Platform(
        snapshot_error={"code": "ResourceNotFound", "message": "no vnet1", "reason": "notFound"}
    )
    state = harness(platform).run()
    assert state["output"]["phase"] == "NotMigratable"
    assert state["output"]["findings"][0]["message"] == "no vnet1"


def test_off_hours_unit_prepares_only_when_the_window_opens() -> None:
    platform = Platform()
    h = harness(platform, window="off-hours")  # requested Wednesday 12:00 UTC; window Mon-Fri 22:00-06:00
    h.run()
    status = h.custom_status
    assert status["phase"] == "AwaitingApproval"
    at = {t["phase"]: parse_time(t["at"]) for t in status["timeline"]}
    assert status["windowOpensAt"] == "2026-11-25T22:00:00Z"
    assert at["WaitingForWindow"].hour == 12 and at["Preparing"] >= parse_time("2026-11-25T22:00:00Z")
    state = h.run({"Approval": [COMMIT]})
    assert state["output"]["phase"] == "Committed"
    assert phases(h).count("WaitingForWindow") == 1  # approved inside the window: commit at once


def test_off_hours_commit_waits_for_the_next_window_and_abort_cuts_it_short() -> None:
    platform = Platform()
    # the window closes 06:00; approval timeout long; the approval arrives after the window closed
    h = harness(platform, window="off-hours", config={"windows": "Wed 22:00-23:00"})
    h.run()
    assert h.custom_status["phase"] == "AwaitingApproval"
    h.now = parse_time("2026-11-26T09:00:00Z")  # the approver answers the next morning
    h.run({"Approval": [COMMIT]}, until_phase="WaitingForWindow")
    assert h.custom_status["phase"] == "WaitingForWindow"
    assert h.custom_status["windowOpensAt"] == "2026-12-02T22:00:00Z"  # next Wednesday
    state = h.run({"Approval": [ABORT]})
    assert state["output"]["phase"] == "Aborted" and platform.state == "Unprepared"
    assert "Committing" not in phases(h)


def test_custom_status_stays_under_the_azure_limit() -> None:
    import json

    from orchestrators._status import STATUS_BUDGET

    big = [
        {
            "severity": "warning",
            "code": "arm.changed",
            "message": "x" * 400,
            "expected": "a" * 200,
            "actual": "b" * 200,
        }
        for _ in range(80)
    ]
    platform = Platform(check=big)
    h = harness(platform)
    h.run()
    status = h.custom_status
    assert len(json.dumps(status)) <= STATUS_BUDGET
    assert status["truncated"] is True and status["findingsTotal"] == 80
    assert 0 < status["findingsShown"] < 60
    state = h.run({"Approval": [COMMIT]})
    assert len(state["output"]["findings"]) == 60  # the output (not size-limited) keeps the cap only


def test_access_errors_fail_and_check_errors_abort() -> None:
    platform = Platform(
        snapshot_error={"code": "ForbiddenError", "message": "certificate refused", "reason": "auth"}
    )
    out = harness(platform).run()["output"]
    assert out["phase"] == "Failed" and out["error"]["message"] == "certificate refused"
    platform = Platform()
    h = harness(platform)
    h.activities["validate_unit"] = lambda _p: {
        "error": {
            "code": "BadRequest",
            "reason": "notRegistered",
            "message": "Subscription is not registered for migration.",
        }
    }
    out = h.run()["output"]
    assert out["phase"] == "NotMigratable" and out["findings"][0]["code"] == "BadRequest"
    platform = Platform()
    h = harness(platform)
    h.activities["check_unit"] = lambda _p: {
        "error": {"code": "AuthorizationFailed", "reason": "auth", "message": "no Reader role"}
    }
    out = h.run()["output"]
    assert out["phase"] == "Failed" and out["error"]["phase"] == "Checking" and platform.state == "Unprepared"
    h = harness(Platform())
    h.activities["precheck_unit"] = lambda _p: {"error": {"code": "NotFound", "message": "snapshot missing"}}
    assert h.run()["output"]["phase"] == "Failed"


def test_a_bug_in_the_orchestrator_fails_the_orchestration_not_the_unit() -> None:
    """#17 item 10: only an activity that failed every retry ends the unit `Failed`; an error in
    the orchestrator's own code (here: an answer it cannot read) fails the orchestration, so the
    host records the bug instead of the unit being reported as the platform's failure."""
    platform = Platform()
    activities = platform.activities()
    activities["precheck_unit"] = lambda _p: {"findings": "not a list"}
    h = Harness(handle_of(migrate_unit), unit_input(), activities, instance_id="change-1")
    state = h.run()
    assert state.get("error") and not state.get("output"), state  # the SDK: the orchestration failed
    assert "findings" in state["error"]
    assert h.custom_status["phase"] == "Prechecking"  # not a final phase chosen by the orchestrator
    assert "start_operation" not in h.names()


def test_each_wait_for_a_person_creates_one_approval_waiter() -> None:
    """#17 item 10: a 20-day approval wait is three chained timers but one `Approval` waiter (a
    waiter per chained step stays open in the SDK and may take a later event instead)."""
    from tests.replay.workflow.harness import TS, flat_actions

    h = harness(Platform(), approval={"timeout": "P20D", "onTimeout": "abort"})
    h.run()
    start = h.now
    while h.now - start < timedelta(days=12):  # two chained steps of the wait go by
        tid, fire = min(h._timers.items(), key=lambda kv: kv[1])
        del h._timers[tid]
        h.now = fire
        h._episode([h._event(11, TimerId=tid, FireAt=fire.strftime(TS))])
    actions = flat_actions(h.state)
    waits = [a for a in actions if a.get("actionType") == 6]
    assert len(waits) == 1 and len([a for a in actions if a.get("actionType") == 5]) >= 3
    state = h.run({"Approval": [COMMIT]})
    assert state["isDone"] and state["output"]["phase"] == "Committed"


def test_every_event_has_an_id_that_a_replay_repeats() -> None:
    """#17 item 12: `notify` is at least once, so each event carries an id consumers can drop
    duplicates by — chosen by the orchestrator (replay-safe), so every retry sends the same one."""
    platform = Platform()
    h = harness(platform)
    h.run({"Approval": [COMMIT]})
    ids = [e["eventId"] for e in platform.events]
    assert len(ids) == 2 and len(set(ids)) == 2 and all(ids)
    again = Harness(handle_of(migrate_unit), h.input, Platform().activities(), instance_id="change-1")
    again.run({"Approval": [COMMIT]})
    assert [p["eventId"] for n, p in again.calls if n == "notify"] == ids


def test_the_final_phase_is_published_only_once_the_report_is_written() -> None:
    """#17 item 8: a client that sees a final phase finds the report at once (GET .../report no
    longer waits inside the request): the report activity runs while the status still shows the
    phase before, and the final phase appears together with the report's blob names."""
    platform = Platform()
    activities = platform.activities()
    write_report, shown = activities["write_report"], []

    def report(payload: dict) -> dict:
        shown.append(h.custom_status["phase"])
        assert payload["status"]["phase"] == "Committed"  # the report records the final phase
        return write_report(payload)

    activities["write_report"] = report
    h = Harness(handle_of(migrate_unit), unit_input(), activities, instance_id="change-1")
    state = h.run({"Approval": [COMMIT]})
    assert shown == ["Committing"]
    assert state["output"]["phase"] == "Committed" and state["output"]["report"]["json"]


def _scheduled_per_episode(h: Harness) -> list[list[str]]:
    """The activities each episode scheduled (TaskScheduled between OrchestratorStarted and
    OrchestratorCompleted), in order."""
    episodes: list[list[str]] = []
    for event in h.history:
        if event["EventType"] == 12:
            episodes.append([])
        elif event["EventType"] == 4:
            episodes[-1].append(event["Name"])
    return [names for names in episodes if names]


def test_each_phase_index_row_is_written_alongside_the_phases_first_activity() -> None:
    """The phase index costs the unit no round trip: every `index_phase` is scheduled in the same
    episode as the phase's first activity (one task_all), and the rows keep the timeline's order."""
    platform = Platform()
    h = harness(platform)
    h.run()
    state = h.run({"Approval": [COMMIT]})
    assert state["output"]["phase"] == "Committed"
    with_index = [names for names in _scheduled_per_episode(h) if "index_phase" in names]
    assert with_index == [
        ["index_phase", "snapshot_unit"],
        ["index_phase", "precheck_unit"],
        ["index_phase", "validate_unit"],
        ["index_phase", "start_operation"],
        ["index_phase", "check_unit"],
        ["index_phase", "notify"],  # AwaitingApproval: with ApprovalRequested
        ["index_phase", "start_operation"],
        ["index_phase", "notify"],  # the final phase: with MigrationFinished
    ]
    rows = [(row["phase"], row["seq"]) for row in platform.indexed]
    assert rows == [(p, i + 2) for i, p in enumerate(phases(h)[1:])]


def test_an_index_write_failing_every_retry_is_recorded_and_the_unit_carries_on() -> None:
    platform = Platform()
    h = harness(platform)

    def index_down(_payload: dict) -> None:
        raise ActivityError("table down")

    h.activities["index_phase"] = index_down
    # the retries' timers run while the status already shows the phase: let them fire
    state = h.run({"Approval": [COMMIT]}, let_time_pass=True)
    out = state["output"]
    assert out["phase"] == "Committed" and "table down" in out["indexError"]
    assert platform.state == "Committed" and h.names().count("start_operation") == 2
