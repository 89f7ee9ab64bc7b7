"""Rules for the unsupported *configurations* of VMs, services and VNets (validate fails → error)."""

from __future__ import annotations

from collections.abc import Iterator

from migration.prechecks.catalogue import Hit, check, unit_hit
from migration.prechecks.context import Context

GOOD_STATES = ("Running", "Stopped", "StoppedDeallocated")


@check("C2A-110")
def multiple_subnets(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        if len(at.role.subnets) > 1:
            yield at.hit(
                f"VM {at.role.name!r} is in {len(at.role.subnets)} subnets ({', '.join(at.role.subnets)})."
            )


@check("C2A-111")
def no_subnet(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        if at.deployment.virtual_network and not at.role.subnets:
            yield at.hit(
                f"VM {at.role.name!r} is in virtual network {at.deployment.virtual_network!r} "
                "without a subnet."
            )


@check("C2A-112")
def premium_boot_diagnostics(ctx: Context) -> Iterator[Hit]:
    accounts = {a.name: a for a in ctx.estate.storage_accounts}
    for at in ctx.roles:
        boot = at.role.boot_diagnostics
        if boot and (account := accounts.get(boot.storage_account)) and account.premium:
            yield at.hit(
                f"VM {at.role.name!r} writes boot diagnostics to Premium account {account.name!r} "
                f"({account.sku})."
            )


@check("C2A-113")
def many_availability_sets(ctx: Context) -> Iterator[Hit]:
    for service, d in ctx.deployments("IaaS"):
        sets = sorted({r.availability_set for r in d.roles if r.availability_set})
        if len(sets) > 1:
            yield ctx.service_hit(
                service,
                f"Migration isn't supported for HostedService {service.name} because it has multiple "
                f"Availabilities Sets ({', '.join(sets)}).",
            )


@check("C2A-114")
def mixed_availability(ctx: Context) -> Iterator[Hit]:
    for service, d in ctx.deployments("IaaS"):
        outside = [r.name for r in d.roles if not r.availability_set]
        if outside and len(outside) < len(d.roles):
            yield ctx.service_hit(
                service,
                f"Migration isn't supported for HostedService {service.name} because it has VMs that are not "
                "part of the Availability Set even though the HostedService contains one "
                f"({', '.join(outside)}).",
            )


@check("C2A-115")
def mixed_nics(ctx: Context) -> Iterator[Hit]:
    for service, d in ctx.deployments("IaaS"):
        multi = [r.name for r in d.roles if r.secondary_nics]
        if multi and len(multi) < len(d.roles):
            yield ctx.service_hit(
                service,
                f"Cloud service {service.name!r} mixes multi-NIC VMs ({', '.join(multi)}) with "
                "single-NIC VMs.",
            )


@check("C2A-116")
def paas(ctx: Context) -> Iterator[Hit]:
    for service, d in ctx.deployments("PaaS"):
        yield ctx.service_hit(
            service,
            f"Migration isn't supported for Deployment {d.name} in HostedService {service.name} "
            "because it's a PaaS deployment (Web/Worker).",
        )


@check("C2A-117")
def vnet_with_paas(ctx: Context) -> Iterator[Hit]:
    paas_in: dict[str, list[str]] = {}
    for service, d in ctx.deployments("PaaS"):
        if d.virtual_network:
            paas_in.setdefault(d.virtual_network, []).append(service.name)
    for vnet, services in sorted(paas_in.items()):
        yield unit_hit(
            f"virtualNetwork/{vnet}",
            f"Migration isn't supported for Virtual Network {vnet} because it has non-gateway PaaS "
            f"deployments ({', '.join(services)}).",
        )


@check("C2A-118")
def bad_state(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        if at.role.state not in GOOD_STATES:
            yield at.hit(
                f"Migration isn't allowed for HostedService {at.service.name} because it has VM "
                f"{at.role.name} "
                f"in State: {at.role.state}. Migration is allowed only when the VM is in one of "
                "the following "
                "states - Running, Stopped, Stopped Deallocated."
            )


@check("C2A-119")
def reserved_ip_without_endpoint(ctx: Context) -> Iterator[Hit]:
    services = {c.name: c for c in ctx.estate.cloud_services}
    seen: set[str] = set()
    pairs = [(r.name, r.cloud_service) for r in ctx.estate.reserved_ips if r.cloud_service]
    pairs += [
        (c.deployment.reserved_ip, c.name)
        for c in ctx.estate.cloud_services
        if c.deployment and c.deployment.reserved_ip
    ]
    for rip, service_name in pairs:
        service = services.get(service_name or "")
        if service is None or rip in seen:
            continue
        seen.add(rip)
        if service.deployment is None or not service.deployment.has_input_endpoints:
            yield Hit(
                ctx.service_unit[service.name],
                f"reservedIp/{rip}",
                f"Reserved IP {rip!r} is associated with cloud service {service.name!r}, which has "
                "no input endpoint.",
            )


@check("C2A-120")
def empty_service(ctx: Context) -> Iterator[Hit]:
    for service in ctx.estate.cloud_services:
        if service.deployment is None:
            yield ctx.service_hit(
                service,
                f"Cloud service {service.name!r} has no deployment: the migration API has nothing to move.",
            )
