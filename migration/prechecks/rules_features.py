"""Rules for the reference's "Unsupported features and configurations" (validate fails → error)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from migration.estate import Disk, Image, media_link_account
from migration.prechecks.catalogue import SUBSCRIPTION, Hit, check, unit_hit
from migration.prechecks.context import Context
from migration.units import resolve_unit

# VNet services the platform refuses (the reference's list); Application Gateway has its own rule
REFUSED_SERVICES = {
    "AppServiceEnvironment": "App Service Environment",
    "HDInsight": "HDInsight",
    "DynamicsLCS": "Dynamics Lifecycle Services-managed VMs",
    "ApiManagement": "API Management",
}
KNOWN_SERVICES = {*REFUSED_SERVICES, "ApplicationGateway", "DomainServices"}


@check("C2A-001")
def provider_not_registered(ctx: Context) -> Iterator[Hit]:
    if not ctx.estate.migration_provider_registered:
        yield Hit(
            SUBSCRIPTION,
            f"subscription/{ctx.estate.subscription_id}",
            "Subscription is not registered for migration (Microsoft.ClassicInfrastructureMigrate).",
        )


@check("C2A-002")
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


@check("C2A-101")
def unattached_disks(ctx: Context) -> Iterator[Hit]:
    yield from _storage_hits(ctx, ctx.estate.disks, "disk")


@check("C2A-102")
def vm_images(ctx: Context) -> Iterator[Hit]:
    yield from _storage_hits(ctx, ctx.estate.images, "image")


@check("C2A-103")
def endpoint_acls(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        for endpoint in at.role.endpoints:
            if endpoint.acl:
                yield at.hit(
                    f"Endpoint {endpoint.name!r} of VM {at.role.name!r} has {len(endpoint.acl)} ACL rule(s); "
                    "endpoint ACLs are not supported by the migration.",
                    part=f"/endpoint/{endpoint.name}",
                )


@check("C2A-104")
def application_gateway(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        if any(s.casefold() == "applicationgateway" for s in vnet.services):
            yield unit_hit(
                f"virtualNetwork/{vnet.name}",
                f"Virtual network {vnet.name!r} contains an Application Gateway, which cannot be migrated.",
            )


@check("C2A-105")
def peerings(ctx: Context) -> Iterator[Hit]:
    for vnet in ctx.estate.virtual_networks:
        for peering in vnet.peerings:
            yield unit_hit(
                f"virtualNetwork/{vnet.name}",
                f"Virtual network {vnet.name!r} is peered with {peering.remote_virtual_network!r}; "
                "peered virtual networks cannot be migrated.",
                part=f"/peering/{peering.remote_virtual_network}",
            )


@check("C2A-106")
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


@check("C2A-107")
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
