"""Pausing the cyclic garbage collector while the core builds large, acyclic results.

The core's big steps (loading an estate, prechecks, the plan, the expected ARM resources) each
allocate hundreds of thousands of small containers that all stay alive until the step returns.
CPython's collector is triggered by allocation counts, and each full collection walks every
tracked object allocated since the last one — so on a 20,000-role estate a single step paid for
several walks of its own growing result (measured: 0.6 s of 3.3 s in `bench/core.py`), making
the cost grow faster than the estate. None of these results contain reference cycles, so nothing
is lost by collecting once afterwards instead of repeatedly during the step: reference counting
frees everything as usual. The collector's previous state is restored on the way out; a nested
or concurrent pause leaves it to the outermost one.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off (restored afterwards)."""
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def bulk(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of `collector_paused` for the core's large-result entry points."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_paused():
            return fn(*args, **kwargs)

    return wrapper
