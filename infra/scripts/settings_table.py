"""Render the app settings table of docs/operations.md from the registry and infra/main.bicep.

    python infra/scripts/settings_table.py                 # print the table
    python infra/scripts/settings_table.py --write docs/operations.md

The table lists every setting of `connectors/app_settings.py` (name, default, meaning) and where
its value comes from on Azure (a `main.bicep` parameter, a deployed resource, a Key Vault
reference, or nothing: local only). `--write` replaces the block between the
`<!-- settings-table:begin -->` / `<!-- settings-table:end -->` markers; tests/unit/infra fail when the
document's block differs from what this renders, so the docs cannot drift from the registry.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BEGIN = "<!-- settings-table:begin -->"
END = "<!-- settings-table:end -->"


def _bicep_app_settings(main_bicep: str) -> dict[str, str]:
    """`NAME: expression` lines of the `var appSettings = { … }` block of main.bicep."""
    block = re.search(r"^var appSettings = \{\n(.*?)^\}", main_bicep, re.MULTILINE | re.DOTALL)
    if block is None:
        raise SystemExit("infra/main.bicep has no `var appSettings = {` block")
    return dict(re.findall(r"^\s+(\w+):\s*(.+?)\s*$", block.group(1), re.MULTILINE))


def _on_azure(expression: str | None) -> str:
    if expression is None:
        return "not set (local only)"
    if expression.startswith("'@Microsoft.KeyVault("):
        return "Key Vault reference"
    if ".outputs." in expression:
        return f"from the deployment (`{expression}`)"
    match = re.fullmatch(r"(?:string\()?(\w+)\)?", expression)
    if match:
        return f"parameter `{match.group(1)}`"
    return f"`{expression}`"


def render(root: Path = ROOT) -> str:
    """The markdown table (without the markers) for the current registry and template."""
    sys.path.insert(0, str(root))
    try:
        from connectors.app_settings import SETTINGS
    finally:
        sys.path.remove(str(root))
    deployed = _bicep_app_settings((root / "infra" / "main.bicep").read_text(encoding="utf-8"))
    rows = ["| Setting | Default | On Azure | Meaning |", "|---|---|---|---|"]
    for setting in SETTINGS:
        if setting.default is None:
            default = "required (no default)"
        elif setting.default == "":
            default = "(empty)"
        else:
            default = f"`{setting.default}`"
        meaning = setting.description.replace("|", "\\|") + (" **Secret.**" if setting.secret else "")
        rows.append(f"| `{setting.name}` | {default} | {_on_azure(deployed.get(setting.name))} | {meaning} |")
    return "\n".join(rows)


def replace_block(document: str, table: str) -> str:
    """The document with the text between the markers replaced by `table`."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document needs the markers {BEGIN} and {END}")
    return document[: start + len(BEGIN)] + "\n" + table + "\n" + document[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="markdown file whose settings-table block to replace")
    args = parser.parse_args()
    table = render()
    if args.write is None:
        print(table)
        return
    args.write.write_text(replace_block(args.write.read_text(encoding="utf-8"), table), encoding="utf-8")


if __name__ == "__main__":
    main()
