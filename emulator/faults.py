"""Injected faults: transient errors, throttling, failed or slow operations, and deviations.

A fault is `{"id", "match": {...}, "probability", "count", "action": {...}}` (a `Fault` record
once checked, `emulator/records.py`); the format is in docs/emulator.md. Request faults (`error`,
`throttle`, `delay`) act before routing; operation faults (`operationFailed`, `slowOperation`)
when an operation starts; `deviation` faults when a prepare completes, so the ARM side differs
from the translation on purpose.
"""

from __future__ import annotations

import collections
import fnmatch
import random
import time
from typing import Any

from emulator.records import Fault
from emulator.state import Platform

REQUEST_ACTIONS = ("error", "throttle", "delay")
OPERATION_ACTIONS = ("operationFailed", "slowOperation")
DEVIATIONS = ("missingNatRule", "probePort", "droppedExtension", "nicIp", "missingResource")
ACTIONS = (*REQUEST_ACTIONS, *OPERATION_ACTIONS, "deviation")
# a throttle's window counts real seconds (what a platform's rate limit counts, so a time-scaled
# stack is throttled as the real one would be), or platform seconds: with a nearly stopped
# platform clock (a tiny --time-scale) moved on only by `POST /admin/clock`, a test decides
# exactly which requests fall in one window
THROTTLE_CLOCKS = ("real", "platform")
MATCH_KEYS = ("method", "path", "api", "unit", "operation")


class FaultError(ValueError):
    """A fault definition is malformed; the message names the field."""


def validate_fault(raw: Any, index: int, seq: int) -> Fault:
    """Check one fault definition and fill its defaults (`FaultError` names the bad field)."""
    where = f"faults[{index}]"
    if not isinstance(raw, dict):
        raise FaultError(f"{where}: expected a mapping")
    unknown = set(raw) - {"id", "match", "probability", "count", "action"}
    if unknown:
        raise FaultError(f"{where}.{sorted(unknown)[0]}: unknown key")
    match = raw.get("match") or {}
    if not isinstance(match, dict) or set(match) - set(MATCH_KEYS):
        raise FaultError(f"{where}.match: keys must be among {', '.join(MATCH_KEYS)}")
    action = raw.get("action")
    if not isinstance(action, dict) or action.get("type") not in ACTIONS:
        raise FaultError(f"{where}.action.type: must be one of {', '.join(ACTIONS)}")
    kind = action["type"]
    if kind == "error" and int(action.get("status", 500)) not in range(400, 600):
        raise FaultError(f"{where}.action.status: must be an HTTP error status")
    if kind == "throttle" and int(action.get("limit", 0)) < 1:
        raise FaultError(f"{where}.action.limit: must be >= 1 request per window")
    if kind == "throttle" and action.get("clock", "real") not in THROTTLE_CLOCKS:
        raise FaultError(f"{where}.action.clock: must be one of {', '.join(THROTTLE_CLOCKS)}")
    if kind == "deviation" and action.get("kind") not in DEVIATIONS:
        raise FaultError(f"{where}.action.kind: must be one of {', '.join(DEVIATIONS)}")
    probability = raw.get("probability", 1.0)
    if not isinstance(probability, int | float) or not 0 <= probability <= 1:
        raise FaultError(f"{where}.probability: must be between 0 and 1")
    count = raw.get("count")
    if count is not None and (not isinstance(count, int) or count < 0):
        raise FaultError(f"{where}.count: must be a non-negative integer")
    return Fault(
        id=str(raw.get("id") or f"fault-{seq}"),
        match=dict(match),
        probability=float(probability),
        count=count,
        action=dict(action),
    )


def parse_faults(raw: Any, start_seq: int = 0) -> list[Fault]:
    items = raw.get("faults", []) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise FaultError("faults: expected a list")
    return [validate_fault(item, i, start_seq + i + 1) for i, item in enumerate(items)]


def _matches(fault: Fault, ctx: dict[str, str | None]) -> bool:
    m = fault.match
    if "method" in m and (ctx.get("method") or "").upper() != str(m["method"]).upper():
        return False
    if "path" in m and not fnmatch.fnmatch((ctx.get("path") or "").lower(), str(m["path"]).lower()):
        return False
    if "api" in m and ctx.get("api") != m["api"]:
        return False
    if "unit" in m and not fnmatch.fnmatch(ctx.get("unit") or "", str(m["unit"])):
        return False
    return not ("operation" in m and (ctx.get("operation") or "").lower() != str(m["operation"]).lower())


