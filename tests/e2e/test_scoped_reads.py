"""One small unit's dry run reads its neighbourhood, not the subscription: on a generated estate of
~300 cloud services the dry run of `vnet-tiny` (two services of one VM each) costs at most 60
classic GETs (operation polls not counted), and the same number on an estate a fifth that size.

Each stack first runs a dry run of another VNet: the subscription's first snapshot reads it in
full once and writes the inventory the later scoped snapshots use (`migration.neighbourhood`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.scale_estate import scale_estate
from tests.e2e.conftest import APPROVER, Stack, running_stack, wait_phase

pytestmark = pytest.mark.e2e
LIMIT = 60
SETTINGS = {
    "APPROVERS": APPROVER,
    "AZURE_REQUESTS_PER_SECOND": "500",
    "AZURE_REQUESTS_BURST": "500",
}


def _dry_run(stack: Stack, request_id: str, vnet: str) -> None:
    body = {
        "requestId": request_id,
        "subscriptionId": stack.info["subscriptionId"],
        "dryRun": True,
        "unit": {"kind": "virtualNetwork", "name": vnet},
    }
    with stack.client(principal="ops@contoso.com") as client:
        assert client.post("/api/migrations", json=body).status_code == 202
    doc = wait_phase(stack, request_id, {"Aborted", "Failed", "NotMigratable", "NeedsSupport"}, timeout=240)
    assert doc["phase"] == "Aborted", (doc.get("error"), doc["findings"][:5])


def _classic_gets(stack: Stack) -> list[str]:
    with stack.emulator() as admin:
        rows = admin.get("/admin/requests").json()["requests"]
    classic = [
        r["path"]
        for r in rows
        if r["method"] == "GET" and not r["path"].startswith(("/admin", "/subscriptions"))
    ]
    return [path for path in classic if "/operations/" not in path]


def _tiny_dry_run_reads(base: Path, services: int) -> tuple[int, list[str]]:
    base.mkdir(parents=True, exist_ok=True)
    path = base / "estate.yaml"
    path.write_text(yaml.safe_dump(scale_estate(services, roles_per_service=2, spares=5), sort_keys=False))
    with running_stack(base / "stack", SETTINGS, path, time_scale=60) as stack:
        _dry_run(stack, "first", "vnet-000")  # the subscription's first snapshot: full, writes the inventory
        with stack.emulator() as admin:
            admin.delete("/admin/requests").raise_for_status()
        _dry_run(stack, "tiny", "vnet-tiny")
        paths = _classic_gets(stack)
    return len(paths), paths


def test_a_small_units_dry_run_reads_do_not_grow_with_the_estate(tmp_path: Path) -> None:
    small, small_paths = _tiny_dry_run_reads(tmp_path / "small", 60)
    large, large_paths = _tiny_dry_run_reads(tmp_path / "large", 300)
    print(f"vnet-tiny dry run: {small} classic GETs on ~60 services, {large} on ~300")
    assert large <= LIMIT, large_paths
    assert large == small, (
        sorted(set(large_paths) - set(small_paths)),
        sorted(set(small_paths) - set(large_paths)),
    )
