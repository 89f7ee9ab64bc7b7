"""Rules for the causes in the reference's error catalogue that an estate shows (→ error; the
blob-size mismatch, which Microsoft's errors page says does not stop the migration, → warning)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from migration.estate import Extension, expected_blob_bytes
from migration.prechecks.catalogue import Hit, rule
from migration.prechecks.context import Context

REF = "Error catalogue"


@rule(
    "C2A-201",
    "error",
    "Guest agent not ready",
    reference=REF + ": 'VM Agent … reporting the overall agent status as Not Ready'",
    remedy=(
        "Give the VM outbound internet and DNS access so the VM agent reports Ready (or reinstall the agent)."
    ),
)
def guest_agent(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        # a deallocated or stopped VM reports no agent status; the platform checks running VMs
        if at.role.guest_agent != "Ready" and at.role.state == "Running":
            yield at.hit(
                f"VM {at.role.name} in HostedService {at.service.name} is reporting the overall "
                "agent status as Not Ready."
            )


@rule(
    "C2A-202",
    "error",
    "Extension not reporting Ready",
    reference=REF + ": 'Extension {e} whose Status isn't being reported' / 'reporting Handler Status'",
    remedy="Fix the VM's outbound connectivity so the extension reports Ready, or uninstall the extension.",
)
def extension_status(ctx: Context) -> Iterator[Hit]:
    for at, ext in ctx.extensions:
        if at.role.state == "Running" and ext.status.casefold() != "ready":
            yield at.hit(
                f"VM {at.role.name} in HostedService {at.service.name} contains Extension {ext.name} "
                f"reporting Handler Status: {ext.status}.",
                part=f"/extension/{ext.name}",
            )


def _extension_rule(match: Callable[[Extension], bool], why: str) -> Callable[[Context], Iterator[Hit]]:
    def check(ctx: Context) -> Iterator[Hit]:
        for at, ext in ctx.extensions:
            if match(ext):
                yield at.hit(
                    f"VM {at.role.name} in HostedService {at.service.name} contains Extension "
                    f"{ext.name}, "
                    f"{why}",
                    part=f"/extension/{ext.name}",
                )

    return check


def is_backup(ext: Extension) -> bool:
    return ext.name.casefold() in ("vmsnapshot", "vmsnapshotlinux")


def is_site_recovery(ext: Extension) -> bool:
    text = f"{ext.publisher} {ext.name}".casefold()
    return "siterecovery" in text or "inmage" in text


def is_security_center(ext: Extension) -> bool:
    publisher = ext.publisher.casefold()
    return publisher.startswith("microsoft.azure.security") and "antimalware" not in ext.name.casefold()


rule(
    "C2A-203",
    "error",
    "Azure Backup extension",
    reference=REF + ": 'contains Extension VMSnapshot/VMSnapshotLinux'",
    remedy="Stop Azure Backup protection of the VM and remove the VMSnapshot extension; re-protect in ARM.",
)(_extension_rule(is_backup, "which is currently not supported for migration (Azure Backup)."))

rule(
    "C2A-204",
    "error",
    "Site Recovery extension",
    reference="Unsupported features and configurations: Site Recovery extension",
    remedy="Disable replication (Site Recovery) for the VM and remove the extension; re-enable it in ARM.",
)(_extension_rule(is_site_recovery, "which isn't supported in Azure Resource Manager (Site Recovery)."))

rule(
    "C2A-205",
    "error",
    "Security Center / Defender for Cloud extension",
    reference=(
        "Unsupported features and configurations: Microsoft Defender for Cloud / Security Center extension"
    ),
    remedy="Turn off Security Center monitoring for the VM and uninstall the extension.",
)(_extension_rule(is_security_center, "which isn't supported in Azure Resource Manager (Security Center)."))


@rule(
    "C2A-206",
    "warning",
    "Data-disk blob size does not match its size",
    reference=REF
    + ": 'physical blob size … doesn't match the VM Data Disk logical size … Migration will proceed "
    "without specifying a size for the data disk' (Microsoft's errors page: it does not block)",
    remedy="To keep the size in ARM, resize the disk blob to sizeGB × 2^30 + 512 bytes (or set the "
    "disk's size to match the blob) before prepare.",
)
def blob_size(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        for disk in at.role.data_disks:
            want = expected_blob_bytes(disk.size_gb)
            if disk.blob_size_bytes is not None and disk.blob_size_bytes != want:
                yield at.hit(
                    f"VM {at.role.name} in HostedService {at.service.name} contains Data Disk "
                    f"{disk.name} whose physical blob size {disk.blob_size_bytes} bytes doesn't match "
                    f"the VM Data Disk logical size {want} bytes. Migration will proceed without "
                    "specifying a size for the data disk for the Azure Resource Manager VM.",
                    part=f"/dataDisk/{disk.name}",
                )


@rule(
    "C2A-207",
    "error",
    "'/' in a disk's blob name",
    reference=REF + ": 'has blob name {b} that isn't supported'",
    remedy="Copy the VHD to a blob name without '/' and re-attach the disk from there.",
)
def blob_name(ctx: Context) -> Iterator[Hit]:
    for at, disk, blob in ctx.disks:
        if "/" in blob:
            yield at.hit(
                f"VM {at.role.name} in HostedService {at.service.name} contains Disk with MediaLink "
                f"{disk.media_link} which has blob name {blob} that isn't supported.",
                part=f"/disk/{disk.name}",
            )
