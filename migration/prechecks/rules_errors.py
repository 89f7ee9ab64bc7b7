"""Rules for the causes in the reference's error catalogue that an estate shows (→ error; the
blob-size mismatch, which Microsoft's errors page says does not stop the migration, → warning)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from migration.estate import Extension, expected_blob_bytes
from migration.prechecks.catalogue import Hit, check
from migration.prechecks.context import Context


@check("C2A-201")
def guest_agent(ctx: Context) -> Iterator[Hit]:
    for at in ctx.roles:
        # a deallocated or stopped VM reports no agent status; the platform checks running VMs
        if at.role.guest_agent != "Ready" and at.role.state == "Running":
            yield at.hit(
                f"VM {at.role.name} in HostedService {at.service.name} is reporting the overall "
                "agent status as Not Ready."
            )


@check("C2A-202")
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


check("C2A-203")(_extension_rule(is_backup, "which is currently not supported for migration (Azure Backup)."))

check("C2A-204")(
    _extension_rule(is_site_recovery, "which isn't supported in Azure Resource Manager (Site Recovery).")
)

check("C2A-205")(
    _extension_rule(is_security_center, "which isn't supported in Azure Resource Manager (Security Center).")
)


@check("C2A-206")
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


@check("C2A-207")
def blob_name(ctx: Context) -> Iterator[Hit]:
    for at, disk, blob in ctx.disks:
        if "/" in blob:
            yield at.hit(
                f"VM {at.role.name} in HostedService {at.service.name} contains Disk with MediaLink "
                f"{disk.media_link} which has blob name {blob} that isn't supported.",
                part=f"/disk/{disk.name}",
            )
