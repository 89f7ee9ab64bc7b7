"""ASP.NET Core route templates for HTTP triggers: `{id}`, `{id:int}`, `{id?}`, `{x=dflt}`, `{*rest}`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from devhost.settings import AppError

_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "bool": r"(?i:true|false)",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
    "double": r"-?\d+(?:\.\d+)?",
    "float": r"-?\d+(?:\.\d+)?",
    "decimal": r"-?\d+(?:\.\d+)?",
    "datetime": r"[0-9T:\-\.Z+ ]+",
}
_PARAM = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Route:
    template: str
    pattern: re.Pattern[str]
    params: tuple[str, ...]
    defaults: tuple[tuple[str, str], ...]
    rank: tuple[int, int, int]  # lower matches first: (catch-all, -literal segments, -segments)

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        values = {k: v for k, v in found.groupdict().items() if v is not None and v != ""}
        for name, default in self.defaults:
            values.setdefault(name, default)
        return values


def _param_regex(
    spec: str, template: str, names: list[str], defaults: list[tuple[str, str]]
) -> tuple[str, bool]:
    catch_all = spec.startswith("*")
    spec = spec.lstrip("*")
    default = None
    if "=" in spec:
        spec, default = spec.split("=", 1)
    optional = spec.endswith("?") or default is not None
    spec = spec.rstrip("?")
    name, *constraints = spec.split(":")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise AppError(f"route {template!r}: bad parameter name {name!r}")
    if name in names:
        raise AppError(f"route {template!r}: parameter {name!r} appears twice")
    names.append(name)
    if default is not None:
        defaults.append((name, default))
    body = ".*" if catch_all else "[^/]+"
    for constraint in constraints:
        base = constraint.split("(")[0].lower()
        if base in _CONSTRAINTS:
            body = _CONSTRAINTS[base]
        elif base == "regex":
            body = constraint[len("regex(") : -1]
    group = f"(?P<{name}>{body})"
    return (f"{group}?" if optional or catch_all else group), (optional or catch_all)


def compile_route(template: str) -> Route:
    """Compile a route template (no leading slash) to a matcher."""
    template = template.strip("/")
    names: list[str] = []
    defaults: list[tuple[str, str]] = []
    parts: list[str] = []
    literal_segments = 0
    catch_all = 0
    segments = template.split("/") if template else []
    for index, segment in enumerate(segments):
        whole = _PARAM.fullmatch(segment)
        sep = "/" if index else ""
        if whole:
            regex, optional = _param_regex(whole.group(1), template, names, defaults)
            catch_all += whole.group(1).startswith("*")
            parts.append(f"(?:{sep}{regex})?" if optional and sep else f"{sep}{regex}")
            continue
        pieces = []
        pos = 0
        for match in _PARAM.finditer(segment):
            pieces.append(re.escape(segment[pos : match.start()]))
            pieces.append(_param_regex(match.group(1), template, names, defaults)[0])
            pos = match.end()
        pieces.append(re.escape(segment[pos:]))
        literal_segments += pos == 0
        parts.append(sep + "".join(pieces))
    pattern = re.compile("".join(parts), re.IGNORECASE)
    return Route(
        template, pattern, tuple(names), tuple(defaults), (catch_all, -literal_segments, -len(segments))
    )
