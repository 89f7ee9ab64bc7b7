"""Every app setting c2arm reads, in one registry: name, default, meaning.

The Function App's settings (Bicep in `infra/`), `local.settings.example.json` and
`docs/operations.md` are checked against this list by tests, so a knob cannot be read without
being deployed and documented. Secrets are never given a default and never logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    description: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "MIGRATION_WINDOWS",
        "Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00",
        "Off-hours windows: `DAYS HH:MM-HH:MM` ranges separated by `;`.",
    ),
    Setting("MIGRATION_TIMEZONE", "UTC", "IANA time zone the windows are read in (DST-correct)."),
    Setting(
        "MIGRATION_SCHEDULE",
        "0 0 22 * * *",
        "NCRONTAB (UTC) of the timer that releases requests from `migration-backlog`.",
    ),
    Setting("MAX_MIGRATIONS_PER_WINDOW", "10", "Backlog requests released per scheduled run."),
    Setting(
        "APPROVERS",
        "",
        "Comma-separated Entra object ids allowed to approve or abort (a UPN is "
        "tolerated; on Azure it logs a warning).",
    ),
    Setting("TWO_PERSON_APPROVAL", "false", "When true, the requester cannot approve their own migration."),
    Setting("APPROVAL_TIMEOUT_DEFAULT", "PT72H", "Approval timeout (ISO 8601) when a request gives none."),
    Setting("COMMIT_MAX_ATTEMPTS", "5", "Commit attempts before a unit ends `NeedsSupport`."),
    Setting("PLAN_CONCURRENCY", "4", "Units a plan runs at once when the plan request gives no limit."),
    Setting(
        "OPERATION_POLL_MIN_SECONDS",
        "5",
        "Shortest wait between polls of a platform operation (each wait: 5 % of its run so far).",
    ),
    Setting("OPERATION_POLL_MAX_SECONDS", "60", "Longest wait between polls of a platform operation."),
    Setting("OPERATION_DEADLINE_MINUTES", "240", "Give up polling one platform operation after this long."),
    Setting("PROBE_TIMEOUT_SECONDS", "10", "Timeout of one data-plane probe in the check phase."),
    Setting("AZURE_CLOUD", "public", "`public`, `china` or `usgov`: ASM and ARM hosts and scopes."),
    Setting("ASM_ENDPOINT", "", "Override of the ASM base URL (the emulator locally); empty = the cloud's."),
    Setting("ARM_ENDPOINT", "", "Override of the ARM base URL (the emulator locally); empty = the cloud's."),
    Setting("AZURE_CA_BUNDLE", "", "CA bundle (PEM) for ASM and ARM; the emulator CA locally."),
    Setting("ASM_AUTH", "certificate", "`certificate` (management certificate from Key Vault) or `token`."),
    Setting("KEY_VAULT_URL", "", "Key Vault holding the ASM management certificate."),
    Setting("ASM_CERTIFICATE_NAME", "asm-management", "Name of the management certificate in Key Vault."),
    Setting("AZURE_CLIENT_ID", "", "Client id of the user-assigned managed identity (empty locally)."),
    Setting(
        "ASM_CERTIFICATE_FILE",
        "",
        "PEM file (certificate + private key) of the ASM management certificate; wins over Key Vault.",
    ),
    Setting(
        "AZURE_ACCESS_TOKEN",
        "",
        "A fixed bearer token for ASM and ARM (local runs; the emulator accepts any); empty = identity.",
        secret=True,
    ),
    Setting("AZURE_HTTP_TIMEOUT_SECONDS", "30", "Timeout of one HTTP request to ASM or ARM."),
    Setting("AZURE_QUICK_RETRIES", "3", "Quick retries of a transient failure inside one call."),
    Setting("AZURE_QUICK_RETRY_MAX_SECONDS", "10", "Longest total wait of the quick retries of one call."),
    Setting(
        "AZURE_REQUESTS_PER_SECOND",
        "5",
        "Steady requests/second per subscription, for the whole app (every instance and function group "
        "shares it: below); lowered while 429s show a lower limit.",
    ),
    Setting("AZURE_REQUESTS_BURST", "10", "Burst of requests per subscription above the steady rate."),
    Setting(
        "AzureWebJobsStorage",
        "",
        "Storage connection string (Azurite locally); Azure: the identity settings.",
        secret=True,
    ),
    Setting("AzureWebJobsStorage__accountName", "", "Storage account name for identity-based access."),
    Setting("AzureWebJobsStorage__blobServiceUri", "", "Blob endpoint (identity-based access; optional)."),
    Setting("AzureWebJobsStorage__queueServiceUri", "", "Queue endpoint (identity-based access; optional)."),
    Setting("AzureWebJobsStorage__tableServiceUri", "", "Table endpoint (identity-based access; optional)."),
    Setting("AzureWebJobsStorage__clientId", "", "Client id of the storage identity (empty = system)."),
    Setting(
        "REVIEW_TOKEN_SECRET", None, "Anti-forgery token key of the review page (Key Vault ref).", secret=True
    ),
    Setting("PUBLIC_BASE_URL", "", "Origin used in links (status, review, approve); empty = the request's."),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def read_setting(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The value of a registered setting from the environment, or its default.

    Raises KeyError for a name that is not registered (so every knob goes through the registry)
    and ValueError for a required setting (no default) that is not set.
    """
    setting = BY_NAME[name]
    env = os.environ if environ is None else environ
    value = env.get(name)
    if value is None or value == "":
        if setting.default is None:
            raise ValueError(f"app setting {name} is required and not set")
        return setting.default
    return value
