"""host.json and local.settings.json: what the devhost reads from the app folder.

local.settings.json `Values` become environment variables unless already set (the environment
wins, as under Core Tools). Malformed files fail start-up with the file and field named.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class AppError(RuntimeError):
    """The app cannot be run: the message says what and where."""


_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$")


def parse_timespan(text: str, where: str) -> float:
    """A .NET TimeSpan (`[d.]hh:mm:ss[.fffffff]`) in seconds."""
    match = _TIMESPAN.match(str(text).strip())
    if not match:
        raise AppError(f"{where}: {text!r} is not a TimeSpan like 00:00:02 or 00:00:00.500")
    days, hours, minutes, seconds, fraction = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


@dataclass(frozen=True)
class QueueOptions:
    batch_size: int = 16
    new_batch_threshold: int | None = None
    max_polling_interval: float = 2.0  # Development default (1 min in production)
    visibility_timeout: float = 0.0
    max_dequeue_count: int = 5
    message_encoding: str = "base64"


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    hub_name: str = "TestHubName"
    max_activities: int = 10
    max_orchestrators: int = 10
    queues: QueueOptions = field(default_factory=QueueOptions)
    overridable_states: str = "AnyState"  # durableTask.overridableExistingInstanceStates
    http_poll_ms: int = 30000  # durableTask.httpSettings.defaultAsyncRequestSleepTimeMilliseconds


def _int(section: dict[str, Any], key: str, default: int, where: str, low: int = 1, high: int = 10**6) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise AppError(f"{where}.{key}: expected an integer from {low} to {high}, got {value!r}")
    return value


def _section(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """A JSON object of host.json (absent = empty); anything else names the field."""
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AppError(f"{where}.{key}: expected a JSON object, got {type(value).__name__} {value!r}")
    return value


def load_host_json(app_dir: Path) -> HostConfig:
    """Read `host.json` (missing = all defaults)."""
    path = app_dir / "host.json"
    if not path.exists():
        return HostConfig()
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise AppError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise AppError(f"{path}: expected a JSON object, got {type(data).__name__}")
    ext = _section(data, "extensions", "host.json")
    http = _section(ext, "http", "host.json extensions")
    prefix = http.get("routePrefix", "api")
    if not isinstance(prefix, str):
        raise AppError(f"host.json extensions.http.routePrefix: expected a string, got {prefix!r}")
    dt = _section(ext, "durableTask", "host.json extensions")
    q = _section(ext, "queues", "host.json extensions")
    overridable = dt.get("overridableExistingInstanceStates", "AnyState")
    if not isinstance(overridable, str) or overridable.lower() not in ("anystate", "nonrunningstates"):
        raise AppError(
            "host.json extensions.durableTask.overridableExistingInstanceStates: expected 'AnyState' or "
            f"'NonRunningStates', got {overridable!r}"
        )
    http_settings = _section(dt, "httpSettings", "host.json extensions.durableTask")
    where = "host.json extensions.queues"
    encoding = q.get("messageEncoding", "base64")
    if encoding not in ("base64", "none"):
        raise AppError(f"{where}.messageEncoding: expected 'base64' or 'none', got {encoding!r}")
    queues = QueueOptions(
        batch_size=_int(q, "batchSize", 16, where, 1, 32),
        new_batch_threshold=_int(q, "newBatchThreshold", 1, where, 0) if "newBatchThreshold" in q else None,
        max_polling_interval=min(parse_timespan(q["maxPollingInterval"], f"{where}.maxPollingInterval"), 60.0)
        if "maxPollingInterval" in q
        else 2.0,
        visibility_timeout=parse_timespan(
            q.get("visibilityTimeout", "00:00:00"), f"{where}.visibilityTimeout"
        ),
        max_dequeue_count=_int(q, "maxDequeueCount", 5, where),
        message_encoding=encoding,
    )
    hub = dt.get("hubName") or os.environ.get("WEBSITE_SITE_NAME") or "TestHubName"
    return HostConfig(
        route_prefix=prefix.strip("/"),
        hub_name=str(hub),
        max_activities=_int(dt, "maxConcurrentActivityFunctions", 10, "host.json extensions.durableTask"),
        max_orchestrators=_int(
            dt, "maxConcurrentOrchestratorFunctions", 10, "host.json extensions.durableTask"
        ),
        queues=queues,
        overridable_states="NonRunningStates" if overridable.lower() == "nonrunningstates" else "AnyState",
        http_poll_ms=_int(
            http_settings,
            "defaultAsyncRequestSleepTimeMilliseconds",
            30000,
            "host.json extensions.durableTask.httpSettings",
            0,
        ),
    )


def apply_local_settings(app_dir: Path, environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """Copy local.settings.json `Values` (and `ConnectionStrings`) into `environ` where not set.

    Returns the names that were applied (never their values: some are secrets).
    """
    path = app_dir / "local.settings.json"
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise AppError(f"{path}: not valid JSON ({exc})") from exc
    if data.get("IsEncrypted"):
        raise AppError(f"{path}: IsEncrypted is true; the devhost reads only plain-text settings")
    applied = []
    for section, prefix in (("Values", ""), ("ConnectionStrings", "ConnectionStrings:")):
        values = data.get(section) or {}
        if not isinstance(values, dict):
            raise AppError(f"{path}: {section} must be an object of strings")
        for key, value in values.items():
            if not isinstance(value, str):
                raise AppError(f"{path}: {section}.{key} must be a string, got {type(value).__name__}")
            name = prefix + key
            if name not in environ:
                environ[name] = value
                applied.append(name)
    return applied


def resolve_setting(text: str, environ: dict[str, str] | os._Environ[str], where: str) -> str:
    """Replace `%NAME%` references with app settings (a missing one is an error naming it)."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise AppError(f"{where}: app setting {name!r} (referenced as %{name}%) is not set")
        return environ[name]

    return re.sub(r"%([^%]+)%", sub, text)
