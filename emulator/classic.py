"""Facts derived from the live classic estate, shared by the ASM serializers and the translation.

The estate gives names and configuration; the platform also has addresses it assigns itself
(a deployment's VIP, dynamic private IPs). They are derived deterministically from names so a
restart, the ASM reads and the ARM translation all agree.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from emulator.state import Platform

# Writes are refused in these states. The *Failed states are locked too (named assumption
# `failed-states-locked` in docs/fidelity.md: no source says what a write gets there).
LOCKED_STATES = (
    "Preparing",
    "Prepared",
    "PrepareFailed",
    "Committing",
    "CommitFailed",
    "Aborting",
    "AbortFailed",
)
# States whose ARM side exists and counts against the quotas.
HOLDING_STATES = ("Prepared", "Committing", "CommitFailed", "Committed", "Aborting", "AbortFailed")


def _h(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


def deployment_vip(platform: Platform, cs: dict[str, Any]) -> str:
    """The reserved IP's address, else a stable public address derived from the service name."""
    dep = cs.get("deployment") or {}
    if dep.get("reservedIp"):
        rip = platform.find("reservedIps", dep["reservedIp"])
        if rip and rip.get("address"):
            address: str = rip["address"]
            return address
    h = _h(cs["name"])
    return f"13.{64 + h[0] % 64}.{h[1]}.{1 + h[2] % 253}"


def reserved_ip_address(rip: dict[str, Any]) -> str:
    if rip.get("address"):
        address: str = rip["address"]
        return address
    h = _h("rip:" + rip["name"])
    return f"20.{64 + h[0] % 64}.{h[1]}.{1 + h[2] % 253}"


def instance_public_ip(name: str) -> str:
    h = _h("pip:" + name)
    return f"51.{64 + h[0] % 64}.{h[1]}.{1 + h[2] % 253}"


def vnet_of(platform: Platform, dep: dict[str, Any]) -> dict[str, Any] | None:
    return platform.find("virtualNetworks", dep["virtualNetwork"]) if dep.get("virtualNetwork") else None


def role_private_ips(platform: Platform, cs: dict[str, Any]) -> dict[str, str]:
    """Classic private IP per role: the static one, else the next free one of its subnet."""
    dep = cs["deployment"]
    vnet = vnet_of(platform, dep)
    out: dict[str, str] = {}
    if vnet is None:
        h = _h("dip:" + cs["name"])
        for i, role in enumerate(dep["roles"]):
            out[role["name"]] = f"10.{h[0] % 200 + 20}.{h[1] % 250 + (i + 4) // 250}.{(i + 4) % 250 + 1}"
        return out
    used = {r["staticIp"] for r in dep["roles"] if r.get("staticIp")}
    prefixes = {s["name"]: s["prefix"] for s in vnet["subnets"]}
    counters: dict[str, Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address]] = {}
    for role in dep["roles"]:
        if role.get("staticIp"):
            out[role["name"]] = role["staticIp"]
            continue
        subnet = role["subnets"][0] if role["subnets"] else None
        prefix = prefixes.get(subnet or "") or (vnet["subnets"][0]["prefix"] if vnet["subnets"] else None)
        if prefix is None:
            prefix = vnet["addressSpace"][0]
        if prefix not in counters:
            counters[prefix] = itertools.islice(ipaddress.ip_network(prefix, strict=False).hosts(), 3, None)
        for candidate in counters[prefix]:
            if str(candidate) not in used:
                out[role["name"]] = str(candidate)
                used.add(str(candidate))
                break
    return out


def deployment_unit(cs: dict[str, Any]) -> str:
    dep = cs.get("deployment") or {}
    if dep.get("virtualNetwork"):
        return f"virtualNetwork/{dep['virtualNetwork']}"
    return f"cloudService/{cs['name']}"


def storage_account_of(media_link: str | None) -> str | None:
    """`https://acct.blob.core.windows.net/…` → `acct`."""
    if not media_link:
        return None
    host = urlparse(media_link).hostname or ""
    return host.split(".")[0] if ".blob." in host else None


def services_in_vnet(platform: Platform, vnet: str) -> list[dict[str, Any]]:
    return [
        cs
        for cs in platform.estate["cloudServices"]
        if cs.get("deployment") and cs["deployment"].get("virtualNetwork") == vnet
    ]


def role_disks(role: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [("os", role["osDisk"])] if role.get("osDisk") else []
    return out + [("data", d) for d in role.get("dataDisks", [])]


def iter_roles(platform: Platform) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for cs in platform.estate["cloudServices"]:
        if cs.get("deployment"):
            for role in cs["deployment"]["roles"]:
                yield cs, role


def unit_locked(platform: Platform, unit: str) -> bool:
    return platform.unit_state(unit) in LOCKED_STATES
