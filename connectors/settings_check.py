"""Every app setting's value checked at once, before anything runs on it.

A bad value used to surface late (a bad `MIGRATION_WINDOWS` was a 500 at the first submit, a
`TWO_PERSON_APPROVAL=yes` silently meant false). `setting_problems()` checks the value of every
setting c2arm reads (the registry in `connectors.app_settings`) and names each problem; the app
logs them at start-up, `GET /api/health` answers them (503) and starting a migration refuses
while there are any. `CHECKS` is open: another check (e.g. of a secret's strength) is one more
entry of the same shape.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from connectors.app_settings import BY_NAME, SETTINGS, read_setting
from migration import windows
from migration.identity import Approvers, IdentityError
from migration.requests import parse_duration


@dataclass(frozen=True)
class SettingProblem:
    setting: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"setting": self.setting, "message": self.message}


Check = Callable[[Mapping[str, str]], list[SettingProblem]]


def _value(env: Mapping[str, str], name: str) -> str:
    try:
        return read_setting(name, env)
    except ValueError:
        return ""


def _is_set(env: Mapping[str, str], name: str) -> bool:
    return bool(env.get(name))


def _value_check(name: str, fine: Callable[[str], bool], problem: Callable[[str], str]) -> Check:
    """The check of one setting's value: `problem(value)` names what is wrong unless `fine(value)`."""

    def check(env: Mapping[str, str]) -> list[SettingProblem]:
        value = _value(env, name)
        return [] if fine(value) else [SettingProblem(name, problem(value))]

    return check


def _boolean(name: str) -> Check:
    return _value_check(
        name,
        lambda value: value.strip().lower() in ("true", "false"),
        lambda value: f"{value!r} is not a boolean: use true or false",
    )


def _number(name: str, *, whole: bool, minimum: float, maximum: float | None = None) -> Check:
    def check(env: Mapping[str, str]) -> list[SettingProblem]:
        text = _value(env, name).strip()
        try:
            number = int(text) if whole else float(text)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            return [SettingProblem(name, f"{text!r} is not {kind}")]
        if number != number or number < minimum or (maximum is not None and number > maximum):  # NaN too
            bound = f"from {minimum:g} to {maximum:g}" if maximum is not None else f"at least {minimum:g}"
            return [SettingProblem(name, f"{text} is out of range: must be {bound}")]
        return []

    return check


def _choice(name: str, choices: tuple[str, ...]) -> Check:
    return _value_check(
        name, lambda value: value in choices, lambda value: f"{value!r} is not one of {', '.join(choices)}"
    )


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _url(name: str) -> Check:
    return _value_check(
        name, lambda value: not value or _is_http_url(value), lambda value: f"{value!r} is not an http(s) URL"
    )


def _file(name: str) -> Check:
    return _value_check(
        name, lambda value: not value or Path(value).is_file(), lambda value: f"{value}: no such file"
    )


def _windows(env: Mapping[str, str]) -> list[SettingProblem]:
    problems = []
    try:
        windows.parse_windows(_value(env, "MIGRATION_WINDOWS"))
    except windows.WindowError as exc:
        problems.append(SettingProblem("MIGRATION_WINDOWS", str(exc)))
    try:
        windows.Schedule("Mon 00:00-01:00", _value(env, "MIGRATION_TIMEZONE"))
    except windows.WindowError as exc:
        problems.append(SettingProblem("MIGRATION_TIMEZONE", str(exc)))
    return problems


def _duration(env: Mapping[str, str]) -> list[SettingProblem]:
    text = _value(env, "APPROVAL_TIMEOUT_DEFAULT")
    try:
        if parse_duration(text).total_seconds() > 0:
            return []
    except ValueError as exc:
        return [SettingProblem("APPROVAL_TIMEOUT_DEFAULT", str(exc))]
    return [SettingProblem("APPROVAL_TIMEOUT_DEFAULT", f"{text!r} must be longer than zero")]


def _schedule(env: Mapping[str, str]) -> list[SettingProblem]:
    text = _value(env, "MIGRATION_SCHEDULE")
    if len(text.split()) == 6:
        return []
    message = f"{text!r} is not an NCRONTAB expression (six fields: second minute hour day month weekday)"
    return [SettingProblem("MIGRATION_SCHEDULE", message)]


