"""What every activity shares: clients built once per worker, and the error convention.

Activities are the only place the workflow does I/O. Each returns a JSON dict. A permanent
platform refusal comes back as `{"error": {"code", "message", "reason"}}` — the orchestrator
ends the unit with the platform's words instead of retrying; a transient failure raises, so
`call_activity_with_retry` tries again. Configuration errors raise too (nothing the platform
said; the unit fails with the setting named).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from connectors.arm import ArmReader
from connectors.arm_facts import with_arm_facts
from connectors.asm import AsmClient
from connectors.asm.scoped import CountingClient, read_scoped
from connectors.asm.snapshot import ClassicSnapshot, read_snapshot
from connectors.cloud import AzureSettings
from connectors.connection import Connection
from connectors.errors import AzureCallError, ConfigurationError, PermanentError
from connectors.ratelimit import shared_limiter
from connectors.shared_budget import SharedBudget
from connectors.storage import Storage
from migration.estate import Estate
from migration.neighbourhood import Inventory, inventory_of
from migration.requests import MigrationRequest, Unit
from migration.text import install_log_escaping
from migration.units import UnitRef

log = logging.getLogger("c2arm.activities")
install_log_escaping()  # one record is one line, whatever a request or the platform sends
_lock = threading.Lock()
_asm: dict[str, AsmClient] = {}


@functools.cache
def azure_settings() -> AzureSettings:
    """The settings; the process's limiter joins the subscription budget every instance shares
    (`connectors.shared_budget`, in c2arm's table storage) when they are first read."""
    settings = AzureSettings.from_env()
    shared_limiter(settings.requests_per_second, settings.requests_burst).share(SharedBudget(storage().table))
    return settings


@functools.cache
def storage() -> Storage:
    """c2arm's storage (containers, queues, audit table created once per process)."""
    store = Storage.from_env()
    store.ensure()
    return store


def asm(subscription_id: str) -> AsmClient:
    """The classic client of one subscription, shared by the activities of this worker."""
    with _lock:
        client = _asm.get(subscription_id)
        if client is None:
            client = AsmClient.connect(
                Connection(azure_settings(), subscription_id),
                arm_side=functools.partial(_arm_side, subscription_id),
            )
            _asm[subscription_id] = client
        return client


def _arm_side(subscription_id: str, unit: Unit) -> bool:
    """Whether `<unit>-Migrated` exists: how the ASM client tells a prepared reserved IP, NSG or
    route table (they report no `MigrationState`)."""
    reader = ArmReader.connect(Connection(azure_settings(), subscription_id))
    try:
        return reader.group_exists(f"{unit.name}-Migrated")
    finally:
        reader.close()


def live_estate(subscription_id: str) -> Estate:
    """The subscription's classic estate (ASM reads) plus the ARM facts the prechecks need
    (migration provider registration, remaining network quotas, circuits moved to ARM).

    A full read: it also refreshes the subscription's inventory, which the units' scoped
    snapshots use to find their neighbourhood (`unit_estate`)."""
    return _full(subscription_id)[0]


def _full(subscription_id: str) -> tuple[Estate, dict[str, Any]]:
    client = CountingClient(asm(subscription_id))
    classic = read_snapshot(client)
    storage().put_inventory(subscription_id, inventory_of(classic.estate).to_dict())
    return _with_facts(subscription_id, classic), {"scope": "subscription", "classicGets": client.gets}


def unit_estate(subscription_id: str, unit: UnitRef) -> tuple[Estate, dict[str, Any]]:
    """`unit`'s scoped snapshot (its neighbourhood read fresh, `connectors.asm.scoped`) plus the
    ARM facts, and how it was read (`{scope, classicGets, neighbourhood}`). Without an inventory
    yet (the subscription's first snapshot outside a plan) the whole subscription is read once,
    which writes the inventory."""
    known = storage().get_inventory(subscription_id)
    if known is None:
        return _full(subscription_id)
    inventory = Inventory.from_dict(known)
    scoped = read_scoped(asm(subscription_id), unit, inventory)
    if scoped.inventory != inventory:  # services created or gone since: keep the map current
        storage().put_inventory(subscription_id, scoped.inventory.to_dict())
    how = {
        "scope": "neighbourhood",
        "classicGets": scoped.gets,
        "neighbourhood": scoped.neighbourhood.to_dict(),
    }
    return _with_facts(subscription_id, scoped.snapshot), how


def _with_facts(subscription_id: str, classic: ClassicSnapshot) -> Estate:
    reader = ArmReader.connect(Connection(azure_settings(), subscription_id))
    try:
        return with_arm_facts(classic.estate, reader, classic.circuit_keys)
    finally:
        reader.close()


def request_of(payload: dict[str, Any]) -> MigrationRequest:
    """The request carried in an activity's input (validated when the migration was accepted)."""
    return MigrationRequest.model_validate(payload["request"])


def error_body(error: AzureCallError) -> dict[str, Any]:
    """A permanent failure as the orchestrator's `error` dict: the platform's code and message."""
    return {
        "code": error.code or str(error.reason),
        "message": error.message,
        "reason": str(error.reason),
        "status": error.status,
        "requestId": error.request_id,
    }


def phase(fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    """Apply the error convention to one activity body, and log it with the unit id."""

    @functools.wraps(fn)
    def run(payload: dict[str, Any]) -> Any:
        unit_id = payload.get("id") if isinstance(payload, dict) else None
        try:
            result = fn(payload)
        except ConfigurationError:
            log.error("activity %s for %s: configuration error", fn.__name__, unit_id)
            raise
        except PermanentError as error:
            log.warning("activity %s for %s: permanent: %s", fn.__name__, unit_id, error.message)
            return {"error": error_body(error)}
        except AzureCallError as error:  # transient: let the durable retry run it again
            log.info("activity %s for %s: transient: %s", fn.__name__, unit_id, error.message)
            raise
        log.info("activity %s for %s: done", fn.__name__, unit_id)
        # a contract model (migration.workflow) travels as plain JSON, never the SDK's envelope
        return result.to_json() if hasattr(result, "to_json") else result

    return run
