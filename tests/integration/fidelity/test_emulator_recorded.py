"""The emulator answers as the real platform did: recorded requests replayed against it.

Each request recorded by the Azure CLI's tests (`recorded/xplat-cli-migration.json`) whose answer
does not depend on the recorded subscription's own resources — a missing unit (divergence 5 of
#14), the operation ids and poll shape (divergence 6) — is sent to the emulator, and the answer's
status, error code and message, or validation messages, must be the recorded ones.
"""

from __future__ import annotations

import re
import ssl
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree as SafeET

from cli.stack.emulator import Emulator
from tests.integration.fidelity.recorded import answers

NS = "{http://schemas.microsoft.com/windowsazure}"
MISSING = [a for a in answers() if "/123/" in a["path"] or a["path"].split("?")[0].endswith("/123/migration")]


def _client(emulator: Emulator, version: str = "2017-01-01") -> httpx.Client:
    tls = ssl.create_default_context(cafile=str(emulator.ca_file))
    return httpx.Client(
        base_url=f"{emulator.url}/{emulator.subscription_id}",
        verify=tls,
        headers={"Authorization": "Bearer recorded", "x-ms-version": version},
    )


def _shape(body: str) -> Any:
    """Error (code, message) or the validation messages' (type, name, category, message)."""
    root = SafeET.fromstring(body)
    if root.tag == f"{NS}Error":
        return root.findtext(f"{NS}Code"), root.findtext(f"{NS}Message")
    return [
        tuple(m.findtext(f"{NS}{t}") for t in ("ResourceType", "ResourceName", "Category", "Message"))
        for m in root.iter(f"{NS}ValidationMessage")
    ]


def test_every_missing_unit_answer_is_replayed() -> None:
    assert len(MISSING) == 12  # validate, prepare, commit, abort × deployment, storage, VNet


@pytest.mark.parametrize("recorded", MISSING, ids=lambda a: a["path"].split("/services/")[1])
def test_missing_units_answer_as_recorded(emulator: Emulator, recorded: dict[str, Any]) -> None:
    path = recorded["path"].replace("/{subscription}", "", 1)
    body = None
    if "/hostedservices/" in path and ("comp=validate" in path or "comp=prepare" in path):
        body = (
            '<DeploymentNetworkResource xmlns="http://schemas.microsoft.com/windowsazure">'
            "<ResourceGroupName></ResourceGroupName><VirtualNetworkName></VirtualNetworkName>"
            "<SubNetName></SubNetName><DestinationVirtualNetwork>New</DestinationVirtualNetwork>"
            "</DeploymentNetworkResource>"
        )
    with _client(emulator) as client:
        response = client.post(path, content=body, headers={"Content-Type": "application/xml"})
    assert response.status_code == recorded["status"], response.text
    assert _shape(response.text) == _shape(recorded["body"])


def test_operation_ids_and_in_progress_shape(emulator: Emulator, admin: Any) -> None:
    """`x-ms-request-id` is 32 hex digits, `<ID>` the same GUID with dashes, and an InProgress
    operation has no HttpStatusCode (recorded NSG prepare, 2016-09-14)."""
    admin.progress("manual")
    with _client(emulator, "2016-07-01") as client:
        started = client.post("/services/networking/networksecuritygroups/nsg-spare/migration?comp=prepare")
        assert started.status_code == 202
        request_id = started.headers["x-ms-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)
        poll = SafeET.fromstring(client.get(f"/operations/{request_id}").text)
        dashed = "-".join(
            (request_id[:8], request_id[8:12], request_id[12:16], request_id[16:20], request_id[20:])
        )
        assert poll.findtext(f"{NS}ID") == dashed
        assert poll.findtext(f"{NS}Status") == "InProgress" and poll.find(f"{NS}HttpStatusCode") is None
        admin.call("POST", f"operations/{request_id}/complete", {"status": "Succeeded"})
        done = SafeET.fromstring(client.get(f"/operations/{request_id}").text)
        assert (done.findtext(f"{NS}Status"), done.findtext(f"{NS}HttpStatusCode")) == ("Succeeded", "200")
        assert re.fullmatch(
            r"[0-9a-f]{32}", client.get("/services/networking/reservedips").headers["x-ms-request-id"]
        )
