"""`follow_through` replayed through the real SDK (tests/replay/workflow/harness.py) against a small fake
of ARM compute whose steps are decided by the real core (`migration.followthrough.next_action`):
the approval (and an abort), the off-hours window, a refused conversion put back as it was."""

from __future__ import annotations

from typing import Any

from migration.followthrough import Disk, VmFacts, conversion_refusal, next_action, plan_line
from orchestrators.follow_through import follow_through
from tests.replay.workflow.harness import Harness, handle_of
from tests.replay.workflow.stand_ins import signed, unit_input, verify_decision

# as the decision routes raise them (signed for the follow-through's instance and its wait)
COMMIT = signed("change-1~follow", "commit", "commit", comment="go")
ABORT = signed("change-1~follow", "abort", "commit", comment="not tonight")


class Compute:
    """Two VMs on VHDs, both running; operations end at the next status read."""

    def __init__(self, refuse: str | None = None) -> None:
        self.vms = {n: {"power": "running", "managed": False} for n in ("vm-a", "vm-b")}
        self.refuse, self.pending, self.calls, self.events = refuse, {}, [], []
        self.busy: dict[str, int] = {}  # VM -> how many more step reads see an operation running

    def facts(self, name: str) -> VmFacts:
        vm = self.vms[name]
        disk = Disk(
            "os",
            None,
            None if vm["managed"] else f"https://st.blob.core.windows.net/vhds/{name}.vhd",
            f"/disks/{name}_os" if vm["managed"] else None,
            30,
        )
        return VmFacts(f"/vms/{name}", name, "g", "westeurope", vm["power"], False, (disk,), None)

    def activities(self) -> dict[str, Any]:
        def survey(_p: dict[str, Any]) -> dict[str, Any]:
            return {
                "vms": [self.facts(n).to_json() for n in self.vms],
                "plan": [plan_line(self.facts(n), None) for n in self.vms],
            }

        def step(p: dict[str, Any]) -> dict[str, Any]:
            facts = self.facts(p["vm"])
            if self.busy.get(p["vm"], 0) > 0:  # an operation nobody polls (its start was lost)
                self.busy[p["vm"]] -= 1
                facts = VmFacts(
                    facts.id, facts.name, "g", "westeurope", "deallocated", True, facts.disks, None
                )
                if self.busy[p["vm"]] == 0:
                    self.vms[p["vm"]] = {"power": "running", "managed": True}
            action = next_action(facts, p["wasRunning"], None, p["restoring"])
            self.calls.append((p["vm"], action.kind))
            out: dict[str, Any] = {"action": action.kind, "vm": facts.to_json()}
            if action.kind == "convert" and p["vm"] == self.refuse:
                return {
                    **out,
                    "action": "refuse",
                    "finding": conversion_refusal(p["vm"], "Conflict", "no").to_json(),
                }
            if action.kind in ("deallocate", "start", "convert"):
                self.pending[p["vm"]] = action.kind
                out["operationUrl"] = f"https://arm/ops/{p['vm']}"
            return out

        def operation(p: dict[str, Any]) -> dict[str, Any]:
            name = p["operationUrl"].rsplit("/", 1)[-1]
            kind = self.pending.pop(name, None)
            vm = self.vms[name]
            if kind == "deallocate":
                vm["power"] = "deallocated"
            elif kind in ("start", "convert"):
                vm["power"] = "running"
                vm["managed"] = vm["managed"] or kind == "convert"
            return {"status": "Succeeded"}

        return {
            "ft_survey": survey,
            "ft_read_vm": lambda p: self.facts(p["vm"]).to_json(),
            "ft_accounts_locked": lambda _p: {"locked": []},
            "ft_step": step,
            "ft_operation": operation,
            "ft_report": lambda p: {"json": f"reports/{p['id']}.json"},
            "notify": lambda p: self.events.append(p["type"]) or {},
            "audit_entry": lambda _p: {},
            "verify_decision": verify_decision,
        }


def harness(compute: Compute, **kw: Any) -> Harness:
    approval = kw.pop("ft_approval", "required")
    inp = unit_input(**kw)
    inp["request"]["followThrough"] = {"managedDisks": True, "approval": approval}
    inp.update(unitId="change-1", group="vnet1-Migrated")
    return Harness(handle_of(follow_through), inp, compute.activities(), instance_id="change-1~follow")


def phases(h: Harness) -> list[str]:
    return [t["phase"] for t in h.custom_status["timeline"]]


