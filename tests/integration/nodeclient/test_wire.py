"""Wire comparison: for each migration call, the request c2arm sends and the one Microsoft's Node
client sends, both captured by the emulator's request log, are the same — method, path, query,
`x-ms-version`, and the body after XML canonicalisation. And every path c2arm requests has a
Node-client call in `asm_call.js` (or is listed as unpinned in docs/fidelity.md)."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import canonicalize

import pytest

from cli.stack.emulator import Emulator
from connectors.asm import AsmClient
from connectors.asm.snapshot import read_estate
from tests.fixtures.connectors import Admin
from tests.integration.nodeclient.node import calls, node
from tests.integration.nodeclient.test_node_contract import KINDS, _args

# c2arm's request paths (under the subscription) -> the Node call that makes the same request
PINNED = {
    r"/services/hostedservices": "hostedservice.list",
    r"/services/hostedservices/[^/]+": "hostedservice.getDetailed",
    r"/services/hostedservices/[^/]+/deploymentslots/Production": "deployment.getBySlot",
    r"/services/hostedservices/[^/]+/deployments/[^/]+": "deployment.getByName",
    r"/services/hostedservices/[^/]+/certificates": "certificate.list",
    r"/services/hostedservices/[^/]+/deployments/[^/]+/migration": "deployment.validate",
    r"/services/disks": "disk.list",
    r"/services/images": "image.list",
    r"/services/networking/media": "network.configuration",
    r"/services/networking/virtualnetwork": "vnet.list",
    r"/services/networking/virtualnetwork/[^/]+/migration": "vnet.validate",
    r"/services/networking/virtualnetwork/[^/]+/subnets/[^/]+/networksecuritygroups": "nsg.getForSubnet",
    r"/services/networking/virtualnetwork/[^/]+/subnets/[^/]+/routetables": "routetable.getForSubnet",
    r"/services/networking/[^/]+/gateway": "gateway.get",
    r"/services/networking/[^/]+/gateway/connections": "gateway.listConnections",
    r"/services/networking/reservedips": "reservedip.list",
    r"/services/networking/reservedips/[^/]+": "reservedip.get",
    r"/services/networking/reservedips/[^/]+/migration": "reservedip.validate",
    r"/services/networking/networksecuritygroups": "nsg.list",
    r"/services/networking/networksecuritygroups/[^/]+": "nsg.get",
    r"/services/networking/networksecuritygroups/[^/]+/migration": "nsg.validate",
    r"/services/networking/routetables": "routetable.list",
    r"/services/networking/routetables/[^/]+": "routetable.getWithDetails",
    r"/services/networking/routetables/[^/]+/migration": "routetable.validate",
    r"/services/storageservices": "storage.list",
    r"/services/storageservices/[^/]+": "storage.get",
    r"/services/storageservices/[^/]+/migration": "storage.validate",
    r"/operations/[0-9a-f]{32}": "operation.status",
}
# No Microsoft client has these (the classic dedicated-circuit reads): docs/fidelity.md, "Unpinned".
UNPINNED = (r"/services/networking/dedicatedcircuits", r"/services/networking/dedicatedcircuits/[^/]+/vnets")


def _requests(admin: Admin) -> list[dict[str, Any]]:
    return [r for r in admin.requests() if not r["path"].startswith("/subscriptions/")]


def _under_subscription(path: str, emulator: Emulator) -> str:
    return path.split(f"/{emulator.subscription_id}", 1)[1] or "/"


def test_every_path_c2arm_requests_has_a_node_client_call(
    emulator: Emulator, asm: AsmClient, admin: Admin
) -> None:
    read_estate(asm)  # the snapshot's reads
    for _prefix, unit, _ in KINDS.values():
        asm.migration_state(unit)
        asm.validate(unit)
        request_id = asm.start_prepare(unit)
        asm.operation_status(request_id)
        asm.start_abort(unit)
    known = set(calls())
    for entry in _requests(admin):
        path = _under_subscription(entry["path"], emulator)
        pinned = [call for pattern, call in PINNED.items() if re.fullmatch(pattern, path)]
        if any(re.fullmatch(p, path) for p in UNPINNED):
            continue
        assert pinned, f"{entry['method']} {path}: no Node-client test pins this path"
        assert set(pinned) <= known, pinned


def _canonical(body: str) -> str:
    return canonicalize(body, strip_text=True) if body.strip() else ""


def _wire(entry: dict[str, Any], emulator: Emulator) -> tuple[Any, ...]:
    return (
        entry["method"],
        _under_subscription(entry["path"], emulator),
        entry["query"].lower(),
        entry["version"],
        _canonical(entry["body"]),
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_c2arm_sends_what_microsofts_client_sends(
    emulator: Emulator, asm: AsmClient, admin: Admin, kind: str
) -> None:
    prefix, unit, _ = KINDS[kind]
    ours, theirs = [], []
    for comp in ("validate", "prepare", "abort", "commit"):
        if comp == "commit":  # Node's abort undid c2arm's second prepare
            asm.start_prepare(unit)
        admin.call("DELETE", "requests")
        if comp == "validate":
            asm.validate(unit)
        else:
            getattr(asm, f"start_{comp}")(unit)
        ours += [e for e in _requests(admin) if e["path"].endswith("/migration")]
        if comp == "abort":  # prepared again for the commit that follows
            asm.start_prepare(unit)
        admin.call("DELETE", "requests")
        node(emulator, f"{prefix}.{comp}", *_args(kind, comp))
        theirs += [e for e in _requests(admin) if e["path"].endswith("/migration")]
    assert len(ours) == len(theirs) == 4
    for mine, microsoft in zip(ours, theirs, strict=True):
        assert _wire(mine, emulator) == _wire(microsoft, emulator)
