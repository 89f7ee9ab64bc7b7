"""Emulator benchmark: start-up time for a generated 5,000-role estate, deployment GET/s and
ARM list/s (goals: start < 3 s, ≥ 500 GET/s on 2 cores). Prints figures; asserts nothing.

    .venv/bin/python bench/emulator.py [--roles 5000] [--seconds 5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate_parts import blob, web_vm
from cli.stack.emulator import start_emulator

SUB = "00000000-0000-0000-0000-0000000000b5"


def generate_estate(roles: int, per_service: int = 10, services_per_vnet: int = 10) -> dict:
    """A large, valid estate: VNets of cloud services of VMs, each VM with disks and endpoints."""
    services = max(1, roles // per_service)
    vnets = max(1, services // services_per_vnet)
    estate: dict = {
        "version": 1,
        "subscriptionId": SUB,
        "location": "West Europe",
        "virtualNetworks": [
            {
                "name": f"vnet-{v}",
                "addressSpace": [f"10.{v % 250}.0.0/16"],
                "subnets": [{"name": "app", "prefix": f"10.{v % 250}.0.0/20"}],
            }
            for v in range(vnets)
        ],
        "storageAccounts": [{"name": f"st{v}"} for v in range(vnets)],
        "cloudServices": [],
    }
    for s in range(services):
        v = s % vnets
        estate["cloudServices"].append(
            {
                "name": f"cs-{s}",
                "deployment": {
                    "name": f"dep-{s}",
                    "virtualNetwork": f"vnet-{v}",
                    "roles": [
                        {
                            **web_vm(f"vm-{s}-{r}", f"st{v}", f"as-{s}", ssh_port=50000 + r),
                            "subnets": ["app"],
                            "dataDisks": [
                                {
                                    "name": f"vm-{s}-{r}-d0",
                                    "lun": 0,
                                    "sizeGB": 128,
                                    "mediaLink": blob(f"st{v}", f"vm-{s}-{r}-d0"),
                                }
                            ],
                        }
                        for r in range(per_service)
                    ],
                },
            }
        )
    return estate


async def rate(
    url: str,
    headers: dict[str, str],
    ctx: ssl.SSLContext,
    seconds: float,
    concurrency: int,
    unique: bool = False,
) -> tuple[float, int]:
    """Requests per second of GET `url` with `concurrency` keep-alive clients for `seconds`.

    The client is aiohttp (lighter than httpx) because client and server share the 2 cores."""
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal done, errors
        while time.perf_counter() < deadline:
            target = f"{url}?n={done}" if unique else url  # a unique query defeats the response cache
            async with session.get(target, headers=headers) as response:
                await response.read()
                done += 1
                errors += response.status != 200

    connector = aiohttp.TCPConnector(ssl=ctx, limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(url, headers=headers) as response:  # warm up
            await response.read()
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return done / elapsed, errors


def server_ms(emulator_url: str, token: str, ctx: ssl.SSLContext, since: int) -> tuple[float, int]:
    """Mean server-side handling time (ms) of the requests logged after `since`, and the last seq."""
    with httpx.Client(verify=ctx) as client:
        body = client.get(
            f"{emulator_url}/admin/requests",
            params={"since": since},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
    entries = body["requests"]
    return (sum(e["ms"] for e in entries) / len(entries) if entries else 0.0), body["last"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        estate_path = base / "estate.json"
        estate_path.write_text(json.dumps(generate_estate(args.roles)))
        t0 = time.perf_counter()
        emulator = start_emulator(estate_path, base / "state", base / "emulator.log", reset=True)
        ctx = ssl.create_default_context(cafile=str(emulator.ca_file))
        asm = {"Authorization": "Bearer bench", "x-ms-version": "2017-01-01"}
        with httpx.Client(verify=ctx) as client:
            first = client.get(
                f"{emulator.url}/{SUB}/services/hostedservices/cs-0/deployments/dep-0", headers=asm
            )
            started = time.perf_counter() - t0
            assert first.status_code == 200, first.text
            client.put(
                f"{emulator.url}/admin/progress",
                json={"mode": "immediate"},
                headers={"Authorization": f"Bearer {emulator.admin_token}"},
            )
            t1 = time.perf_counter()
            r = client.post(
                f"{emulator.url}/{SUB}/services/networking/virtualnetwork/vnet-0/migration",
                params={"comp": "prepare"},
                headers=asm,
            )
            prepare_ms = (time.perf_counter() - t1) * 1000
            assert r.status_code == 202, r.text
        try:
            print(
                f"estate: {args.roles} roles in {len(generate_estate(args.roles)['cloudServices'])} cloud services"  # noqa: E501
            )
            print(f"start-up (process start → first deployment GET answered): {started:.2f} s (goal < 3 s)")
            print(f"prepare of one VNet (100 VMs, immediate progress, incl. state save): {prepare_ms:.0f} ms")
            _, last = server_ms(emulator.url, emulator.admin_token, ctx, 0)
            dep_url = f"{emulator.url}/{SUB}/services/hostedservices/cs-5/deployments/dep-5"
            per_s, errors = asyncio.run(rate(dep_url, asm, ctx, args.seconds, args.concurrency))
            ms, last = server_ms(emulator.url, emulator.admin_token, ctx, last)
            print(
                f"deployment GET (10 roles), cached: {per_s:.0f} requests/s, {errors} errors (goal ≥ 500/s); "
                f"server-side {ms:.3f} ms/request"
            )
            per_s, errors = asyncio.run(rate(dep_url, asm, ctx, args.seconds, args.concurrency, unique=True))
            ms, last = server_ms(emulator.url, emulator.admin_token, ctx, last)
            print(
                f"deployment GET, uncached (serialized every time): {per_s:.0f} requests/s, {errors} errors; "
                f"server-side {ms:.3f} ms/request"
            )
            arm_url = f"{emulator.url}/subscriptions/{SUB}/resourceGroups/vnet-0-Migrated/providers/Microsoft.Network/networkInterfaces"  # noqa: E501
            per_s, errors = asyncio.run(
                rate(arm_url, {"Authorization": "Bearer bench"}, ctx, args.seconds, args.concurrency)
            )
            ms, last = server_ms(emulator.url, emulator.admin_token, ctx, last)
            print(
                f"ARM list (100 NICs, one page): {per_s:.0f} requests/s, {errors} errors; server-side {ms:.3f} ms/request"  # noqa: E501
            )
            print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        finally:
            emulator.stop()


if __name__ == "__main__":
    main()
