"""Assembling the devhost: settings, app, state db, clock, engine, HTTP server, triggers."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from devhost.activities import ActivityRunner
from devhost.app_loader import load_app
from devhost.auth import AuthEmulation
from devhost.clock import VirtualClock
from devhost.durable_api import DurableApi
from devhost.engine import Engine
from devhost.http_api import HttpTriggers
from devhost.keys import load_or_create
from devhost.settings import apply_local_settings, load_host_json
from devhost.store import Store

log = logging.getLogger("devhost")
LOOPBACK = "127.0.0.1"
CLOCK_KEY = "clock_anchor"


@dataclass
class HostOptions:
    app_dir: Path
    port: int
    state: Path
    keys: Path
    time_scale: float = 1.0
    start_time: datetime | None = None
    auth: bool = True  # emulate App Service authentication (devhost.auth)


def load_clock(store: Store, scale: float, start: datetime | None) -> VirtualClock:
    """Continue the stored timeline (see devhost.clock) and persist the new anchor."""
    raw = store.get_meta(CLOCK_KEY)
    stored: tuple[float, float, float] | None = None
    if raw:
        values = [float(x) for x in raw.split(",")]
        if len(values) != 3:
            raise ValueError(f"devhost state: the clock anchor {raw!r} is not three numbers")
        stored = (values[0], values[1], values[2])
    clock = VirtualClock.resume(stored, scale, start)
    with store.transaction():
        store.set_meta(CLOCK_KEY, ",".join(repr(x) for x in clock.anchor))
    return clock


class DevHost:
    """One running host. `start()` raises AppError/KeysError/ValueError with a clear message."""

    def __init__(self, options: HostOptions) -> None:
        self.options = options
        self.runner: web.AppRunner | None = None
        self.parts: list[Any] = []

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.options.port}"

    async def start(self) -> None:
        opts = self.options
        os.environ["WEBSITE_HOSTNAME"] = f"localhost:{opts.port}"
        os.environ.setdefault("AZURE_FUNCTIONS_ENVIRONMENT", "Development")
        applied = apply_local_settings(opts.app_dir, os.environ)
        if applied:
            log.info("app settings from local.settings.json: %s", ", ".join(sorted(applied)))
        # the platform's setting, not the app's: App Service sets it when authentication is on
        os.environ.pop("WEBSITE_AUTH_ENABLED", None)
        if opts.auth:
            os.environ["WEBSITE_AUTH_ENABLED"] = "True"
        config = load_host_json(opts.app_dir)
        keys = load_or_create(opts.keys)
        app = load_app(opts.app_dir, config.route_prefix)
        store = Store(opts.state)
        clock = load_clock(store, opts.time_scale, opts.start_time)
        self.store, self.clock, self.app, self.config = store, clock, app, config
        orchestrators = {s.name: s for s in app.of_type("orchestrationTrigger")}
        activities = {s.name: s for s in app.of_type("activityTrigger")}
        entities = {s.name.lower(): s for s in app.of_type("entityTrigger")}
        engine = Engine(
            store,
            clock,
            orchestrators,
            config.max_orchestrators,
            entities,
            dedupe_running=config.overridable_states == "NonRunningStates",
        )
        durable = DurableApi(engine, config.hub_name, self.base_url)
        client_json = durable.binding()
        runner = ActivityRunner(
            engine, activities, config.max_activities, client_json, str(opts.app_dir), config.http_poll_ms
        )
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="function")
        self.engine, self.activity_runner, self.durable = engine, runner, durable
        self.client_json = client_json
        from devhost.triggers import Triggers  # queue + timer triggers

        self.triggers = Triggers(self)
        http = HttpTriggers(
            app, keys, lambda: client_json, self.executor, str(opts.app_dir), self.triggers.run_now
        )
        auth = AuthEmulation(keys.master) if opts.auth else None
        web_app = web.Application(
            client_max_size=100 * 1024 * 1024, middlewares=[auth.middleware] if auth else []
        )
        web_app.add_routes(durable.routes())
        if auth:
            web_app.add_routes(auth.routes())
        web_app.add_routes(http.routes())
        self.runner = web.AppRunner(web_app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, LOOPBACK, opts.port, reuse_address=True)
        await site.start()
        await engine.start()
        resumed = runner.resume()
        await self.triggers.start()
        unfinished = len(store.unfinished_instance_ids())
        log.info(
            "loaded %d functions; %d unfinished instances, %d activities re-run; virtual time %s (scale %s)",
            len(app.functions),
            unfinished,
            resumed,
            clock.now().isoformat(),
            clock.scale,
        )

    async def stop(self) -> None:
        log.info("stopping")
        if hasattr(self, "triggers"):
            await self.triggers.stop()
        if hasattr(self, "activity_runner"):
            await self.activity_runner.stop()
        if hasattr(self, "engine"):
            await self.engine.stop()
        # the SDK's shared aiohttp session (starters' client calls back into this host)
        from azure.durable_functions.models.utils import http_utils

        await http_utils._close_session()
        log.info("stopping the HTTP server")
        if self.runner is not None:
            await self.runner.cleanup()
        log.info("stopped")
        if hasattr(self, "store"):
            with self.store.transaction():
                self.store.set_meta(CLOCK_KEY, ",".join(repr(x) for x in self.clock.anchor))
            self.store.close()
