"""docs/operations.md: the sections an operator needs, kept true against the registry and infra."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.unit.infra.conftest import INFRA, ROOT
from tests.unit.infra.test_app_settings import LOCAL_ONLY
from tests.unit.infra.test_template import IDENTITY_ROLES, OPERATOR_ROLES, ROLE_IDS

DOC = (ROOT / "docs" / "operations.md").read_text()


def _settings_table_module():
    spec = importlib.util.spec_from_file_location("settings_table", INFRA / "scripts" / "settings_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _section(heading: str) -> str:
    assert f"\n{heading}\n" in DOC, f"docs/operations.md lacks the heading {heading!r}"
    level = heading.split(" ", 1)[0]
    body = DOC.split(f"\n{heading}\n", 1)[1]
    stop = re.search(rf"^#{{1,{len(level)}}} ", body, re.MULTILINE)
    return body[: stop.start()] if stop else body


@pytest.mark.parametrize(
    "heading",
    [
        "## Overview and platform status",
        "## Deploy with azd",
        "## Prerequisites no template can do",
        "## Configuration",
        "## host.json values explained",
        "## Rehearse first on the emulator",
        "## Monitoring",
        "## Runbook: a commit keeps failing / NeedsSupport, approvals, backlog and windows",
    ],
)
def test_has_the_operator_sections(heading: str) -> None:
    assert _section(heading).strip()


def test_settings_table_is_the_generated_one() -> None:
    module = _settings_table_module()
    table = module.render(ROOT)
    assert module.replace_block(DOC, table) == DOC, (
        "the settings table is out of date: python infra/scripts/settings_table.py --write docs/operations.md"
    )
    for name in LOCAL_ONLY:
        assert (
            f"| `{name}` | " in table
            and "not set (local only)" in table.split(f"| `{name}` | ", 1)[1].split("\n")[0]
        )
        assert f"- `{name}` —" in _section("## Configuration"), f"say why {name} is not set on Azure"


def _role_rows(heading: str) -> dict[str, str]:
    rows = re.findall(r"^\| ([A-Za-z ]+?) \| `([0-9a-f-]{36})` \|", _section(heading), re.MULTILINE)
    return dict(rows)


def test_role_tables_are_the_templates_roles_with_their_ids() -> None:
    identity = _role_rows("### Roles of the managed identity")
    assert set(identity) == IDENTITY_ROLES
    operator = _role_rows("### Roles of the deploying operator")
    assert set(operator) == OPERATOR_ROLES
    for name, role_id in {**identity, **operator}.items():
        assert ROLE_IDS[name] == role_id, f"{name}: {role_id} in the docs, {ROLE_IDS[name]} in the templates"


def test_states_the_platform_retirement_plainly() -> None:
    overview = _section("## Overview and platform status")
    assert "retired" in overview
    assert "2023" in overview and "2024" in overview
    assert "still hold classic resources" in overview
    assert "emulator is always available" in overview


def test_prerequisites_and_azure_only_checks_are_spelled_out() -> None:
    prerequisites = _section("## Prerequisites no template can do")
    for needle in (
        "Microsoft.ClassicInfrastructureMigrate",
        "management certificate",
        "app registration",
        "Reader",
    ):
        assert needle in prerequisites
    checks = _section("### Checks only Azure can make")
    for needle in ("az bicep build", "azd provision --preview", "what-if", "401"):
        assert needle in checks
    rehearse = _section("## Rehearse first on the emulator")
    assert "c2arm capture" in rehearse and "c2arm up --estate" in rehearse


def test_monitoring_covers_failures_needs_support_and_poison() -> None:
    monitoring = _section("## Monitoring")
    assert (
        "Failed" in monitoring and "NeedsSupport" in monitoring and "migration-requests-poison" in monitoring
    )
