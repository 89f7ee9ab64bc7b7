"""The admin API (`/admin/…`, loopback only, `Authorization: Bearer <admin-token>`).

For tests, benchmarks and operators: inspect state, set and clear faults, reset, set operation
progress (immediate, timed, manual) and complete operations, read the request log, move an
ExpressRoute circuit to ARM, move platform time forward. Documented in docs/emulator.md.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from emulator import faults, ops, switches
from emulator.http import Call, Reply, Router, json_reply

router = Router()
LOG: deque[dict[str, Any]] = deque(maxlen=10000)
LOG_SEQ = [0]
MODES = ("immediate", "timed", "manual")


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def log_request(
    method: str,
    path: str,
    status: int,
    at: str,
    ms: float,
    query: str = "",
    version: str | None = None,
    body: bytes = b"",
) -> None:
    """One platform request; `query` keeps what the path alone does not say (`comp=validate` vs
    `prepare`), `version` the `x-ms-version` header and `body` the request body (first 4 KiB, as
    text): what a wire comparison with another client needs."""
    LOG_SEQ[0] += 1
    LOG.append(
        {
            "seq": LOG_SEQ[0],
            "method": method,
            "path": path,
            "query": query,
            "status": status,
            "time": at,
            "ms": round(ms, 3),
            "version": version,
            "body": body[:4096].decode("utf-8", "replace"),
        }
    )


def _json(call: Call) -> Any:
    if not call.body.strip():
        return {}
    try:
        return json.loads(call.body)
    except ValueError as exc:
        raise AdminError(400, f"body: not valid JSON: {exc}") from exc


def state(call: Call) -> Reply:
    p = call.platform
    return json_reply(
        200,
        {
            "subscriptionId": p.subscription,
            "platformTime": p.clock.iso(),
            "timeScale": p.clock.scale,
            "progress": p.controls.progress.to_json(),
            "settings": p.controls.settings.to_json(),
            "switches": switches.positions(p),
            "units": {u: r.to_json() for u, r in p.units.items()},
            "operations": [op.to_json() for op in p.ops.values()],
            "resourceGroups": sorted(g.name for g in p.groups.values()),
            "resourceCount": len(p.resources),
            "faults": p.controls.faults_json(),
            "estate": {
                k: [x["name"] for x in p.estate[k]]
                for k in (
                    "virtualNetworks",
                    "cloudServices",
                    "storageAccounts",
                    "reservedIps",
                    "networkSecurityGroups",
                    "routeTables",
                )
            },
        },
    )


def reset(call: Call) -> Reply:
    call.platform.controls.faults = []
    call.platform.controls.reset()
    call.platform.reset()
    return json_reply(200, {"reset": True}, mutated=True)


def get_faults(call: Call) -> Reply:
    return json_reply(200, {"faults": call.platform.controls.faults_json()})


def put_faults(call: Call) -> Reply:
    try:
        call.platform.controls.faults = faults.parse_faults(_json(call))
    except faults.FaultError as exc:
        raise AdminError(400, str(exc)) from exc
    return json_reply(200, {"faults": call.platform.controls.faults_json()}, mutated=True)


def add_fault(call: Call) -> Reply:
    try:
        fault = faults.validate_fault(_json(call), 0, len(call.platform.controls.faults) + 1)
    except faults.FaultError as exc:
        raise AdminError(400, str(exc)) from exc
    call.platform.controls.faults = [f for f in call.platform.controls.faults if f.id != fault.id] + [fault]
    return json_reply(201, fault.to_json(), mutated=True)


def clear_faults(call: Call) -> Reply:
    call.platform.controls.faults = []
    return json_reply(200, {"faults": []}, mutated=True)


def delete_fault(call: Call) -> Reply:
    before = len(call.platform.controls.faults)
    call.platform.controls.faults = [f for f in call.platform.controls.faults if f.id != call.params["id"]]
    if len(call.platform.controls.faults) == before:
        raise AdminError(404, f"fault {call.params['id']} does not exist")
    return json_reply(200, {"deleted": call.params["id"]}, mutated=True)


def set_progress(call: Call) -> Reply:
    body = _json(call)
    progress = call.platform.controls.progress
    mode = body.get("mode", progress.mode)
    if mode not in MODES:
        raise AdminError(400, f"mode: {mode!r} is not one of {', '.join(MODES)}")
    durations = body.get("durations") or {}
    if not isinstance(durations, dict) or any(
        not isinstance(v, int | float) or v < 0 for v in durations.values()
    ):
        raise AdminError(400, "durations: expected a mapping of operation kind to non-negative seconds")
    progress.mode = mode
    progress.durations.update(durations)
    if mode == "immediate":
        for op in call.platform.ops.values():
            if op.status == "InProgress":
                op.due = call.platform.clock.now()
        ops.advance(call.platform)
    return json_reply(200, progress.to_json(), mutated=True)


def list_operations(call: Call) -> Reply:
    return json_reply(200, {"operations": [op.to_json() for op in call.platform.ops.values()]})


def complete_operation(call: Call) -> Reply:
    op = call.platform.ops.get(call.params["id"])
    if op is None:
        raise AdminError(404, f"operation {call.params['id']} does not exist")
    body = _json(call)
    status = body.get("status", "Succeeded")
    if status not in ("Succeeded", "Failed"):
        raise AdminError(400, "status: must be Succeeded or Failed")
    if op.status != "InProgress":
        raise AdminError(409, f"operation {op.id} is already {op.status}")
    forced = {
        "status": status,
        "code": body.get("code") or "InternalError",
        "message": body.get("message") or "Internal server error",
    }
    ops.finish(call.platform, op, forced)
    return json_reply(200, op.to_json(), mutated=True)


def requests_log(call: Call) -> Reply:
    since = int(call.query.get("since", "0") or 0)
    return json_reply(200, {"requests": [r for r in LOG if r["seq"] > since], "last": LOG_SEQ[0]})


def clear_log(_call: Call) -> Reply:
    LOG.clear()
    return json_reply(200, {"requests": [], "last": LOG_SEQ[0]})


def move_circuit(call: Call) -> Reply:
    """Move-AzExpressRouteCircuit: the circuit stays classic and appears on the ARM side
    (`expressRouteCircuits` with its service key) in `resourceGroup` (default `ExpressRoute`)."""
    circuit = call.platform.find("expressRouteCircuits", call.params["name"])
    if circuit is None:
        raise AdminError(404, f"circuit {call.params['name']} does not exist")
    body = _json(call)
    group = body.get("resourceGroup") if isinstance(body, dict) else None
    if group is not None and (not isinstance(group, str) or not group.strip()):
        raise AdminError(400, "resourceGroup: must be a non-empty string")
    resource = call.platform.move_circuit(circuit, group)
    return json_reply(200, {**circuit, "armId": resource["id"]}, mutated=True)


def settings(call: Call) -> Reply:
    body = _json(call)
    if not isinstance(body, dict):
        raise AdminError(400, "body: expected a JSON object")
    if "switches" in body:  # the deviation switches (emulator/switches.py)
        try:
            switches.apply(call.platform, body["switches"])
        except switches.SwitchError as exc:
            raise AdminError(400, str(exc)) from exc
    size = body.get("armPageSize")
    if size is not None:
        if not isinstance(size, int) or size < 1:
            raise AdminError(400, "armPageSize: must be a positive integer")
        call.platform.controls.settings.arm_page_size = size
    domains = body.get("maxFaultDomains")
    if domains is not None:
        if not isinstance(domains, dict) or any(
            not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in domains.values()
        ):
            raise AdminError(400, "maxFaultDomains: expected a mapping of ARM location to a count >= 1")
        table = {k.lower().replace(" ", ""): n for k, n in domains.items()}
        call.platform.controls.settings.max_fault_domains = table
    return json_reply(200, call.platform.controls.settings.to_json(), mutated=True)


def clock(call: Call) -> Reply:
    body = _json(call)
    seconds = body.get("advance", 0)
    if not isinstance(seconds, int | float) or seconds < 0:
        raise AdminError(400, "advance: must be a non-negative number of seconds")
    call.platform.clock.advance(float(seconds))
    ops.advance(call.platform)
    return json_reply(200, {"platformTime": call.platform.clock.iso()}, mutated=True)


router.add("GET", "/admin/state", state)
router.add("POST", "/admin/reset", reset)
router.add("GET", "/admin/faults", get_faults)
router.add("PUT", "/admin/faults", put_faults)
router.add("POST", "/admin/faults", add_fault)
router.add("DELETE", "/admin/faults", clear_faults)
router.add("DELETE", "/admin/faults/{id}", delete_fault)
router.add("PUT", "/admin/progress", set_progress)
router.add("GET", "/admin/operations", list_operations)
router.add("POST", "/admin/operations/{id}/complete", complete_operation)
router.add("GET", "/admin/requests", requests_log)
router.add("DELETE", "/admin/requests", clear_log)
router.add("POST", "/admin/circuits/{name}/move", move_circuit)
router.add("PUT", "/admin/settings", settings)
router.add("POST", "/admin/clock", clock)
