"""Azurite (the real Azure Storage emulator, from npm) on loopback ports."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from cli.stack.processes import (
    LOOPBACK,
    BackgroundProcess,
    StackError,
    free_port,
    start_listening,
)

# Azurite's well-known development account. It is public and only valid against Azurite.
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass
class Azurite:
    process: BackgroundProcess
    blob_port: int
    queue_port: int
    table_port: int

    @property
    def connection_string(self) -> str:
        return azurite_connection_string(self.blob_port, self.queue_port, self.table_port)


def azurite_connection_string(blob_port: int, queue_port: int, table_port: int) -> str:
    """The explicit devstoreaccount1 connection string for Azurite on these ports."""
    base = f"http://{LOOPBACK}"
    return (
        "DefaultEndpointsProtocol=http;"
        f"AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
        f"BlobEndpoint={base}:{blob_port}/{DEV_ACCOUNT};"
        f"QueueEndpoint={base}:{queue_port}/{DEV_ACCOUNT};"
        f"TableEndpoint={base}:{table_port}/{DEV_ACCOUNT};"
    )


def azurite_binary(repo_root: Path) -> Path:
    """The project's pinned Azurite (`npm ci` installs it), with a clear error when absent."""
    binary = repo_root / "node_modules" / ".bin" / "azurite"
    if not binary.exists():
        if shutil.which("node") is None:
            raise StackError("Node.js is not installed: Azurite needs it (apt-get install nodejs npm).")
        raise StackError(f"Azurite is not installed at {binary}: run `npm ci` in {repo_root}.")
    return binary


def start_azurite(
    repo_root: Path, data_dir: Path, log_path: Path, ports: tuple[int, int, int] | None = None
) -> Azurite:
    """Start Azurite with its data in `data_dir` and wait until all three services listen."""
    blob, queue, table = ports or (free_port(), free_port(), free_port())
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        str(azurite_binary(repo_root)),
        "--silent",
        "--disableTelemetry",  # Azurite phones home by default: loopback only
        "--skipApiVersionCheck",
        "--loose",
        "--disableProductStyleUrl",
        "--location",
        str(data_dir),
        "--blobHost",
        LOOPBACK,
        "--blobPort",
        str(blob),
        "--queueHost",
        LOOPBACK,
        "--queuePort",
        str(queue),
        "--tableHost",
        LOOPBACK,
        "--tablePort",
        str(table),
    ]
    proc = start_listening("azurite", argv, log_path, (blob, queue, table))
    return Azurite(process=proc, blob_port=blob, queue_port=queue, table_port=table)
