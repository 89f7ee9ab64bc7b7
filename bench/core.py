"""Benchmark of the pure core: precheck + plan + expected ARM + comparison on generated estates.

Run: `.venv/bin/python bench/core.py [ROLES ...]` (default 1000 5000 20000). Prints seconds per
step and the total per size, and the growth 20,000 / 5,000 (goal: 5,000 roles under 2 s on one
core; growth within 4.5×, i.e. linear). Loading the YAML (`load_estate`: libyaml parsing, the
tree built without PyYAML's per-node constructors, then the model and reference checks) is timed
separately, since it is not part of the goal; its figures and growth are printed too. Each size
runs three times and the fastest run is shown; the times are CPU time of this process
(`time.process_time`, so other work on a shared machine does not count as ours, although it
still slows ours through shared caches: run it on a quiet machine); the loaded estate is frozen
out of the garbage collector's scans (`gc.freeze()`), as it would be in a long-lived worker, so
the figures measure the core's work. Each size runs in a fresh interpreter (`--one ROLES` prints
one size's figures as JSON). With 20,000 in the sizes it also measures the same 20,000 roles as
four separate 5,000-role estates (`--quarters 20000`): a 5,000-role estate measured three times
in a row stays partly in the CPU's caches and a 20,000-role one cannot, so this line separates
what grows with the work from what grows with the working set.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as `python bench/core.py` too

from bench.estate_parts import HTTP_RULE, blob, web_vm
from migration.arm import compare, expected_by_unit
from migration.estate import Estate, dump_estate_yaml, load_estate
from migration.planner import plan
from migration.prechecks import run_prechecks

ROLES_PER_SERVICE = 4
SERVICES_PER_VNET = 10
ROLES_PER_ACCOUNT = 100


def generate(roles: int) -> dict[str, Any]:
    """An estate of about `roles` VMs: VNets of 10 services × 4 VMs, a fifth of the services
    outside any VNet, load-balanced endpoints, NAT endpoints, data disks, extensions."""
    services = max(1, roles // ROLES_PER_SERVICE)
    accounts = max(1, roles // ROLES_PER_ACCOUNT)
    vnet_services = services - services // 5
    vnets = max(1, -(-vnet_services // SERVICES_PER_VNET))
    raw: dict[str, Any] = {
        "version": 1,
        "subscriptionId": "00000000-0000-0000-0000-0000000000b1",
        "virtualNetworks": [
            {
                "name": f"vnet{v}",
                "addressSpace": ["10.0.0.0/16"],
                "subnets": [
                    {"name": f"s{i}", "prefix": f"10.0.{i}.0/24", "networkSecurityGroup": "nsg-web"}
                    for i in range(SERVICES_PER_VNET)
                ],
            }
            for v in range(vnets)
        ],
        "networkSecurityGroups": [{"name": "nsg-web", "rules": [HTTP_RULE]}],
        "storageAccounts": [{"name": f"st{a}"} for a in range(accounts)],
        "cloudServices": [],
    }
    n = 0
    for s in range(services):
        in_vnet = s < vnet_services
        slot = s % SERVICES_PER_VNET
        role_list = []
        for r in range(ROLES_PER_SERVICE):
            account = f"st{n // ROLES_PER_ACCOUNT % accounts}"
            name = f"vm{n}"
            role = web_vm(name, account, f"as{s}", ssh_port=50000 + r)
            data = {"name": f"{name}-d0", "lun": 0, "sizeGB": 64, "blobSizeBytes": 64 * 2**30 + 512}
            role["dataDisks"] = [{**data, "mediaLink": blob(account, f"{name}-d0")}]
            role["extensions"] = [
                {"name": "CustomScript", "publisher": "Microsoft.Azure.Extensions", "version": "2.1"},
                {"name": "BGInfo", "publisher": "Microsoft.Compute", "version": "1.*", "xml": True},
            ]
            if in_vnet:
                role["subnets"] = [f"s{slot}"]
                role["staticIp"] = f"10.0.{slot}.{4 + r}"
            role_list.append(role)
            n += 1
        deployment: dict[str, Any] = {"name": f"d{s}", "roles": role_list}
        if in_vnet:
            deployment["virtualNetwork"] = f"vnet{s // SERVICES_PER_VNET}"
        raw["cloudServices"].append(
            {"name": f"cs{s}", "certificates": [{"thumbprint": f"{s:04X}"}], "deployment": deployment}
        )
    return raw


def measure(estate: Estate) -> dict[str, float]:
    times: dict[str, float] = {}
    t = time.process_time()
    report = run_prechecks(estate)
    times["precheck"] = time.process_time() - t
    t = time.process_time()
    plan(estate, concurrency=8)
    times["plan"] = time.process_time() - t
    t = time.process_time()
    expected = expected_by_unit(estate)
    times["expected"] = time.process_time() - t
    t = time.process_time()
    findings = 0
    for resources in expected.values():
        # the "actual" side: the same resources with one VM resized per unit, so work is real
        actual = list(resources)
        for i, r in enumerate(actual):
            if r.type == "Microsoft.Compute/virtualMachines":
                actual[i] = replace(r, properties={**r.properties, "vmSize": "Standard_D4"})
                break
        findings += len(compare(resources, actual))
    times["compare"] = time.process_time() - t
    times["total"] = sum(times.values())
    assert report.units and findings >= 0
    return times


def run_size(roles: int) -> dict[str, float]:
    """Load a generated estate of `roles` VMs and measure it (the fastest of three runs)."""
    text = dump_estate_yaml(Estate.model_validate(generate(roles)))
    t = time.process_time()
    estate = load_estate(text, "bench.yaml")
    load = time.process_time() - t
    del text
    # the loaded estate lives for the whole run: keep the collector from rescanning it on
    # every generation-2 pass (what a long-lived worker would see after its first run)
    gc.collect()
    gc.freeze()
    times = min((measure(estate) for _ in range(3)), key=lambda x: x["total"])
    gc.unfreeze()
    return {**times, "load": load, "units": len(run_prechecks(estate).units)}


def run_quarters(roles: int) -> float:
    """The same work as one estate of `roles` VMs, done as four separate estates of a quarter of
    it each (each measured right after the other, so none is still in the CPU's caches): the
    fastest of three totals. Linear code costs the same either way."""
    estates = [
        load_estate(dump_estate_yaml(Estate.model_validate(generate(roles // 4))), "q.yaml") for _ in range(4)
    ]
    gc.collect()
    gc.freeze()
    best = min(sum(measure(e)["total"] for e in estates) for _ in range(3))
    gc.unfreeze()
    return best


def _child(*args: str) -> Any:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(sizes: list[int]) -> None:
    columns = [("roles", 7), ("units", 6), ("load", 7), ("precheck", 9), ("plan", 7), ("expected", 9)]
    print(" ".join(f"{name:>{width}}" for name, width in [*columns, ("compare", 8), ("total", 7)]))
    totals: dict[int, float] = {}
    loads: dict[int, float] = {}
    for roles in sizes:
        # each size in a fresh interpreter: a big estate measured in a process that has already
        # loaded and freed smaller ones pays for that heap's history (measured: ~10 % at 20,000
        # roles), which is not the core's cost
        times = _child("--one", str(roles))
        totals[roles] = times["total"]
        loads[roles] = times["load"]
        print(
            f"{roles:>7} {int(times['units']):>6} {times['load']:>7.2f} {times['precheck']:>9.3f} "
            f"{times['plan']:>7.3f} {times['expected']:>9.3f} {times['compare']:>8.3f} {times['total']:>7.3f}"
        )
    if 5000 in totals:
        verdict = "meets" if totals[5000] < 2 else "MISSES"
        print(f"5,000 roles: {totals[5000]:.2f} s ({verdict} the 2 s goal)")
    if 5000 in totals and 20000 in totals:
        growth = totals[20000] / totals[5000]
        judged = "linear" if growth <= 4.5 else "WORSE than linear"
        print(f"growth 20,000 / 5,000: {growth:.2f}x ({judged}; goal ≤ 4.5x)")
        quarters = _child("--quarters", "20000")
        print(
            f"the same 20,000 roles as four separate 5,000-role estates: {quarters:.3f} s "
            f"({quarters / totals[5000]:.2f}x one 5,000-role estate measured repeatedly); as one "
            f"estate: {totals[20000]:.3f} s ({totals[20000] / quarters:.2f}x the four)"
        )
        print(
            f"YAML load (not in the goal): 5,000 roles {loads[5000]:.2f} s, 20,000 roles "
            f"{loads[20000]:.2f} s, growth {loads[20000] / loads[5000]:.2f}x"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_size(int(sys.argv[2]))))
    elif sys.argv[1:2] == ["--quarters"]:
        print(json.dumps(run_quarters(int(sys.argv[2]))))
    else:
        main([int(a) for a in sys.argv[1:]] or [1000, 5000, 20000])
