"""Client operations on instances (start, raise event, terminate, suspend/resume, purge).

A mixin of :class:`devhost.engine.Engine`: each takes the instance lock, so it never interleaves
with an episode of the same instance, and writes in one transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Set
from typing import TYPE_CHECKING, Any

from devhost import replay
from devhost.store import FINAL

if TYPE_CHECKING:
    from devhost.app_loader import FunctionSpec
    from devhost.clock import VirtualClock
    from devhost.store import Store

log = logging.getLogger("devhost.engine")


class UnknownOrchestrator(ValueError):
    """start_new named a function that is not an orchestrator of this app."""


class InstanceExists(RuntimeError):
    """start_new with the id of an unfinished instance under NonRunningStates."""


class NotRewindable(RuntimeError):
    """rewind of a Pending, Running or Suspended instance (DurableClient.RewindAsync throws)."""


# the statuses `NonRunningStates` refuses to replace (OverridableStates.ToDedupeStatuses)
NON_OVERRIDABLE = ("Running", "ContinuedAsNew", "Pending", "Suspended")


class ClientOperations:
    store: Store
    clock: VirtualClock
    orchestrators: dict[str, FunctionSpec]
    changed: asyncio.Condition
    dedupe_running: bool  # host.json overridableExistingInstanceStates = NonRunningStates
    _histories: dict[str, list[dict[str, Any]]]

    activities: Any

    def lock(self, instance_id: str) -> asyncio.Lock:
        raise NotImplementedError

    def notify(self, instance_id: str, visible_at: float | None = None) -> None:
        raise NotImplementedError

    def _history(self, instance_id: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    @staticmethod
    def _started(name: str, input_text: str | None, instance_id: str, execution_id: str) -> dict[str, Any]:
        """The ExecutionStarted event of a new execution (a start, a sub-orchestration, continue-as-new)."""
        return {
            "EventType": replay.EXECUTION_STARTED,
            "Name": name,
            "Input": input_text,
            "Version": "",
            "OrchestrationInstance": {"InstanceId": instance_id, "ExecutionId": execution_id},
        }

    def _create(
        self,
        instance_id: str,
        name: str,
        input_text: str | None,
        now_ts: float,
        parent: dict[str, Any] | None,
    ) -> None:
        """Create (or replace) an instance with its ExecutionStarted message; inside a transaction.

        A client's `start_new` and an orchestrator's sub-orchestration (the engine) both start here.
        """
        execution_id = uuid.uuid4().hex
        self.store.delete_instance(instance_id)
        self._histories.pop(instance_id, None)
        self.store.put_instance(
            {
                "instance_id": instance_id,
                "name": name,
                "execution_id": execution_id,
                "status": "Pending",
                "input": input_text,
                "created": now_ts,
                "updated": now_ts,
                "parent_instance_id": parent and parent["instance_id"],
                "parent_execution_id": parent and parent["execution_id"],
                "parent_task_id": parent and parent["task_id"],
                "parent_retry": json.dumps(parent["retry"]) if parent and parent.get("retry") else None,
                "actions_seen": 0,
                "next_id": 0,
            }
        )
        self.store.add_message(
            instance_id,
            execution_id,
            {"event": self._started(name, input_text, instance_id, execution_id)},
            now_ts,
        )

    def _tell_parent(self, inst: dict[str, Any], outcome: str, output: str | None) -> str | None:
        raise NotImplementedError

    async def start_new(self, name: str, instance_id: str | None, input_text: str | None) -> str:
        """Start (or replace) an instance of orchestrator `name`; returns its id."""
        if name not in self.orchestrators:
            raise UnknownOrchestrator(
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function."
            )
        instance_id = instance_id or uuid.uuid4().hex
        async with self.lock(instance_id):
            existing = self.store.get_instance(instance_id) if self.dedupe_running else None
            if existing is not None and existing["status"] in NON_OVERRIDABLE:
                raise InstanceExists(
                    f"An Orchestration instance with the status {existing['status']} already exists."
                )
            with self.store.transaction():
                self._create(instance_id, name, input_text, self.clock.now_ts(), None)
        self.notify(instance_id)
        return instance_id

    def _unfinished(self, instance_id: str, final: Set[str] = FINAL) -> dict[str, Any] | int:
        """The instance, or the Durable API's answer when there is none to act on: 404 unknown,
        410 in one of the `final` statuses."""
        inst = self.store.get_instance(instance_id)
        if inst is None:
            return 404
        if inst["status"] in final:
            return 410
        return inst

    async def raise_event(self, instance_id: str, name: str, input_text: str | None) -> int:
        """202 queued, 404 unknown instance, 410 finished (HTTP status codes of the Durable API)."""
        inst = self._unfinished(instance_id)
        if isinstance(inst, int):
            return inst
        body = {"event": {"EventType": replay.EVENT_RAISED, "Name": name, "Input": input_text}}
        with self.store.transaction():
            self.store.add_message(instance_id, inst["execution_id"], body, self.clock.now_ts())
        self.notify(instance_id)
        return 202

    async def signal_entity(self, entity_id: str, op: str, input_text: str | None) -> None:
        """Queue a one-way operation for an entity (a client's signal)."""
        request = {"id": uuid.uuid4().hex, "op": op, "signal": True, "input": input_text}
        with self.store.transaction():
            self.store.add_message(entity_id, "", {"request": request}, self.clock.now_ts())
        self.notify(entity_id)

    async def terminate(self, instance_id: str, reason: str) -> int:
        async with self.lock(instance_id):
            inst = self._unfinished(instance_id)
            if isinstance(inst, int):
                return inst
            now = self.clock.now()
            history = self._history(instance_id)
            target = None
            with self.store.transaction():
                self.store.append_history(
                    instance_id,
                    len(history),
                    [
                        {
                            **replay.event(replay.EXECUTION_TERMINATED, now, Input=json.dumps(reason)),
                            "IsPlayed": True,
                        }
                    ],
                )
                self.store.delete_instance_messages(instance_id)
                self.store.update_instance(
                    instance_id, status="Terminated", output=json.dumps(reason), updated=now.timestamp()
                )
                target = self._tell_parent(inst, "terminated", reason)
            self._histories.pop(instance_id, None)
        if target:
            self.notify(target)
        log.info("instance %s terminated", instance_id)
        async with self.changed:
            self.changed.notify_all()
        return 202

    async def suspend(self, instance_id: str, suspend: bool) -> int:
        async with self.lock(instance_id):
            inst = self._unfinished(instance_id)
            if isinstance(inst, int):
                return inst
            if suspend and inst["status"] != "Suspended":
                status = "Suspended"
            elif not suspend and inst["status"] == "Suspended":
                status = "Running" if self._history(instance_id) else "Pending"
            else:
                return 202
            with self.store.transaction():
                self.store.update_instance(instance_id, status=status, updated=self.clock.now_ts())
        if not suspend:
            self.notify(instance_id)
        return 202

    async def rewind(self, instance_id: str, reason: str) -> int:
        """Rewind a failed instance: its failures become GenericEvents and the failed work runs again.

        As DTFx's rewind: `TaskFailed` / `SubOrchestrationInstanceFailed` events are replaced by
        `GenericEvent`s (the tasks are pending again), the failed execution's `ExecutionCompleted` is
        dropped, the failed activities are scheduled again under their task ids, failed
        sub-orchestrations are rewound themselves, and the orchestrator replays once at once.
        202; 404 unknown; 410 Completed, Terminated or Canceled; NotRewindable while Pending, Running
        or Suspended (as the extension's `HttpApiHandler` then `DurableClient.RewindAsync` decide).
        """
        async with self.lock(instance_id):
            inst = self._unfinished(instance_id, FINAL - {"Failed"})
            if isinstance(inst, int):
                return inst
            if inst["status"] != "Failed":
                raise NotRewindable(
                    f"instance '{instance_id}' is {inst['status']}: the rewind operation is only supported "
                    "on failed orchestration instances"
                )
            history = self.store.load_history(instance_id)
            scheduled = {
                e.get("EventId"): e
                for e in history
                if e["EventType"] in (replay.TASK_SCHEDULED, replay.SUB_ORCHESTRATION_CREATED)
            }
            kept, rerun, children = [], [], []
            for ev in history:
                if ev["EventType"] == replay.EXECUTION_COMPLETED:
                    continue
                if ev["EventType"] in (replay.TASK_FAILED, replay.SUB_ORCHESTRATION_FAILED):
                    origin = scheduled.get(ev.get("TaskScheduledId"), {})
                    if ev["EventType"] == replay.TASK_FAILED:
                        rerun.append(
                            {
                                "kind": "activity",
                                "name": origin.get("Name"),
                                "input": origin.get("Input"),
                                "task_id": ev.get("TaskScheduledId"),
                                "retry": None,
                            }
                        )
                    elif origin.get("InstanceId"):
                        children.append(origin["InstanceId"])
                    ev = {
                        "EventType": replay.GENERIC_EVENT,
                        "EventId": -1,
                        "IsPlayed": True,
                        "Timestamp": ev["Timestamp"],
                        "Data": f"Rewound: {reason}",
                    }
                kept.append(ev)
            work_ids = []
            with self.store.transaction():
                self.store.clear_history(instance_id)
                self.store.append_history(instance_id, 0, kept)
                for item in rerun:
                    work_ids.append((self.store.add_work(instance_id, inst["execution_id"], item), item))
                self.store.update_instance(
                    instance_id, status="Running", output=None, updated=self.clock.now_ts()
                )
                # one episode right away: an orchestrator that failed by itself (no failed task)
                # replays and fails again instead of waiting for nothing
                nudge = {"EventType": replay.GENERIC_EVENT, "Data": f"Rewound: {reason}"}
                self.store.add_message(
                    instance_id, inst["execution_id"], {"event": nudge}, self.clock.now_ts()
                )
            self._histories.pop(instance_id, None)
            self.notify(instance_id)
        for work_id, item in work_ids:
            self.activities.dispatch(work_id, instance_id, inst["execution_id"], item)
        for child in children:
            child_inst = self.store.get_instance(child)
            if child_inst is not None and child_inst["status"] == "Failed":
                await self.rewind(child, reason)
        log.info(
            "instance %s rewound (%d activities run again, %d sub-orchestrations rewound)",
            instance_id,
            len(rerun),
            len(children),
        )
        return 202

    async def purge(self, instance_ids: list[str]) -> int:
        deleted = 0
        for instance_id in instance_ids:
            async with self.lock(instance_id):
                if self.store.get_instance(instance_id) is None:
                    continue
                with self.store.transaction():
                    self.store.delete_instance(instance_id)
                self._histories.pop(instance_id, None)
                deleted += 1
        return deleted

    def history_of(self, instance_id: str) -> list[dict[str, Any]]:
        return (
            list(self._history(instance_id))
            if instance_id in self._histories
            else self.store.load_history(instance_id)
        )
