"""`c2arm capture`: the estate file of a live subscription, to rehearse it on the emulator first.

Reads the subscription's classic estate through the connectors' ASM client (the same reads a
unit's snapshot makes, `connectors.asm.snapshot.read_estate`) and writes it with the core's
`dump_estate_yaml`, so `c2arm up --estate FILE` can stand the same estate up locally.

Where it reads from: Azure, configured by the app's own settings in the environment
(`AZURE_CLOUD`, `ASM_AUTH`, `ASM_CERTIFICATE_FILE` or `KEY_VAULT_URL`, `AZURE_CLIENT_ID` …; see
`connectors/app_settings.py`), or with `--local` the local stack's emulator (`stack.json`).

What the classic API does not report cannot be captured, and the file says so in its header:
alerts, autoscale settings, RBAC assignments, blob sizes of disks, ARM quotas, the migration
provider's registration and ExpressRoute circuits keep the format's defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from cli.api_client import DEFAULT_STATE_DIR, ConfigError, read_stack_raw
from connectors.connection import Connection

err = Console(stderr=True)
NOT_CAPTURED = (
    "alerts, autoscale settings, RBAC assignments, disk blob sizes, and the ARM facts: ARM quotas, "
    "the migration provider's registration and whether an ExpressRoute circuit was moved to ARM"
)
HELP = (
    "Write a live subscription's classic estate as an estate file (YAML).\n\n"
    "Azure is reached with the app's own settings, from the environment: AZURE_CLOUD (public, china, "
    "usgov); ASM_AUTH=certificate (the default) with ASM_CERTIFICATE_FILE (a PEM holding the certificate "
    "and its key) or KEY_VAULT_URL + ASM_CERTIFICATE_NAME (+ AZURE_CLIENT_ID for a user-assigned "
    "identity); or ASM_AUTH=token with AZURE_ACCESS_TOKEN, else an Entra token of the signed-in "
    "identity (Azure CLI login, managed identity). "
    "AZURE_CA_BUNDLE, ASM_ENDPOINT and ARM_ENDPOINT only override. --local reads the local stack's "
    "emulator and needs none of them.\n\n"
    "Not in any classic read, so left at the format's defaults (the file's header says so, and a "
    "precheck of the file cannot see them): alerts (C2A-503), autoscale settings (C2A-504), RBAC "
    "assignments (C2A-505), disk blob sizes (C2A-206), ARM quotas (C2A-304), the migration provider's "
    "registration (C2A-001) and a circuit moved to ARM (C2A-401)."
)
LOCAL_TOKEN = "c2arm-capture"  # the emulator accepts any non-empty bearer token  # noqa: S105


def _settings_env(local: bool, state_dir: Path) -> tuple[dict[str, str] | None, str | None]:
    """(environment for `AzureSettings.from_env`, the stack's subscription) — None = the real env."""
    if not local:
        return None, None
    stack = read_stack_raw(state_dir)
    missing = [k for k in ("emulatorUrl", "caFile") if not stack.get(k)]
    if missing:
        raise ConfigError(f"{state_dir / 'stack.json'} lacks {', '.join(missing)}; restart with `c2arm up`")
    url = str(stack["emulatorUrl"]).rstrip("/")
    env = {
        "ASM_ENDPOINT": url,
        "ARM_ENDPOINT": url,
        "AZURE_CA_BUNDLE": str(stack["caFile"]),
        "ASM_AUTH": "token",
        "AZURE_ACCESS_TOKEN": LOCAL_TOKEN,
        "AZURE_REQUESTS_PER_SECOND": "100",
        "AZURE_REQUESTS_BURST": "100",
    }
    return env, stack.get("subscriptionId")


def capture(
    subscription: str | None = typer.Option(
        None, "--subscription", help="Subscription id (GUID); default with --local: the stack's."
    ),
    out_file: Path | None = typer.Option(None, "--out", help="Estate file to write (default: stdout)."),
    local: bool = typer.Option(
        False, "--local", help="Read the local stack's emulator instead of Azure (no auth settings needed)."
    ),
    state_dir: Path = typer.Option(
        DEFAULT_STATE_DIR, "--state-dir", help="Folder of the stack's stack.json."
    ),
) -> None:
    """Write a live subscription's classic estate as an estate file (YAML)."""
    from connectors.asm.client import AsmClient
    from connectors.asm.snapshot import read_estate
    from connectors.cloud import AzureSettings
    from connectors.errors import AzureCallError
    from migration.estate import dump_estate_yaml

    try:
        env, stack_subscription = _settings_env(local, state_dir)
    except ConfigError as exc:
        err.print(f"c2arm: {exc}", highlight=False, soft_wrap=True, markup=False)
        raise typer.Exit(1) from None
    subscription = subscription or stack_subscription
    if not subscription:
        err.print("c2arm: --subscription required (or --local with a running stack)", highlight=False)
        raise typer.Exit(2)
    try:
        settings = AzureSettings.from_env(env)
        with AsmClient.connect(Connection(settings, subscription)) as client:
            estate = read_estate(client)
    except AzureCallError as exc:
        err.print(
            f"c2arm: capture of {subscription} failed: {exc}", highlight=False, soft_wrap=True, markup=False
        )
        raise typer.Exit(1) from None
    header = (
        f"# Captured by c2arm capture from subscription {subscription}.\n"
        f"# Not reported by the classic API, so left at the format's defaults: {NOT_CAPTURED}.\n"
    )
    text = header + dump_estate_yaml(estate)
    if out_file is None:
        sys.stdout.write(text)
    else:
        tmp = out_file.with_name(out_file.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out_file)
    counts = {
        "virtual networks": len(estate.virtual_networks),
        "cloud services": len(estate.cloud_services),
        "storage accounts": len(estate.storage_accounts),
        "reserved IPs": len(estate.reserved_ips),
        "NSGs": len(estate.network_security_groups),
        "route tables": len(estate.route_tables),
    }
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    where = f" → {out_file}" if out_file else ""
    err.print(f"captured {subscription}: {summary}{where}", highlight=False, soft_wrap=True)
