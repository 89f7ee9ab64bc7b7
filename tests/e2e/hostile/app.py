"""The app under the devhost with Azurite and no platform, for the hostile-input and security tests.

The platform endpoints point at a closed loopback port, so a request that slips through would
start a migration that fails at its first platform call — the tests look for *any* started
instance, so that is still caught. Secrets are set to distinctive values the security tests
then look for in logs, blobs and answers.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx

from cli.signin import signed_in
from cli.stack.azurite import Azurite
from cli.stack.devhost import DevHost, start_devhost
from connectors.storage import Storage
from tests import polling

REPO_ROOT = Path(__file__).resolve().parents[3]
SUB = "00000000-0000-0000-0000-000000000001"
APPROVER = "approver@contoso.com"
SECOND_APPROVER = "second@contoso.com"
APPROVER_OID = "7e57a9d0-0b1e-4c3a-9d2f-5a6b7c8d9e0f"  # an approver listed by Entra object id
REVIEW_SECRET = "review-secret-9f2c41d7e0b3-for-hostile-tests"
ACCESS_TOKEN = "access-token-3b8e9d1c2a77"
ID_ROUTES = (  # every GET route with an id in its path (triggers/)
    "/api/migrations/{id}",
    "/api/migrations/{id}/report",
    "/api/migrations/{id}/audit",
    "/api/migrations/{id}/review",
    "/api/plans/{id}",
    "/api/plans/{id}/audit",
    "/api/validations/{id}",
)


class ApiHost:
    """A running devhost serving c2arm, with its keys, storage and log.

    Not a dataclass on purpose: hypothesis prints a failing example's arguments, and a dataclass
    would be printed field by field — keys and connection strings included.
    """

    def __init__(self, host: DevHost, storage: Storage, log: Path, env: dict[str, str]) -> None:
        self.host = host
        self.storage = storage
        self.log = log
        self.env = env

    def __repr__(self) -> str:  # hypothesis prints its arguments: never the keys or settings
        return f"ApiHost({self.url})"

    @property
    def url(self) -> str:
        return self.host.url

    def client(self, principal: str | None = None, key: bool = True) -> httpx.Client:
        headers = {}
        if key:
            headers["x-functions-key"] = self.host.function_key
        if principal:
            headers.update(signed_in(self.url, principal))  # the devhost's emulated sign-in
        return httpx.Client(base_url=self.url, headers=headers, timeout=15, trust_env=False)

    def reads_answer(self, raw_id: str, codes: tuple[int, ...]) -> None:
        """GET every route that reads an id from its path with `raw_id` there as given, signed in
        (the review page answers 401 to anyone not signed in before it reads the id): each answer
        is one of `codes`."""
        with self.client(principal=APPROVER) as client:
            for path in ID_ROUTES:
                answer = client.get(path.format(id=raw_id))
                assert answer.status_code in codes, (path, raw_id, answer.status_code, answer.text[:200])

    def instance_ids(self) -> set[str]:
        """Every orchestration instance the host knows (units and plans), from the durable API."""
        with httpx.Client(base_url=self.url, timeout=15, trust_env=False) as client:
            response = client.get("/runtime/webhooks/durabletask/instances", params={"top": 1000})
            response.raise_for_status()
            return {row["instanceId"] for row in response.json()}


def start_api_host(base: Path, azurite: Azurite, *, auth: bool = True, **settings: str) -> ApiHost:
    """Start c2arm under the devhost in `base` (state, keys, log) with the given extra settings;
    `auth=False`: without the devhost's emulation of App Service authentication."""
    env = {
        "AzureWebJobsStorage": azurite.connection_string,
        "APPROVERS": f"{APPROVER},{SECOND_APPROVER},{APPROVER_OID}",
        "TWO_PERSON_APPROVAL": "true",
        "REVIEW_TOKEN_SECRET": REVIEW_SECRET,
        "ASM_AUTH": "token",
        "AZURE_ACCESS_TOKEN": ACCESS_TOKEN,
        "ASM_ENDPOINT": "https://127.0.0.1:9",
        "ARM_ENDPOINT": "https://127.0.0.1:9",
        "MIGRATION_SCHEDULE": "0 0 22 * * *",
        "AZURE_QUICK_RETRIES": "0",
        **settings,
    }
    log = base / "devhost.log"
    host = start_devhost(
        REPO_ROOT, log, state=base / "state.db", keys=base / "keys.json", env=env, time_scale=100, auth=auth
    )
    store = Storage.from_env({"AzureWebJobsStorage": azurite.connection_string})
    store.ensure()
    return ApiHost(host, store, log, env)


wait_for = partial(polling.wait_for, timeout=30)  # this API host answers quickly
