"""Calling user functions the way the Python worker does: keyword arguments by binding name,
async functions on the event loop, sync ones in a thread pool, an optional `context` argument.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from typing import Any


@dataclass
class InvocationContext:
    """Stands in for `func.Context` (invocation id, function name and directory)."""

    function_name: str
    function_directory: str
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    trace_context: Any = None
    retry_context: Any = None
    thread_local_storage: Any = None


@functools.cache
def _has_context_parameter(fn: Callable[..., Any]) -> bool:
    """Whether `fn` declares a `context` parameter (its signature, read once per function)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "context" in params


def _wants_context(fn: Callable[..., Any], bound: dict[str, Any]) -> bool:
    if "context" in bound:
        return False
    try:
        return _has_context_parameter(fn)
    except TypeError:  # an unhashable callable: read its signature every time
        return bool(_has_context_parameter.__wrapped__(fn))


async def call_user_function(
    fn: Callable[..., Any], kwargs: dict[str, Any], executor: Executor, name: str, app_dir: str
) -> Any:
    """Run `fn(**kwargs)`: awaited when async, else in `executor` (never blocking the loop)."""
    target = getattr(fn, "client_function", fn)  # the SDK's durable-client wrapper keeps the user code here
    if _wants_context(target, kwargs):
        kwargs = {**kwargs, "context": InvocationContext(name, app_dir)}
    if inspect.iscoroutinefunction(fn):
        return await fn(**kwargs)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, partial(fn, **kwargs))