def _fire(fault: Fault) -> bool:
    if fault.count is not None and fault.fired >= fault.count:
        return False
    if fault.probability < 1 and random.random() >= fault.probability:
        return False
    fault.fired += 1
    return True


_windows: dict[tuple[str, str], collections.deque[float]] = {}


def request_fault(platform: Platform, ctx: dict[str, str | None]) -> dict[str, Any] | None:
    """The first request-level fault that fires for this request, as an action to perform."""
    for fault in platform.controls.faults:
        action = fault.action
        if action["type"] not in REQUEST_ACTIONS or not _matches(fault, ctx):
            continue
        if action["type"] == "throttle":
            window = float(action.get("perSeconds", 1.0))
            key = (fault.id, ctx.get("subscription") or "")
            hits = _windows.setdefault(key, collections.deque())
            now = platform.clock.now() if action.get("clock") == "platform" else time.monotonic()
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) < int(action["limit"]):
                hits.append(now)
                continue
            fault.fired += 1
            retry = max(1, int(hits[0] + window - now + 0.999))
            message = "The request was throttled: too many requests for this subscription."
            return {
                "type": "error",
                "status": 429,
                "retryAfter": retry,
                "code": "TooManyRequests",
                "message": message,
            }
        if _fire(fault):
            fired: dict[str, Any] = action
            return fired
    return None


def operation_fault(
    platform: Platform, unit: str | None, operation: str
) -> tuple[dict[str, Any] | None, float]:
    """(planned failure, slow factor) for an operation being started."""
    failure, slow = None, 1.0
    ctx = {"unit": unit, "operation": operation}
    for fault in platform.controls.faults:
        action = fault.action
        if action["type"] not in OPERATION_ACTIONS or not _matches(fault, ctx):
            continue
        if not _fire(fault):
            continue
        if action["type"] == "operationFailed" and failure is None:
            if action.get("transient", True):
                failure = {
                    "code": action.get("code") or "InternalError",
                    "message": action.get("message") or "Internal server error",
                }
            else:
                failure = {
                    "code": action.get("code") or "BadRequest",
                    "message": action.get("message") or "The operation failed permanently.",
                }
        elif action["type"] == "slowOperation":
            slow *= float(action.get("factor", 10.0))
    return failure, slow


def apply_deviations(platform: Platform, unit: str, resources: list[dict[str, Any]]) -> list[str]:
    """Change the prepared ARM side on purpose; returns what was changed (for the admin state)."""
    done = []
    for fault in platform.controls.faults:
        action = fault.action
        if (
            action["type"] != "deviation"
            or not _matches(fault, {"unit": unit, "operation": "prepare"})
            or not _fire(fault)
        ):
            continue
        kind, target = action["kind"], action.get("name")
        for res in list(resources):
            props = res["properties"]
            if kind == "missingNatRule" and props.get("inboundNatRules"):
                victim = next((n for n in props["inboundNatRules"] if target in (None, n["name"])), None)
                if victim:
                    props["inboundNatRules"].remove(victim)
                    done.append(f"{res['name']}: NAT rule {victim['name']} removed")
                    break
            elif kind == "probePort" and props.get("probes"):
                probe = next((p for p in props["probes"] if target in (None, p["name"])), None)
                if probe:
                    probe["properties"]["port"] = int(action.get("value", probe["properties"]["port"] + 1))
                    done.append(f"{res['name']}: probe {probe['name']} port {probe['properties']['port']}")
                    break
            elif kind == "droppedExtension" and res["type"] == "Microsoft.Compute/virtualMachines/extensions":
                if target in (None, res["name"], res["name"].split("/")[-1]):
                    resources.remove(res)
                    done.append(f"extension {res['name']} dropped")
                    break
            elif (
                kind == "nicIp"
                and res["type"] == "Microsoft.Network/networkInterfaces"
                and target in (None, res["name"])
            ):
                cfg = res["properties"]["ipConfigurations"][0]["properties"]
                cfg["privateIPAddress"] = action.get("value") or _bump(cfg["privateIPAddress"])
                done.append(f"{res['name']}: private IP {cfg['privateIPAddress']}")
                break
            elif kind == "missingResource" and target in (None, res["name"]):
                resources.remove(res)
                done.append(f"{res['type']}/{res['name']} missing")
                break
    return done


def _bump(address: str) -> str:
    parts = address.split(".")
    parts[-1] = str((int(parts[-1]) + 100) % 250 + 1)
    return ".".join(parts)
