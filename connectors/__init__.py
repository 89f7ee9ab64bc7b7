"""The only code in c2arm that talks to Azure (ASM, ARM, storage, credentials).

Public API (see docs/connectors.md):

- `connectors.cloud.AzureSettings.from_env()` — cloud hosts and scopes, endpoint overrides, CA
  bundle, auth mode, retry and rate settings; `ConfigurationError` names a bad setting.
- `connectors.credentials` — `StaticTokenCredential`, `token_credential(settings)`,
  `ManagementCertificate` (PEM file, PFX, Key Vault), `ssl_context(ca, certificate)`.
- `connectors.connection.Connection(settings, subscription_id, credential=None, limiter=None)` —
  what every connector is built from (`AsmClient.connect`, `ArmReader.connect`,
  `ComputeConnector.connect`).
- `connectors.asm.AsmClient.connect(connection)` — validate, start
  prepare/commit/abort, `operation_status`, `migration_state`, the `…_unless_…` idempotent starts;
  `connectors.asm.snapshot.read_estate(client)` — the subscription's classic estate as the core's
  model.
- `connectors.arm.ArmReader.connect(connection)` — `migrated_resources(unit)`;
  `connectors.arm_facts.with_arm_facts(estate, reader, circuit_keys)` — provider registration,
  network quotas, ExpressRoute circuits moved to ARM (`read_snapshot` gives the circuit keys).
- `connectors.storage.Storage.from_env()` — snapshots, reports, audit, queues.
- `connectors.errors` — `TransientError` / `PermanentError` (`ConfigurationError`), `Reason`.
- `connectors.ratelimit.shared_limiter()` — the process-wide per-subscription limiter.
"""
