"""Re-record the committed histories: `python -m tests.replay.record` (only after a deliberate change).

A recorded history is the determinism guard of `migrate_unit`: the replay test feeds it back to
the current code, which must make exactly the recorded decisions. Re-record only when the
orchestration changed on purpose, and say so in the changelog (running instances would break).
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestrators.migrate_unit import migrate_unit
from tests.replay.workflow.harness import Harness, handle_of, record
from tests.replay.workflow.stand_ins import Platform, signed, unit_input

HERE = Path(__file__).parent / "histories"
COMMIT = signed("change-1", "commit", "commit", comment="go")  # as the decision route raises it


def scenarios() -> dict[str, Harness]:
    out = {}
    h = Harness(handle_of(migrate_unit), unit_input(), Platform().activities(), instance_id="change-1")
    h.run({"Approval": [COMMIT]})
    out["migrate_unit_committed"] = h
    h = Harness(handle_of(migrate_unit), unit_input(), Platform().activities(), instance_id="change-1")
    h.run()
    out["migrate_unit_awaiting_approval"] = h
    h = Harness(
        handle_of(migrate_unit),
        unit_input(dry_run=True),
        Platform(ticks=3).activities(),
        instance_id="change-1",
    )
    h.run()
    out["migrate_unit_dry_run"] = h
    platform = Platform(
        fail_op={"prepare": {"message": "Internal server error", "transient": True, "times": 1}},
        transient_status=2,
    )
    h = Harness(handle_of(migrate_unit), unit_input(), platform.activities(), instance_id="change-1")
    h.run({"Approval": [signed("change-1", "abort", "commit", comment="no")]})
    out["migrate_unit_retried_then_aborted"] = h
    h = Harness(
        handle_of(migrate_unit),
        unit_input(window="off-hours"),
        Platform().activities(),
        instance_id="change-1",
    )
    h.run({"Approval": [COMMIT]})
    out["migrate_unit_off_hours"] = h
    from tests.replay.workflow.test_migrate_plan import run_plan

    out["migrate_plan_dependencies"], _ = run_plan({"vnet1"}, concurrency=2)  # sa1 blocked, the rest on
    return out


def drifted(committed: dict) -> dict:
    """`committed` as an orchestrator that validated before it prechecked would have recorded it:
    the two tasks (and their results) swapped. Today's code must refuse to replay it."""
    context = json.loads(json.dumps(committed["context"]))
    history, sequence, tasks = context["history"], 0, {}
    for event in history:
        if event["EventType"] in (4, 7, 10):  # task ids: the order of scheduling events
            if event["EventType"] == 4 and event["Name"] in ("precheck_unit", "validate_unit"):
                tasks[event["Name"]] = (sequence, event)
            sequence += 1
    results = {e["TaskScheduledId"]: e for e in history if e["EventType"] == 5}
    (pre, pre_event), (val, val_event) = tasks["precheck_unit"], tasks["validate_unit"]
    pre_event["Name"], val_event["Name"] = "validate_unit", "precheck_unit"
    results[pre]["Result"], results[val]["Result"] = results[val]["Result"], results[pre]["Result"]
    return {"note": drifted.__doc__.split("\n")[0], "context": context}


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for name, h in scenarios().items():
        recorded = record(h)
        (HERE / f"{name}.json").write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
        print(f"wrote {name}.json ({len(h.history)} events)")
        if name == "migrate_unit_committed":
            text = json.dumps(drifted(recorded), indent=1, sort_keys=True) + "\n"
            (HERE / "drifted_migrate_unit_validate_first.json").write_text(text)


if __name__ == "__main__":
    main()
