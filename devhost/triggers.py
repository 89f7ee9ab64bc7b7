"""Queue and timer triggers: start-up, shutdown, and manual runs from the admin API."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from devhost.queues import QueueListener
from devhost.settings import AppError
from devhost.timers import TimerTrigger

log = logging.getLogger("devhost.triggers")


class Triggers:
    def __init__(self, host: Any) -> None:
        self.host = host
        self.timers: dict[str, TimerTrigger] = {}
        self.queues: dict[str, QueueListener] = {}
        self.errors: dict[str, str] = {}
        for spec in host.app.of_type("timerTrigger") + host.app.of_type("queueTrigger"):
            try:  # like the Functions host: a function in error does not stop the others
                if spec.trigger_type == "timerTrigger":
                    self.timers[spec.name] = TimerTrigger(spec, host)
                else:
                    self.queues[spec.name] = QueueListener(spec, host, host.config.queues)
            except AppError as exc:
                self.errors[spec.name] = str(exc)
                log.error("function %s is in error and will not run: %s", spec.name, exc)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for trigger in self.timers.values():
            self._tasks.append(asyncio.create_task(self._guard(trigger.spec.name, trigger.loop())))
        for listener in self.queues.values():
            self._tasks.append(asyncio.create_task(self._guard(listener.spec.name, listener.loop())))

    @staticmethod
    async def _guard(name: str, job: Any) -> None:
        try:
            await job
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("trigger of function %s stopped", name)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run_now(self, name: str, text: str) -> bool:
        """`POST /admin/functions/<name>`: run a timer function, or a queue function with `text` as body."""
        if name in self.timers:
            asyncio.get_running_loop().create_task(self.timers[name].run(past_due=False))
            return True
        if name in self.queues:
            asyncio.get_running_loop().create_task(
                self._guard(name, self.queues[name].invoke(text.encode("utf-8"), id="admin", dequeue_count=1))
            )
            return True
        return False
