"""`read_estate` against the real emulator: gateway and ExpressRoute facts, and the snapshot race
(a resource listed a moment ago and gone when its detail is read) found by the chaos run."""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element

import pytest

from cli.stack.emulator import Emulator
from connectors.arm import ArmReader
from connectors.arm_facts import with_arm_facts, with_moved_circuits
from connectors.asm import AsmClient
from connectors.asm.snapshot import read_estate, read_snapshot
from connectors.connection import Connection
from connectors.errors import PermanentError, Reason
from connectors.ratelimit import RateLimiter
from migration.requests import Unit
from tests.fixtures.connectors import Admin, settings_for
from tests.polling import wait_for

NOT_FOUND = {
    "type": "error",
    "status": 404,
    "code": "ResourceNotFound",
    "message": "The resource does not exist.",
}


def test_gateways_and_circuits_come_from_the_platforms_reads(asm: AsmClient, admin: Admin) -> None:
    estate = read_estate(asm)
    gateways = {v.name: [g.model_dump() for g in v.gateways] for v in estate.virtual_networks}
    assert gateways["vnet-branch"] == [
        {
            "kind": "Vpn",
            "sku": "Basic",
            "vip": "52.1.9.9",
            "circuit": None,
            "connections": [
                {"local_network_site": "branch-office", "type": "IPsec", "state": "Disconnected"}
            ],
        }
    ]
    assert gateways["vnet-er"] == [
        {
            "kind": "ExpressRoute",
            "sku": "HighPerformance",
            "vip": None,
            "circuit": "er-legacy",
            "connections": [],
        }
    ]
    assert gateways["vnet-prod"][0]["connections"][0]["state"] == "Connected"
    assert gateways["vnet-legacy"] == []
    assert [(c.name, c.moved_to_arm) for c in estate.express_route_circuits] == [("er-legacy", False)]
    paths = {r["path"].split("/", 2)[-1] for r in admin.requests()}
    for vnet in ("vnet-prod", "vnet-er", "vnet-branch"):
        assert f"services/networking/{vnet}/gateway" in paths
        assert f"services/networking/{vnet}/gateway/connections" in paths
    assert "services/networking/vnet-legacy/gateway" not in paths  # no gateway: nothing to read
    assert "services/networking/dedicatedcircuits" in paths


def test_a_circuit_moved_to_arm_is_seen_as_moved_from_the_arm_side(
    emulator: Emulator, asm: AsmClient, admin: Admin
) -> None:
    def moved() -> list[tuple[str, bool]]:
        with ArmReader.connect(
            Connection(settings_for(emulator), emulator.subscription_id, limiter=RateLimiter(1000, 1000))
        ) as arm:
            classic = read_snapshot(asm)
            estate = with_arm_facts(classic.estate, arm, classic.circuit_keys)
        return [(c.name, c.moved_to_arm) for c in estate.express_route_circuits]

    assert moved() == [("er-legacy", False)]
    admin.call("POST", "circuits/er-legacy/move", {"resourceGroup": "rg-circuits"})
    assert read_estate(asm).express_route_circuits[0].moved_to_arm is False  # not a classic fact
    assert moved() == [("er-legacy", True)]
    paths = [r["path"] for r in admin.requests()]
    assert any(p.endswith("/providers/Microsoft.Network/expressRouteCircuits") for p in paths), paths


def test_arm_circuits_are_matched_by_service_key_not_by_name(
    emulator: Emulator, asm: AsmClient, admin: Admin
) -> None:
    admin.call("POST", "circuits/er-legacy/move")
    classic = read_snapshot(asm)
    estate = classic.estate
    with ArmReader.connect(
        Connection(settings_for(emulator), emulator.subscription_id, limiter=RateLimiter(1000, 1000))
    ) as arm:
        assert with_moved_circuits(estate, arm, classic.circuit_keys).express_route_circuits[0].moved_to_arm
        # another classic key: the ARM circuit of the same name is not this circuit
        other = with_moved_circuits(estate, arm, {"er-legacy": "00000000-0000-0000-0000-000000000000"})
        assert other.express_route_circuits[0].moved_to_arm is False
        # no key known: the name decides
        assert with_moved_circuits(estate, arm, {}).express_route_circuits[0].moved_to_arm is True


