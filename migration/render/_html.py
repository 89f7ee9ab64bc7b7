"""Shared pieces of the rendered pages: escaping, the page shell, tables, severity order.

Every page c2arm renders is self-contained (no CDN, no external font, no script from
elsewhere) and carries a Content-Security-Policy that forbids loading anything, so a page
saved from a report or opened from an e-mail cannot phone home and injected markup cannot run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from migration.text import escape_controls

SEVERITY_ORDER = ("error", "warning", "info")

CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--err:#cf222e;--warn:#9a6700;
--info:#0969da;--ok:#1a7f37;--diff:#fff8c5;--missing:#ffebe9;--extra:#ddf4ff}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;padding:1.5em 2em;max-width:1400px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line)}
h3{font-size:1em;margin:1em 0 .3em}
table{border-collapse:collapse;width:100%;margin:.3em 0}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
code,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12.5px;
word-break:break-all}
.muted{color:var(--muted)}
.sev{display:inline-block;padding:0 6px;border-radius:8px;color:#fff;font-size:12px}
.sev-error{background:var(--err)}.sev-warning{background:var(--warn)}.sev-info{background:var(--info)}
.sev-other{background:var(--muted)}
.phase{font-weight:600}
table.findings code{word-break:normal;white-space:nowrap}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.2em}
.card{border:1px solid var(--line);border-radius:6px;padding:.5em .8em;margin:.5em 0}
.card h3{margin:.1em 0 .4em}
tr.diff td{background:var(--diff)}
.card.missing{background:var(--missing);border-color:var(--err)}
.card.extra{background:var(--extra);border-color:var(--info)}
.badge{font-size:11px;font-weight:600;padding:0 5px;border-radius:6px;border:1px solid currentColor}
.badge.changed{color:var(--warn)}.badge.missing{color:var(--err)}.badge.extra{color:var(--info)}
.actions{display:flex;gap:1em;align-items:flex-end;flex-wrap:wrap;margin:1em 0;padding:1em;
border:1px solid var(--line);border-radius:6px;background:#f6f8fa}
.actions textarea{width:28em;height:3.5em}
button{font-size:15px;padding:.45em 1.4em;border-radius:6px;border:1px solid var(--line);cursor:pointer}
button.approve{background:var(--ok);color:#fff}button.abort{background:var(--err);color:#fff}
svg text{font:11px system-ui,sans-serif}
"""


def esc(value: Any) -> str:
    """Text for HTML (element content and quoted attributes alike); a control or format character
    (a bidirectional override that would show a name reversed …) shows as its escape."""
    if value is None:
        return ""
    return escape(escape_controls(str(value), keep="\n"), quote=True)


def csp(*, allow_form: bool = False) -> str:
    """The pages' Content-Security-Policy: nothing loaded, no framing, forms only to this origin."""
    form_action = "'self'" if allow_form else "'none'"
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"form-action {form_action}; base-uri 'none'; frame-ancestors 'none'"
    )


def page_headers(*, allow_form: bool = False) -> dict[str, str]:
    """The HTTP headers every served page carries. Browsers ignore `frame-ancestors` in a `<meta>`
    CSP, so framing (clickjacking of the decision buttons) is refused only by these headers;
    `no-store` keeps a page with a decision token out of caches; `nosniff` keeps it HTML-only."""
    return {
        "Content-Security-Policy": csp(allow_form=allow_form),
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def page(title: str, body: str, *, allow_form: bool = False) -> str:
    """A whole HTML document around `body`, its CSS inline and a CSP that loads nothing."""
    policy = csp(allow_form=allow_form)
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{policy}\">"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, raw: bool = False, cls: str = "") -> str:
    """A table; cells are escaped unless `raw` (then the caller has escaped them)."""
    body = []
    for row in rows:
        cells = "".join(f"<td>{cell if raw else esc(cell)}</td>" for cell in row)
        body.append(f"<tr>{cells}</tr>")
    if not body:
        return "<p class='muted'>None.</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    thead = f"<thead><tr>{head}</tr></thead>" if any(headers) else ""
    klass = f" class='{esc(cls)}'" if cls else ""
    return f"<table{klass}>{thead}<tbody>{''.join(body)}</tbody></table>"


def severity_rank(severity: Any) -> int:
    """Sort key: errors first, then warnings, info, anything else."""
    text = str(severity or "").lower()
    return SEVERITY_ORDER.index(text) if text in SEVERITY_ORDER else len(SEVERITY_ORDER)


def severity_badge(severity: Any) -> str:
    text = str(severity or "").lower()
    klass = text if text in SEVERITY_ORDER else "other"
    return f"<span class='sev sev-{klass}'>{esc(text or 'unknown')}</span>"


def unit_label(unit: Any) -> str:
    """`kind/name[/deployment]` (the estate format's way of writing a unit), from a unit dict."""
    if isinstance(unit, Mapping):
        parts = [unit.get("kind"), unit.get("name"), unit.get("deployment")]
        return "/".join(str(p) for p in parts if p)
    return str(unit or "")


def finding_text(finding: Mapping[str, Any], key: str) -> str:
    """A finding value shown as text (dicts and lists compactly)."""
    value = finding.get(key)
    if value is None:
        return ""
    if isinstance(value, Mapping | list):
        return compact(value)
    return str(value)


def compact(value: Any) -> str:
    """A short, deterministic text for a JSON value."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def findings_section(findings: Sequence[Mapping[str, Any]]) -> str:
    """Findings grouped by severity (errors first), each with both sides when it has them."""
    if not findings:
        return "<p class='muted'>No findings.</p>"
    out = []
    ordered = sorted(findings, key=lambda f: severity_rank(f.get("severity")))
    counts: dict[str, int] = {}
    for f in ordered:
        key = str(f.get("severity") or "unknown").lower()
        counts[key] = counts.get(key, 0) + 1
    summary = ", ".join(f"{n} {esc(sev)}" for sev, n in counts.items())
    out.append(f"<p id='findings-summary'>{summary}</p>")
    compared = any(f.get("path") or f.get("property") or "expected" in f or "actual" in f for f in ordered)
    headers = ["severity", "code", "source", "resource", "message"]
    if compared:
        headers += ["property", "expected", "actual"]
    rows = []
    for f in ordered:
        remedy = f.get("remedy")
        message = esc(f.get("message")) + (
            f"<br><span class='muted'>→ {esc(remedy)}</span>" if remedy else ""
        )
        row = [
            severity_badge(f.get("severity")),
            f"<code>{esc(f.get('code'))}</code>",
            esc(f.get("source") or ""),
            esc(f.get("resource") or f.get("resourceId") or ""),
            message,
        ]
        if compared:
            row += [
                f"<code>{esc(f.get('path') or f.get('property') or '')}</code>",
                f"<code>{esc(finding_text(f, 'expected'))}</code>",
                f"<code>{esc(finding_text(f, 'actual'))}</code>",
            ]
        rows.append(row)
    out.append(table(headers, rows, raw=True, cls="findings"))
    return "".join(out)
