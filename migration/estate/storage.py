"""Storage items of the estate: accounts, the disk registry (unattached disks), images."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field

from migration.estate._types import MediaLink, NamedModel, Resource, one_of

OsType = Annotated[str, one_of("Windows", "Linux")]

#: A VHD blob's bytes for a disk of `sizeGB`: the data plus the 512-byte VHD footer.
VHD_FOOTER_BYTES = 512


def expected_blob_bytes(size_gb: int) -> int:
    """The blob size the platform expects for a disk of `size_gb` (`sizeGB × 2^30 + 512`)."""
    return size_gb * 2**30 + VHD_FOOTER_BYTES


def _split(media_link: str) -> tuple[str, str]:
    """(host, path) of a URL; plain string work, because this runs for every disk of an estate."""
    _, sep, rest = media_link.partition("://")
    if not sep:
        parts = urlsplit(media_link)
        return (parts.hostname or "", parts.path)
    host, slash, path = rest.partition("/")
    host = host.rpartition("@")[2].partition(":")[0].lower()
    return host, (slash + path).partition("?")[0].partition("#")[0]


def media_link_account(media_link: str) -> str | None:
    """The storage account named by a VHD media link (`https://ACCOUNT.blob.core.…/c/b.vhd`)."""
    return media_link_parts(media_link)[0]


def media_link_blob(media_link: str) -> str:
    """The blob name inside its container: everything after `/<container>/` in the path."""
    return media_link_parts(media_link)[1]


def media_link_parts(media_link: str) -> tuple[str | None, str]:
    """(account, blob name) of a media link, parsing it once (see the two functions above)."""
    host, path = _split(media_link)
    account, _, rest = host.partition(".")
    _, _, blob = path.lstrip("/").partition("/")
    return (account if account and rest.startswith("blob.") else None), blob


class StorageAccount(Resource):
    sku: str = "Standard_LRS"

    @property
    def premium(self) -> bool:
        """Premium storage (the sku starts with `Premium`): boot diagnostics cannot use it."""
        return self.sku.casefold().startswith("premium")


class Disk(NamedModel):
    """An entry of the subscription's disk registry: a disk not attached to any role."""

    media_link: MediaLink
    size_gb: int = Field(ge=1, alias="sizeGB")
    blob_size_bytes: int | None = Field(default=None, ge=0)
    os: OsType | None = None


class Image(NamedModel):
    media_link: MediaLink
