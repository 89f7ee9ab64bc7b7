"""Validating: the platform's own validate (read-only), every message kept as a finding."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities._runtime import asm, phase, request_of
from migration.workflow import ValidateResult

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
@phase
def validate_unit(payload: dict[str, Any]) -> ValidateResult:
    """`{"findings": [...]}`: one per ValidationMessage. Only the platform's `Error` blocks
    (severity `error`); `Warning` → `warning`, `Information`/`Unspecified` → `info`, each finding
    keeping the platform's own `category`."""
    request = request_of(payload)
    result = asm(request.subscription_id).validate(request.unit, request.destination)
    findings = []
    for message in result.messages:
        resource = "/".join(p for p in (message.resource_type, message.resource_name) if p)
        finding = {
            "severity": message.severity,
            "category": message.category,
            "code": "PlatformValidation",
            "rule": "platform.validate",
            "resource": resource,
            "message": message.message,
        }
        if message.virtual_machine:
            finding["virtualMachine"] = message.virtual_machine
        findings.append(finding)
    return ValidateResult(findings=findings)
