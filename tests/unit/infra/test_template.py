"""Structure of the Bicep templates: what can be checked without a Bicep compiler or Azure.

Checked here: modules resolve (paths, parameters, scopes), storage is reachable by identity only,
the queues/containers/table c2arm uses exist, Key Vault is RBAC with purge protection, the plan
is Flex Consumption with Python 3.11, authentication is required, and the managed identity's role
assignments are exactly the ones docs/operations.md documents. What only Azure can check
(`az bicep build`, what-if, the 401 from App Service authentication) is in docs/operations.md.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.unit.infra.bicep import BicepFile, Cond, Declaration, Expr, Loop, Str
from tests.unit.infra.conftest import INFRA, ROOT

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Built-in role definition ids (Azure docs, "Azure built-in roles"), by name.
ROLE_IDS = {
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Certificates Officer": "a4417e6f-fecd-4de8-b567-7b0420556985",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Storage Queue Data Reader": "19e7f393-937e-4f77-808e-94535e297925",
}
IDENTITY_ROLES = {
    "Storage Blob Data Owner",
    "Storage Queue Data Contributor",
    "Storage Table Data Contributor",
    "Reader",
    "Key Vault Secrets User",
}
OPERATOR_ROLES = {"Key Vault Certificates Officer", "Key Vault Secrets Officer", "Storage Queue Data Reader"}


def _compact(value: object) -> str:
    return "".join(t.text for t in value.tokens) if isinstance(value, Expr) else repr(value)


def _one(f: BicepFile, type_name: str, name: str | None = None) -> Declaration:
    found = [
        r
        for r in f.resources_of_type(type_name)
        if not r.existing and (name is None or r.properties.get("name") == Str(name, False))
    ]
    assert len(found) == 1, f"{f.path.name}: expected one {type_name} {name or ''}, found {len(found)}"
    return found[0]


def test_every_module_resolves(templates: dict[str, BicepFile]) -> None:
    """A mini-compile of the module graph: path exists, each passed param is declared, each param
    without a default is passed, and the scope suits the module's targetScope."""
    for path, f in templates.items():
        for module in f.modules:
            target = (f.path.parent / module.target).resolve().relative_to(INFRA.resolve()).as_posix()
            assert target in templates, f"{path}: module {module.symbol} points to a missing {module.target}"
            callee = templates[target]
            passed = set(module.properties.get("params", {}))
            unknown = passed - set(callee.params)
            assert not unknown, f"{path}: module {module.symbol} passes undeclared params {sorted(unknown)}"
            required = {n for n, p in callee.params.items() if not p.has_default}
            assert required <= passed, f"{path}: module {module.symbol} misses {sorted(required - passed)}"
            scope = _compact(module.properties.get("scope"))
            if callee.target_scope == "subscription":
                assert scope.startswith("subscription("), f"{module.symbol} must be scoped to a subscription"
            else:
                assert scope == "rg", f"{module.symbol} must deploy into the resource group"


def test_main_is_subscription_scoped_and_parameter_file_matches(main: BicepFile) -> None:
    assert main.target_scope == "subscription"
    parameters = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert set(parameters) <= set(main.params), "main.parameters.json sets parameters main.bicep lacks"
    required = {n for n, p in main.params.items() if not p.has_default}
    assert required <= set(parameters), (
        f"required parameters azd must fill: {sorted(required - set(parameters))}"
    )
    assert parameters["authClientId"]["value"] == "${C2ARM_AUTH_CLIENT_ID}"


