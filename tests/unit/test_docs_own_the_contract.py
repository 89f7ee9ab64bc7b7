"""The repository owns its contract (item 16 of #15): nothing cites a file outside it, every
contract name is spelled in docs/contract.md as the code spells it, and docs/cli.md covers every
command of the CLI."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from cli.main import app
from cli.stack.up import STACK_KEYS
from migration.phases import Phase
from migration.requests import MigrationRequest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = (ROOT / "docs" / "contract.md").read_text()
# spelled in pieces so that this file does not match itself
OUTSIDE = re.compile(
    "|".join(("DESIGN" + r"\.md", r"\.\./" + "shared", "reference/" + "asm-", "/work/" + "shared"))
)
SUFFIXES = (".py", ".md", ".bicep", ".json", ".yaml", ".yml", ".toml", ".txt", ".sh", ".cfg")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / n for n in names.split() if n.endswith(SUFFIXES) or n in ("Makefile", ".ci/run")]


def test_nothing_cites_a_file_outside_the_repository() -> None:
    hits = []
    for path in tracked_text_files():
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        hits += [
            f"{path.relative_to(ROOT)}:{n}"
            for n, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line)
        ]
    assert hits == []


def test_the_contract_page_spells_every_contract_name_as_the_code_does() -> None:
    for phase in Phase:
        assert f"`{phase.value}`" in CONTRACT, phase
    for key in STACK_KEYS:
        assert f"`{key}`" in CONTRACT, key
    for name, field in MigrationRequest.model_fields.items():
        assert f'"{field.alias or name}"' in CONTRACT, name
    shapes = (
        '"units"',
        '"verdict"',
        '"blockedBy"',
        '"rule"',
        '"remedy"',
        "python -m emulator --estate FILE",
        "python -m devhost --app DIR",
        "MIGRATION_WINDOWS",
        "X-MS-CLIENT-PRINCIPAL-NAME",
    )
    for shape in shapes:
        assert shape in CONTRACT, shape


def test_cli_md_covers_every_command() -> None:
    cli_md = (ROOT / "docs" / "cli.md").read_text()
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert len(names) >= 14
    missing = [n for n in names if f"`c2arm {n}" not in cli_md]
    assert missing == []
