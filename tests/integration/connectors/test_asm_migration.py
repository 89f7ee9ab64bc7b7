"""The ASM migration calls against the real emulator, for every unit kind: validate, prepare,
commit, abort, operation status, `MigrationState`, and the idempotent starts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connectors.asm import AsmClient
from connectors.asm.client import StartResult
from connectors.asm.units import NOT_REPORTED, STATELESS_KINDS
from connectors.errors import PermanentError, Reason, TransientError
from migration.requests import Destination, Unit
from tests.fixtures.connectors import Admin

# One migratable unit of each kind in examples/estates/realistic.yaml
UNITS = [
    Unit(kind="virtualNetwork", name="vnet-prod"),
    Unit(kind="cloudService", name="api-cs"),
    Unit(kind="storageAccount", name="stdiag"),
    Unit(kind="reservedIp", name="rip-spare"),
    Unit(kind="networkSecurityGroup", name="nsg-spare"),
    Unit(kind="routeTable", name="rt-spare"),
]
IDS = [u.kind for u in UNITS]


def finish(asm: AsmClient, request_id: str) -> None:
    status = asm.operation_status(request_id)
    assert status.done and status.succeeded, status
    assert status.error is None


def _states(unit: Unit) -> tuple[str | None, str]:
    """(state before prepare, state when prepared) as `migration_state` reports them: the three
    kinds without a `MigrationState` element report NOT_REPORTED either way."""
    if unit.kind in STATELESS_KINDS:
        return NOT_REPORTED, NOT_REPORTED
    return None, "Prepared"


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
def test_prepare_then_commit_with_idempotent_repeats(asm: AsmClient, unit: Unit) -> None:
    before, prepared = _states(unit)
    result = asm.validate(unit)
    assert result.migratable, result.errors
    assert asm.migration_state(unit) == before

    started = asm.prepare_unless_prepared(unit)
    assert started.started and started.state == before and started.request_id
    finish(asm, started.request_id)
    assert asm.migration_state(unit) == prepared
    again = asm.prepare_unless_prepared(unit)  # stateless kinds: the ARM side shows it prepared
    assert (again.started, again.state, again.request_id) == (False, "Prepared", None)

    commit = asm.commit_unless_committed(unit)
    assert commit.started and commit.state == prepared
    finish(asm, commit.request_id)
    # the platform removes the classic resource at commit: a repeat starts nothing
    assert asm.commit_unless_committed(unit).to_dict() == {
        "started": False,
        "state": "Committed",
        "requestId": None,
    }
    with pytest.raises(PermanentError) as caught:
        asm.migration_state(unit)
    assert caught.value.reason == Reason.NOT_FOUND
    with pytest.raises(PermanentError, match=r"abort .* refused") as refused:
        asm.abort_unless_aborted(unit)
    assert refused.value.reason == Reason.CONFLICT


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
def test_prepare_then_abort_with_idempotent_repeats(asm: AsmClient, unit: Unit) -> None:
    assert asm.abort_unless_aborted(unit).to_dict() == {"started": False, "state": None, "requestId": None}
    prepare = asm.prepare_unless_prepared(unit)
    finish(asm, prepare.request_id)
    abort = asm.abort_unless_aborted(unit)
    assert abort.started and abort.state == _states(unit)[1]
    finish(asm, abort.request_id)
    before, prepared = _states(unit)
    assert asm.migration_state(unit) == before  # the platform reads `None`: not prepared
    repeat = asm.abort_unless_aborted(unit)
    if unit.kind in STATELESS_KINDS:  # nothing says it is aborted: posted again, the platform agrees
        assert repeat.started and repeat.request_id
        finish(asm, repeat.request_id)
    else:
        assert not repeat.started
    with pytest.raises(PermanentError, match="not been prepared"):
        asm.commit_unless_committed(unit)
    # an aborted unit can be prepared again
    finish(asm, asm.prepare_unless_prepared(unit).request_id)
    assert asm.migration_state(unit) == prepared


def test_states_while_operations_run_and_abort_refused_once_committing(asm: AsmClient, admin: Admin) -> None:
    unit = Unit(kind="storageAccount", name="stdiag")
    admin.progress("manual")
    prepare = asm.prepare_unless_prepared(unit)
    assert asm.operation_status(prepare.request_id).status == "InProgress"
    assert asm.migration_state(unit) == "Preparing"
    assert asm.prepare_unless_prepared(unit).to_dict() == {
        "started": False,
        "state": "Preparing",
        "requestId": None,
    }
    with pytest.raises(TransientError, match="prepare is still running") as busy:
        asm.commit_unless_committed(unit)
    assert busy.value.retry_after and busy.value.reason == Reason.CONFLICT
    admin.call("POST", f"operations/{prepare.request_id}/complete", {"status": "Succeeded"})
    assert asm.migration_state(unit) == "Prepared"

    commit = asm.commit_unless_committed(unit)
    assert asm.migration_state(unit) == "Committing"
    with pytest.raises(PermanentError, match="refused, commit has started") as refused:
        asm.abort_unless_aborted(unit)
    assert refused.value.reason == Reason.CONFLICT and not refused.value.transient
    assert asm.commit_unless_committed(unit).to_dict() == {
        "started": False,
        "state": "Committing",
        "requestId": None,
    }
    admin.call("POST", f"operations/{commit.request_id}/complete", {"status": "Succeeded"})
    assert asm.commit_unless_committed(unit).state == "Committed"


def test_validate_reports_every_reason_and_prepare_refuses(asm: AsmClient) -> None:
    result = asm.validate(Unit(kind="virtualNetwork", name="vnet-legacy"))
    assert not result.migratable
    assert any("RoleStateUnknown" in m.message for m in result.errors)
    acl = asm.validate(Unit(kind="cloudService", name="acl-cs"))
    assert not acl.migratable and acl.errors[0].resource_name
    assert [m.to_dict()["category"] for m in acl.errors] == ["Error"] * len(acl.errors)


def test_cloud_service_destination_existing_and_production_deployment(asm: AsmClient) -> None:
    unit = Unit(kind="cloudService", name="api-cs")
    resolved = asm.resolve_unit(unit)
    assert resolved.deployment and resolved.deployment != ""
    assert asm.validate(resolved, Destination(mode="New")).migratable
    existing = Destination(mode="Existing", resourceGroup="net-rg", virtualNetwork="hub", subnet="apps")
    result = asm.validate(unit, existing)  # the body names the ARM VNet, which does not exist
    assert not result.migratable
    assert [m.message for m in result.errors] == ["The virtual network hub doesn't exist."]


def test_cloud_service_inside_a_vnet_is_not_a_unit_of_its_own(asm: AsmClient) -> None:
    unit = Unit(kind="cloudService", name="shop-cs")
    [message] = asm.validate(unit).errors
    assert "belongs to Virtual Network vnet-prod" in message.message
    with pytest.raises(PermanentError, match="belongs to Virtual Network vnet-prod") as caught:
        asm.start_prepare(unit)
    assert (caught.value.status, caught.value.reason) == (400, Reason.UNSUPPORTED)


def test_unknown_units_are_not_found(asm: AsmClient) -> None:
    for unit in (
        Unit(kind="virtualNetwork", name="nope"),
        Unit(kind="routeTable", name="nope"),
        Unit(kind="cloudService", name="nope"),
    ):
        with pytest.raises(PermanentError) as caught:
            asm.migration_state(unit)
        assert caught.value.reason == Reason.NOT_FOUND, caught.value


@pytest.mark.parametrize(
    ("transient", "expected"),
    [(True, TransientError), (False, PermanentError)],
)
def test_failed_operation_is_classified(
    asm: AsmClient, admin: Admin, transient: bool, expected: type
) -> None:
    admin.fault(
        match={"unit": "reservedIp/rip-spare", "operation": "prepare"},
        action={"type": "operationFailed", "transient": transient},
        count=1,
    )
    started = asm.prepare_unless_prepared(Unit(kind="reservedIp", name="rip-spare"))
    status = asm.operation_status(started.request_id)
    assert status.done and not status.succeeded
    assert isinstance(status.error, expected)
    assert status.error.request_id == started.request_id


def fails_once(
    admin: Admin, asm: AsmClient, unit: Unit, operation: str, start: Callable[[Unit], StartResult], state: str
) -> None:
    """Start `operation` with `start` while the platform fails it once: its status says it failed,
    and the unit is left in `state` (a kind without MigrationState reports none)."""
    failed = {"type": "operationFailed", "transient": True}
    admin.fault(match={"operation": operation}, action=failed, count=1)
    assert not asm.operation_status(start(unit).request_id).succeeded
    assert asm.migration_state(unit) == (NOT_REPORTED if unit.kind in STATELESS_KINDS else state)


def runs(asm: AsmClient, start: Callable[[Unit], StartResult], unit: Unit) -> None:
    """`start` starts the operation again (nothing refuses it), and it succeeds."""
    attempt = start(unit)
    assert attempt.started
    finish(asm, attempt.request_id)


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
def test_failed_operations_leave_failed_states_and_are_retried(
    asm: AsmClient, admin: Admin, unit: Unit
) -> None:
    """PrepareFailed → abort; CommitFailed → commit again; AbortFailed → abort again (the
    platform's IaaSClassicToArmMigrationState; the docs' remedy for a failed commit is to retry)."""
    fails_once(admin, asm, unit, "prepare", asm.prepare_unless_prepared, "PrepareFailed")
    runs(asm, asm.abort_unless_aborted, unit)  # a failed prepare is rolled back with abort

    finish(asm, asm.prepare_unless_prepared(unit).request_id)
    fails_once(admin, asm, unit, "abort", asm.abort_unless_aborted, "AbortFailed")
    with pytest.raises(PermanentError):
        asm.commit_unless_committed(unit)  # stateless: the platform refuses it (409), not us
    runs(asm, asm.abort_unless_aborted, unit)

    finish(asm, asm.prepare_unless_prepared(unit).request_id)
    fails_once(admin, asm, unit, "commit", asm.commit_unless_committed, "CommitFailed")
    with pytest.raises(PermanentError):
        asm.abort_unless_aborted(unit)  # commit has started: no way back
    runs(asm, asm.commit_unless_committed, unit)
    assert asm.commit_unless_committed(unit).state == "Committed"


@pytest.mark.parametrize("unit", [u for u in UNITS if u.kind in STATELESS_KINDS], ids=lambda u: u.kind)
def test_no_state_element_never_refuses_or_skips(bare_asm: AsmClient, unit: Unit) -> None:
    """Without a MigrationState (and without an ARM probe) commit is not refused and abort not
    skipped: the operation's own result decides, and the classic side's absence means committed."""
    asm = bare_asm
    finish(asm, asm.prepare_unless_prepared(unit).request_id)
    abort = asm.abort_unless_aborted(unit)
    assert abort.started  # not skipped because no state element is present
    finish(asm, abort.request_id)
    finish(asm, asm.prepare_unless_prepared(unit).request_id)
    commit = asm.commit_unless_committed(unit)
    assert commit.started  # not refused as "not prepared"
    finish(asm, commit.request_id)
    assert asm.commit_unless_committed(unit).to_dict()["state"] == "Committed"  # the classic side is gone