def _poll_bounds(env: Mapping[str, str]) -> list[SettingProblem]:
    try:
        low = float(_value(env, "OPERATION_POLL_MIN_SECONDS"))
        high = float(_value(env, "OPERATION_POLL_MAX_SECONDS"))
    except ValueError:
        return []  # named by the number checks
    if low <= high:
        return []
    return [
        SettingProblem(
            "OPERATION_POLL_MAX_SECONDS", f"{high:g} is below OPERATION_POLL_MIN_SECONDS ({low:g})"
        )
    ]


def _required(env: Mapping[str, str]) -> list[SettingProblem]:
    return [
        SettingProblem(s.name, "is required and not set")
        for s in SETTINGS
        if s.default is None and not _is_set(env, s.name)
    ]


SECRET_MIN_BYTES = 32
KEY_VAULT_REFERENCE = "@Microsoft.KeyVault("


def secret_problem(name: str, value: str | None) -> SettingProblem | None:
    """A signing secret c2arm must not use: unset, an unresolved Key Vault reference, or short.

    App Service leaves the literal `@Microsoft.KeyVault(…)` in the setting when a reference does
    not resolve; signing with that guessable text would let anyone forge a token. The message
    never shows the value.
    """
    if not value:
        return SettingProblem(name, "is required and not set")
    if value.lstrip().startswith(KEY_VAULT_REFERENCE):
        return SettingProblem(
            name,
            "is an unresolved Key Vault reference (@Microsoft.KeyVault(…)): check "
            "the app identity's access to the vault and the secret's name, then "
            "change any app setting to make App Service read it again",
        )
    size = len(value.encode())
    if size < SECRET_MIN_BYTES:
        return SettingProblem(name, f"is {size} bytes: a signing secret needs at least {SECRET_MIN_BYTES}")
    return None


def _review_secret(env: Mapping[str, str]) -> list[SettingProblem]:
    if not _is_set(env, "REVIEW_TOKEN_SECRET"):
        return []  # named by the required check
    problem = secret_problem("REVIEW_TOKEN_SECRET", env.get("REVIEW_TOKEN_SECRET"))
    return [problem] if problem else []


def _approvers(env: Mapping[str, str]) -> list[SettingProblem]:
    try:
        Approvers.parse(_value(env, "APPROVERS"))
    except IdentityError as exc:
        return [SettingProblem("APPROVERS", f"an entry {exc}")]
    return []


CHECKS: list[Check] = [
    _review_secret,
    _approvers,
    _boolean("TWO_PERSON_APPROVAL"),
    _windows,
    _duration,
    _schedule,
    _number("MAX_MIGRATIONS_PER_WINDOW", whole=True, minimum=0),
    _number("COMMIT_MAX_ATTEMPTS", whole=True, minimum=1, maximum=100),
    _number("PLAN_CONCURRENCY", whole=True, minimum=1, maximum=100),
    _number("OPERATION_POLL_MIN_SECONDS", whole=False, minimum=0.001),
    _number("OPERATION_POLL_MAX_SECONDS", whole=False, minimum=0.001),
    _poll_bounds,
    _number("OPERATION_DEADLINE_MINUTES", whole=False, minimum=0.001),
    _number("PROBE_TIMEOUT_SECONDS", whole=False, minimum=0.001),
    _number("AZURE_HTTP_TIMEOUT_SECONDS", whole=False, minimum=0.001),
    _number("AZURE_QUICK_RETRIES", whole=True, minimum=0, maximum=20),
    _number("AZURE_QUICK_RETRY_MAX_SECONDS", whole=False, minimum=0),
    _number("AZURE_REQUESTS_PER_SECOND", whole=False, minimum=0.001),
    _number("AZURE_REQUESTS_BURST", whole=True, minimum=1),
    _choice("AZURE_CLOUD", ("public", "china", "usgov")),
    _choice("ASM_AUTH", ("certificate", "token")),
    _url("ASM_ENDPOINT"),
    _url("ARM_ENDPOINT"),
    _url("PUBLIC_BASE_URL"),
    _url("KEY_VAULT_URL"),
    _file("AZURE_CA_BUNDLE"),
    _file("ASM_CERTIFICATE_FILE"),
    _required,
]
"""Every check of the app's settings; each names the setting and what is wrong with its value."""


def setting_problems(environ: Mapping[str, str] | None = None) -> list[SettingProblem]:
    """Every problem with the app's settings (empty when all is well); never raises."""
    env = os.environ if environ is None else environ
    problems: list[SettingProblem] = []
    for check in CHECKS:
        problems.extend(check(env))
    return problems


def known_setting(name: str) -> bool:
    """Whether `name` is a setting c2arm reads (or a host setting it passes through)."""
    return name in BY_NAME
