"""The way classic estates are migrated today, as a baseline: one unit at a time, fixed 30 s polling.

Scripts around the classic SDK and the REST API (the pattern of Microsoft's own migration
samples) validate, prepare, sleep 30 s between polls of the operation, then commit and poll
again — unit after unit, in dependency order, with nobody checking anything in between. This
module does exactly that with plain httpx against the emulator's ASM API; the 30 s interval is
divided by the emulator's time scale, so both runs live on the same platform clock.

Run alone: `.venv/bin/python bench/baseline.py` is not meaningful without an emulator; it is
called by `bench/plan_vs_baseline.py`.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeET
import httpx

POLL_SECONDS = 30.0
PATHS = {
    "virtualNetwork": ("network", "/services/networking/virtualnetwork/{n}/migration"),
    "storageAccount": ("storage", "/services/storageservices/{n}/migration"),
    "reservedIp": ("network", "/services/networking/reservedips/{n}/migration"),
    "networkSecurityGroup": ("network", "/services/networking/networksecuritygroups/{n}/migration"),
    "routeTable": ("network", "/services/networking/routetables/{n}/migration"),
}
VERSIONS = {"compute": "2017-01-01", "network": "2016-07-01", "storage": "2016-03-01"}


@dataclass
class BaselineResult:
    seconds: float
    units: int
    failed: list[str]
    polls: int


def _status(client: httpx.Client, sub: str, request_id: str) -> str:
    answer = client.get(f"/{sub}/operations/{request_id}", headers={"x-ms-version": VERSIONS["compute"]})
    answer.raise_for_status()
    root = SafeET.fromstring(answer.content)
    return next((e.text or "" for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "Status"), "")


def run_baseline(
    url: str, ca_file: Path, sub: str, units: list[tuple[str, str]], time_scale: float
) -> BaselineResult:
    """Migrate `units` ((kind, name) in dependency order) one by one; the wall time and failures."""
    interval = POLL_SECONDS / time_scale
    failed: list[str] = []
    polls = 0
    started = time.monotonic()
    verify = ssl.create_default_context(cafile=str(ca_file))
    with httpx.Client(
        base_url=url, verify=verify, timeout=60, headers={"Authorization": "Bearer baseline-script"}
    ) as client:
        for kind, name in units:
            service, path = PATHS[kind]
            path = f"/{sub}" + path.format(n=name)
            headers = {"x-ms-version": VERSIONS[service]}
            ok = client.post(path, params={"comp": "validate"}, headers=headers).status_code == 200
            for comp in ("prepare", "commit"):
                if not ok:
                    break
                answer = client.post(path, params={"comp": comp}, headers=headers)
                if answer.status_code != 202:
                    ok = False
                    break
                request_id = answer.headers["x-ms-request-id"]
                while True:  # the scripts' fixed sleep-then-poll loop
                    time.sleep(interval)
                    polls += 1
                    state = _status(client, sub, request_id)
                    if state != "InProgress":
                        ok = state == "Succeeded"
                        break
            if not ok:
                failed.append(f"{kind}/{name}")
    return BaselineResult(time.monotonic() - started, len(units), failed, polls)
