"""Workflow benchmarks: prints figures, asserts nothing.

1. Replay cost of `migrate_unit`: the whole happy path (request → Committed) driven through the
   real SDK by the replay harness with instant stand-in activities — episodes, history events,
   and milliseconds per episode (every episode replays the whole history, as the host does).
2. The local stack (`c2arm up` on the realistic estate, time scale 60): eight units submitted at
   once over HTTP; seconds of wall time until all await approval, until all are final after
   approval, and the platform calls the app made (from the emulator's request log).

Run: `.venv/bin/python bench/workflow.py` (about a minute).
"""

from __future__ import annotations

import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.signin import signed_in  # noqa: E402
from orchestrators.migrate_unit import migrate_unit  # noqa: E402
from tests.replay.workflow.harness import Harness, handle_of  # noqa: E402
from tests.replay.workflow.stand_ins import Platform, unit_input  # noqa: E402

UNITS = [
    ("routeTable", "rt-spare"),
    ("networkSecurityGroup", "nsg-spare"),
    ("reservedIp", "rip-spare"),
    ("storageAccount", "stdiag"),
    ("virtualNetwork", "vnet-prod"),
    ("cloudService", "api-cs"),
    ("virtualNetwork", "vnet-legacy"),
    ("cloudService", "paas-cs"),
]


def replay_cost(runs: int = 20) -> None:
    timings, episodes, events = [], 0, 0
    for _ in range(runs):
        h = Harness(handle_of(migrate_unit), unit_input(), Platform(ticks=4).activities(), instance_id="b")
        start = time.perf_counter()
        h.run({"Approval": [{"decision": "commit", "approver": "a", "comment": ""}]})
        timings.append(time.perf_counter() - start)
        episodes = sum(1 for e in h.history if e["EventType"] == 12)
        events = len(h.history)
    median = statistics.median(timings)
    per_episode = median / episodes * 1000
    print(
        f"replay: happy path = {episodes} episodes, {events} history events; "
        f"median {median * 1000:.1f} ms per run, {per_episode:.2f} ms per episode"
    )


def stack_throughput() -> None:
    import httpx

    from cli.stack.up import StackOptions, down, up

    with tempfile.TemporaryDirectory(prefix="c2arm-bench-") as tmp:
        base = Path(tmp)
        settings = {
            "APPROVERS": "bench@contoso.com",
            "AZURE_REQUESTS_PER_SECOND": "50",
            "AZURE_REQUESTS_BURST": "50",
        }
        t0 = time.perf_counter()
        info = up(
            StackOptions(
                estate=ROOT / "examples" / "estates" / "realistic.yaml",
                state_dir=base,
                settings=settings,
                time_scale=60,
            )
        )
        print(f"stack: c2arm up healthy in {time.perf_counter() - t0:.1f} s")
        try:
            headers = {
                "x-functions-key": info["functionKey"],
                **signed_in(info["appUrl"], "bench@contoso.com"),
            }
            with httpx.Client(base_url=info["appUrl"], headers=headers, timeout=30) as client:
                t1 = time.perf_counter()
                for i, (kind, name) in enumerate(UNITS):
                    body = {
                        "requestId": f"bench-{i}",
                        "subscriptionId": info["subscriptionId"],
                        "unit": {"kind": kind, "name": name},
                    }
                    client.post("/api/migrations", json=body).raise_for_status()

                def phases() -> dict[str, str]:
                    return {
                        f"bench-{i}": client.get(f"/api/migrations/bench-{i}").json()["phase"]
                        for i in range(len(UNITS))
                    }

                final = {"Committed", "Aborted", "NotMigratable", "Failed", "NeedsSupport"}
                now = phases()
                while not all(p in final | {"AwaitingApproval"} for p in now.values()):
                    time.sleep(0.1)
                    now = phases()
                t2 = time.perf_counter()
                waiting = [k for k, p in now.items() if p == "AwaitingApproval"]
                print(
                    f"stack: {len(UNITS)} units submitted at once: all decided or awaiting approval after "
                    f"{t2 - t1:.1f} s ({len(waiting)} awaiting, the rest final)"
                )
                for unit_id in waiting:
                    client.post(f"/api/migrations/{unit_id}/approve", json={}).raise_for_status()
                while not all(p in final for p in now.values()):
                    time.sleep(0.1)
                    now = phases()
                t3 = time.perf_counter()
                counts = {p: list(now.values()).count(p) for p in sorted(set(now.values()))}
                print(f"stack: approvals → all final in {t3 - t2:.1f} s; outcome {counts}")
            admin_headers = {"Authorization": f"Bearer {info['emulatorAdminToken']}"}
            verify = ssl.create_default_context(cafile=info["caFile"])
            with httpx.Client(
                base_url=info["emulatorUrl"], verify=verify, timeout=30, headers=admin_headers
            ) as admin:
                log = admin.get("/admin/requests").json()["requests"]
            platform = [r for r in log if not r["path"].startswith("/admin")]
            per_unit = len(platform) / len(UNITS)
            print(f"stack: {len(platform)} platform calls for {len(UNITS)} units ({per_unit:.0f} per unit)")
        finally:
            down(base)


if __name__ == "__main__":
    replay_cost()
    stack_throughput()
