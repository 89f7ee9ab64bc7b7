"""`read_scoped` against the real emulator (realistic estate): fresh reads, never a cached answer.

The inventory only says where to look; what a storage account's snapshot sees of its VNet is read
at that moment. So a storage account snapshotted right after its VNet committed sees the commit
(the reason a naive cache of the estate would be wrong), and a commit landing between the
snapshot's list and its detail reads takes the VNet's services out.
"""

from __future__ import annotations

from connectors.asm import AsmClient
from connectors.asm.scoped import read_scoped
from connectors.asm.snapshot import read_snapshot
from migration.neighbourhood import inventory_of
from migration.prechecks import run_prechecks
from migration.requests import Unit
from migration.units import UnitRef
from tests.integration.connectors.test_snapshot import CommitsMidway

STORAGE = UnitRef("storageAccount", "stproddata")


def test_a_storage_account_read_right_after_its_vnet_committed_sees_the_commit(asm: AsmClient) -> None:
    full = read_snapshot(asm).estate
    inventory = inventory_of(full)  # taken before the commit: it still places shop-cs in vnet-prod
    before = read_scoped(asm, STORAGE, inventory).snapshot.estate
    assert [b for f in run_prechecks(before, [STORAGE]).findings for b in f.blocked_by] == [
        "virtualNetwork/vnet-prod"
    ]
    vnet = Unit(kind="virtualNetwork", name="vnet-prod")
    committer = CommitsMidway(asm, "/services/disks", vnet)
    committer.get_xml("/services/disks", "compute")  # prepare + commit vnet-prod, with real calls
    assert committer.done
    after = read_scoped(asm, STORAGE, inventory)
    assert not [f for f in run_prechecks(after.snapshot.estate, [STORAGE]).findings if f.rule == "C2A-402"]
    assert not {"shop-cs", "infra-cs"} & {s.name for s in after.snapshot.estate.cloud_services}
    assert not {"shop-cs", "infra-cs"} & set(after.inventory.services)  # gone from the map too


def test_a_vnet_committed_between_the_lists_and_the_details_takes_its_services_out(asm: AsmClient) -> None:
    inventory = inventory_of(read_snapshot(asm).estate)
    client = CommitsMidway(asm, "/services/hostedservices", Unit(kind="virtualNetwork", name="vnet-prod"))
    scoped = read_scoped(client, STORAGE, inventory)
    assert client.done
    assert not {"shop-cs", "infra-cs"} & {s.name for s in scoped.snapshot.estate.cloud_services}
    assert not [f for f in run_prechecks(scoped.snapshot.estate, [STORAGE]).findings if f.rule == "C2A-402"]


def test_the_neighbourhood_is_what_was_read(asm: AsmClient) -> None:
    inventory = inventory_of(read_snapshot(asm).estate)
    hood = read_scoped(asm, UnitRef("virtualNetwork", "vnet-prod"), inventory).neighbourhood
    assert hood.vnet == "vnet-prod" and hood.services == {"shop-cs", "infra-cs"}
    assert hood.nsgs == {"nsg-web", "nsg-data"} and hood.route_tables == {"rt-web"}
    solo = read_scoped(asm, UnitRef("cloudService", "api-cs"), inventory).neighbourhood
    assert solo.services == {"api-cs"} and solo.vnet is None and not solo.route_tables
