"""Rules for the unsupported *configurations* of VMs, services and VNets (validate fails → error)."""

from __future__ import annotations

from collections.abc import Iterator

from migration.prechecks.catalogue import Hit, rule, unit_hit
from migration.prechecks.context import Context

REF = "Unsupported features and configurations"
GOOD_STATES = ("Running", "Stopped", "StoppedDeallocated")


@rule(
    "C2A-110",
    "error",
    "VM in more than one subnet",
    reference=REF + ": a VM with multiple subnets",
    remedy="Put the VM's primary configuration in a single subnet (use secondary NICs for other subnets).",
)
def multiple_subnets(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        if len(at.role.subnets) > 1:
            yield at.hit(
                f"VM {at.role.name!r} is in {len(at.role.subnets)} subnets ({', '.join(at.role.subnets)})."
            )


@rule(
    "C2A-111",
    "error",
    "VM in a virtual network without a subnet",
    reference=REF + ": a VM in a VNet without an explicit subnet",
    remedy="Assign the VM to a subnet of its virtual network.",
)
def no_subnet(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        if at.deployment.virtual_network and not at.role.subnets:
            yield at.hit(
                f"VM {at.role.name!r} is in virtual network {at.deployment.virtual_network!r} "
                "without a subnet."
            )


@rule(
    "C2A-112",
    "error",
    "Boot diagnostics on Premium storage",
    reference=REF + ": boot diagnostics with Premium storage",
    remedy="Disable boot diagnostics or point them at a Standard storage account.",
)
def premium_boot_diagnostics(ctx: Context) -> Iterator[Hit]:
    accounts = {a.name: a for a in ctx.estate.storage_accounts}
    for at in ctx.roles:
        boot = at.role.boot_diagnostics
        if boot and (account := accounts.get(boot.storage_account)) and account.premium:
            yield at.hit(
                f"VM {at.role.name!r} writes boot diagnostics to Premium account {account.name!r} "
                f"({account.sku})."
            )


@rule(
    "C2A-113",
    "error",
    "Cloud service with more than one availability set",
    reference=REF + ": a cloud service with more than one availability set",
    remedy="Use one availability set per cloud service (or none).",
)
def many_availability_sets(ctx: Context) -> Iterator[Hit]:
    for service, d in ctx.iaas_deployments():
        sets = sorted({r.availability_set for r in d.roles if r.availability_set})
        if len(sets) > 1:
            yield ctx.service_hit(
                service,
                f"Migration isn't supported for HostedService {service.name} because it has multiple "
                f"Availabilities Sets ({', '.join(sets)}).",
            )


@rule(
    "C2A-114",
    "error",
    "VMs inside and outside an availability set in one service",
    reference=REF + ": a cloud service with availability-set VMs and VMs outside any set",
    remedy="Put every VM of the service in the availability set, or none.",
)
def mixed_availability(ctx: Context) -> Iterator[Hit]:
    for service, d in ctx.iaas_deployments():
        outside = [r.name for r in d.roles if not r.availability_set]
        if outside and len(outside) < len(d.roles):
            yield ctx.service_hit(
                service,
                f"Migration isn't supported for HostedService {service.name} because it has VMs that are not "
                "part of the Availability Set even though the HostedService contains one "
                f"({', '.join(outside)}).",
            )


@rule(
    "C2A-115",
    "error",
    "Mixed single-NIC and multi-NIC VMs in one service",
    reference=REF + ": mixed single-NIC and multi-NIC VMs in one service",
    remedy="Give every VM of the service secondary NICs, or none.",
)
def mixed_nics(ctx: Context) -> Iterator[Hit]:
    for service, d in ctx.iaas_deployments():
        multi = [r.name for r in d.roles if r.secondary_nics]
        if multi and len(multi) < len(d.roles):
            yield ctx.service_hit(
                service,
                f"Cloud service {service.name!r} mixes multi-NIC VMs ({', '.join(multi)}) with "
                "single-NIC VMs.",
            )


@rule(
    "C2A-116",
    "error",
    "PaaS (web/worker role) deployment",
    reference=REF + ": PaaS deployments; error catalogue: 'because it's a PaaS deployment'",
    remedy="Not migratable with this API: move the service to Cloud Services (extended support) instead.",
)
def paas(ctx: Context) -> Iterator[Hit]:
    for service in ctx.estate.cloud_services:
        d = service.deployment
        if d is not None and d.kind == "PaaS":
            yield ctx.service_hit(
                service,
                f"Migration isn't supported for Deployment {d.name} in HostedService {service.name} "
                "because it's a PaaS deployment (Web/Worker).",
            )


@rule(
    "C2A-117",
    "error",
    "Virtual network with web/worker roles",
    reference=REF + ": a VNet holding both VMs and web/worker roles",
    remedy="Move the PaaS deployments out of the virtual network (or delete them) before migrating it.",
)
def vnet_with_paas(ctx: Context) -> Iterator[Hit]:
    paas_in: dict[str, list[str]] = {}
    for service in ctx.estate.cloud_services:
        d = service.deployment
        if d is not None and d.kind == "PaaS" and d.virtual_network:
            paas_in.setdefault(d.virtual_network, []).append(service.name)
    for vnet, services in sorted(paas_in.items()):
        yield unit_hit(
            f"virtualNetwork/{vnet}",
            f"Migration isn't supported for Virtual Network {vnet} because it has non-gateway PaaS "
            f"deployments ({', '.join(services)}).",
        )


@rule(
    "C2A-118",
    "error",
    "VM in a state that cannot migrate",
    reference=REF + ": VMs not in Running, Stopped or StoppedDeallocated; error catalogue: State",
    remedy=(
        "Start, stop or deallocate the VM (or fix it with support) so it is Running, Stopped "
        "or StoppedDeallocated."
    ),
)
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


@rule(
    "C2A-119",
    "error",
    "Reserved IP without an input endpoint",
    reference=REF + ": a reserved IP with no input endpoint",
    remedy="Add an input endpoint to the deployment, or disassociate the reserved IP.",
)
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


@rule(
    "C2A-120",
    "error",
    "Cloud service without a deployment",
    reference="Endpoints: a cloud service migrates through its deployment's migration path",
    remedy="Delete the empty cloud service (nothing to migrate) or deploy its VMs first.",
)
def empty_service(ctx: Context) -> Iterator[Hit]:
    for service in ctx.estate.cloud_services:
        if service.deployment is None:
            yield ctx.service_hit(
                service,
                f"Cloud service {service.name!r} has no deployment: the migration API has nothing to move.",
            )
