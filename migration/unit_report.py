"""The final report of one migration unit: the model of `reports/<id>.json` (pure).

The report is what an operator keeps after the unit is final: the timeline, every finding,
the classic-name → ARM-resource-id map that automation must switch to, RBAC assignments that
must be re-created (resource URIs change), and what the platform dropped (alerts, autoscale …).
The HTML page is rendered from this JSON by `migration.render.report_html`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TimelineEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    phase: str
    at: str


class Report(BaseModel):
    """The JSON report (`reports/<id>.json`); camelCase like the rest of the API."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    unit: dict[str, Any]
    phase: str
    dry_run: bool = Field(default=False, alias="dryRun")
    requested_by: str | None = Field(default=None, alias="requestedBy")
    approver: str | None = None
    snapshot_digest: str | None = Field(default=None, alias="snapshotDigest")
    timeline: list[TimelineEntry] = Field(default_factory=list)
    findings: list[dict[str, Any]] = Field(default_factory=list)
    resource_map: dict[str, str] = Field(default_factory=dict, alias="resourceMap")
    rbac_to_recreate: list[dict[str, Any]] = Field(default_factory=list, alias="rbacToRecreate")
    dropped: list[str] = Field(default_factory=list)
    error: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")
