"""Import an app's `function_app.py` and discover its functions, as the Python worker does.

The module is imported under its own name (`function_app`) with the app folder first on
`sys.path`, so custom classes (`__module__ == "function_app"`) decode in activities. Anything the
devhost cannot run fails start-up with a clear message: an import error (with its traceback), an
unknown trigger or binding type, a reserved or colliding route.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost.routes import Route, compile_route
from devhost.settings import AppError

TRIGGERS = {
    "httpTrigger",
    "queueTrigger",
    "timerTrigger",
    "orchestrationTrigger",
    "activityTrigger",
    "entityTrigger",
}
EXTRA_BINDINGS = {"durableClient", "http"}
ALL_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE")


@dataclass
class FunctionSpec:
    name: str
    trigger_type: str
    trigger: dict[str, Any]
    trigger_arg: str
    fn: Callable[..., Any]
    client_arg: str | None = None
    bindings: list[dict[str, Any]] = field(default_factory=list)
    route: Route | None = None
    methods: tuple[str, ...] = ()

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.fn)

    @property
    def auth_level(self) -> str:
        return str(self.trigger.get("authLevel", "FUNCTION")).lower()


@dataclass
class LoadedApp:
    functions: dict[str, FunctionSpec]
    module: Any

    def of_type(self, trigger_type: str) -> list[FunctionSpec]:
        return [f for f in self.functions.values() if f.trigger_type == trigger_type]


def _import(app_dir: Path) -> Any:
    path = app_dir / "function_app.py"
    if not path.exists():
        raise AppError(f"{path} does not exist: the devhost runs Python v2-model apps (function_app.py)")
    sys.path.insert(0, str(app_dir))
    spec = importlib.util.spec_from_file_location("function_app", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["function_app"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop("function_app", None)
        raise AppError(f"importing {path} failed:\n{traceback.format_exc()}") from exc
    return module


def _find_app(module: Any) -> Any:
    import azure.functions as func

    apps = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
    if len(apps) != 1:
        raise AppError(
            f"function_app.py must define exactly one FunctionApp/DFApp at module level, found {len(apps)}"
        )
    return apps[0]


def _disabled(name: str) -> bool:
    return os.environ.get(f"AzureWebJobs.{name}.Disabled", "").lower() in ("true", "1")


def _spec_of(function: Any, route_prefix: str) -> FunctionSpec:
    name = function.get_function_name()
    bindings = [json.loads(b) for b in function.get_raw_bindings()]
    trigger = next((b for b in bindings if b.get("type", "").endswith("Trigger")), None)
    if trigger is None:
        raise AppError(f"function {name!r} has no trigger")
    if trigger["type"] not in TRIGGERS:
        raise AppError(
            f"function {name!r}: trigger type {trigger['type']!r} is not supported by the devhost "
            f"(supported: {', '.join(sorted(TRIGGERS))})"
        )
    client_arg = None
    for binding in bindings:
        if binding is trigger:
            continue
        kind = binding.get("type")
        if kind not in EXTRA_BINDINGS:
            raise AppError(f"function {name!r}: binding type {kind!r} is not supported by the devhost")
        if kind == "durableClient":
            client_arg = binding["name"]
    spec = FunctionSpec(
        name, trigger["type"], trigger, trigger["name"], function.get_user_function(), client_arg, bindings
    )
    if spec.trigger_type == "httpTrigger":
        route = trigger.get("route") or name
        first = route.strip("/").split("/")[0].lower()
        if first in ("admin", "runtime"):
            raise AppError(f"function {name!r}: route {route!r} starts with reserved segment {first!r}")
        full = f"{route_prefix}/{route.strip('/')}" if route_prefix else route.strip("/")
        spec.route = compile_route(full)
        spec.methods = tuple(m.upper() for m in (trigger.get("methods") or ALL_METHODS))
    return spec


def load_app(app_dir: Path, route_prefix: str) -> LoadedApp:
    """Import the app and return its enabled functions by name."""
    module = _import(app_dir)
    app = _find_app(module)
    try:
        functions = app.get_functions()
    except Exception as exc:
        raise AppError(f"indexing the functions of {app_dir / 'function_app.py'} failed: {exc}") from exc
    specs: dict[str, FunctionSpec] = {}
    for function in functions:
        spec = _spec_of(function, route_prefix)
        if not _disabled(spec.name):
            specs[spec.name] = spec
    _check_collisions([s for s in specs.values() if s.route is not None])
    return LoadedApp(specs, module)


def _check_collisions(http: list[FunctionSpec]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for spec in http:
        assert spec.route is not None
        shape = re.sub(r"\?P<\w+>", "", spec.route.pattern.pattern).lower()
        for method in spec.methods:
            other = seen.get((shape, method))
            if other is not None:
                raise AppError(
                    f"functions {other!r} and {spec.name!r} both serve {method} "
                    f"/{spec.route.template}: routes collide"
                )
            seen[(shape, method)] = spec.name
