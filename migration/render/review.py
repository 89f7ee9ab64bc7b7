"""The review page an approver sees while a unit waits in `AwaitingApproval` (pure).

`review_page_html(view, token, principal=…)` is what the HTTP trigger for
`GET /api/migrations/{id}/review` returns. `view` is the unit's status plus what the check step
compared:

    {"id", "unit": {"kind", "name", "deployment"?}, "phase", "requestedBy"?, "dryRun"?,
     "findings": [{"severity", "code", "message", "kind"? (missing|extra|changed),
                   "resource"? (ARM id or name), "path"? (property path in that resource,
                   e.g. "properties.ipConfigurations[0].privateIPAddress"), "expected"?, "actual"?}],
     "timeline": [{"phase", "at"}],
     "classic": {…the unit's snapshot: any JSON object…},
     "arm": [{"id", "name", "type", "location"?, "properties"?, …}, …]}

The page shows the classic configuration and the prepared ARM resources side by side, marks on
the ARM side every property a finding names (changed), every resource a finding calls extra,
and a card for each resource a finding says is missing; then the findings by severity, the
timeline, and Approve / Abort buttons. The buttons are a plain form (no script) that posts
`decision=commit|abort`, `comment` and `token` as `application/x-www-form-urlencoded` to
`decision_url` (default `/api/migrations/{id}/review/decision`, the contract's route, docs/contract.md), which
checks the anti-forgery token (`migration.policy.verify_token`) instead of a function key.
The form is shown only while the phase is `AwaitingApproval` and only with a token (a page opened
without a signed-in principal says how to get one instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from migration.render._html import compact, esc, findings_section, page, table, unit_label
from migration.render.followthrough import follow_through_plan_section
from migration.render.gantt import unit_gantt_svg

MAX_ROWS = 400  # per side: a page an approver can still read; the rest is in the snapshot blob


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(property path, text) for every leaf of a JSON value: `a.b[0].c`, in document order."""
    if isinstance(value, Mapping):
        if not value:
            return [(prefix, "{}")] if prefix else []
        out: list[tuple[str, str]] = []
        for key, item in value.items():
            out.extend(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        if not value:
            return [(prefix, "[]")]
        out = []
        for index, item in enumerate(value):
            out.extend(flatten(item, f"{prefix}[{index}]"))
        return out
    if value is None:
        return [(prefix, "null")]
    if isinstance(value, bool):
        return [(prefix, "true" if value else "false")]
    return [(prefix, str(value))]


def _norm(text: Any) -> str:
    return str(text or "").strip().lower()


def _matches(finding: Mapping[str, Any], resource: Mapping[str, Any]) -> bool:
    """Does the finding name this ARM resource (by id, or by name)?"""
    target = _norm(finding.get("resource") or finding.get("resourceId"))
    if not target:
        return False
    rid, name = _norm(resource.get("id")), _norm(resource.get("name"))
    return target in {rid, name} or (bool(rid) and rid.endswith("/" + target))


def _kind(finding: Mapping[str, Any]) -> str:
    kind = _norm(finding.get("kind") or finding.get("change") or finding.get("type"))
    if kind in {"missing", "extra", "changed"}:
        return kind
    code = _norm(finding.get("code"))
    for candidate in ("missing", "extra", "changed"):
        if candidate in code:
            return candidate
    return "changed" if finding.get("path") else ""


def _path_hit(row_path: str, finding_path: str) -> bool:
    return row_path == finding_path or row_path.startswith((finding_path + ".", finding_path + "["))


def _rows_html(rows: list[tuple[str, str]], marks: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    if not rows:
        return "<p class='muted'>No properties.</p>"
    body = []
    for path, text in rows[:MAX_ROWS]:
        hits = [f for fpath, fs in marks.items() if _path_hit(path, fpath) for f in fs]
        if hits:
            expected = "; ".join(compact(f.get("expected")) for f in hits if "expected" in f)
            note = (
                " <span class='badge changed'>changed</span> "
                f"<span class='muted'>expected {esc(expected)}</span>"
            )
            cells = f"<td><code>{esc(path)}</code></td><td><code>{esc(text)}</code>{note}</td>"
            body.append(f"<tr class='diff'>{cells}</tr>")
        else:
            body.append(f"<tr><td><code>{esc(path)}</code></td><td><code>{esc(text)}</code></td></tr>")
    more = len(rows) - MAX_ROWS
    tail = f"<p class='muted'>… {more} more properties not shown.</p>" if more > 0 else ""
    return f"<table class='props'><tbody>{''.join(body)}</tbody></table>{tail}"


def _with_marked(
    resource: Mapping[str, Any], marks: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[tuple[str, str]]:
    """The resource's rows, plus a row for each marked property it does not show (its actual value).

    A resource listed without its properties (or a property that is absent, which is itself the
    difference) would otherwise hide the change the finding is about.
    """
    rows = flatten(resource)
    for path, findings in marks.items():
        if not any(_path_hit(row_path, path) for row_path, _ in rows):
            actual = findings[0].get("actual")
            rows.append((path, "(absent)" if actual is None else compact(actual)))
    return rows


def _classic_side(classic: Any) -> str:
    if not classic:
        return "<p class='muted'>No snapshot.</p>"
    if not isinstance(classic, Mapping):
        return _rows_html(flatten(classic), {})
    cards = []
    for key, value in classic.items():
        rows = flatten(value, str(key))
        cards.append(f"<div class='card classic'><h3>{esc(key)}</h3>{_rows_html(rows, {})}</div>")
    return "".join(cards)


def _arm_side(arm: Sequence[Mapping[str, Any]], findings: Sequence[Mapping[str, Any]]) -> str:
    cards = []
    matched: set[int] = set()
    for resource in arm:
        mine = [(i, f) for i, f in enumerate(findings) if _matches(f, resource)]
        matched.update(i for i, _ in mine)
        extra = any(_kind(f) == "extra" for _, f in mine)
        marks: dict[str, list[Mapping[str, Any]]] = {}
        for _, f in mine:
            if f.get("path") and _kind(f) != "extra":
                marks.setdefault(str(f["path"]), []).append(f)
        shown = {k: v for k, v in resource.items() if k not in {"id", "name", "type"}}
        badge = " <span class='badge extra'>extra</span>" if extra else ""
        badge += " <span class='badge changed'>changed</span>" if marks else ""
        cards.append(
            f"<div class='card arm{' extra' if extra else ''}' data-name='{esc(resource.get('name'))}'>"
            f"<h3>{esc(resource.get('type'))} <code>{esc(resource.get('name'))}</code>{badge}</h3>"
            f"<p class='mono muted'>{esc(resource.get('id'))}</p>"
            f"{_rows_html(_with_marked(shown, marks), marks)}</div>"
        )
    for index, f in enumerate(findings):
        if index in matched or _kind(f) != "missing":
            continue
        expected = f.get("expected")
        rows = (
            flatten(expected) if isinstance(expected, Mapping | list) else [("expected", compact(expected))]
        )
        cards.append(
            f"<div class='card arm missing' data-name='{esc(f.get('resource'))}'>"
            f"<h3><code>{esc(f.get('resource'))}</code> <span class='badge missing'>missing</span></h3>"
            f"<p>{esc(f.get('message'))}</p>{_rows_html(rows, {})}</div>"
        )
    return "".join(cards) or "<p class='muted'>No ARM resources prepared.</p>"


def decision_path(instance_id: str) -> str:
    """The review page's decision route for an instance (docs/contract.md), id percent-encoded."""
    return f"/api/migrations/{quote(instance_id, safe='')}/review/decision"


def _actions(view: Mapping[str, Any], token: str, principal: str | None, decision_url: str) -> str:
    if view.get("phase") != "AwaitingApproval":
        return (
            f"<p class='actions muted' id='no-decision'>No decision to take: the unit is "
            f"<span class='phase'>{esc(view.get('phase'))}</span>.</p>"
        )
    if not token:
        return (
            "<p class='actions muted' id='no-decision'>Sign in as an approver to approve or abort here "
            "(this page was opened without a signed-in principal, so it carries no decision token).</p>"
        )
    who = f"as <strong>{esc(principal)}</strong>" if principal else ""
    return (
        f"<form class='actions' method='post' action='{esc(decision_url)}'>"
        f"<input type='hidden' name='token' value='{esc(token)}'>"
        f"<label>Comment<br><textarea name='comment' maxlength='1000'></textarea></label>"
        f"<button class='approve' type='submit' name='decision' value='commit'>Approve (commit)</button>"
        f"<button class='abort' type='submit' name='decision' value='abort'>Abort</button>"
        f"<span class='muted'>{who}</span></form>"
    )


def review_page_html(
    view: Mapping[str, Any], token: str, *, principal: str | None = None, decision_url: str | None = None
) -> str:
    """The review page for one unit: both sides, findings, timeline, and the decision form."""
    instance_id = str(view.get("id", ""))
    findings = [f for f in view.get("findings") or [] if isinstance(f, Mapping)]
    arm = [r for r in view.get("arm") or [] if isinstance(r, Mapping)]
    timeline = view.get("timeline") or []
    dry = " <span class='badge extra'>dry run</span>" if view.get("dryRun") else ""
    facts = [
        ["unit", unit_label(view.get("unit"))],
        ["phase", view.get("phase", "")],
        ["requested by", view.get("requestedBy") or "unknown"],
        ["findings", str(len(findings))],
    ]
    body = (
        f"<h1>Review <code>{esc(instance_id)}</code>: {esc(unit_label(view.get('unit')))}{dry}</h1>"
        + table(["", ""], facts, cls="facts")
        + _actions(view, token, principal, decision_url or decision_path(instance_id))
        + (follow_through_plan_section(view["vmPlan"]) if isinstance(view.get("vmPlan"), list) else "")
        + "<h2 id='findings'>Findings</h2>"
        + findings_section(findings)
        + "<div class='grid'>"
        + "<section id='classic'><h2>Classic configuration</h2>"
        + _classic_side(view.get("classic"))
        + f"</section><section id='arm'><h2>Prepared ARM resources ({len(arm)})</h2>"
        + _arm_side(arm, findings)
        + "</section>"
        + "</div>"
        + "<h2 id='timeline'>Timeline</h2>"
        + unit_gantt_svg(timeline)
        + table(["phase", "at"], [[t.get("phase"), t.get("at")] for t in timeline], cls="timeline")
    )
    return page(f"c2arm review {instance_id}", body, allow_form=True)


def sign_in_page_html(instance_id: str, login_url: str, problem: str) -> str:
    """What the review page's route answers without a usable principal: why, and where to sign in."""
    body = (
        f"<h1>Review of {esc(instance_id)}</h1>"
        f"<p id='not-signed-in'>{esc(problem)}</p>"
        f"<p><a id='sign-in' href='{esc(login_url)}'>Sign in with Microsoft Entra ID</a>, then come back "
        "to this page.</p>"
    )
    return page(f"Sign in to review {instance_id}", body)
