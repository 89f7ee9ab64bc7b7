"""Pure rendering of what operators read: reports (HTML + CSV) and the review page.

No I/O, no clock: data in, text out, so the HTTP triggers, the CLI and the tests all render the
same bytes from the same data. Public API (the triggers of the workflow import these):

- `report_html(report: Mapping) -> str` — a unit's or a plan's report as one self-contained
  HTML page (inline SVG Gantt of the timeline or of the waves, findings by severity, the
  classic-name → ARM-id map, RBAC to re-create, what was dropped). Shapes in `render.report_page`.
- `id_map_csv(report: Mapping) -> str` — `unit,classic,armResourceId` for automation.
- `review_page_html(view: Mapping, token: str, *, principal=None, decision_url=None) -> str` —
  the page of `GET /api/migrations/{id}/review`; its form posts `decision`, `comment`, `token`
  (form-encoded) to `decision_path(id)`. Shapes in `render.review`.
- `follow_through_html(report)`, `follow_through_plan_section(plan)` — the follow-through's report
  and its per-VM plan (issue #18). Shapes in `render.followthrough`.
"""

from migration.render._html import page_headers
from migration.render.followthrough import follow_through_html, follow_through_plan_section
from migration.render.gantt import human_duration, plan_gantt_svg, unit_gantt_svg
from migration.render.report_page import id_map_csv, report_html
from migration.render.review import decision_path, review_page_html, sign_in_page_html

__all__ = [
    "decision_path",
    "follow_through_html",
    "follow_through_plan_section",
    "human_duration",
    "id_map_csv",
    "page_headers",
    "plan_gantt_svg",
    "report_html",
    "review_page_html",
    "sign_in_page_html",
    "unit_gantt_svg",
]
