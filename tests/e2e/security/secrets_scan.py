"""Find secrets where they must never be: logs, blobs, reports, error bodies (also used by the chaos run).

`stack_secrets(info, state_dir)` collects every secret of a local stack — function and master
keys, the emulator's admin token, the bearer token the app sends, the storage account key, the
review-token secret and the private keys in the emulator's state folder — and `scan` reports
where any of them (or a telltale fragment of a PEM key) appears.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cli.stack.up import LOCAL_ASM_TOKEN
from connectors.storage import Storage


def stack_secrets(info: dict[str, Any], state_dir: Path) -> dict[str, str]:
    """name → value of every secret the stack holds (values shorter than 8 characters are skipped)."""
    secrets = {
        "function key": info["functionKey"],
        "master key": info["masterKey"],
        "emulator admin token": info["emulatorAdminToken"],
        "bearer token": LOCAL_ASM_TOKEN,
        "storage account key": re.search(r"AccountKey=([^;]+)", info["storageConnectionString"]).group(1),
    }
    review = state_dir / "review-token-secret"
    if review.exists():
        secrets["REVIEW_TOKEN_SECRET"] = review.read_text().strip()
    for pem in sorted((state_dir / "emulator").glob("*key*.pem")):
        body = "".join(line for line in pem.read_text().splitlines() if "-----" not in line)
        secrets[f"private key {pem.name}"] = body[20:80]  # a slice of the key material
    return {k: v for k, v in secrets.items() if v and len(v) >= 8}


def scan(texts: Iterable[tuple[str, str]], secrets: dict[str, str]) -> list[str]:
    """`where: which secret` for every place a secret appears (empty = clean)."""
    found = []
    for where, text in texts:
        for name, value in secrets.items():
            if value in text:
                found.append(f"{where}: {name}")
        if "PRIVATE KEY-----" in text:
            found.append(f"{where}: a PEM private key")
    return found


def log_texts(state_dir: Path) -> list[tuple[str, str]]:
    return [(str(p), p.read_text(errors="replace")) for p in sorted((state_dir / "logs").glob("*.log"))]


def blob_texts(storage: Storage) -> list[tuple[str, str]]:
    """Every blob of every container (snapshots, reports, the hub's own) as text."""
    out = []
    for container in storage.blob.list_containers():
        client = storage.blob.get_container_client(container.name)
        for blob in client.list_blobs():
            data = client.download_blob(blob.name).readall()
            out.append((f"blob {container.name}/{blob.name}", data.decode("utf-8", errors="replace")))
    return out
