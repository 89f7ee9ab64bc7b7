"""Connector benchmark against the emulator (realistic estate): how long a full classic snapshot
(`read_estate`) takes, parsed-deployment reads per second, validate latency, a whole
prepare → status → state cycle, and reading a `-Migrated` group through the ARM SDKs.
Prints figures; asserts nothing.

    .venv/bin/python bench/connectors.py [--runs 20]
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli.stack.emulator import start_emulator
from connectors.arm import ArmReader
from connectors.asm import AsmClient
from connectors.asm.snapshot import read_estate
from connectors.asm.xml_deployment import parse_deployment
from connectors.cloud import AzureSettings
from connectors.connection import Connection
from connectors.ratelimit import RateLimiter
from migration.requests import Unit

ESTATE = Path(__file__).resolve().parents[1] / "examples" / "estates" / "realistic.yaml"


def timed(runs: int, fn: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"{name:<44} median {statistics.median(samples):8.2f} ms   p95 {p95:8.2f} ms   n={len(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="bench-connectors-"))
    emulator = start_emulator(ESTATE, state, state / "emulator.log")
    try:
        settings = AzureSettings.from_env(
            {
                "ASM_ENDPOINT": emulator.url,
                "ARM_ENDPOINT": emulator.url,
                "AZURE_CA_BUNDLE": str(emulator.ca_file),
                "ASM_AUTH": "token",
                "AZURE_ACCESS_TOKEN": "bench",
            }
        )
        limiter = RateLimiter(100000, 100000)  # measure the client, not the throttle
        admin = httpx.Client(
            verify=ssl.create_default_context(cafile=str(emulator.ca_file)),
            headers={"Authorization": f"Bearer {emulator.admin_token}"},
        )
        admin.put(f"{emulator.url}/admin/progress", json={"mode": "immediate"}).raise_for_status()
        with AsmClient.connect(Connection(settings, emulator.subscription_id, limiter=limiter)) as asm:
            report("read_estate (whole subscription)", timed(args.runs, lambda: read_estate(asm)))
            samples = timed(
                args.runs * 10,
                lambda: parse_deployment(
                    asm.get_deployment("shop-cs", "shop-prod"),
                    {"shop-web1-os": 127, "shop-web2-os": 127, "shop-sql1-os": 127},
                ),
            )
            report("GET + parse deployment (3 roles)", samples)
            print(f"{'':<44} = {1000 / statistics.median(samples):8.1f} deployments/s (sequential)")
            unit = Unit(kind="virtualNetwork", name="vnet-prod")
            report("validate virtualNetwork/vnet-prod", timed(args.runs, lambda: asm.validate(unit)))

            def cycle() -> None:
                admin.post(f"{emulator.url}/admin/reset").raise_for_status()
                admin.put(f"{emulator.url}/admin/progress", json={"mode": "immediate"}).raise_for_status()
                started = asm.prepare_unless_prepared(unit)
                asm.operation_status(started.request_id)
                asm.migration_state(unit)

            report("prepare + status + state (vnet-prod)", timed(max(3, args.runs // 4), cycle))
        with ArmReader.connect(Connection(settings, emulator.subscription_id, limiter=limiter)) as arm:
            count = len(arm.migrated_resources("vnet-prod"))
            report(
                f"ARM read vnet-prod-Migrated ({count} resources)",
                timed(max(3, args.runs // 4), lambda: arm.migrated_resources("vnet-prod")),
            )
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