def test_waits_for_approval_then_converts_each_vm_once() -> None:
    compute = Compute()
    h = harness(compute)
    h.run()
    assert h.custom_status["phase"] == "AwaitingApproval" and compute.calls == []
    assert compute.events == ["ApprovalRequested"]  # the approvers are told, as for commit
    assert [line["vm"] for line in h.custom_status["vmPlan"]] == ["vm-a", "vm-b"]
    state = h.run({"Approval": [COMMIT]})
    assert state["output"]["phase"] == "Completed"
    assert phases(h) == ["Queued", "Surveying", "AwaitingApproval", "Converting", "Completed"]
    assert [k for vm, k in compute.calls if vm == "vm-a"] == ["deallocate", "convert", "done"]
    assert all(v == {"power": "running", "managed": True} for v in compute.vms.values())
    rows = {r["vm"]: r for r in state["output"]["vms"]}
    assert rows["vm-a"]["outcome"] == "converted" and rows["vm-a"]["downtimeSeconds"] > 0


def test_an_abort_changes_nothing() -> None:
    compute = Compute()
    state = harness(compute).run({"Approval": [ABORT]})
    assert state["output"]["phase"] == "Aborted" and compute.calls == []


def test_off_hours_waits_for_the_window() -> None:
    compute = Compute()
    h = harness(compute, window="off-hours")  # Wednesday noon: the window opens at 22:00
    h.run({"Approval": [COMMIT]})
    assert "WaitingForWindow" in phases(h) and h.custom_status["phase"] == "Completed"
    converting = next(t["at"] for t in h.custom_status["timeline"] if t["phase"] == "Converting")
    assert converting >= "2026-11-25T22:00"


def test_a_refused_conversion_is_a_finding_and_the_vm_runs_again() -> None:
    compute = Compute(refuse="vm-b")
    state = harness(compute).run({"Approval": [COMMIT]})
    assert state["output"]["phase"] == "CompletedWithFindings"
    assert compute.vms["vm-b"] == {"power": "running", "managed": False}  # started again, as it was
    assert [k for vm, k in compute.calls if vm == "vm-b"] == ["deallocate", "convert", "start", "done"]
    finding = state["output"]["findings"][0]
    assert finding["source"] == "followThrough" and finding["code"] == "C2A-FT-03" and finding["remedy"]


def test_a_long_operation_it_lost_track_of_is_waited_for_not_counted_as_steps() -> None:
    """After a crash the start of a conversion may be lost: the VM shows busy for as long as the
    conversion runs (here 60 reads, more than the 40 steps a VM may take); the follow-through waits
    for it, within the operation deadline (30 minutes in these tests)."""
    compute = Compute()
    compute.busy["vm-a"] = 60
    state = harness(compute).run({"Approval": [COMMIT]}, max_episodes=2000)
    assert state["output"]["phase"] == "Completed", state["output"].get("findings")
    row = next(r for r in state["output"]["vms"] if r["vm"] == "vm-a")
    assert row["outcome"] == "converted" and [s["action"] for s in row["steps"]] == ["wait", "done"]
    # down (deallocated) from the first read that saw it so, to the read that saw it running again
    assert row["downtimeSeconds"] > 0


def test_a_deallocation_whose_record_was_lost_still_counts_downtime() -> None:
    """A crash after `ft_step` deallocated a running VM but before its result was recorded: the
    first read (replayed) saw it running; the step runs again, finds it deallocated and converts
    it. The downtime counts from that sighting (before this, it was reported as 0 s)."""
    compute = Compute()
    compute.vms["vm-a"]["power"] = "deallocated"  # what the lost deallocate did

    def read_vm(p: dict[str, Any]) -> dict[str, Any]:
        facts = compute.facts(p["vm"]).to_json()
        return {**facts, "power": "running"} if p["vm"] == "vm-a" else facts

    h = harness(compute)
    h.activities["ft_read_vm"] = read_vm
    state = h.run({"Approval": [COMMIT]})
    row = next(r for r in state["output"]["vms"] if r["vm"] == "vm-a")
    assert [s["action"] for s in row["steps"]] == ["convert", "done"] and row["wasRunning"] is True
    assert row["outcome"] == "converted" and row["downtimeSeconds"] > 0
    assert compute.vms["vm-a"] == {"power": "running", "managed": True}


def test_a_vm_busy_past_the_deadline_ends_with_a_finding() -> None:
    compute = Compute()
    compute.busy["vm-a"] = 1000
    state = harness(compute).run({"Approval": [COMMIT]}, max_episodes=3000)
    finding = state["output"]["findings"][0]
    assert state["output"]["phase"] == "CompletedWithFindings" and finding["code"] == "C2A-FT-05"
    assert "deadline" in finding["message"] and compute.vms["vm-b"]["managed"]  # the next VM went on