def test_a_hosted_service_gone_between_list_and_detail_is_absent(asm: AsmClient, admin: Admin) -> None:
    admin.fault(
        id="gone",
        match={"method": "GET", "path": "*/services/hostedservices/api-cs"},
        action=NOT_FOUND,
        count=1,
    )
    estate = read_estate(asm)
    names = {cs.name for cs in estate.cloud_services}
    assert "api-cs" not in names
    assert {"shop-cs", "infra-cs", "paas-cs", "acl-cs"} <= names
    fired = [
        r for r in admin.requests() if r["status"] == 404 and r["path"].endswith("/hostedservices/api-cs")
    ]
    assert len(fired) == 1  # the detail read answered 404 once, and was not taken as an error


@pytest.mark.parametrize(
    ("path", "item"),
    [
        ("*/services/networking/networksecuritygroups/nsg-spare", "nsg-spare"),
        ("*/services/networking/routetables/rt-spare", "rt-spare"),
    ],
    ids=["nsg", "route-table"],
)
def test_network_items_gone_between_list_and_detail_are_absent(
    asm: AsmClient, admin: Admin, path: str, item: str
) -> None:
    admin.fault(id="gone", match={"method": "GET", "path": path}, action=NOT_FOUND, count=1)
    estate = read_estate(asm)
    listed = {n.name for n in estate.network_security_groups} | {r.name for r in estate.route_tables}
    assert item not in listed
    assert {"nsg-web", "nsg-data", "rt-web"} <= listed


def test_a_gateway_gone_before_its_reads_keeps_what_the_lists_said(asm: AsmClient, admin: Admin) -> None:
    for what in ("gateway", "gateway/connections"):
        admin.fault(
            id=what, match={"method": "GET", "path": f"*/networking/vnet-branch/{what}"}, action=NOT_FOUND
        )
    estate = read_estate(asm)
    (gateway,) = next(v for v in estate.virtual_networks if v.name == "vnet-branch").gateways
    # the network configuration's gateway stands (its SKU and connectivity are unknown now);
    # the 404s were not taken as errors
    assert (gateway.kind, gateway.sku) == ("Vpn", None)
    assert [c.local_network_site for c in gateway.connections] == ["branch-office"]


@pytest.mark.parametrize(
    "path",
    [
        "*/services/hostedservices",
        "*/services/networking/networksecuritygroups",
        "*/services/storageservices",
    ],
)
def test_a_404_on_a_subscription_level_list_stays_an_error(asm: AsmClient, admin: Admin, path: str) -> None:
    admin.fault(id="list", match={"method": "GET", "path": path}, action=NOT_FOUND, count=1)
    with pytest.raises(PermanentError) as caught:
        read_estate(asm)
    assert caught.value.reason == Reason.NOT_FOUND and caught.value.status == 404


class CommitsMidway(AsmClient):
    """A real client that migrates `unit` (prepare, commit, with real calls) right after it has
    read `after` — the other unit's commit that lands between a snapshot's list and detail."""

    def __init__(self, asm: AsmClient, after: str, unit: Unit) -> None:
        super().__init__(asm.http)
        self.after, self.unit, self.done = after, unit, False

    def get_xml(self, path: str, service: str, params: Mapping[str, str] | None = None) -> Element:
        answer = super().get_xml(path, service, params)
        if path == self.after and not self.done:
            self.done = True
            for start in (self.prepare_unless_prepared, self.commit_unless_committed):
                request_id = start(self.unit).request_id
                assert request_id
                status = wait_for(
                    lambda: self.operation_status(request_id),  # noqa: B023 (called at once, in this turn)
                    10,
                    f"operation {request_id} to finish",
                    interval=0.02,
                    until=lambda status: status.done,
                )
                assert status.succeeded, status
        return answer


def test_a_vnet_committed_between_list_and_detail_takes_its_services_out(asm: AsmClient) -> None:
    client = CommitsMidway(asm, "/services/hostedservices", Unit(kind="virtualNetwork", name="vnet-prod"))
    estate = read_estate(client)
    assert client.done
    names = {cs.name for cs in estate.cloud_services}
    assert not names & {"shop-cs", "infra-cs"}  # listed, then gone with vnet-prod's commit
    assert {"api-cs", "branch-cs", "erapp-cs"} <= names
    assert "vnet-prod" not in {v.name for v in estate.virtual_networks}


def test_an_nsg_committed_between_list_and_detail_is_absent(asm: AsmClient) -> None:
    unit = Unit(kind="networkSecurityGroup", name="nsg-spare")
    client = CommitsMidway(asm, "/services/networking/networksecuritygroups", unit)
    estate = read_estate(client)
    assert client.done
    assert {n.name for n in estate.network_security_groups} == {"nsg-web", "nsg-data"}
