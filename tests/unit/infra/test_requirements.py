"""What Azure installs (requirements.txt, with its dependencies) covers what the app imports.

On Azure only `requirements.txt` is installed (remote build); the local venv has much more
(dev tools, the CLI's packages). An app module importing a package that only the venv has would
pass every local test and fail on Azure at start-up, so the imports of the deployed packages are
checked against the dependency closure of requirements.txt, read from the installed metadata.
"""

from __future__ import annotations

import ast
import sys
from importlib import metadata

from packaging.requirements import Requirement

from tests.unit.infra.conftest import ROOT

DEPLOYED = (
    "function_app.py",
    "triggers",
    "orchestrators",
    "activities",
    "migration",
    "estate_yaml",
    "connectors",
)


def _closure() -> set[str]:
    """Normalized names of the distributions requirements.txt installs, dependencies included."""
    pending = [
        Requirement(line.split("#", 1)[0].strip())
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#", 1)[0].strip()
    ]
    seen: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = requirement.name.lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for dependency in metadata.requires(requirement.name) or []:
            dep = Requirement(dependency)
            if dep.marker is None or dep.marker.evaluate({"extra": ""}):
                pending.append(dep)
    return seen


def _namespace_index(namespace: str = "azure") -> dict[str, set[str]]:
    """`azure.storage.queue` → distributions shipping files under `azure/storage/queue/`.

    `azure` is a namespace package shared by every Azure SDK distribution, so the top-level name
    says nothing; the package path does."""
    index: dict[str, set[str]] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"].lower().replace("_", "-")
        for file in dist.files or []:
            parts = file.parts
            if parts and parts[0] == namespace and len(parts) > 2:
                for depth in range(2, min(len(parts), 5)):
                    index.setdefault(".".join(parts[:depth]), set()).add(name)
    return index


def _imports() -> dict[str, str]:
    """Module → first file importing it, over the deployed packages (absolute imports); the top
    level, except under the `azure` namespace where the full dotted name is kept."""
    found: dict[str, str] = {}
    files = [ROOT / "function_app.py"]
    for package in DEPLOYED[1:]:
        files += sorted((ROOT / package).rglob("*.py"))
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                key = name if name.startswith("azure.") else name.split(".")[0]
                found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def _third_party_imports() -> dict[str, tuple[str, set[str]]]:
    """Module → (first file importing it, the distributions providing it) for every module the
    deployed code imports that is neither its own nor the standard library's."""
    providers = metadata.packages_distributions()
    azure = _namespace_index()
    local = {p.split(".")[0] for p in DEPLOYED}
    found: dict[str, tuple[str, set[str]]] = {}
    for module, where in sorted(_imports().items()):
        if module in local or module in sys.stdlib_module_names or module == "__future__":
            continue
        if module.startswith("azure."):
            parts = module.split(".")
            prefixes = [".".join(parts[:n]) for n in range(len(parts), 1, -1)]
            dists = next((azure[p] for p in prefixes if p in azure), set())
        else:
            dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        found[module] = (where, dists)
    return found


def test_every_third_party_import_is_installed_on_azure() -> None:
    closure = _closure()
    missing = []
    for module, (where, dists) in _third_party_imports().items():
        if not dists & closure:
            missing.append(
                f"{module} (imported by {where}; provided by {sorted(dists) or 'nothing installed'})"
            )
    assert not missing, "imported by the app but not installed from requirements.txt:\n" + "\n".join(missing)


def _pins(name: str) -> dict[str, str]:
    """`{distribution: version}` of a requirements file's `name==version` lines (others: "")."""
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        body = line.split("#", 1)[0].strip()
        if body:
            requirement = Requirement(body)
            spec = str(requirement.specifier)
            exact = spec.startswith("==") and "," not in spec and "*" not in spec
            pins[requirement.name.lower().replace("_", "-")] = spec[2:] if exact else ""
    return pins


def _imported_distributions() -> dict[str, str]:
    """Distribution → the module the deployed code imports from it directly (first found)."""
    found: dict[str, str] = {}
    for module, (_, dists) in _third_party_imports().items():
        for dist in dists:
            found.setdefault(dist, module)
    return found


def test_requirements_pin_exactly_what_the_tests_ran() -> None:
    """#17 item 7: each deployed package is pinned to one version, the one constraints.txt (the dev
    lock every test run installs) pins and the venv has: deployed = tested."""
    deployed, lock = _pins("requirements.txt"), _pins("constraints.txt")
    loose = sorted(name for name, version in deployed.items() if not version)
    assert not loose, f"requirements.txt: pin these exactly (name==version): {loose}"
    disagree = {
        name: (version, lock.get(name)) for name, version in deployed.items() if lock.get(name) != version
    }
    assert not disagree, f"requirements.txt and constraints.txt disagree (deployed, tested): {disagree}"
    installed = {name: metadata.version(name) for name in deployed}
    assert installed == deployed, "the venv is not what requirements.txt pins: run make setup"


def test_every_package_the_app_imports_is_pinned_in_requirements() -> None:
    """A package the app imports directly (cryptography, azure-core …) is named and pinned, not
    left to whatever version another package's range pulls in on Azure."""
    deployed = _pins("requirements.txt")
    missing = {dist: module for dist, module in _imported_distributions().items() if dist not in deployed}
    assert not missing, f"imported by the app but not pinned in requirements.txt: {missing}"
