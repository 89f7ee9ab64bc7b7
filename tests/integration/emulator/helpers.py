"""Small real clients for the emulator tests: httpx for ASM XML and the admin API."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
from defusedxml import ElementTree as SafeET

from cli.stack.emulator import Emulator, start_emulator
from connectors.closing import Closing
from tests.polling import wait_for

NS = "{http://schemas.microsoft.com/windowsazure}"
REPO_ROOT = Path(__file__).resolve().parents[3]
ESTATES = REPO_ROOT / "examples" / "estates"


def x(tag: str) -> str:
    """`a/b` → namespaced path for ElementTree."""
    return "/".join(NS + part for part in tag.split("/"))


def tls(emulator: Emulator, cert: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    """Trust the emulator's CA (and present a client certificate when given)."""
    ctx = ssl.create_default_context(cafile=str(emulator.ca_file))
    if cert:
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


class Asm(Closing):
    """ASM over httpx, as the app's connector talks to it (bearer token + x-ms-version); a context
    manager (or `close()`) closes its connections."""

    def __init__(self, emulator: Emulator, cert: tuple[Path, Path] | None = None) -> None:
        self.emulator = emulator
        headers = {"x-ms-version": "2017-01-01"}
        if cert is None:
            headers["Authorization"] = "Bearer test-token"
        self.http = httpx.Client(
            base_url=f"{emulator.url}/{emulator.subscription_id}",
            verify=tls(emulator, cert),
            headers=headers,
            timeout=10,
        )

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, status: int = 200) -> Any:
        response = self.http.get(path)
        assert response.status_code == status, (path, response.status_code, response.text)
        return SafeET.fromstring(response.content)

    def migrate(self, path: str, comp: str, body: str | None = None) -> httpx.Response:
        return self.http.post(
            f"{path}/migration",
            params={"comp": comp},
            content=body or "",
            headers={"Content-Type": "application/xml"},
        )

    def wait(self, op_id: str, timeout: float = 10.0) -> Any:
        """The Operation once it is no longer `InProgress` (fails after `timeout` s)."""
        return wait_for(
            lambda: self.get(f"/operations/{op_id}"),
            timeout,
            f"operation {op_id} to finish",
            interval=0.02,
            until=lambda op: op.findtext(x("Status")) != "InProgress",
        )

    def run(self, path: str, comp: str, body: str | None = None) -> Any:
        """Start an async migration step and wait for its operation; return the Operation."""
        response = self.migrate(path, comp, body)
        assert response.status_code == 202, (path, comp, response.status_code, response.text)
        return self.wait(response.headers["x-ms-request-id"])

    def messages(
        self, path: str, body: str | None = None, information: bool = False
    ) -> list[tuple[str, str]]:
        """`(category, message)` of validate's messages; the `Information` ones (what a passing
        validate will migrate) only with `information=True`."""
        response = self.migrate(path, "validate", body)
        assert response.status_code == 200, response.text
        root = SafeET.fromstring(response.content)
        return [
            (m.findtext(x("Category")), m.findtext(x("Message")))
            for m in root.findall(x("ValidationMessage"))
            if information or m.findtext(x("Category")) != "Information"
        ]


class Admin(Closing):
    """The emulator's admin API over httpx; a context manager (or `close()`) closes its connections."""

    def __init__(self, emulator: Emulator) -> None:
        self.http = httpx.Client(
            base_url=f"{emulator.url}/admin",
            verify=tls(emulator),
            headers={"Authorization": f"Bearer {emulator.admin_token}"},
            timeout=10,
        )

    def close(self) -> None:
        self.http.close()

    def __getattr__(self, method: str) -> Any:
        """`admin.get(path)`, `admin.post(path, json=…)`: the HTTP method by its name."""

        def call(path: str, status: int | None = 200, **kw: Any) -> Any:
            response = self.http.request(method.upper(), path, **kw)
            if status is not None:
                assert response.status_code == status, (path, response.status_code, response.text)
            return response.json()

        return call


def platform_state(emulator: Emulator) -> Any:
    """The emulator's state as its admin API shows it (`GET /admin/state`)."""
    with Admin(emulator) as admin:
        return admin.get("/state")


def immediate(emulator: Emulator) -> None:
    """Operations complete at once (`PUT /admin/progress`)."""
    with Admin(emulator) as admin:
        admin.put("/progress", json={"mode": "immediate"})


def error_of(response: httpx.Response) -> tuple[str | None, str | None]:
    root = SafeET.fromstring(response.content)
    assert root.tag == NS + "Error", response.text
    return root.findtext(x("Code")), root.findtext(x("Message"))


def start(tmp: Path, estate: str | Path = "small.yaml", **kw: Any) -> Emulator:
    path = estate if isinstance(estate, Path) else ESTATES / estate
    return start_emulator(path, tmp, tmp / "emulator.log", **kw)


DNR_NEW = (
    '<DeploymentNetworkResource xmlns="http://schemas.microsoft.com/windowsazure"><ResourceGroupName/>'
    "<VirtualNetworkName/><SubNetName/><DestinationVirtualNetwork>New</DestinationVirtualNetwork>"
    "</DeploymentNetworkResource>"
)


def dnr(mode: str, group: str = "", vnet: str = "", subnet: str = "") -> str:
    return (
        f'<DeploymentNetworkResource xmlns="http://schemas.microsoft.com/windowsazure"><ResourceGroupName>{group}</ResourceGroupName>'
        f"<VirtualNetworkName>{vnet}</VirtualNetworkName><SubNetName>{subnet}</SubNetName>"
        f"<DestinationVirtualNetwork>{mode}</DestinationVirtualNetwork></DeploymentNetworkResource>"
    )
