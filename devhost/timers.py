"""Timer triggers on the virtual clock: NCRONTAB schedules (`%SETTING%` resolved), `runOnStartup`,
the schedule monitor (`past_due` after downtime: one run however many were missed), serialized
runs, and manual runs (`POST /admin/functions/<name>`). No retry on failure, as on Azure.
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from azure.functions.timer import TimerRequest

from devhost import ncrontab
from devhost.app_loader import FunctionSpec
from devhost.invoke import call_user_function
from devhost.settings import AppError, resolve_setting

log = logging.getLogger("devhost.timers")


def _zone() -> ZoneInfo | None:
    name = os.environ.get("WEBSITE_TIME_ZONE")
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AppError(f"app setting WEBSITE_TIME_ZONE: {name!r} is not an IANA time zone") from exc


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


class TimerTrigger:
    def __init__(self, spec: FunctionSpec, host: Any) -> None:
        self.spec = spec
        self.host = host
        where = f"function {spec.name!r} schedule"
        text = resolve_setting(str(spec.trigger.get("schedule", "")), os.environ, where)
        try:
            self.schedule = ncrontab.parse(text)
        except ncrontab.CronError as exc:
            raise AppError(f"function {spec.name!r}: {exc}") from exc
        self.zone = _zone()
        self.run_on_startup = bool(spec.trigger.get("runOnStartup", False))
        monitor = spec.trigger.get("useMonitor")
        self.use_monitor = (
            (not self.schedule.fires_more_than_once_a_minute()) if monitor is None else bool(monitor)
        )
        self.lock = asyncio.Lock()

    def _next(self, after_ts: float) -> float:
        return self.schedule.next_after(datetime.fromtimestamp(after_ts, UTC), self.zone).timestamp()

    async def run(self, past_due: bool, scheduled_ts: float | None = None) -> None:
        """One serialized run; a failure is logged and not retried."""
        async with self.lock:
            store, clock = self.host.store, self.host.clock
            now = clock.now_ts()
            status = store.timer_status(self.spec.name) if self.use_monitor else None
            last = scheduled_ts if scheduled_ts is not None else now
            nxt = self._next(max(now, last))
            request = TimerRequest(
                past_due=past_due,
                schedule_status={
                    "Last": _iso(status["last"]) if status else None,
                    "Next": _iso(nxt),
                    "LastUpdated": _iso(now),
                },
                schedule={"AdjustForDST": True},
            )
            kwargs: dict[str, Any] = {self.spec.trigger_arg: request}
            if self.spec.client_arg:
                kwargs[self.spec.client_arg] = self.host.client_json
            try:
                await call_user_function(
                    self.spec.fn, kwargs, self.host.executor, self.spec.name, str(self.host.options.app_dir)
                )
                log.info("timer function %s ran (past_due=%s)", self.spec.name, past_due)
            # the host's boundary around app code: a failed run is logged, the schedule goes on
            except Exception:  # noqa: BLE001
                log.error("timer function %s failed:\n%s", self.spec.name, traceback.format_exc().rstrip())
            if self.use_monitor:
                with store.transaction():
                    store.set_timer_status(self.spec.name, last, nxt, clock.now_ts())

    async def loop(self) -> None:
        clock, store = self.host.clock, self.host.store
        now = clock.now_ts()
        status = store.timer_status(self.spec.name) if self.use_monitor else None
        if status and status["next"] is not None and now > status["next"]:
            await self.run(past_due=True, scheduled_ts=status["next"])
        elif self.run_on_startup:
            await self.run(past_due=False)
        elif self.use_monitor and status is None:
            with store.transaction():
                store.set_timer_status(self.spec.name, None, self._next(now), now)
        last = clock.now_ts()
        while True:
            due = self._next(last)
            if self.use_monitor:
                with store.transaction():
                    current = store.timer_status(self.spec.name) or {}
                    store.set_timer_status(self.spec.name, current.get("last"), due, clock.now_ts())
            while clock.now_ts() < due:
                await asyncio.sleep(min(clock.real_delay(due), 5.0) + 0.001)
            await self.run(past_due=False, scheduled_ts=due)
            last = due
            following = self._next(due)
            if following <= clock.now_ts():  # the run overran the next occurrence: it fires right after
                await self.run(past_due=False, scheduled_ts=following)
                last = clock.now_ts()
