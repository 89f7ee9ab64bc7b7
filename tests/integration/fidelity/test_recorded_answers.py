"""Golden tests: c2arm's parsers and error classification on real platform answers.

The answers were recorded by the Azure CLI's tests against the real classic platform in
2016–2017 (Azure/azure-xplat-cli `test/recordings/cli.network.migration-tests/` and
`cli.vm.compute.migration-tests/`), transcribed verbatim into `recorded/xplat-cli-migration.json`
with the file and the Date header of each.
"""

from __future__ import annotations

import re

import httpx
import pytest

from connectors.asm import AsmClient, AsmHttp
from connectors.asm.units import named_item_state, parse_operation, parse_validation
from connectors.asm.xml_common import parse_xml
from connectors.credentials import StaticTokenCredential
from connectors.errors import PermanentError, Reason
from migration.requests import Unit
from tests.integration.fidelity.recorded import answer, answers

SUBSCRIPTION = "ace9b607-25c7-4695-b94d-9bfc8fde73d9"


def replaying(seen: list[str]) -> AsmClient:
    """The real ASM client on a transport that answers with the recorded bytes (no server
    could say them more faithfully); `seen` collects every request it makes."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode().replace(f"/{SUBSCRIPTION}", "/{subscription}", 1)
        seen.append(f"{request.method} {path}")
        for entry in answers():
            if entry["method"] == request.method and entry["path"] == path:
                headers = {"x-ms-request-id": entry["requestId"] or "", "content-type": "application/xml"}
                return httpx.Response(entry["status"], content=entry["body"].encode(), headers=headers)
        return httpx.Response(599, content=b"not recorded")

    http = AsmHttp(
        "https://management.core.windows.net",
        SUBSCRIPTION,
        credential=StaticTokenCredential("recorded"),
        scope="x",
        quick_retries=2,
        transport=httpx.MockTransport(handle),
        sleep=lambda _s: None,
    )
    return AsmClient(http)


MISSING = [
    (
        Unit(kind="cloudService", name="123", deployment="123"),
        404,
        "ResourceNotFound",
        "The deployment name '123' does not exist.",
    ),
    (
        Unit(kind="storageAccount", name="123"),
        404,
        "ResourceNotFound",
        "The storage account '123' was not found.",
    ),
    (
        Unit(kind="virtualNetwork", name="123"),
        400,
        "BadRequest",
        "Virtual network '123' not found. Either it does not exist or it is an Azure Resource Manager "
        "resource, which cannot be used with Cloud Services.",
    ),
]


def test_the_fixture_names_its_sources() -> None:
    for entry in answers():
        assert entry["source"].startswith("Azure/azure-xplat-cli@") and entry["source"].endswith(".nock.js")
        assert re.match(r"\w{3}, \d\d \w{3} 201[67] ", entry["date"]), entry


@pytest.mark.parametrize(
    ("path", "rtype"),
    [
        ("hostedservices/123/deployments/123", "Deployment"),
        ("storageservices/123", "Storage"),
        ("networking/virtualnetwork/123", "VirtualNetwork"),
    ],
)
def test_validate_of_a_missing_unit_is_one_error_message(path: str, rtype: str) -> None:
    recorded = answer("POST", f"/services/{path}/migration?comp=validate")
    assert recorded["status"] == 200
    result = parse_validation(parse_xml(recorded["body"].encode(), "validate"))
    assert not result.migratable
    (message,) = result.messages
    assert (message.resource_type, message.resource_name, message.category) == (rtype, "123", "Error")
    assert message.severity == "error"


@pytest.mark.parametrize("comp", ["prepare", "commit", "abort"])
@pytest.mark.parametrize(
    ("unit", "status", "code", "message"), MISSING, ids=lambda v: getattr(v, "kind", None)
)
def test_operations_on_a_missing_unit_are_permanent_not_found(
    comp: str, unit: Unit, status: int, code: str, message: str
) -> None:
    seen: list[str] = []
    with pytest.raises(PermanentError) as caught:
        getattr(replaying(seen), f"start_{comp}")(unit)
    error = caught.value
    assert (error.status, error.code, error.message) == (status, code, message)
    assert error.reason == Reason.NOT_FOUND and not error.transient
    assert len(seen) == 1, seen  # classified at once: never retried


@pytest.mark.parametrize(
    ("unit", "rtype"),
    [(MISSING[0][0], "Deployment"), (MISSING[1][0], "Storage"), (MISSING[2][0], "VirtualNetwork")],
)
def test_validate_of_a_missing_unit_through_the_client(unit: Unit, rtype: str) -> None:
    result = replaying([]).validate(unit)
    assert not result.migratable and [m.resource_type for m in result.errors] == [rtype]


@pytest.mark.parametrize(
    "kind",
    [
        "networksecuritygroups/cliTestNSG5575",
        "reservedips/cliTestRip4731",
        "routetables/cliTestRT8796",
        "virtualnetwork/CliTestVnet2980",
    ],
)
def test_passing_validates_recorded_are_empty_and_migratable(kind: str) -> None:
    recorded = answer("POST", f"/services/networking/{kind}/migration?comp=validate")
    result = parse_validation(parse_xml(recorded["body"].encode(), "validate"))
    assert result.messages == () and result.migratable


def test_operation_ids_and_in_progress_without_http_status() -> None:
    started = answer("POST", "/networksecuritygroups/cliTestNSG5575/migration?comp=prepare")
    assert started["status"] == 202 and started["body"] == ""
    request_id = started["requestId"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    polls = [a for a in answers() if a["path"].endswith(f"/operations/{request_id}")]
    statuses = [parse_operation(parse_xml(p["body"].encode(), "op"), request_id) for p in polls]
    assert [s.status for s in statuses] == ["InProgress", "Succeeded"]
    in_progress, done = statuses
    assert in_progress.http_status_code is None and not in_progress.done
    assert done.http_status_code == 200 and done.succeeded
    dashed = "-".join(
        (request_id[:8], request_id[8:12], request_id[12:16], request_id[16:20], request_id[20:])
    )
    assert in_progress.request_id == dashed  # <ID> is the header's GUID with dashes


@pytest.mark.parametrize(
    ("path", "tag", "name"),
    [
        ("/reservedips/cliTestRip4731", "ReservedIP", "cliTestRip4731"),
        ("/networksecuritygroups/cliTestNSG5575?detaillevel=Full", "NetworkSecurityGroup", "cliTestNSG5575"),
        ("/routetables/cliTestRT8796?detailLevel=Full", "RouteTable", "cliTestRT8796"),
    ],
)
def test_reserved_ip_nsg_route_table_reads_carry_no_migration_state(path: str, tag: str, name: str) -> None:
    recorded = answer("GET", path)
    found, state = named_item_state(parse_xml(recorded["body"].encode(), "read"), tag, name)
    assert found and state is None
