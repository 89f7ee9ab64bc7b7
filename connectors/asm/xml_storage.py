"""Storage XML (storage services, the disk registry, images) → the core's estate model.

The disk registry is read for two things: the subscription's unattached disks (an unsupported
feature the prechecks must see) and the sizes of attached disks, which a deployment's
`OSVirtualHardDisk` does not report.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from connectors.asm.xml_common import child, children, integer, one_or_list, text
from connectors.asm.xml_model import build, build_each
from migration.estate import Disk, Image, StorageAccount

# Which element feeds which field of a storage account (`build_each`).
_STORAGE_ACCOUNT = {
    "name": ("ServiceName",),
    "location": ("StorageServiceProperties", "Location"),
    "sku": ("StorageServiceProperties", "AccountType"),
}


def parse_storage_accounts(root: Element) -> list[StorageAccount]:
    return build_each(
        StorageAccount, "storageAccounts", one_or_list(root, "StorageService"), _STORAGE_ACCOUNT
    )


def parse_disks(root: Element) -> tuple[list[Disk], dict[str, int]]:
    """`(unattached disks, size in GB of every disk by name)` from a `Disks` answer."""
    unattached = []
    sizes: dict[str, int] = {}
    for i, d in enumerate(children(root, "Disk")):
        name = text(d, "Name") or ""
        size = integer(d, "LogicalDiskSizeInGB")
        if name and size:
            sizes[name] = size
        attached = child(d, "AttachedTo")
        if attached is not None and text(attached, "RoleName"):
            continue
        unattached.append(
            build(
                Disk,
                f"disks[{i}]",
                name=name,
                media_link=text(d, "MediaLink"),
                size_gb=size,
                os=text(d, "OS"),
            )
        )
    return unattached, sizes


def parse_images(root: Element) -> list[Image]:
    """The subscription's own OS images: those whose VHD lives in a storage account (MediaLink).

    Platform images are listed too, but they have no MediaLink in the subscription's storage.
    """
    images = []
    for i, img in enumerate(children(root, "OSImage")):
        link = text(img, "MediaLink")
        category = (text(img, "Category") or "User").lower()
        if link and category == "user":
            images.append(build(Image, f"images[{i}]", name=text(img, "Name"), media_link=link))
    return images
