"""The ARM reader against the emulator through the real azure-mgmt SDK pipelines: a prepared
unit's `-Migrated` group read in full (paging, pinned api-versions), normalised into the core's
model, and its failures typed."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme
from azure.core.pipeline.policies import SansIOHTTPPolicy

from cli.stack.emulator import Emulator
from connectors.arm import API_VERSIONS, NETWORK_API, ArmReader
from connectors.asm import AsmClient
from connectors.connection import Connection
from connectors.errors import ConfigurationError, PermanentError, Reason, TransientError
from connectors.ratelimit import RateLimiter
from migration.arm import NSG, RESOURCE_GROUP, VIRTUAL_MACHINE, VIRTUAL_NETWORK, check_unit
from migration.estate import load_estate_file
from migration.requests import Unit
from migration.units import UnitRef
from tests.fixtures.connectors import ESTATES, Admin, settings_for


class Recorder(SansIOHTTPPolicy):
    """A pipeline policy that keeps each request's URL (to see api-versions and pages)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def on_request(self, request) -> None:  # type: ignore[no-untyped-def]
        self.urls.append(request.http_request.url)


def prepare(asm: AsmClient, unit: Unit) -> None:
    started = asm.prepare_unless_prepared(unit)
    assert asm.operation_status(started.request_id).succeeded


def reader(emulator: Emulator, recorder: Recorder | None = None, **env: str) -> ArmReader:
    kwargs = {"per_call_policies": [recorder]} if recorder else {}
    return ArmReader.connect(
        Connection(settings_for(emulator, **env), emulator.subscription_id, limiter=RateLimiter(1000, 1000)),
        **kwargs,
    )


def test_migrated_group_is_read_in_full_and_matches_the_translation(
    emulator: Emulator, admin: Admin, asm: AsmClient
) -> None:
    prepare(asm, Unit(kind="virtualNetwork", name="vnet-prod"))
    admin.call("PUT", "settings", {"armPageSize": 3})  # several pages
    recorder = Recorder()
    with reader(emulator, recorder) as arm:
        resources = arm.migrated_resources("vnet-prod")
    types = {r.type for r in resources}
    assert {RESOURCE_GROUP, VIRTUAL_NETWORK, VIRTUAL_MACHINE, NSG} <= types
    assert {r.name for r in resources if r.type == VIRTUAL_MACHINE} >= {"shop-web1", "shop-web2", "shop-sql1"}
    assert len(resources) == len({r.key for r in resources})  # each once, though the list was paged
    assert sum("skiptoken" in u.lower() for u in recorder.urls) >= 2
    # the three VMs come from one typed list (not three GETs), pinned like a GET
    vm_urls = [u for u in recorder.urls if "/virtualMachines" in u and "/extensions" not in u]
    assert vm_urls and all(
        f"api-version={API_VERSIONS['microsoft.compute/virtualmachines']}" in u for u in vm_urls
    )
    assert not [u for u in vm_urls if "/virtualMachines/" in u]
    vnet_urls = [u for u in recorder.urls if "/virtualNetworks/vnet-prod" in u]
    assert vnet_urls and all(f"api-version={NETWORK_API}" in u for u in vnet_urls)
    # what the platform made equals what the core predicts from the same estate file
    findings = check_unit(
        load_estate_file(ESTATES / "realistic.yaml"), UnitRef("virtualNetwork", "vnet-prod"), resources
    )
    assert [f.to_dict() for f in findings if f.severity == "error"] == []


def test_typed_lists_answer_what_each_get_answers(emulator: Emulator, asm: AsmClient) -> None:
    """The group read takes each type with two or more resources from one typed list; every body
    it returns is the one that resource's own GET answers (VMs with their provisioning state,
    availability sets with their members)."""
    prepare(asm, Unit(kind="virtualNetwork", name="vnet-prod"))
    recorder = Recorder()
    with reader(emulator, recorder) as arm:
        bodies = arm.read_group("vnet-prod-Migrated")[1:]
        group_reads = len(recorder.urls)
        listed = arm.list_group("vnet-prod-Migrated")
        each = [arm.get_resource(item["id"], item["type"]) for item in listed]
    by_id = {b["id"].lower(): b for b in bodies}
    assert len(by_id) == len(listed) == len(bodies)
    assert {e["id"].lower(): e for e in each} == by_id
    kinds = {b["type"].lower() for b in bodies}
    assert {"microsoft.compute/virtualmachines", "microsoft.compute/availabilitysets"} <= kinds
    vms = [b for b in bodies if b["type"].lower() == "microsoft.compute/virtualmachines"]
    assert len(vms) >= 2 and all(vm["properties"]["provisioningState"] == "Succeeded" for vm in vms)
    sets = [b for b in bodies if b["type"].lower() == "microsoft.compute/availabilitysets"]
    assert sets and all(s["properties"]["virtualMachines"] for s in sets)
    assert group_reads < 2 + len(listed)  # fewer than a GET per resource


def test_missing_group_is_permanent_not_found(emulator: Emulator) -> None:
    with reader(emulator) as arm, pytest.raises(PermanentError) as caught:
        arm.migrated_resources("rt-spare")  # not prepared: no rt-spare-Migrated group
    assert (caught.value.status, caught.value.reason) == (404, Reason.NOT_FOUND)


def test_arm_wrong_ca_fails_fast(emulator: Emulator, admin: Admin, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    with reader(emulator, AZURE_CA_BUNDLE=str(other)) as arm, pytest.raises(ConfigurationError) as caught:
        arm.resource_group("vnet-prod-Migrated")
    assert caught.value.setting == "AZURE_CA_BUNDLE"
    assert admin.requests() == []


def test_arm_throttling_and_server_errors(emulator: Emulator, admin: Admin, asm: AsmClient) -> None:
    prepare(asm, Unit(kind="routeTable", name="rt-spare"))
    admin.fault(
        match={"api": "arm", "method": "GET"},
        action={"type": "error", "status": 503, "code": "ServiceUnavailable", "message": "busy"},
        count=1,
    )
    path = "*/resourcegroups/rt-spare-migrated/resources*"
    admin.throttle(1, "slow down", id="slow-down", match={"api": "arm", "path": path}, count=1)
    with reader(emulator) as arm:
        resources = arm.migrated_resources("rt-spare")
    assert {r.name for r in resources} >= {"rt-spare-Migrated", "rt-spare"}
    statuses = [r["status"] for r in admin.requests() if r["path"].startswith("/subscriptions/")]
    assert 503 in statuses and 429 in statuses and statuses[-1] == 200
    admin.throttle(60, "wait", id="long", match={"api": "arm"})
    with reader(emulator) as arm, pytest.raises(TransientError) as caught:
        arm.resource_group("rt-spare-Migrated")
    assert (caught.value.reason, caught.value.retry_after) == (Reason.THROTTLED, 60.0)


def test_provider_registration_and_network_quotas(emulator: Emulator, asm: AsmClient) -> None:
    from connectors.arm_facts import with_arm_facts
    from connectors.asm.snapshot import read_estate

    estate = load_estate_file(ESTATES / "realistic.yaml")
    with reader(emulator) as arm:
        snapshot = with_arm_facts(read_estate(asm, estate.location), arm)
    assert snapshot.migration_provider_registered is True
    expected = estate.arm_quotas.model_dump(exclude={"cores"})
    assert snapshot.arm_quotas.model_dump(exclude={"cores"}) == expected
    assert expected["public_ip_addresses"] == 200  # the file's value, not the model's default
