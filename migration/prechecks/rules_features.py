"""Rules for the reference's "Unsupported features and configurations" (validate fails → error)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from migration.estate import Disk, Image, media_link_account
from migration.prechecks.catalogue import SUBSCRIPTION, Hit, rule, unit_hit
from migration.prechecks.context import Context
from migration.units import resolve_unit

REF = "Unsupported features and configurations"

# VNet services the platform refuses (the reference's list); Application Gateway has its own rule
REFUSED_SERVICES = {
    "AppServiceEnvironment": "App Service Environment",
    "HDInsight": "HDInsight",
    "DynamicsLCS": "Dynamics Lifecycle Services-managed VMs",
    "ApiManagement": "API Management",
}
KNOWN_SERVICES = {*REFUSED_SERVICES, "ApplicationGateway", "DomainServices"}


@rule(
    "C2A-001",
    "error",
    "Subscription not registered for migration",
    reference="Required order 1",
    remedy="Register the resource provider Microsoft.ClassicInfrastructureMigrate and wait for 'Registered'.",
)
def provider_not_registered(ctx: Context) -> Iterator[Hit]:
    if not ctx.estate.migration_provider_registered:
        yield Hit(
            SUBSCRIPTION,
            f"subscription/{ctx.estate.subscription_id}",
            "Subscription is not registered for migration (Microsoft.ClassicInfrastructureMigrate).",
        )


@rule(
    "C2A-002",
    "error",
    "Not a migration unit",
    reference="Migration units (estate-format.md); DeploymentNetworkResource: 'Migrate Virtual Network {v}'",
    remedy="Migrate the unit it belongs to (a service in a VNet moves with its VNet; an associated NSG, "
    "route table or reserved IP with the VNet or service that uses it).",
)
def not_a_unit(ctx: Context) -> Iterator[Hit]:
    for unit in ctx.selected:
        if str(unit) not in ctx.unit_names:
            try:
                resolve_unit(ctx.estate, unit)
            except ValueError as exc:
                yield unit_hit(str(unit), f"{exc}.")


def _storage_hits(ctx: Context, items: Sequence[Disk | Image], what: str) -> Iterator[Hit]:
    """Disks and images block their storage account's migration; those in accounts outside the
    estate concern no unit here and are left out."""
    for item in items:
        account = media_link_account(item.media_link)
        unit = ctx.storage_unit(account)
        if unit is not None:
            yield Hit(
                unit,
                f"{what}/{item.name}",
                f"{what.capitalize()} {item.name!r} in storage account {account} is not supported by the "
                "migration (validate does not check it; prepare of the account fails).",
            )


@rule(
    "C2A-101",
    "error",
    "Unattached VM disk",
    reference=REF + ": unassociated VM disks",
    remedy=(
        "Delete the disk registration (keep the blob if needed) or attach it to a VM before "
        "migrating the account."
    ),
)
def unattached_disks(ctx: Context) -> Iterator[Hit]:
    yield from _storage_hits(ctx, ctx.estate.disks, "disk")


@rule(
    "C2A-102",
    "error",
    "VM image in the storage account",
    reference=REF + ": VM images",
    remedy="Delete the classic VM image registration (re-create it as an ARM image after migration).",
)
def vm_images(ctx: Context) -> Iterator[Hit]:
    yield from _storage_hits(ctx, ctx.estate.images, "image")


@rule(
    "C2A-103",
    "error",
    "Endpoint ACL",
    reference=REF + ": endpoint ACLs",
    remedy="Remove the endpoint ACL and express the restriction as an NSG rule instead.",
)
def endpoint_acls(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        for endpoint in at.role.endpoints:
            if endpoint.acl:
                yield at.hit(
                    f"Endpoint {endpoint.name!r} of VM {at.role.name!r} has {len(endpoint.acl)} ACL rule(s); "
                    "endpoint ACLs are not supported by the migration.",
                    part=f"/endpoint/{endpoint.name}",
                )


@rule(
    "C2A-104",
    "error",
    "Application Gateway in the virtual network",
    reference=REF + ": Application Gateway",
    remedy="Remove the Application Gateway from the virtual network (re-create it in ARM).",
)
def application_gateway(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        if any(s.casefold() == "applicationgateway" for s in vnet.services):
            yield unit_hit(
                f"virtualNetwork/{vnet.name}",
                f"Virtual network {vnet.name!r} contains an Application Gateway, which cannot be migrated.",
            )


@rule(
    "C2A-105",
    "error",
    "Virtual network peering",
    reference=REF + ": VNets using peering",
    remedy="Remove the peering before migrating; re-create it between the ARM virtual networks afterwards.",
)
def peerings(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        for peering in vnet.peerings:
            yield unit_hit(
                f"virtualNetwork/{vnet.name}",
                f"Virtual network {vnet.name!r} is peered with {peering.remote_virtual_network!r}; "
                "peered virtual networks cannot be migrated.",
                part=f"/peering/{peering.remote_virtual_network}",
            )


@rule(
    "C2A-106",
    "error",
    "Unsupported service in the virtual network",
    reference=REF + ": VNets containing App Service Environment, HDInsight, Dynamics LCS, API Management",
    remedy=(
        "Move or remove the service from the virtual network; these services are not migrated "
        "by the platform."
    ),
)
def refused_services(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        for service in vnet.services:
            label = next((v for k, v in REFUSED_SERVICES.items() if k.casefold() == service.casefold()), None)
            if label:
                yield unit_hit(
                    f"virtualNetwork/{vnet.name}",
                    f"Virtual network {vnet.name!r} contains {label}, which the migration does not support.",
                    part=f"/service/{service}",
                )


@rule(
    "C2A-107",
    "warning",
    "Unknown service in the virtual network",
    reference=REF + " (services c2arm does not know)",
    remedy="Check with the service's documentation whether it supports classic-to-ARM migration.",
)
def unknown_services(ctx: Context) -> Iterator[Hit]:
    known = {k.casefold() for k in KNOWN_SERVICES}
    for vnet in ctx.estate.virtual_networks:
        for service in vnet.services:
            if service.casefold() not in known:
                yield unit_hit(
                    f"virtualNetwork/{vnet.name}",
                    f"Virtual network {vnet.name!r} contains {service!r}, which c2arm cannot judge.",
                    part=f"/service/{service}",
                )