def test_storage_is_identity_only_with_the_queues_containers_and_table(
    templates: dict[str, BicepFile],
) -> None:
    f = templates["modules/storage.bicep"]
    account = _one(f, "Microsoft.Storage/storageAccounts").properties["properties"]
    assert account["allowSharedKeyAccess"] is False
    assert account["allowBlobPublicAccess"] is False
    assert account["minimumTlsVersion"] == Str("TLS1_2", False)
    assert account["defaultToOAuthAuthentication"] is True

    def names(var: str) -> set[str]:
        values = f.vars[var]
        return {v.value if isinstance(v, Str) else _compact(v) for v in values}

    assert names("queueNames") == {
        "migration-requests",
        "migration-requests-poison",
        "migration-backlog",
        "migration-events",
    }
    assert {"snapshots", "reports", "deploymentContainerName"} == names("containerNames")
    assert names("tableNames") == {"audit"}
    for type_name, var in [
        ("Microsoft.Storage/storageAccounts/queueServices/queues", "queueNames"),
        ("Microsoft.Storage/storageAccounts/blobServices/containers", "containerNames"),
        ("Microsoft.Storage/storageAccounts/tableServices/tables", "tableNames"),
    ]:
        body = _one(f, type_name).body
        assert isinstance(body, Loop) and body.header.endswith(f"in {var}"), (
            f"{type_name} must loop over {var}"
        )


def test_no_key_connection_string_or_sas_anywhere_in_infra() -> None:
    forbidden = re.compile(
        r"listKeys|AccountKey=|DefaultEndpointsProtocol=|SharedAccessSignature|listAccountSas|listServiceSas"
        r"|primaryKey|InstrumentationKey=|APPINSIGHTS_INSTRUMENTATIONKEY",
        re.IGNORECASE,
    )
    files = [*INFRA.rglob("*.bicep"), *INFRA.rglob("*.json"), *INFRA.rglob("*.sh"), ROOT / "azure.yaml"]
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not forbidden.search(line), f"{path.relative_to(ROOT)}:{number}: {line.strip()}"


def test_key_vault_is_rbac_with_purge_protection(templates: dict[str, BicepFile]) -> None:
    props = _one(templates["modules/keyvault.bicep"], "Microsoft.KeyVault/vaults").properties["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enablePurgeProtection"] is True
    assert props["enableSoftDelete"] is True
    assert "accessPolicies" not in props


def test_application_insights_is_workspace_based(templates: dict[str, BicepFile]) -> None:
    f = templates["modules/monitoring.bicep"]
    props = _one(f, "Microsoft.Insights/components").properties["properties"]
    assert _compact(props["WorkspaceResourceId"]) == "workspace.id"
    assert _compact(f.outputs["connectionString"]) == "appInsights.properties.ConnectionString"


def test_flex_consumption_linux_python_311_with_identity_deployment(templates: dict[str, BicepFile]) -> None:
    f = templates["modules/functionapp.bicep"]
    plan = _one(f, "Microsoft.Web/serverfarms").properties
    assert plan["sku"] == {"name": Str("FC1", False), "tier": Str("FlexConsumption", False)}
    assert plan["properties"]["reserved"] is True
    site = _one(f, "Microsoft.Web/sites").properties
    assert site["kind"] == Str("functionapp,linux", False)
    assert site["identity"]["type"] == Str("UserAssigned", False)
    props = site["properties"]
    assert props["httpsOnly"] is True
    assert _compact(props["keyVaultReferenceIdentity"]) == "identityId"
    assert "siteConfig" not in props, (
        "Flex Consumption rejects linuxFxVersion and other siteConfig runtime keys"
    )
    config = props["functionAppConfig"]
    assert config["runtime"] == {"name": Str("python", False), "version": Str("3.11", False)}
    storage = config["deployment"]["storage"]
    assert storage["authentication"]["type"] == Str("UserAssignedIdentity", False)
    assert "{'azd-service-name':azdServiceName}" in _compact(site["tags"])


def test_authentication_is_required_for_every_request(templates: dict[str, BicepFile]) -> None:
    f = templates["modules/functionapp.bicep"]
    auth = _one(f, "Microsoft.Web/sites/config", "authsettingsV2").properties["properties"]
    assert auth["platform"]["enabled"] is True
    validation = auth["globalValidation"]
    assert validation["requireAuthentication"] is True
    assert validation["unauthenticatedClientAction"] == Str("Return401", False)
    assert "excludedPaths" not in validation, "no route may bypass authentication"
    aad = auth["identityProviders"]["azureActiveDirectory"]
    assert aad["enabled"] is True
    assert _compact(aad["registration"]["clientId"]) == "authClientId"
    assert "defaultAuthorizationPolicy" not in aad.get("validation", {}), (
        "an empty allowedApplications list denies every caller"
    )
    assert auth["httpSettings"]["requireHttps"] is True
    app_settings = _one(f, "Microsoft.Web/sites/config", "appsettings").properties
    assert _compact(app_settings["properties"]) == "appSettings"


