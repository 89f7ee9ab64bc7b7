"""The compute connector against the emulator (real azure-mgmt-compute pipeline): VM facts, set
alignment with the region's fault-domain maximum, operations started without waiting and
followed by their `Azure-AsyncOperation`, and the platform's refusals typed."""

from __future__ import annotations

import pytest

from cli.stack.emulator import Emulator
from connectors.asm import AsmClient
from connectors.compute import ComputeConnector
from connectors.connection import Connection
from connectors.errors import PermanentError
from connectors.ratelimit import RateLimiter
from migration.followthrough import next_action
from migration.requests import Unit
from tests.fixtures.connectors import Admin, settings_for
from tests.polling import wait_for

RG = "vnet-prod-Migrated"


def migrate(asm: AsmClient, name: str) -> None:
    unit = Unit(kind="virtualNetwork", name=name)
    assert asm.operation_status(asm.prepare_unless_prepared(unit).request_id).succeeded
    assert asm.operation_status(asm.commit_unless_committed(unit).request_id).succeeded


def connector(emulator: Emulator) -> ComputeConnector:
    return ComputeConnector.connect(
        Connection(settings_for(emulator), emulator.subscription_id, limiter=RateLimiter(1000, 1000))
    )


def wait(compute: ComputeConnector, started: dict[str, object]) -> dict[str, object]:
    def ended() -> dict[str, object] | None:
        status = compute.operation(str(started["operationUrl"]))
        return status if status["status"] != "InProgress" else None

    return wait_for(ended, 60, "the operation to end", interval=0.02)


@pytest.mark.usefixtures("admin")
def test_facts_of_migrated_vms(emulator: Emulator, asm: AsmClient) -> None:
    migrate(asm, "vnet-prod")
    with connector(emulator) as compute:
        assert compute.vm_names(RG) == ["nva1", "shop-sql1", "shop-web1", "shop-web2"]
        sql = compute.vm(RG, "shop-sql1")
        assert sql.power == "running" and not sql.busy and not sql.managed
        assert sql.disks[0].vhd == "https://stproddata.blob.core.windows.net/vhds/shop-sql1-os.vhd"
        assert sql.availability_set and sql.availability_set.endswith("/as-web")
        aset = compute.availability_set(sql.availability_set)
        assert (aset.sku, aset.fault_domains, aset.max_fault_domains) == ("Classic", 2, 3)
        web1 = compute.vm(RG, "shop-web1")
        assert web1.extensions == (("IaaSAntimalware", "succeeded"),)


def test_one_vm_through_every_step_as_the_core_decides(
    emulator: Emulator, admin: Admin, asm: AsmClient
) -> None:
    """Drive shop-web1 by `next_action` until done: align, deallocate, convert; running again."""
    migrate(asm, "vnet-prod")
    admin.progress("timed")
    done = []
    with connector(emulator) as compute:

        def step() -> str:
            """Take the next action (a `wait` is the poll's interval) and name it."""
            vm = compute.vm(RG, "shop-web1")
            aset = compute.availability_set(vm.availability_set) if vm.availability_set else None
            action = next_action(vm, True, aset)
            done.append(action.kind)
            if action.kind in ("done", "wait"):
                return action.kind
            if action.kind == "alignSet":
                assert compute.align_set(vm.availability_set, action.fault_domains).sku == "Aligned"
            else:
                name = "convertToManagedDisks" if action.kind == "convert" else action.kind
                assert wait(compute, compute.begin(RG, "shop-web1", name))["status"] == "Succeeded"
            return action.kind

        wait_for(step, 60, "shop-web1 on managed disks", interval=0.05, until=lambda kind: kind == "done")
        final = compute.vm(RG, "shop-web1")
    assert [k for k in dict.fromkeys(done)] == ["alignSet", "deallocate", "convert", "done"]
    assert final.managed and final.power == "running"


def test_refusals_are_permanent_and_typed(emulator: Emulator, admin: Admin, asm: AsmClient) -> None:
    migrate(asm, "vnet-prod")
    with connector(emulator) as compute:
        with pytest.raises(PermanentError) as refused:
            compute.begin(RG, "nva1", "convertToManagedDisks")
        assert refused.value.status == 409 and not refused.value.transient
        assert "running" in refused.value.message
        admin.call("PUT", "settings", {"maxFaultDomains": {"westeurope": 1}})
        with pytest.raises(PermanentError, match="must fall in the range 1 to 1"):
            compute.align_set(compute.vm(RG, "shop-web2").availability_set or "", 2)


def test_a_failed_operation_reports_failed_with_its_error(
    emulator: Emulator, admin: Admin, asm: AsmClient
) -> None:
    migrate(asm, "vnet-prod")
    admin.fault(
        match={"unit": "virtualMachine/nva1", "operation": "convertToManagedDisks"},
        count=1,
        action={
            "type": "operationFailed",
            "transient": False,
            "code": "BadRequest",
            "message": "Disk import failed",
        },
    )
    with connector(emulator) as compute:
        assert wait(compute, compute.begin(RG, "nva1", "deallocate"))["status"] == "Succeeded"
        status = wait(compute, compute.begin(RG, "nva1", "convertToManagedDisks"))
        assert status["status"] == "Failed" and status["transient"] is False
        assert status["error"] == {"code": "BadRequest", "message": "Disk import failed"}
        assert compute.vm(RG, "nva1").power == "deallocated"


@pytest.mark.usefixtures("admin")
def test_an_operation_url_of_another_host_is_refused(emulator: Emulator) -> None:
    with connector(emulator) as compute, pytest.raises(PermanentError, match="outside"):
        compute.operation("https://example.invalid/subscriptions/x/operations/1")
