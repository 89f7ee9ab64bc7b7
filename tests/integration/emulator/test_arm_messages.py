"""The emulated ARM side's messages (emulator/arm/messages.py) that no other test spells, each
asked for over HTTP as a client would meet it, word for word (docs/fidelity.md, "Every message").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cli.stack.emulator import Emulator
from tests.integration.emulator.helpers import Admin, Asm, tls, x

NW = "/services/networking"
API = {"api-version": "2024-07-01"}
SET = "resourceGroups/vnet-prod-Migrated/providers/Microsoft.Compute/availabilitySets/as-web"
VM = "resourceGroups/vnet-prod-Migrated/providers/Microsoft.Compute/virtualMachines"


class Arm:
    """ARM over httpx; a context manager closes its connections."""

    def __enter__(self) -> Arm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def __init__(self, emu: Emulator) -> None:
        self.http = httpx.Client(
            base_url=f"{emu.url}/subscriptions/{emu.subscription_id}/",
            verify=tls(emu),
            headers={"Authorization": "Bearer t"},
            params=API,
            timeout=10,
        )

    def error(self, method: str, path: str, status: int, **kw: Any) -> tuple[str, str]:
        response = self.http.request(method, path, **kw)
        assert response.status_code == status, response.text
        body = response.json()["error"]
        return body["code"], body["message"]


@pytest.fixture
def arm(asm: Asm, emu: Emulator) -> Iterator[Arm]:
    for comp in ("prepare", "commit"):
        assert asm.run(f"{NW}/virtualnetwork/vnet-prod", comp).findtext(x("Status")) == "Succeeded"
    client = Arm(emu)
    yield client
    client.http.close()


def test_reads_and_refused_writes(arm: Arm) -> None:
    assert arm.error("GET", "resourcegroups/nope", 404) == (
        "ResourceGroupNotFound",
        "Resource group 'nope' could not be found.",
    )
    assert arm.error("GET", "resourcegroups", 400, params={**API, "$top": "x"}) == (
        "InvalidParameter",
        "$skiptoken and $top must be integers.",
    )
    deep = "resourceGroups/vnet-prod-Migrated/providers/Microsoft.Network/virtualNetworks/vnet-prod"
    deep += "/subnets/web/a/b"
    code, message = arm.error("GET", deep, 400)
    assert (
        code == "InvalidResourceType"
        and message.startswith("The resource path '")
        and message.endswith("' is not supported by the emulator.")
    )
    code, message = arm.error("PUT", "resourcegroups/x", 405, json={})
    assert (code, message.split("/resourcegroups/x")[-1]) == (
        "MethodNotAllowed",
        " is not supported (resources are created by the platform's prepare).",
    )
    assert message.startswith("The emulator's ARM side is read-only: PUT /subscriptions/")
    assert arm.error("GET", "providers/Microsoft.Compute/locations/westeurope/operations/nope", 404) == (
        "NotFound",
        "The operation 'nope' was not found.",
    )


def test_vm_actions_refused(arm: Arm, admin: Admin) -> None:
    assert arm.error("POST", f"{VM}/shop-sql1/restart", 404) == (
        "InvalidResourceType",
        "The action 'restart' is not supported.",
    )
    assert arm.error("POST", f"{VM}/shop-sql1/convertToManagedDisks", 409) == (
        "OperationNotAllowed",
        "Operation 'convertToManagedDisks' is not allowed on VM 'shop-sql1' since the VM is running. "
        "Deallocate the VM and retry.",
    )
    assert arm.http.post(f"{VM}/shop-web1/deallocate").status_code == 202
    assert arm.error("POST", f"{VM}/shop-web1/convertToManagedDisks", 409) == (
        "OperationNotAllowed",
        "Operation 'convertToManagedDisks' is not allowed on VM 'shop-web1' since its availability set "
        "'as-web' is not on the 'Aligned' SKU. Align the set first.",
    )
    admin.put("/progress", json={"mode": "manual"})
    assert arm.http.post(f"{VM}/nva1/deallocate").status_code == 202
    assert arm.error("POST", f"{VM}/nva1/start", 409) == (
        "OperationNotAllowed",
        "Operation 'start' is not allowed on VM 'nva1' since another operation is in progress on it.",
    )


def test_availability_set_updates_refused(arm: Arm) -> None:
    assert arm.error("PATCH", SET, 400, content=b"{") == (
        "InvalidRequestContent",
        "The request content is not valid JSON.",
    )
    assert arm.error("PATCH", SET, 400, content=b"[]") == (
        "InvalidRequestContent",
        "The request content must be a JSON object.",
    )
    assert arm.error("PATCH", SET, 400, json={"sku": {"name": "Bogus"}}) == (
        "InvalidParameter",
        "The value 'Bogus' of parameter 'sku.name' is not one of Aligned, Classic.",
    )
    assert arm.http.patch(SET, json={"sku": {"name": "Aligned"}}).status_code == 200
    assert arm.error("PATCH", SET, 409, json={"sku": {"name": "Classic"}}) == (
        "OperationNotAllowed",
        "Availability set 'as-web' is Aligned and cannot be changed back to Classic.",
    )


def test_a_conversion_whose_vm_was_deleted_fails(asm: Asm, emu: Emulator, admin: Admin) -> None:
    """The VM's ARM side is deleted (the unit aborted) while its conversion runs."""
    vnet = f"{NW}/virtualnetwork/vnet-prod"
    assert asm.run(vnet, "prepare").findtext(x("Status")) == "Succeeded"
    with Arm(emu) as arm:
        assert arm.http.post(f"{VM}/nva1/deallocate").status_code == 202
        admin.put("/progress", json={"mode": "manual"})
        started = arm.http.post(f"{VM}/nva1/convertToManagedDisks")
        assert started.status_code == 202
        convert = started.headers["Azure-AsyncOperation"].split("/operations/")[1].split("?")[0]
        abort = asm.migrate(vnet, "abort").headers["x-ms-request-id"]
        admin.post(f"/operations/{abort}/complete", json={"status": "Succeeded"})
        admin.post(f"/operations/{convert}/complete", json={"status": "Succeeded"})
        op = next(o for o in admin.get("/operations")["operations"] if o["id"] == convert)
        assert (op["status"], op["error"]) == (
            "Failed",
            {"code": "NotFound", "message": "The virtual machine was deleted while it was being converted."},
        )
