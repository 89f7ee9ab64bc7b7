"""Waiting in tests: poll a check with a deadline (never a bare sleep), failing with what was awaited.

The one way tests wait for something another process (or task) does: every poll loop in the
suite goes through `wait_for` (or `wait_for_async` on an event loop), so a timeout always fails
the test, naming what it waited for and the last answer seen, and never returns silently.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


def wait_for(
    check: Callable[[], Any],
    timeout: float = 60,
    what: str = "condition",
    interval: float = 0.1,
    until: Callable[[Any], bool] = bool,
) -> Any:
    """Poll `check` until `until(answer)` holds (by default: the answer is truthy) and return that
    answer; after `timeout` s fail naming `what` and the last answer."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if until(last):
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


async def wait_for_async(
    check: Callable[[], Awaitable[Any]],
    timeout: float = 60,
    what: str = "condition",
    interval: float = 0.1,
    until: Callable[[Any], bool] = bool,
) -> Any:
    """`wait_for` on an event loop: awaits `check` and sleeps without blocking the loop."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if until(last):
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")
