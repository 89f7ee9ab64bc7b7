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

Cost: one table operation per *batch* of requests in the usual case. The callers of one
process queue for a key's row one at a time (a process-local lock: the threads of one instance
never race each other for the row), and the one at the front takes a slot for itself and for
every caller queued behind it in one conditional write — the slots they would have taken one by
one, at the same times — then each queued caller takes its slot from the process without a
table call (a group commit). The row's last ETag is kept, so the write goes first and the row is
read only when the write lost (another instance wrote since) or nothing is known yet. A slot
left over (its caller gave up: a wait beyond its limit) is handed to the next caller while its
time has not passed, and dropped after: the budget counts it as used, so it can only make the
instances send less, never more. A wait longer than the caller allows takes no slot.

Why a batch keeps the guarantee: slot j of a batch reserved at `base` has `tat = base + j/rate`
and is sent at or after `tat − burst/rate` and no later than `base + (j−1)/rate` (the previous
slot's `tat`); one caller reserving it alone at that moment would have moved the row to exactly
the same `tat`. So the row ends as if each request had taken its slot itself, and every
instance's slots come from one GCRA clock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class _Slot:
    """A slot taken in a batch and not handed out yet: send at or after `send_at`, not after
    `expires`."""

    send_at: float
    expires: float


@dataclass
class _Key:
    """One key's state in this process: its queue, the slots left of the last batch, the row as
    this process last wrote or read it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: int = 0  # callers queued for `lock`
    slots: deque[_Slot] = field(default_factory=deque)
    row: dict[str, Any] | None = None
    etag: str | None = None


class SharedBudget:
    """The shared per-key budget (see the module docstring)."""

    def __init__(self, service: TableServiceClient, clock: Callable[[], float] = time.time) -> None:
        self._table = service.get_table_client(BUDGET_TABLE)
        self._clock = clock
        self._guard = threading.Lock()
        self._keys: dict[str, _Key] = {}
        service.create_table_if_not_exists(BUDGET_TABLE)

    def _key(self, key: str) -> _Key:
        with self._guard:
            return self._keys.setdefault(_partition(key), _Key())

    def _read(self, key: str) -> tuple[dict[str, Any], str | None]:
        try:
            entity = self._table.get_entity(_partition(key), ROW)
        except ResourceNotFoundError:
            return {}, None
        return dict(entity), entity.metadata["etag"]

    def _write(self, key: str, row: dict[str, Any], etag: str | None) -> str | None:
        """Write `row` if the row is still at `etag` (absent when None); its new ETag, or None
        when another writer came first."""
        entity = {"PartitionKey": _partition(key), "RowKey": ROW, **row}
        try:
            if etag is None:
                written = self._table.create_entity(entity)
            else:
                written = self._table.update_entity(
                    entity, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified
                )
        except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError):
            return None
        return str(written.get("etag") or "") or None

    def _known(self, key: str, state: _Key, fresh: bool) -> tuple[dict[str, Any], str | None]:
        """The row as last written or read by this process (`fresh`: read it now)."""
        if fresh or state.row is None:
            state.row, state.etag = self._read(key)
        return state.row, state.etag

    def reserve(self, key: str, rate: float, burst: float, max_wait: float) -> float:
        """Take one slot of `key`'s shared budget; the seconds to wait before sending.

        Raises `TransientError` (`retry_after`) when the wait exceeds `max_wait` (no slot taken),
        or when the storage cannot be reached (the activity's retries apply)."""
        state = self._key(key)
        with self._guard:
            state.waiting += 1
        with state.lock:
            with self._guard:
                state.waiting -= 1
                queued = state.waiting  # each will take one slot of this batch
            now = self._clock()
            while state.slots and state.slots[0].expires < now:
                state.slots.popleft()  # its time passed unused: counted as used, never sent
            if state.slots:
                wait = max(0.0, state.slots[0].send_at - now)
                if wait > max_wait:
                    raise _exhausted(key, wait)
                state.slots.popleft()
                return wait
            return self._batch(key, state, rate, burst, max_wait, 1 + queued)

    def _batch(self, key: str, state: _Key, rate: float, burst: float, max_wait: float, size: int) -> float:
        """Take `size` slots in one conditional write (fewer if the later ones would wait beyond
        `max_wait`); keep all but the first for the queued callers; the first one's wait."""
        try:
            fresh = False
            for _ in range(RACES):
                row, etag = self._known(key, state, fresh)
                now = self._clock()
                shared_rate = float(row.get("rate") or 0)
                if shared_rate and float(row.get("rateUntil") or 0) > now:
                    rate = min(rate, shared_rate)
                paused = float(row.get("pausedUntil") or 0)
                base = max(float(row.get("tat") or 0), now, paused)

                def send_at(j: int, base: float = base, rate: float = rate, paused: float = paused) -> float:
                    return max(paused, base + j / rate - burst / rate)

                wait = max(send_at(1) - now, 0.0)
                if wait > max_wait:
                    raise _exhausted(key, wait)
                count = size
                while count > 1 and send_at(count) - now > max_wait:
                    count -= 1
                written = {**_fields(row), "tat": base + count / rate}
                new_etag = self._write(key, written, etag)
                if new_etag is None:  # another instance wrote since: read the row again
                    fresh = True
                    continue
                state.row, state.etag = written, new_etag
                state.slots.extend(_Slot(send_at(j), base + (j - 1) / rate) for j in range(2, count + 1))
                return wait
        except AzureError as exc:
            state.row = state.etag = None
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
        uses at most that rate for `keep_rate_for` seconds (what this instance's 429 taught).
        This process's slots not handed out yet are dropped (they were taken before the pause)."""
        state = self._key(key)
        with state.lock:
            state.slots.clear()
            try:
                fresh = False
                for _ in range(RACES):
                    row, etag = self._known(key, state, fresh)
                    fields = _fields(row)
                    fields["pausedUntil"] = max(float(row.get("pausedUntil") or 0), until)
                    if rate is not None:
                        fields["rate"], fields["rateUntil"] = rate, self._clock() + keep_rate_for
                    new_etag = self._write(key, fields, etag)
                    if new_etag is not None:
                        state.row, state.etag = fields, new_etag
                        return
                    fresh = True
            except AzureError:
                state.row = state.etag = None
                return  # the local pause still holds; the next reserve will say if storage is gone


def _exhausted(key: str, wait: float) -> TransientError:
    return TransientError(
        f"shared request budget of {key} exhausted; retry in {wait:.1f} s",
        code="ClientThrottled",
        reason=Reason.THROTTLED,
        retry_after=wait,
    )


def _fields(row: dict[str, Any]) -> dict[str, float]:
    return {k: float(row[k]) for k in ("tat", "pausedUntil", "rate", "rateUntil") if row.get(k) is not None}