def _role_assignments(templates: dict[str, BicepFile]) -> list[tuple[str, Declaration]]:
    return [
        (path, r)
        for path, f in templates.items()
        for r in f.resources_of_type("Microsoft.Authorization/roleAssignments")
        if not r.existing
    ]


def _principal_source(templates: dict[str, BicepFile], path: str, assignment: Declaration) -> str:
    """Follow the assignment's principalId param back to what main.bicep passes for it."""
    param = assignment.properties["properties"]["principalId"].ident
    assert param, f"{path}: {assignment.symbol}.principalId must be a parameter"
    callers = [m for m in templates["main.bicep"].modules if m.target == path]
    assert len(callers) == 1, f"{path} must be used by exactly one module of main.bicep"
    return _compact(callers[0].properties["params"][param])


def test_role_assignments_are_exactly_the_documented_roles(templates: dict[str, BicepFile]) -> None:
    by_principal: dict[str, set[str]] = {"identity.outputs.principalId": set(), "principalId": set()}
    for path, assignment in _role_assignments(templates):
        props = assignment.properties["properties"]
        role_ids = GUID.findall(_compact(props["roleDefinitionId"]))
        assert len(role_ids) == 1, f"{path}: {assignment.symbol} must name one built-in role id"
        name_ids = GUID.findall(_compact(assignment.properties["name"]))
        assert name_ids == role_ids, f"{path}: {assignment.symbol} name must be guid(scope, principal, role)"
        source = _principal_source(templates, path, assignment)
        assert source in by_principal, (
            f"{path}: {assignment.symbol} grants to an unexpected principal {source}"
        )
        by_principal[source].add(role_ids[0])
        if source == "principalId":
            assert isinstance(assignment.body, Cond), "operator roles only when an operator id is given"
            # the operator's kind comes from a parameter (a person, a group or a pipeline's SP)
            kind = props.get("principalType")
            assert isinstance(kind, Expr) and kind.ident, (
                f"{path}: {assignment.symbol}.principalType: a param"
            )
            caller = next(m for m in templates["main.bicep"].modules if m.target == path)
            assert _compact(caller.properties["params"][kind.ident]) == "principalType", assignment.symbol
        else:
            assert props["principalType"] == Str("ServicePrincipal", False)
    assert by_principal["identity.outputs.principalId"] == {ROLE_IDS[n] for n in IDENTITY_ROLES}
    assert by_principal["principalId"] == {ROLE_IDS[n] for n in OPERATOR_ROLES}


def test_reader_is_granted_per_target_subscription(templates: dict[str, BicepFile]) -> None:
    module = next(
        m for m in templates["main.bicep"].modules if m.target == "modules/subscription-reader.bicep"
    )
    assert isinstance(module.body, Loop) and module.body.header == "subscriptionId in targetSubscriptions"
    assert _compact(module.properties["scope"]) == "subscription(subscriptionId)"


@pytest.mark.parametrize("path", ["modules/roles.bicep", "modules/subscription-reader.bicep"])
def test_no_broad_role_is_ever_assigned(path: str) -> None:
    text = (INFRA / path).read_text()
    for broad in (
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
    ):  # Owner, Contributor
        assert broad not in text


def test_outputs_feed_the_postprovision_hook(main: BicepFile) -> None:
    script = (INFRA / "scripts" / "postprovision.sh").read_text()
    used = set(re.findall(r"\$\{?(AZURE_[A-Z_]+|C2ARM_[A-Z_]+)", script))
    used -= {"C2ARM_HOOK_RETRY_SECONDS", "C2ARM_HOOK_RETRIES"}  # test knobs, not azd outputs
    assert used <= set(main.outputs), (
        f"hook reads variables azd does not get: {sorted(used - set(main.outputs))}"
    )
    default = main.params["reviewTokenSecretName"].default
    assert isinstance(default, Str) and default.value == "review-token-secret"
    assert ":-review-token-secret}" in script, "the hook's fallback must be the template's default"


