"""The orchestration engine: schedules episodes, delivers messages, starts work, fires timers.

One episode per instance at a time (a lock per instance). An episode reads the instance's
visible messages, replays the history plus the new events through the SDK (:mod:`devhost.replay`;
on the loop for short histories, else in the episode thread), turns the result into history and
work (:mod:`devhost.episode`) and commits everything in one transaction. Activities run in
:mod:`devhost.activities`. After a crash, :meth:`Engine.start` resumes: every instance with
messages is scheduled (due timers fire at once) and every activity that was in flight runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from devhost import episode, replay
from devhost.app_loader import FunctionSpec
from devhost.client_ops import ClientOperations, UnknownOrchestrator
from devhost.clock import VirtualClock
from devhost.entities import process_entity
from devhost.store import FINAL, Store

log = logging.getLogger("devhost.engine")
# episodes of histories up to this size replay on the event loop (about a millisecond); longer
# ones in the episode thread, so that HTTP stays responsive
INLINE_EPISODE_EVENTS = 200
__all__ = ["Engine", "UnknownOrchestrator"]


class Engine(ClientOperations):
    def __init__(
        self,
        store: Store,
        clock: VirtualClock,
        orchestrators: dict[str, FunctionSpec],
        max_orchestrators: int,
        entities: dict[str, FunctionSpec] | None = None,
        dedupe_running: bool = False,
    ) -> None:
        self.store = store
        self.clock = clock
        self.orchestrators = orchestrators
        self.entities = entities or {}  # by lower-case name, as entity ids carry it
        self.dedupe_running = dedupe_running
        self.max_orchestrators = max_orchestrators
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="episode")
        self.activities: Any = None  # devhost.activities.ActivityRunner, set by the host
        self._locks: dict[str, asyncio.Lock] = {}
        self._histories: dict[str, list[dict[str, Any]]] = {}
        self._ready: set[str] = set()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._due: list[tuple[float, str]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # notified after every episode and termination: what in-process observers wait on
        # (bench/devhost_instructions.py waits for its chains without polling the store)
        self.changed = asyncio.Condition()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        for instance_id, visible_at in self.store.message_schedule():
            self.notify(instance_id, visible_at)
        self._tasks.append(asyncio.create_task(self._timer_loop()))
        for _ in range(self.max_orchestrators):
            self._tasks.append(asyncio.create_task(self._worker()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.executor.shutdown(wait=True)

    def lock(self, instance_id: str) -> asyncio.Lock:
        lock = self._locks.get(instance_id)
        if lock is None:
            lock = self._locks[instance_id] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------------ scheduling
    def notify(self, instance_id: str, visible_at: float | None = None) -> None:
        """Schedule an instance: now, or when its earliest message becomes visible."""
        if visible_at is None or visible_at <= self.clock.now_ts():
            if instance_id not in self._ready:
                self._ready.add(instance_id)
                self._queue.put_nowait(instance_id)
            return
        heapq.heappush(self._due, (visible_at, instance_id))
        if self._due[0][1] == instance_id:
            self._wake.set()

    async def _timer_loop(self) -> None:
        while True:
            now = self.clock.now_ts()
            while self._due and self._due[0][0] <= now:
                _, instance_id = heapq.heappop(self._due)
                self.notify(instance_id)
            delay = self.clock.real_delay(self._due[0][0]) if self._due else 3600.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.001))

    async def _worker(self) -> None:
        while True:
            instance_id = await self._queue.get()
            self._ready.discard(instance_id)
            try:
                async with self.lock(instance_id):
                    await self._process(instance_id)
            except Exception:
                log.exception("episode of instance %s failed in the host; it will be retried", instance_id)
                await asyncio.sleep(0.5)
                self.notify(instance_id)

    # ------------------------------------------------------------------ episodes
    def _history(self, instance_id: str) -> replay.PlayedHistory:
        history = self._histories.get(instance_id)
        if not isinstance(history, replay.PlayedHistory):
            history = replay.PlayedHistory(self.store.load_history_texts(instance_id))
            self._histories[instance_id] = history
        return history

    async def _process(self, instance_id: str) -> None:
        store = self.store
        messages = store.messages_for(instance_id)
        if not messages:
            return
        if instance_id.startswith("@"):  # a durable entity (orchestration ids never start with @)
            await process_entity(self, instance_id, messages)
            return
        inst = store.get_instance(instance_id)
        now_ts = self.clock.now_ts()
        if inst is None:
            with store.transaction():
                store.delete_messages([m["id"] for m in messages])
            return
        stale = [m["id"] for m in messages if m["execution_id"] != inst["execution_id"]]
        current = [m for m in messages if m["execution_id"] == inst["execution_id"]]
        visible = [m for m in current if m["visible_at"] <= now_ts]
        later = [m["visible_at"] for m in current if m["visible_at"] > now_ts]
        if inst["status"] in FINAL:  # events for a finished instance are dropped
            stale += [m["id"] for m in current]
            visible, later = [], []
        if inst["status"] == "Suspended" or not visible:
            if stale:
                with store.transaction():
                    store.delete_messages(stale)
            if later and inst["status"] != "Suspended":
                self.notify(instance_id, min(later))
            return
        chosen = episode.batch(visible)
        await self._episode(inst, chosen, stale)
        if len(chosen) < len(visible):
            self.notify(instance_id)
        if later:
            self.notify(instance_id, min(later))

    async def _episode(self, inst: dict[str, Any], chosen: list[dict[str, Any]], stale: list[int]) -> None:
        instance_id, execution_id = inst["instance_id"], inst["execution_id"]
        now = self.clock.now()
        delivered, work, next_id = episode.deliver(chosen, now, inst["next_id"])
        new_events = [replay.event(replay.ORCHESTRATOR_STARTED, now), *delivered]
        history = self._history(instance_id)
        result = await self._replay(inst, history, new_events)
        decision = episode.decide(
            result,
            instance_id=instance_id,
            execution_id=execution_id,
            actions_seen=inst["actions_seen"],
            next_id=next_id,
            now=now,
        )
        if decision.outcome == "running":
            work.activities += decision.work.activities
            work.timers += decision.work.timers
        work.sub_orchestrations += decision.work.sub_orchestrations
        work.cancel_tags += decision.work.cancel_tags
        work.entity_requests += decision.work.entity_requests
        appended = new_events + decision.events
        now_ts = now.timestamp()
        to_notify: list[tuple[str, float | None]] = []
        store = self.store
        played = [{**e, "IsPlayed": True} for e in appended]
        played_texts = [json.dumps(e) for e in played]
        with store.transaction():
            store.append_history_texts(instance_id, len(history), played_texts)
            store.delete_messages([m["id"] for m in chosen] + stale)
            store.delete_tagged(instance_id, work.cancel_tags)
            started_work = self._store_work(instance_id, execution_id, work, now_ts, to_notify)
            fields: dict[str, Any] = {
                "updated": now_ts,
                "actions_seen": decision.actions_seen,
                "next_id": decision.next_id,
                "custom_status": result.custom_status,
            }
            self._settle(inst, decision, fields, now_ts, to_notify)
            store.update_instance(instance_id, **fields)
        if decision.outcome == "running":
            history.extend_played(played, played_texts)
        else:
            self._histories.pop(instance_id, None)
        for work_id, activity in started_work:
            self.activities.dispatch(work_id, instance_id, execution_id, activity)
        for target, at in to_notify:
            self.notify(target, at)
        if decision.outcome in ("failed",):
            log.warning("instance %s (%s) failed: %s", instance_id, inst["name"], decision.output)
        elif decision.outcome != "running":
            log.info("instance %s (%s) %s", instance_id, inst["name"], decision.outcome)
        async with self.changed:
            self.changed.notify_all()

    async def _replay(
        self, inst: dict[str, Any], history: replay.PlayedHistory, new_events: list[dict[str, Any]]
    ) -> replay.EpisodeResult:
        """Replay the whole history plus the new events through the app's orchestrator function."""
        spec = self.orchestrators.get(inst["name"])
        if spec is None:
            return replay.EpisodeResult(
                done=True, failed=True, error=f"orchestrator function {inst['name']!r} not found"
            )
        payload_history = history + new_events

        def run_replay() -> replay.EpisodeResult:
            payload = replay.context_json(
                inst["instance_id"], payload_history, inst["input"], inst["parent_instance_id"], history.texts
            )
            return replay.run_episode(spec.fn, payload)

        if len(payload_history) <= INLINE_EPISODE_EVENTS:
            return run_replay()  # short: cheaper than a thread hand-off (and the GIL switch it costs)
        return await asyncio.get_running_loop().run_in_executor(self.executor, run_replay)

    def _store_work(
        self,
        instance_id: str,
        execution_id: str,
        work: episode.Work,
        now_ts: float,
        to_notify: list[tuple[str, float | None]],
    ) -> list[tuple[int, dict[str, Any]]]:
        """Store what the episode started (inside the caller's transaction): timers, activities
        (returned, to dispatch once committed), entity requests, sub-orchestrations."""
        store = self.store
        for timer in work.timers:
            body = {
                "event": {
                    "EventType": replay.TIMER_FIRED,
                    "TimerId": timer["timer_id"],
                    "FireAt": replay.iso(timer["fire_at"]),
                },
                "retry": timer["retry"],
            }
            at = timer["fire_at"].timestamp()
            store.add_message(instance_id, execution_id, body, at, timer["tag"])
            to_notify.append((instance_id, at))
        started_work = [(store.add_work(instance_id, execution_id, a), a) for a in work.activities]
        for request in work.entity_requests:  # signals of a completing episode are sent too
            store.add_message(request["target"], "", {"request": request["request"]}, now_ts)
            to_notify.append((request["target"], None))
        for sub in work.sub_orchestrations:
            parent = {
                "instance_id": instance_id,
                "execution_id": execution_id,
                "task_id": sub["task_id"],
                "retry": sub.get("retry"),
            }
            self._create(sub["instance_id"], sub["name"], sub["input"], now_ts, parent)
            to_notify.append((sub["instance_id"], None))
        return started_work

    def _settle(
        self,
        inst: dict[str, Any],
        decision: episode.EpisodeRecord,
        fields: dict[str, Any],
        now_ts: float,
        to_notify: list[tuple[str, float | None]],
    ) -> None:
        """The instance's new status in `fields` (inside the caller's transaction): still running,
        continued as new (a fresh execution), or ended (its parent told)."""
        instance_id, store = inst["instance_id"], self.store
        if decision.outcome == "running":
            fields["status"] = "Running"
        elif decision.outcome == "continued":
            new_exec = uuid.uuid4().hex
            fields.update(
                status="Running",
                execution_id=new_exec,
                input=decision.output,
                output=None,
                actions_seen=0,
                next_id=0,
            )
            store.clear_history(instance_id)
            store.delete_instance_messages(instance_id)
            store.add_message(
                instance_id,
                new_exec,
                {"event": self._started(inst["name"], decision.output, instance_id, new_exec)},
                now_ts,
            )
            to_notify.append((instance_id, None))
        else:
            fields["status"] = "Completed" if decision.outcome == "completed" else "Failed"
            fields["output"] = (
                decision.output
                if decision.outcome == "completed"
                else json.dumps(f"Orchestrator function '{inst['name']}' failed: {decision.output}")
            )
            store.delete_instance_messages(instance_id)
            target = self._tell_parent(inst, decision.outcome, decision.output)
            if target:
                to_notify.append((target, None))

    def _tell_parent(self, inst: dict[str, Any], outcome: str, output: str | None) -> str | None:
        """Queue the sub-orchestration's result for its parent (inside the caller's transaction)."""
        parent = inst.get("parent_instance_id")
        if not parent or inst.get("parent_task_id") is None:
            return None
        task_id = inst["parent_task_id"]
        if outcome == "completed":
            body: dict[str, Any] = {
                "event": {
                    "EventType": replay.SUB_ORCHESTRATION_COMPLETED,
                    "TaskScheduledId": task_id,
                    "Result": output,
                }
            }
        else:
            reason = f"Sub-orchestration '{inst['name']}' ({inst['instance_id']}) {outcome}: {output}"
            body = {
                "event": {
                    "EventType": replay.SUB_ORCHESTRATION_FAILED,
                    "TaskScheduledId": task_id,
                    "Reason": reason,
                    "Details": output,
                }
            }
            retry = json.loads(inst["parent_retry"]) if inst.get("parent_retry") else None
            if retry:
                body["retry"] = retry
        self.store.add_message(parent, inst["parent_execution_id"], body, self.clock.now_ts())
        return str(parent)
