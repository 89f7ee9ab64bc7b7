"""The deviation switches (emulator/switches.py): behaviours no public source settles, each shown
in both positions, and the sourced behaviour that replaced a former assumption (docs/fidelity.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from cli.stack.emulator import Emulator
from tests.integration.emulator.helpers import ESTATES, Admin, Asm, error_of, start, x

VNET = "/services/networking/virtualnetwork/vnet-small"
STORAGE = "/services/storageservices/stsmall"
DAY = 86400


@pytest.fixture(scope="module")
def mismatched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The small estate with its data disk's blob one GiB larger than its logical size."""
    raw = yaml.safe_load((ESTATES / "small.yaml").read_text())
    disk = raw["cloudServices"][0]["deployment"]["roles"][0]["dataDisks"][0]
    disk["blobSizeBytes"] = 65 * 2**30
    tmp = tmp_path_factory.mktemp("switches")
    estate = tmp / "mismatched.yaml"
    estate.write_text(yaml.safe_dump(raw))
    emulator = start(tmp, Path(estate))
    yield emulator
    emulator.stop()


@pytest.fixture
def small(mismatched: Emulator) -> Iterator[tuple[Asm, Admin]]:
    with Asm(mismatched) as asm, Admin(mismatched) as admin:
        admin.post("/reset")
        admin.put("/progress", json={"mode": "immediate"})
        yield asm, admin


BLOB = (
    "Deployment app-dep in HostedService app-cs contains a VM app1 with Data Disk app1-data0 whose "
    "physical blob size 69793218560 bytes doesn't match the VM Data Disk logical size 68719477248 "
    "bytes. Migration will proceed without specifying a size for the data disk for the Azure "
    "Resource Manager VM."
)


def test_blob_size_mismatch_is_a_warning_and_migrates(small: tuple[Asm, Admin]) -> None:
    """Microsoft's errors page: 'Migration will proceed without specifying a size for the data
    disk' — the mismatch is reported, but it does not block (default position)."""
    asm, admin = small
    assert admin.get("/state")["switches"]["blobSizeMismatchBlocks"] is False
    assert asm.messages(VNET) == [("Warning", BLOB)]
    informations = [c for c, _ in asm.messages(VNET, information=True) if c == "Information"]
    assert informations, "a passing validate lists what it migrates"
    assert asm.run(VNET, "prepare").findtext(x("Status")) == "Succeeded"


def test_blob_size_mismatch_blocks_when_switched(small: tuple[Asm, Admin]) -> None:
    asm, admin = small
    admin.put("/settings", json={"switches": {"blobSizeMismatchBlocks": True}})
    assert asm.messages(VNET) == [("Error", BLOB)]
    op = asm.run(VNET, "prepare")
    assert op.findtext(x("Status")) == "Failed" and BLOB in op.findtext(x("Error/Message"))


def _commit(asm: Asm, path: str) -> None:
    for comp in ("prepare", "commit"):
        assert asm.run(path, comp).findtext(x("Status")) == "Succeeded", comp


def test_committed_unit_answers_as_missing_by_default(small: tuple[Asm, Admin]) -> None:
    """Commit deletes the classic resource (Microsoft docs), so it then answers as the recorded
    missing storage account does; a repeated commit still succeeds (operations are idempotent)."""
    asm, _ = small
    _commit(asm, VNET)
    _commit(asm, STORAGE)
    assert asm.messages(STORAGE) == [("Error", "The storage account 'stsmall' was not found.")]
    r = asm.migrate(STORAGE, "prepare")
    assert r.status_code == 404
    assert error_of(r) == ("ResourceNotFound", "The storage account 'stsmall' was not found.")
    assert asm.run(STORAGE, "commit").findtext(x("Status")) == "Succeeded"


def test_committed_unit_switches(small: tuple[Asm, Admin]) -> None:
    """`alreadyMigratedMessage` brings back the emulator's former wording (no source);
    `repeatCommitSucceeds: false` refuses a repeated commit as a missing unit."""
    asm, admin = small
    admin.put("/settings", json={"switches": {"alreadyMigratedMessage": True, "repeatCommitSucceeds": False}})
    _commit(asm, VNET)
    _commit(asm, STORAGE)
    for comp in ("validate", "prepare", "commit"):
        r = asm.migrate(STORAGE, comp)
        assert r.status_code == 400, comp
        assert error_of(r) == ("BadRequest", "Storage account stsmall has already been migrated.")
    admin.put("/settings", json={"switches": {"alreadyMigratedMessage": False}})
    r = asm.migrate(STORAGE, "commit")
    assert r.status_code == 404
    assert error_of(r) == ("ResourceNotFound", "The storage account 'stsmall' was not found.")


def _prepare_timed(asm: Asm, admin: Admin) -> str:
    admin.put("/progress", json={"mode": "manual"})
    r = asm.migrate(STORAGE, "prepare")
    assert r.status_code == 202
    return r.headers["x-ms-request-id"]


def test_operations_never_time_out_by_default(small: tuple[Asm, Admin]) -> None:
    """No public source gives a platform-side operation time-out: a running operation stays
    InProgress however long it takes (here 30 platform days)."""
    asm, admin = small
    _commit(asm, VNET)
    op_id = _prepare_timed(asm, admin)
    admin.post("/clock", json={"advance": 30 * DAY})
    assert asm.get(f"/operations/{op_id}").findtext(x("Status")) == "InProgress"


def test_operation_timeout_switch_fails_a_long_operation(small: tuple[Asm, Admin]) -> None:
    asm, admin = small
    _commit(asm, VNET)
    admin.put("/settings", json={"switches": {"operationTimeoutHours": 24}})
    op_id = _prepare_timed(asm, admin)
    admin.post("/clock", json={"advance": 23 * 3600})
    assert asm.get(f"/operations/{op_id}").findtext(x("Status")) == "InProgress"
    admin.post("/clock", json={"advance": 3600})
    op = asm.get(f"/operations/{op_id}")
    assert op.findtext(x("Status")) == "Failed"
    assert op.findtext(x("Error/Code")) == "OperationTimedOut"
    assert admin.get("/state")["units"]["storageAccount/stsmall"]["state"] == "PrepareFailed"


def test_prepared_storage_account_is_never_committed_by_the_platform(small: tuple[Asm, Admin]) -> None:
    """Microsoft docs (classic-account-migration-process): 'There is no set window of time before
    which you need to commit or abort'. The 30-day automatic commit had no source."""
    asm, admin = small
    _commit(asm, VNET)
    assert asm.run(STORAGE, "prepare").findtext(x("Status")) == "Succeeded"
    admin.post("/clock", json={"advance": 45 * DAY})
    account = asm.get(STORAGE)
    assert account.findtext(x("MigrationState")) == "Prepared"


@pytest.mark.parametrize(
    ("switches", "problem"),
    [
        ({"nope": True}, "switches.nope: unknown switch"),
        ({"blobSizeMismatchBlocks": "yes"}, "switches.blobSizeMismatchBlocks: must be true or false"),
        ({"operationTimeoutHours": 0}, "switches.operationTimeoutHours: must be a positive number"),
        ([], "switches: expected a mapping"),
    ],
)
def test_bad_switch_is_refused_and_changes_nothing(
    small: tuple[Asm, Admin], switches: object, problem: str
) -> None:
    _, admin = small
    before = admin.get("/state")["switches"]
    answer = admin.put("/settings", status=400, json={"switches": switches})
    assert answer["error"].startswith(problem)
    assert admin.get("/state")["switches"] == before
