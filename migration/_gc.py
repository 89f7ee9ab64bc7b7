"""Pausing the cyclic garbage collector while the core builds large, acyclic results.

The core's big steps (loading an estate, prechecks, the plan, the expected ARM resources) each
allocate hundreds of thousands of small containers that all stay alive until the step returns.
CPython's collector is triggered by allocation counts, and each full collection walks every
tracked object allocated since the last one — so on a 20,000-role estate a single step paid for
several walks of its own growing result (measured: 0.6 s of 3.3 s in `bench/core.py`), making
the cost grow faster than the estate. None of these results contain reference cycles, so nothing
is lost by collecting once afterwards instead of repeatedly during the step: reference counting
frees everything as usual. The collector's previous state is restored on the way out; a nested
or concurrent pause leaves it to the outermost one. The pause itself is `estate_yaml`'s (the
reader pauses it the same way while it builds a document); this module adds the decorator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from estate_yaml import collector_paused

P = ParamSpec("P")
R = TypeVar("R")


def bulk(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of `collector_paused` for the core's large-result entry points."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_paused():
            return fn(*args, **kwargs)

    return wrapper
