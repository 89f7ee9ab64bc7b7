"""One request budget per subscription for every instance and function group, in a table row.

The platform throttles per subscription, but on Azure the app scales out (Flex Consumption caps
instances per function group, not per app), and the process-wide limiter
(`connectors.ratelimit`) only sees its own process's requests. So each request also takes a slot
from a budget kept in c2arm's storage: table `ratebudget`, one row per limiter key (the
subscription for ASM, `arm/<subscription>` for ARM), updated under its ETag so two instances
never take the same slot.

The row is a GCRA ("virtual scheduling") clock: `tat` is the theoretical time the next slot
frees. Taking a slot at `now` moves it to `max(tat, now, pausedUntil) + 1/rate`; the caller waits
until `tat − burst/rate` (so up to `burst` slots may be taken at once after a quiet spell). A 429
seen by any instance writes `pausedUntil` (and the rate it learned, `rate`, kept for
`ratelimit.FORGET_AFTER`), so every instance pauses and slows down, not only the one that was
told. Times are wall-clock seconds (`time.time`): instances share no monotonic clock; their
clocks are NTP-synchronised to well under a slot.

Cost: two table operations per platform request (read, conditional replace), more under
contention (a lost race reads again). A wait longer than the caller allows takes no slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableServiceClient, UpdateMode

from connectors.errors import Reason, TransientError

BUDGET_TABLE = "ratebudget"
ROW = "budget"
RACES = 50  # conditional writes lost in a row before giving up (each loss means another took a slot)


def _partition(key: str) -> str:
    return key.lower().replace("/", "_")


class SharedBudget:
    """The shared per-key budget (see the module docstring)."""

    def __init__(self, service: TableServiceClient, clock: Callable[[], float] = time.time) -> None:
        self._table = service.get_table_client(BUDGET_TABLE)
        self._clock = clock
        service.create_table_if_not_exists(BUDGET_TABLE)

    def _read(self, key: str) -> tuple[dict[str, Any], str | None]:
        try:
            entity = self._table.get_entity(_partition(key), ROW)
        except ResourceNotFoundError:
            return {}, None
        return dict(entity), entity.metadata["etag"]

    def _write(self, key: str, row: dict[str, Any], etag: str | None) -> bool:
        entity = {"PartitionKey": _partition(key), "RowKey": ROW, **row}
        try:
            if etag is None:
                self._table.create_entity(entity)
            else:
                self._table.update_entity(
                    entity, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified
                )
            return True
        except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError):
            return False

    def reserve(self, key: str, rate: float, burst: float, max_wait: float) -> float:
        """Take one slot of `key`'s shared budget; the seconds to wait before sending.

        Raises `TransientError` (`retry_after`) when the wait exceeds `max_wait` (no slot taken),
        or when the storage cannot be reached (the activity's retries apply)."""
        try:
            for _ in range(RACES):
                row, etag = self._read(key)
                now = self._clock()
                shared_rate = float(row.get("rate") or 0)
                if shared_rate and float(row.get("rateUntil") or 0) > now:
                    rate = min(rate, shared_rate)
                paused = float(row.get("pausedUntil") or 0)
                tat = max(float(row.get("tat") or 0), now, paused) + 1 / rate
                wait = max(paused - now, tat - burst / rate - now, 0.0)
                if wait > max_wait:
                    raise TransientError(
                        f"shared request budget of {key} exhausted; retry in {wait:.1f} s",
                        code="ClientThrottled",
                        reason=Reason.THROTTLED,
                        retry_after=wait,
                    )
                if self._write(key, {**_fields(row), "tat": tat}, etag):
                    return wait
        except AzureError as exc:
            raise TransientError(
                f"shared request budget: storage unreachable: {type(exc).__name__}",
                code="BudgetUnavailable",
                reason=Reason.CONNECTION,
            ) from None
        raise TransientError(
            f"shared request budget of {key}: {RACES} lost races in a row",
            code="ClientThrottled",
            reason=Reason.THROTTLED,
            retry_after=1.0,
        )

    def pause(self, key: str, until: float, rate: float | None = None, keep_rate_for: float = 600.0) -> None:
        """Every instance pauses `key` until `until` (wall clock); with `rate`, every instance
        uses at most that rate for `keep_rate_for` seconds (what this instance's 429 taught)."""
        try:
            for _ in range(RACES):
                row, etag = self._read(key)
                fields = _fields(row)
                fields["pausedUntil"] = max(float(row.get("pausedUntil") or 0), until)
                if rate is not None:
                    fields["rate"], fields["rateUntil"] = rate, self._clock() + keep_rate_for
                if self._write(key, fields, etag):
                    return
        except AzureError:
            return  # the local pause still holds; the next reserve will say if storage is gone


def _fields(row: dict[str, Any]) -> dict[str, float]:
    return {k: float(row[k]) for k in ("tat", "pausedUntil", "rate", "rateUntil") if row.get(k) is not None}