KEYWORDS = {"true", "false", "null"}


def _expressions(value: object) -> list[list]:
    """Token lists of every expression in a value, `${…}` interpolations of strings included."""
    from tests.unit.infra.bicep import tokenize

    if isinstance(value, Expr):
        found = [list(value.tokens)]
        for token in value.tokens:
            if token.kind == "STRING" and "${" in token.value:
                found += _expressions(Str(token.value, True))
        return found
    if isinstance(value, Str):
        return [
            [t for t in tokenize(inner) if t.kind != "NL"]
            for inner in re.findall(r"\$\{(.*?)\}", value.value)
        ]
    if isinstance(value, dict):
        return [e for v in value.values() for e in _expressions(v)]
    if isinstance(value, list):
        return [e for v in value for e in _expressions(v)]
    if isinstance(value, (Loop, Cond)):
        head = value.header.split(" in ", 1)[1] if isinstance(value, Loop) else value.condition
        return [[t for t in tokenize(head) if t.kind != "NL"], *_expressions(value.body)]
    return []


def test_every_reference_resolves(templates: dict[str, BicepFile]) -> None:
    """What the compiler would reject: an identifier that names nothing, or `module.outputs.x`
    where the module has no output `x` (a typo in a parameter, variable or output name)."""
    problems = []
    for path, f in templates.items():
        declared = set(f.params) | set(f.vars) | {d.symbol for d in f.resources + f.modules} | KEYWORDS
        modules = {m.symbol: m for m in f.modules}
        values = [p.default for p in f.params.values()] + list(f.vars.values()) + list(f.outputs.values())
        for declaration in f.resources + f.modules:
            if isinstance(declaration.body, Loop):
                declared.add(declaration.body.header.split(" in ", 1)[0].strip())
            values.append(declaration.body)
        for tokens in (e for v in values for e in _expressions(v)):
            for i, token in enumerate(tokens):
                if token.kind != "IDENT":
                    continue
                before = tokens[i - 1].text if i else ""
                after = tokens[i + 1].text if i + 1 < len(tokens) else ""
                if before in (".", "?.") or after in ("(", ":"):
                    continue
                if token.text not in declared:
                    problems.append(f"{path}:{token.line}: {token.text} is not declared")
                if (
                    token.text in modules
                    and after == "."
                    and i + 3 < len(tokens)
                    and tokens[i + 2].text == "outputs"
                ):
                    output = tokens[i + 4].text if i + 4 < len(tokens) else ""
                    callee = templates[
                        (f.path.parent / modules[token.text].target)
                        .resolve()
                        .relative_to(INFRA.resolve())
                        .as_posix()
                    ]
                    if output not in callee.outputs:
                        problems.append(f"{path}:{token.line}: {token.text}.outputs.{output} does not exist")
    assert not problems, "\n".join(problems)


def test_the_operators_principal_type_is_a_checked_parameter_azd_fills(main: BicepFile) -> None:
    param = main.params["principalType"]
    assert param.default == Str("User", False)
    assert all(kind in param.decorators["allowed"] for kind in ("'User'", "'Group'", "'ServicePrincipal'"))
    parameters = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert parameters["principalType"]["value"] == "${AZURE_PRINCIPAL_TYPE=User}"


def test_maximum_instance_count_allows_what_flex_consumption_allows(templates: dict[str, BicepFile]) -> None:
    """1-1000: MicrosoftDocs/azure-docs, articles/azure-functions/event-driven-scaling.md ("Limit
    scale-out", Flex Consumption, ms.date 08/03/2026): "the lowest maximum instance count value is
    1, and the highest supported maximum instance count value is 1000" (earlier versions said 40)."""
    for path in ("main.bicep", "modules/functionapp.bicep"):
        param = templates[path].params["maximumInstanceCount"]
        assert (param.decorators["minValue"], param.decorators["maxValue"]) == ("1", "1000"), path
        assert isinstance(param.default, int) and 1 <= param.default <= 1000
