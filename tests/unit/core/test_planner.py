"""The planner: dependencies, waves under the limit, left-out units with reasons, determinism."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migration.planner import plan
from migration.units import UnitRef, parse_unit
from tests.unit.core.conftest import load_raw
from tests.unit.core.estates import SUB


def vm(name: str, accounts: list[str], *, subnet: str | None, state: str = "Running") -> dict[str, Any]:
    return {
        "name": name,
        "state": state,
        "subnets": [subnet] if subnet else [],
        "osDisk": {
            "name": f"{name}-os",
            "os": "Linux",
            "sizeGB": 30,
            "mediaLink": f"https://{accounts[0]}.blob.core.windows.net/vhds/{name}-os.vhd",
        },
        "dataDisks": [
            {
                "name": f"{name}-d{i}",
                "lun": i,
                "sizeGB": 1,
                "mediaLink": f"https://{a}.blob.core.windows.net/vhds/{name}-d{i}.vhd",
            }
            for i, a in enumerate(accounts[1:])
        ],
    }


def estate(
    vnets: int,
    outside: int,
    accounts: int,
    uses: list[list[int]],
    broken: set[int],
    circuit_vnets: set[int],
    loose: int,
) -> dict[str, Any]:
    """`uses[i]`: the accounts (indexes) service i's VM uses; services 0..vnets-1 sit in VNet i,
    the next `outside` ones outside any VNet; `broken` services have a VM in a bad state;
    `circuit_vnets` wait for an ExpressRoute circuit; `loose` unassociated NSGs."""
    raw: dict[str, Any] = {
        "version": 1,
        "subscriptionId": SUB,
        "virtualNetworks": [
            {
                "name": f"vnet{i}",
                "addressSpace": ["10.0.0.0/16"],
                "subnets": [{"name": "s", "prefix": "10.0.0.0/24"}],
                "gateways": [{"kind": "ExpressRoute", "circuit": f"er{i}"}] if i in circuit_vnets else [],
            }
            for i in range(vnets)
        ],
        "expressRouteCircuits": [{"name": f"er{i}"} for i in sorted(circuit_vnets)],
        "storageAccounts": [{"name": f"st{i}"} for i in range(accounts)],
        "networkSecurityGroups": [{"name": f"nsg{i}"} for i in range(loose)],
        "cloudServices": [],
    }
    for i in range(vnets + outside):
        in_vnet = i < vnets
        used = [f"st{a}" for a in (uses[i] if i < len(uses) else [])] or ["external"]
        dep: dict[str, Any] = {
            "name": f"d{i}",
            "roles": [
                vm(
                    f"vm{i}",
                    used,
                    subnet="s" if in_vnet else None,
                    state="RoleStateUnknown" if i in broken else "Running",
                )
            ],
        }
        if in_vnet:
            dep["virtualNetwork"] = f"vnet{i}"
        raw["cloudServices"].append({"name": f"cs{i}", "deployment": dep})
    return raw


def test_storage_waits_for_its_vms_and_the_rest_runs_at_once() -> None:
    p = plan(load_raw(estate(2, 1, 2, [[0], [0, 1], [1]], set(), set(), 1)), concurrency=10)
    assert [[str(u) for u in w] for w in p.waves] == [
        ["virtualNetwork/vnet0", "virtualNetwork/vnet1", "cloudService/cs2", "networkSecurityGroup/nsg0"],
        ["storageAccount/st0", "storageAccount/st1"],
    ]
    st1 = p.unit("storageAccount/st1")
    assert st1 and [str(d) for d in st1.depends_on] == ["cloudService/cs2", "virtualNetwork/vnet1"]


def test_limit_and_longest_chain_first() -> None:
    p = plan(load_raw(estate(0, 3, 1, [[0], [], []], set(), set(), 0)), concurrency=1)
    # cs0 has a dependant (st0), so it goes first; then by kind and name
    assert [[str(u) for u in w] for w in p.waves] == [
        ["cloudService/cs0"],
        ["cloudService/cs1"],
        ["cloudService/cs2"],
        ["storageAccount/st0"],
    ]


def test_not_migratable_and_what_waits_for_it_are_left_out_with_reasons() -> None:
    p = plan(load_raw(estate(2, 0, 1, [[0], [0]], {0}, {1}, 0)))
    vnet0 = p.unit("virtualNetwork/vnet0")
    assert vnet0 and vnet0.verdict == "notMigratable" and vnet0.reasons[0].rule == "C2A-118"
    vnet1 = p.unit("virtualNetwork/vnet1")
    assert vnet1 and (vnet1.verdict, vnet1.blocked_by) == ("blocked", ("expressRouteCircuit/er1",))
    st0 = p.unit("storageAccount/st0")
    assert st0 and st0.verdict == "blocked"
    assert st0.blocked_by == ("virtualNetwork/vnet0", "virtualNetwork/vnet1")
    assert p.waves == []
    data = p.to_dict()
    assert data["units"][0]["reasons"][0]["rule"] == "C2A-118"


def test_a_subset_leaves_dependants_blocked_by_units_outside_it() -> None:
    raw = estate(1, 0, 1, [[0]], set(), set(), 0)
    p = plan(load_raw(raw), [UnitRef("storageAccount", "st0")])
    assert [(str(u.unit), u.verdict, u.blocked_by) for u in p.units] == [
        ("storageAccount/st0", "blocked", ("virtualNetwork/vnet0",))
    ]


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        plan(load_raw(estate(1, 0, 0, [], set(), set(), 0)), concurrency=0)


@st.composite
def estates(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    vnets = draw(st.integers(0, 5))
    outside = draw(st.integers(0, 5))
    accounts = draw(st.integers(0, 4))
    services = vnets + outside
    uses = [
        draw(st.lists(st.integers(0, accounts - 1), max_size=3, unique=True)) if accounts else []
        for _ in range(services)
    ]
    broken = draw(st.sets(st.integers(0, max(services - 1, 0)), max_size=2)) if services else set()
    circuits = draw(st.sets(st.integers(0, max(vnets - 1, 0)), max_size=2)) if vnets else set()
    loose = draw(st.integers(0, 3))
    return estate(vnets, outside, accounts, uses, broken, circuits, loose), draw(st.integers(1, 4))


@settings(max_examples=40, deadline=None)
@given(estates())
def test_waves_respect_every_dependency_and_the_limit(case: tuple[dict[str, Any], int]) -> None:
    raw, limit = case
    loaded = load_raw(raw)
    p = plan(loaded, concurrency=limit)
    wave_of = {u: i for i, w in enumerate(p.waves) for u in w}
    assert all(1 <= len(w) <= limit for w in p.waves)
    planned = [u for u in p.units if u.verdict == "migratable"]
    assert sorted(wave_of) == sorted(u.unit for u in planned)  # each planned unit exactly once
    for u in planned:
        assert all(wave_of[d] < wave_of[u.unit] for d in u.depends_on)
    for u in p.units:
        if u.verdict != "migratable":
            assert u.unit not in wave_of
            assert u.reasons or u.blocked_by
            assert all(b not in {str(x) for x in wave_of} for b in u.blocked_by if u.verdict == "blocked")
    # a storage account is only planned after every unit whose VMs use it
    for u in planned:
        if u.unit.kind == "storageAccount":
            i = int(u.unit.name[2:])
            users = {
                parse_unit(f"virtualNetwork/vnet{s}")
                if s < len(raw["virtualNetworks"])
                else parse_unit(f"cloudService/cs{s}")
                for s, used in enumerate(_uses(raw))
                if i in used
            }
            assert users <= set(u.depends_on)


def _uses(raw: dict[str, Any]) -> list[set[int]]:
    out = []
    for cs in raw["cloudServices"]:
        role = cs["deployment"]["roles"][0]
        links = [role["osDisk"]["mediaLink"]] + [d["mediaLink"] for d in role["dataDisks"]]
        out.append({int(link.split(".")[0][len("https://st") :]) for link in links if "://st" in link})
    return out


@settings(max_examples=20, deadline=None)
@given(estates(), st.randoms(use_true_random=False))
def test_plan_is_deterministic_whatever_the_file_order(
    case: tuple[dict[str, Any], int], rnd: random.Random
) -> None:
    raw, limit = case
    first = plan(load_raw(raw), concurrency=limit).to_dict()
    for key in ("virtualNetworks", "storageAccounts", "cloudServices", "networkSecurityGroups"):
        rnd.shuffle(raw[key])
    assert plan(load_raw(raw), concurrency=limit).to_dict() == first


def test_units_that_fit_alone_can_exhaust_a_quota_together() -> None:
    raw = estate(3, 0, 0, [], set(), set(), 0)
    raw["armQuotas"] = {"networkInterfaces": 2}
    p = plan(load_raw(raw))
    assert len([u for u in p.units if u.verdict == "migratable"]) == 3
    assert p.to_dict()["quotaShortfalls"] == [{"quota": "networkInterfaces", "remaining": 2, "needed": 3}]
    assert plan(load_raw(estate(2, 0, 0, [], set(), set(), 0))).quota_shortfalls == []
