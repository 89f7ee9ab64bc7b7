"""What migrates but silently changes or is lost (→ warning), and what is worth knowing (→ info)."""

from __future__ import annotations

from collections.abc import Iterator

from migration.prechecks.catalogue import SUBSCRIPTION, Hit, rule, unit_hit
from migration.prechecks.context import Context

REF = "Unsupported features and configurations"
ARM_WRITE_LIMIT_VMS = 400


@rule(
    "C2A-501",
    "warning",
    "VMs outside a virtual network are stopped and get new IPs",
    reference="Required order 5: cloud services not in a VNet",
    remedy="Plan the downtime; reserve the VIP first if its address must survive; update anything that uses "
    "the private IPs.",
)
def outside_vnet(ctx: Context) -> Iterator[Hit]:
    reserved = {
        c.deployment.reserved_ip
        for c in ctx.estate.cloud_services
        if c.deployment and c.deployment.reserved_ip
    }
    reserved_by = {r.cloud_service for r in ctx.estate.reserved_ips if r.cloud_service}
    for service, d in ctx.iaas_deployments():
        if d.virtual_network or not d.roles:
            continue
        has_reserved = (d.reserved_ip in reserved) or service.name in reserved_by
        vip = "" if has_reserved or not d.has_input_endpoints else " Its VIP is not reserved and will change."
        yield unit_hit(
            f"cloudService/{service.name}",
            f"The {len(d.roles)} VM(s) of {service.name!r} are not in a virtual network: prepare stops and "
            f"deallocates them and they get new private IPs.{vip}",
        )


@rule(
    "C2A-502",
    "warning",
    "XML extension is dropped",
    reference=REF + ": XML extensions (BGInfo 1.*, Visual Studio Debugger, Web Deploy, Remote Debugging)",
    remedy="Re-install the extension's ARM (JSON) version after migration if it is still needed.",
)
def xml_extensions(ctx: Context) -> Iterator[Hit]:
    for at, ext in ctx.extensions:
        if ext.xml:
            yield at.hit(
                f"XML extension {ext.name} {ext.version} on VM {at.role.name!r} is not migrated.",
                part=f"/extension/{ext.name}",
            )


@rule(
    "C2A-503",
    "warning",
    "Alerts are dropped",
    reference=REF + ": alerts and autoscale policies (dropped)",
    remedy="Re-create the alert rules in Azure Monitor after migration.",
)
def alerts(ctx: Context) -> Iterator[Hit]:
    for service in ctx.estate.cloud_services:
        if service.alerts:
            yield ctx.service_hit(
                service, f"{service.alerts} alert rule(s) of {service.name!r} are dropped by the migration."
            )


@rule(
    "C2A-504",
    "warning",
    "Autoscale is dropped",
    reference=REF + ": alerts and autoscale policies (dropped)",
    remedy="Re-create the scaling rules in ARM (e.g. a scale set or automation) after migration.",
)
def autoscale(ctx: Context) -> Iterator[Hit]:
    for service in ctx.estate.cloud_services:
        if service.autoscale:
            yield ctx.service_hit(
                service,
                f"{service.autoscale} autoscale setting(s) of {service.name!r} are dropped by the migration.",
            )


@rule(
    "C2A-505",
    "warning",
    "RBAC assignments on classic resources must be re-created",
    reference=REF + ": RBAC assignments on classic resources",
    remedy="Re-create the assignment on the new ARM resource (the report lists classic → ARM ids). "
    "Assignments at subscription scope are not affected.",
)
def rbac(ctx: Context) -> Iterator[Hit]:
    """Assignments on a migrated resource are lost with its classic id. One at subscription scope
    covers the new ARM resources as it covered the classic ones, so it is not a finding."""
    services = ctx.service_unit
    for assignment in ctx.estate.rbac:
        scope = assignment.scope
        if scope.casefold() == "subscription":
            continue
        kind, _, name = scope.partition("/")
        unit = services.get(name) if kind.casefold() == "cloudservice" else scope
        if unit not in ctx.unit_names:
            unit = SUBSCRIPTION
        yield Hit(
            unit,
            f"rbac/{assignment.principal}/{assignment.role}",
            f"{assignment.role} for {assignment.principal} on {scope} is not carried over: "
            "resource ids change.",
        )


@rule(
    "C2A-506",
    "warning",
    "Prepared storage account: management plane locked until commit or abort",
    reference=(
        "Microsoft docs, classic-account-migration-process: 'There is no set window of time before "
        "which you need to commit or abort … management plane operations are locked for the classic "
        "storage account until you either abort or commit'"
    ),
    remedy="Do management changes (e.g. key regeneration) before prepare or after commit; there is no "
    "deadline to commit.",
)
def storage_locked(ctx: Context) -> Iterator[Hit]:
    """The platform sets no window between prepare and commit (Microsoft docs; the 30-day
    automatic commit this rule used to warn of has no source and the docs contradict it), but a
    prepared account's management plane is locked while it waits."""
    for account in ctx.estate.storage_accounts:
        yield unit_hit(
            f"storageAccount/{account.name}",
            f"Once prepared, storage account {account.name!r} accepts no management operation (for "
            "example regenerating its keys) until it is committed or aborted.",
        )


@rule(
    "C2A-507",
    "warning",
    "Large virtual network may hit the ARM write limit",
    reference=(
        "Required order 2: VNets with more than ~400 VMs may hit the ARM write limit (1,200 writes/hour)"
    ),
    remedy="Expect throttling during prepare; keep other ARM writes in the subscription low meanwhile.",
)
def write_limit(ctx: Context) -> Iterator[Hit]:
    counts: dict[str, int] = {}
    for at in ctx.roles:
        if at.deployment.virtual_network:
            counts[at.unit] = counts.get(at.unit, 0) + 1
    for unit, count in sorted(counts.items()):
        if count > ARM_WRITE_LIMIT_VMS:
            yield unit_hit(
                unit, f"{unit} holds {count} VMs; ARM allows about 1,200 writes an hour per subscription."
            )


@rule(
    "C2A-601",
    "info",
    "Certificates move to a key vault",
    reference="Required order: one key vault per cloud service that has certificates",
    remedy="Grant access to the new key vault to whoever deploys certificates.",
)
def certificates(ctx: Context) -> Iterator[Hit]:
    for service in ctx.estate.cloud_services:
        if service.certificates:
            yield ctx.service_hit(
                service,
                f"The {len(service.certificates)} certificate(s) of {service.name!r} go to key vault "
                f"{service.name}-KeyVault.",
            )


@rule(
    "C2A-602",
    "info",
    "Portal-created virtual network name",
    reference="Error catalogue: 'The virtual network {v} doesn't exist'",
    remedy="Address the network by its full name 'Group <resource group> <name>' in requests.",
)
def portal_vnet_name(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        if vnet.name.startswith("Group ") and vnet.name.count(" ") >= 2:
            yield unit_hit(
                f"virtualNetwork/{vnet.name}",
                f"Virtual network {vnet.name!r} was created in the portal; its migration name is "
                "its full name.",
            )
