"""What migrates but silently changes or is lost (→ warning), and what is worth knowing (→ info)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from migration.estate import CloudService
from migration.prechecks.catalogue import SUBSCRIPTION, Hit, check, unit_hit
from migration.prechecks.context import Context

ARM_WRITE_LIMIT_VMS = 400


@check("C2A-501")
def outside_vnet(ctx: Context) -> Iterator[Hit]:
    reserved = {
        c.deployment.reserved_ip
        for c in ctx.estate.cloud_services
        if c.deployment and c.deployment.reserved_ip
    }
    reserved_by = {r.cloud_service for r in ctx.estate.reserved_ips if r.cloud_service}
    for service, d in ctx.deployments("IaaS"):
        if d.virtual_network or not d.roles:
            continue
        has_reserved = (d.reserved_ip in reserved) or service.name in reserved_by
        vip = "" if has_reserved or not d.has_input_endpoints else " Its VIP is not reserved and will change."
        yield unit_hit(
            f"cloudService/{service.name}",
            f"The {len(d.roles)} VM(s) of {service.name!r} are not in a virtual network: prepare stops and "
            f"deallocates them and they get new private IPs.{vip}",
        )


@check("C2A-502")
def xml_extensions(ctx: Context) -> Iterator[Hit]:
    for at, ext in ctx.extensions:
        if ext.xml:
            yield at.hit(
                f"XML extension {ext.name} {ext.version} on VM {at.role.name!r} is not migrated.",
                part=f"/extension/{ext.name}",
            )


def _dropped(count: Callable[[CloudService], int], what: str) -> Callable[[Context], Iterator[Hit]]:
    """A rule for a service's settings that the migration drops: `count` of them are `what`."""

    def check(ctx: Context) -> Iterator[Hit]:
        for service in ctx.estate.cloud_services:
            if n := count(service):
                yield ctx.service_hit(
                    service, f"{n} {what} of {service.name!r} are dropped by the migration."
                )

    return check


check("C2A-503")(_dropped(lambda service: service.alerts, "alert rule(s)"))
check("C2A-504")(_dropped(lambda service: service.autoscale, "autoscale setting(s)"))


@check("C2A-505")
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


@check("C2A-506")
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


@check("C2A-507")
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


@check("C2A-601")
def certificates(ctx: Context) -> Iterator[Hit]:
    for service in ctx.estate.cloud_services:
        if service.certificates:
            yield ctx.service_hit(
                service,
                f"The {len(service.certificates)} certificate(s) of {service.name!r} go to key vault "
                f"{service.name}-KeyVault.",
            )


@check("C2A-602")
def portal_vnet_name(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        if vnet.name.startswith("Group ") and vnet.name.count(" ") >= 2:
            yield unit_hit(
                f"virtualNetwork/{vnet.name}",
                f"Virtual network {vnet.name!r} was created in the portal; its migration name is "
                "its full name.",
            )
