"""The local stack's secrets are private from their first byte (#20 item 13).

A file written world-readable and chmod-ed afterwards is readable by anyone in between, and stays
so when the writer dies before the chmod. Here the chmod "crashes": whatever is left on disk must
already be 0600, whatever the umask.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.stack import up as stack_up


class Crash(RuntimeError):
    pass


@pytest.fixture
def no_chmod(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """umask 0 (the worst case) and every chmod dying like a process killed at that line."""

    def crash(*_: object, **__: object) -> None:
        raise Crash("killed before the chmod")

    monkeypatch.setattr(Path, "chmod", crash)
    monkeypatch.setattr(os, "chmod", crash)
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _modes(directory: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()}


@pytest.mark.usefixtures("no_chmod")
def test_the_review_secret_is_never_world_readable(tmp_path: Path) -> None:
    try:
        secret = stack_up._review_secret(tmp_path)
    except Crash:
        secret = None
    assert _modes(tmp_path) == {"review-token-secret": 0o600}
    assert secret is not None and len(secret) >= 32
    assert stack_up._review_secret(tmp_path) == secret  # kept: old review pages stay valid


@pytest.mark.usefixtures("no_chmod")
def test_private_json_is_0600_from_the_start_and_replaces_whole(tmp_path: Path) -> None:
    path = tmp_path / "stack.json"
    path.write_text("old")  # an earlier, world-readable copy (umask 0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666
    stack_up._write_private(path, {"functionKey": "k"})
    assert _modes(tmp_path) == {"stack.json": 0o600}  # no temporary file left behind either
    assert path.read_text() == '{\n  "functionKey": "k"\n}'
