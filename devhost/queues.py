"""Queue triggers on Azure Storage queues (Azurite locally).

Per host.json `extensions.queues`: batchSize, polling backoff capped at maxPollingInterval (2 s
in Development by default), visibilityTimeout after a failure, maxDequeueCount → `<queue>-poison`
(message text unchanged), base64 or none encoding (invalid base64 → poison at once). Messages are
received with a 10-minute invisibility; messages run concurrently and the next batch is fetched
once no more than newBatchThreshold (default batchSize/2 × CPUs) are in flight.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import random
import traceback
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.functions.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from devhost.app_loader import FunctionSpec
from devhost.invoke import call_user_function
from devhost.settings import QueueOptions, resolve_setting

log = logging.getLogger("devhost.queues")
RECEIVE_INVISIBILITY = 600


def connection_string(name: str | None, environ: Any = os.environ) -> tuple[str, str | None]:
    """Resolve a `connection` to (setting name, value): AzureWebJobsX, X, ConnectionStrings:X."""
    if not name:
        candidates = ["AzureWebJobsStorage"]
    else:
        candidates = [f"AzureWebJobs{name}", name, f"ConnectionStrings:{name}"]
    for candidate in candidates:
        if environ.get(candidate):
            return candidate, environ[candidate]
    return candidates[0], None


class QueueListener:
    def __init__(self, spec: FunctionSpec, host: Any, options: QueueOptions) -> None:
        self.spec = spec
        self.host = host
        self.options = options
        self.queue_name = resolve_setting(
            str(spec.trigger["queueName"]), os.environ, f"function {spec.name!r}"
        ).lower()
        self.connection = spec.trigger.get("connection") or "AzureWebJobsStorage"
        self.setting, self.conn = connection_string(spec.trigger.get("connection"))
        threshold = options.new_batch_threshold
        self.threshold = (
            threshold if threshold is not None else options.batch_size // 2 * (os.cpu_count() or 1)
        )

    def decode(self, content: str) -> bytes | None:
        if self.options.message_encoding == "none":
            return content.encode("utf-8")
        try:
            return base64.b64decode(content.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            return None

    async def _poison(self, client: QueueClient, message: Any, why: str) -> None:
        poison = QueueClient.from_connection_string(self.conn or "", f"{self.queue_name}-poison")
        async with poison:
            with contextlib.suppress(ResourceExistsError):
                await poison.create_queue()
            await poison.send_message(message.content)
        await client.delete_message(message)
        log.warning(
            "queue %s: message %s moved to %s-poison (%s)", self.queue_name, message.id, self.queue_name, why
        )

    async def invoke(self, body: bytes, **meta: Any) -> None:
        kwargs: dict[str, Any] = {self.spec.trigger_arg: QueueMessage(body=body, **meta)}
        if self.spec.client_arg:
            kwargs[self.spec.client_arg] = self.host.client_json
        await call_user_function(
            self.spec.fn, kwargs, self.host.executor, self.spec.name, str(self.host.options.app_dir)
        )

    async def handle(self, client: QueueClient, message: Any) -> None:
        if message.dequeue_count > self.options.max_dequeue_count:
            await self._poison(client, message, "dequeue count over the limit before running")
            return
        body = self.decode(message.content)
        if body is None:
            await self._poison(client, message, "body is not valid base64")
            return
        try:
            await self.invoke(
                body,
                id=message.id,
                dequeue_count=message.dequeue_count,
                insertion_time=message.inserted_on,
                expiration_time=message.expires_on,
                time_next_visible=message.next_visible_on,
                pop_receipt=message.pop_receipt,
            )
        # the host's boundary around app code: whatever the function raises, the message is
        # retried, then poisoned at the dequeue limit (the host's queue trigger contract)
        except Exception:  # noqa: BLE001
            log.error(
                "queue function %s failed on message %s (dequeue count %s):\n%s",
                self.spec.name,
                message.id,
                message.dequeue_count,
                traceback.format_exc().rstrip(),
            )
            if message.dequeue_count >= self.options.max_dequeue_count:
                await self._poison(client, message, f"failed {message.dequeue_count} times")
            else:
                await client.update_message(message, visibility_timeout=int(self.options.visibility_timeout))
            return
        await client.delete_message(message)

    async def loop(self) -> None:
        if self.conn is None:
            name = self.connection
            log.error(
                "function %s: connection %r resolves to no app setting (tried AzureWebJobs%s, %s, "
                "ConnectionStrings:%s); its queue trigger is not listening",
                self.spec.name,
                name,
                name,
                name,
                name,
            )
            return
        client = QueueClient.from_connection_string(self.conn, self.queue_name)
        misses = 0
        inflight: set[asyncio.Task[None]] = set()
        async with client:
            try:
                while True:
                    if len(inflight) > self.threshold:  # fetch more once in-flight ≤ newBatchThreshold
                        await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    batch = await self._receive(client)
                    if batch:
                        misses = 0
                        for message in batch:
                            task = asyncio.create_task(self.handle(client, message))
                            inflight.add(task)
                            task.add_done_callback(inflight.discard)
                        continue
                    misses += 1
                    delay = 0.1 + random.uniform(0.8, 1.2) * (2 ** (misses - 1)) * 0.1
                    await asyncio.sleep(min(delay, self.options.max_polling_interval))
            finally:
                for task in inflight:
                    task.cancel()

    async def _receive(self, client: QueueClient) -> list[Any]:
        try:
            pager = client.receive_messages(
                messages_per_page=self.options.batch_size, visibility_timeout=RECEIVE_INVISIBILITY
            )
            async for page in pager.by_page():
                return [m async for m in page][: self.options.batch_size]
        except ResourceNotFoundError:
            pass
        except AzureError as exc:  # storage down or refusing: keep polling with backoff
            log.warning("queue %s: receive failed (%s)", self.queue_name, type(exc).__name__)
        return []
