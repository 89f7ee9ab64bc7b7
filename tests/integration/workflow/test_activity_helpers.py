"""The activities' pure helpers: redaction, the unit's part of a snapshot, report extras, probes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from activities.check import probe
from activities.snapshot import REDACTED, redact, unit_part
from activities.write_report import _dropped, _scopes

ESTATE = {
    "virtualNetworks": [{"name": "v1"}, {"name": "v2"}],
    "cloudServices": [
        {
            "name": "in-v1",
            "alerts": 2,
            "deployment": {
                "virtualNetwork": "v1",
                "roles": [
                    {
                        "name": "r1",
                        "extensions": [{"name": "BGInfo", "xml": True}, {"name": "Custom", "xml": False}],
                    }
                ],
            },
        },
        {"name": "alone", "deployment": {"roles": []}},
    ],
    "rbac": [{"principal": "a", "role": "Reader", "scope": "cloudService/in-v1"}],
}


def test_redact_replaces_secret_keys_anywhere() -> None:
    doc = {
        "a": {"protectedSettings": "x", "list": [{"Password": "p", "ok": 1}]},
        "certificateData": "c",
        "n": 1,
    }
    assert redact(doc) == {
        "a": {"protectedSettings": REDACTED, "list": [{"Password": REDACTED, "ok": 1}]},
        "certificateData": REDACTED,
        "n": 1,
    }


def test_unit_part_of_a_vnet_includes_its_cloud_services() -> None:
    part = unit_part(ESTATE, {"kind": "virtualNetwork", "name": "v1"})
    assert part == {"virtualNetworks": [{"name": "v1"}], "cloudServices": [ESTATE["cloudServices"][0]]}
    assert unit_part(ESTATE, {"kind": "cloudService", "name": "nope"}) == {"cloudServices": []}


def test_report_scopes_and_dropped() -> None:
    unit = {"kind": "virtualNetwork", "name": "v1"}
    assert _scopes(unit, ESTATE) == {"virtualNetwork/v1", "cloudService/in-v1"}
    assert _dropped(unit, ESTATE) == [
        "cloudService/in-v1: 2 alerts setting(s)",
        "in-v1/r1: XML extension BGInfo",
    ]
    assert _dropped({"kind": "virtualNetwork", "name": "v2"}, ESTATE) == []


@pytest.fixture
def health_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health" else 503)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_probes_answer_findings_only_when_wrong(health_server: str) -> None:
    assert probe(f"{health_server}/health", 200, 2) is None
    wrong = probe(f"{health_server}/down", 200, 2)
    assert wrong and wrong["actual"] == 503 and wrong["code"] == "probe.status"
    with socket_closed() as url:
        unreachable = probe(url, 200, 1)
    assert unreachable and unreachable["code"] == "probe.unreachable" and unreachable["actual"] is None


class socket_closed:
    """A loopback URL nobody listens on."""

    def __enter__(self) -> str:
        from cli.stack.processes import free_port

        return f"http://127.0.0.1:{free_port()}/x"

    def __exit__(self, *exc: object) -> None:
        return None
