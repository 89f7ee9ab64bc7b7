"""Running activity functions: at most `maxConcurrentActivityFunctions` at once, sync ones in
threads, async ones on the loop. The work row is deleted and the result message inserted in one
transaction, so after a crash an activity either delivered its result or runs again.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost import replay
from devhost.app_loader import FunctionSpec
from devhost.engine import Engine
from devhost.episode import HTTP_ACTIVITY
from devhost.http_activity import call_http
from devhost.invoke import call_user_function

log = logging.getLogger("devhost.activities")


class ActivityRunner:
    def __init__(
        self,
        engine: Engine,
        activities: dict[str, FunctionSpec],
        limit: int,
        client_json: str,
        app_dir: str,
        http_poll_ms: int = 30000,
    ) -> None:
        self.engine = engine
        self.activities = activities
        self.semaphore = asyncio.Semaphore(limit)
        self.executor = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="activity")
        self.client_json = client_json
        self.app_dir = app_dir
        self.http_poll_ms = http_poll_ms  # call_http's 202 polling interval without Retry-After
        self._tasks: set[asyncio.Task[None]] = set()
        engine.activities = self

    def resume(self) -> int:
        """Re-run every activity that was in flight when the host stopped (at-least-once)."""
        pending = self.engine.store.all_work()
        for item in pending:
            self.dispatch(item["id"], item["instance_id"], item["execution_id"], item)
        return len(pending)

    def dispatch(self, work_id: int, instance_id: str, execution_id: str, work: dict[str, Any]) -> None:
        task = asyncio.create_task(self._run(work_id, instance_id, execution_id, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def _invoke(self, spec: FunctionSpec, input_text: str | None) -> str:
        value = ActivityTriggerConverter.decode(
            meta.Datum(type="json", value=input_text if input_text is not None else "null"),
            trigger_metadata=None,
        )
        kwargs: dict[str, Any] = {spec.trigger_arg: value}
        if spec.client_arg:
            kwargs[spec.client_arg] = self.client_json
        result = await call_user_function(spec.fn, kwargs, self.executor, spec.name, self.app_dir)
        return str(ActivityTriggerConverter.encode(result, expected_type=None).value)

    async def _run(self, work_id: int, instance_id: str, execution_id: str, work: dict[str, Any]) -> None:
        name, task_id = work["name"], work["task_id"]
        async with self.semaphore:
            spec = self.activities.get(name)
            try:
                if name == HTTP_ACTIVITY:
                    result = await call_http(work.get("input"), self.http_poll_ms, self.engine.clock.scale)
                elif spec is None:
                    raise LookupError(f"The activity function '{name}' doesn't exist or is disabled.")
                else:
                    result = await self._invoke(spec, work.get("input"))
                body: dict[str, Any] = {
                    "event": {
                        "EventType": replay.TASK_COMPLETED,
                        "TaskScheduledId": task_id,
                        "Result": result,
                    }
                }
            # the host's boundary around app code: whatever the activity raises is its TaskFailed
            except Exception as exc:  # noqa: BLE001
                log.warning(
                    "activity %s of instance %s failed:\n%s",
                    name,
                    instance_id,
                    traceback.format_exc().rstrip(),
                )
                body = {
                    "event": {
                        "EventType": replay.TASK_FAILED,
                        "TaskScheduledId": task_id,
                        "Reason": f"Activity function '{name}' failed: {type(exc).__name__}: {exc}",
                        "Details": f"{type(exc).__name__}: {exc}",
                    }
                }
                if work.get("retry"):
                    body["retry"] = work["retry"]
        store = self.engine.store
        with store.transaction():
            store.delete_work(work_id)
            store.add_message(instance_id, execution_id, body, self.engine.clock.now_ts())
        self.engine.notify(instance_id)
