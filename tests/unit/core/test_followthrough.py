"""The follow-through's decisions (migration.followthrough): every state ARM can show → one step."""

from __future__ import annotations

import pytest

from migration.followthrough import (
    Disk,
    SetFacts,
    VmFacts,
    follow_through_id,
    managed_disk_map,
    next_action,
    plan_line,
)
from migration.requests import parse_request

VHD = Disk("os", None, "https://st.blob.core.windows.net/vhds/os.vhd", None, 127)
MANAGED = Disk(
    "vm_os_abc", None, None, "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/x", 127
)
SET_ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/availabilitySets/as"


def vm(
    power: str = "running",
    *,
    busy: bool = False,
    managed: bool = False,
    in_set: bool = False,
    ext: str = "Succeeded",
) -> VmFacts:
    vm_id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm"
    return VmFacts(
        vm_id,
        "vm",
        "g",
        "westeurope",
        power,
        busy,
        (MANAGED if managed else VHD,),
        SET_ID if in_set else None,
        (("ext1", ext),),
    )


CLASSIC = SetFacts(SET_ID, "as", "Classic", 3, 2)
ALIGNED = SetFacts(SET_ID, "as", "Aligned", 2, 2)


@pytest.mark.parametrize(
    ("facts", "was_running", "aset", "restoring", "expected"),
    [
        (vm("running"), True, None, False, "deallocate"),
        (vm("deallocated"), True, None, False, "convert"),
        (vm("deallocated"), False, None, False, "convert"),  # a stopped VM converts too
        (vm("deallocating"), True, None, False, "wait"),
        (vm("deallocated", busy=True), True, None, False, "wait"),  # a conversion under way: never twice
        (vm("running", managed=True), True, None, False, "done"),
        (vm("running", managed=True), False, None, False, "deallocate"),  # put back as it was
        (vm("deallocated", managed=True), True, None, False, "start"),
        (vm("deallocated", managed=True), False, None, False, "done"),
        (vm("running", in_set=True), True, CLASSIC, False, "alignSet"),
        (vm("running", in_set=True), True, ALIGNED, False, "deallocate"),
        (vm("deallocated", in_set=True), True, ALIGNED, False, "convert"),
        (vm("running", ext="Failed"), True, None, False, "refuse"),
        (vm("deallocated"), True, None, True, "start"),  # after a refusal: started again
        (vm("running"), True, None, True, "done"),
        (vm("deallocated"), False, None, True, "done"),
    ],
)
def test_next_action(
    facts: VmFacts, was_running: bool, aset: SetFacts | None, restoring: bool, expected: str
) -> None:
    assert next_action(facts, was_running, aset, restoring).kind == expected


def test_set_alignment_takes_the_regions_maximum() -> None:
    action = next_action(vm(in_set=True), True, CLASSIC)
    assert action.fault_domains == 2  # the set had 3, the region aligns at most 2
    none = SetFacts(SET_ID, "as", "Classic", 2, 0)
    refused = next_action(vm(in_set=True), True, none)
    assert refused.kind == "refuse" and refused.remedy


def test_a_refusal_names_the_extension_and_a_remedy() -> None:
    action = next_action(vm(ext="Failed"), True, None)
    assert "ext1" in action.message and "ext1" in action.remedy and action.code == "C2A-FT-01"


def test_facts_round_trip_and_plan_line() -> None:
    facts = vm(in_set=True)
    assert VmFacts.from_json(facts.to_json()) == facts
    line = plan_line(facts, CLASSIC)
    assert line["downtime"] is True and line["disks"][0]["vhd"].endswith("os.vhd")
    assert line["steps"][0].startswith("align availability set as (2 fault domains)")


def test_follow_through_id_is_in_the_reserved_namespace() -> None:
    ft = follow_through_id("req-1")
    assert ft == "req-1~follow"
    assert (
        follow_through_id("p~virtualNetwork~vnet-a") == "p~virtualNetwork~vnet-a~follow"
    )  # of a plan's unit
    request = {
        "requestId": ft,
        "subscriptionId": "00000000-0000-0000-0000-000000000001",
        "unit": {"kind": "virtualNetwork", "name": "v"},
    }
    with pytest.raises(Exception, match="requestId"):
        parse_request(request)


def test_managed_disk_map_pairs_each_vhd_with_its_managed_disk() -> None:
    rows = [
        {"before": vm(managed=False).to_json(), "after": vm(managed=True).to_json()},
        {"before": vm(managed=True).to_json(), "after": vm(managed=True).to_json()},
    ]
    assert managed_disk_map(rows) == {"os": MANAGED.managed}
