"""Lookups by name: `Estate.named` (scans) and `EstateIndex.named` (O(1)) agree for every kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.estate import CloudService, Disk, EstateIndex, RouteTable, load_estate_file
from migration.estate.model import NAMED_KINDS

REALISTIC = Path(__file__).resolve().parents[3] / "examples" / "estates" / "realistic.yaml"


@pytest.mark.parametrize("kind", list(NAMED_KINDS), ids=lambda k: k.__name__)
def test_every_item_is_found_by_its_kind_and_name(kind: type) -> None:
    estate = load_estate_file(REALISTIC)
    idx = EstateIndex(estate)
    items = getattr(estate, NAMED_KINDS[kind])
    assert items, f"the example estate has {kind.__name__}s"
    assert all(isinstance(item, kind) for item in items)
    for item in items:
        assert estate.named(kind, item.name) is item
        assert idx.named(kind, item.name) is item
    assert estate.named(kind, "no-such-name") is None
    assert idx.named(kind, "no-such-name") is None


def test_a_name_is_looked_up_within_its_kind_only() -> None:
    estate = load_estate_file(REALISTIC)
    service = estate.cloud_services[0]
    assert estate.named(RouteTable, service.name) is None
    assert EstateIndex(estate).named(RouteTable, service.name) is None
    assert EstateIndex(estate).named(CloudService, service.name) is service
    with pytest.raises(KeyError):
        estate.named(Disk, "any")  # disks are found by media link, not looked up by name here
    vnet = estate.virtual_networks[0].name
    assert EstateIndex(estate).services_in(vnet) == estate.services_in(vnet)
