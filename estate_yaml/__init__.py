"""Estate file bytes → plain Python values, refusing hostile files with a named problem.

The one reader of estate files' bytes, shared by the app's core (`migration/estate/loader.py`)
and the emulator (`emulator/estate/loader.py`). Sharing it does not weaken the emulator's
independence: what the two must not share is the reading of the contract — the model, the
checks, the translation — and each keeps its own; turning bytes into lists, mappings and strings
is not part of the contract. It imports nothing of either.

An estate file comes from an operator (or `c2arm capture`), so it can be anything: another
encoding, a byte-order mark, NUL bytes, a YAML alias bomb, nesting deep enough to exhaust the
stack, or simply gigabytes. Each of those is answered with one `<file>: problem` line instead of
a traceback. Big, honest estates (20,000 roles are ~20 MB of YAML) load quickly: libyaml parses,
the tree is built by a small loop instead of PyYAML's per-node generator machinery, and the
garbage collector is paused while the (acyclic) tree is being built — its repeated full scans of
the growing tree were most of the time.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

#: The largest estate file read (a 20,000-role estate is about 20 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Most values a document may expand to (YAML aliases can make a small file enormous).
MAX_VALUES = 20_000_000

if TYPE_CHECKING:  # libyaml's loader has the pure-Python one's interface (typeshed types that one)
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(_BaseLoader):
    """The safe loader with a memo of implicit tags: keys and values repeat a lot in an estate,
    and resolving a plain scalar tries several regular expressions each time."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tags: dict[str, str] = {}

    # typeshed leaves BaseResolver.resolve unannotated, hence the two no-untyped-call ignores
    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            tag = self._tags.get(value)
            if tag is None:
                tag = self._tags[value] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            return tag
        resolved: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return resolved


class ReadError(ValueError):
    """The file's text cannot be read as a document; the message names the problem."""


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large acyclic tree is built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_file(path: Path) -> bytes:
    """The file's bytes, at most one more than `MAX_FILE_BYTES` (enough for `parse_bytes` to
    refuse it without reading gigabytes). OSError is left to the caller to name."""
    with path.open("rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def parse_bytes(data: bytes, json_syntax: bool) -> Any:
    """A file's bytes (at most `MAX_FILE_BYTES`; read one more to tell) → the document's values:
    JSON when `json_syntax`, else YAML. Raise ReadError naming the problem."""
    if len(data) > MAX_FILE_BYTES:
        raise ReadError(f"larger than {MAX_FILE_BYTES // 2**20} MiB: not an estate file")
    return parse_text(decode(data), json_syntax)


def decode(data: bytes) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is allowed and dropped)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ReadError("not UTF-8 text: it starts with a UTF-16 byte-order mark (save the file as UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReadError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}) "
            f"is {exc.reason}"
        ) from None


def parse_text(text: str, json_syntax: bool) -> Any:
    """Parse JSON (when `json_syntax`) or YAML; raise ReadError naming where it is wrong."""
    if "\x00" in text:
        offset = text.index("\x00")
        raise ReadError(f"the file contains a NUL character (at character {offset}): not a text file")
    if json_syntax:
        try:
            with collector_paused():
                return json.loads(text, object_pairs_hook=_unique_keys)
        except _DuplicateKey as exc:
            raise ReadError(f"not valid JSON: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ReadError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise ReadError("not usable JSON: nested too deeply") from None
    loader = _Loader(text)
    try:
        with collector_paused():
            node = loader.get_single_node()
            raw, shared = (None, False) if node is None else _build(loader, node)
            del node  # free the node tree before the collector runs again
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ReadError(f"not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ReadError("not usable YAML: nested too deeply") from None
    finally:
        loader.dispose()
    problem = expansion_problem(raw) if shared else None
    if problem:
        raise ReadError(problem)
    return raw


def _build(loader: Any, root: yaml.Node) -> tuple[Any, bool]:
    """What `SafeLoader.construct_document` makes of `root`, without a generator per node, and
    whether any list or mapping is used more than once (an alias: the expansion must be counted).

    Plain strings, lists and mappings (all but a handful of nodes) are built here; anything else
    (numbers, booleans, null, timestamps, merge keys, unknown tags — which it refuses) is handed
    to PyYAML's own constructor, so the result is the same as `yaml.safe_load`'s.
    """
    made: dict[int, Any] = {}
    todo: list[tuple[yaml.Node, Any]] = []
    shared = False
    # one object per distinct string: keys and values repeat a lot in an estate
    strings: dict[str, str] = {}

    def value(node: yaml.Node) -> Any:
        nonlocal shared
        tag = node.tag
        if tag == _STR and isinstance(node, yaml.ScalarNode):
            text = node.value
            return strings.setdefault(text, text)
        key = id(node)
        if key in made:
            obj = made[key]
            shared = shared or isinstance(obj, list | dict | set)
            return obj
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            obj = []
        elif (
            tag == _MAP
            and isinstance(node, yaml.MappingNode)
            and not any(k.tag == _MERGE for k, _ in node.value)
        ):
            obj = {}
        else:
            obj = loader.construct_object(node, deep=True)
            made[key] = obj
            shared = shared or not isinstance(obj, str | int | float | bool | None)
            return obj
        made[key] = obj
        todo.append((node, obj))
        return obj

    result = value(root)
    while todo:
        node, obj = todo.pop()
        if isinstance(obj, list):
            obj.extend(value(child) for child in node.value)
            continue
        for key_node, value_node in node.value:
            key = value(key_node)
            item = value(value_node)
            try:
                if key in obj:  # YAML would keep the last silently: a hand-edited file lost a part
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                obj[key] = item
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found unhashable key",
                    key_node.start_mark,
                ) from None
    return result, shared


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (JSON would keep the last silently)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(f"duplicate key {key!r} in an object")
            seen.add(key)
    return obj


def expansion_problem(raw: Any, limit: int | None = None) -> str | None:
    """Why `raw` is too big once YAML aliases are expanded: more than `limit` (default
    `MAX_VALUES`) values, counting aliased parts each time they are used, or a part that contains
    itself (endless). None when it is fine. Linear in the distinct lists and mappings: each one's
    expanded size is computed once."""
    limit = MAX_VALUES if limit is None else limit
    sizes: dict[int, int] = {}  # id → expanded size; -1 while its children are being sized
    stack: list[tuple[Any, bool]] = [(raw, False)]
    while stack:
        value, children_done = stack.pop()
        if not isinstance(value, dict | list):
            continue
        items = value.values() if isinstance(value, dict) else value
        key = id(value)
        if children_done:
            size = 1 + sum(sizes[id(c)] if isinstance(c, dict | list) else 1 for c in items)
            if size > limit:
                return f"the document expands to more than {limit:,} values (YAML aliases)"
            sizes[key] = size
            continue
        known = sizes.get(key)
        if known == -1:
            return "the document contains itself (a YAML alias inside its own anchor)"
        if known is None:
            sizes[key] = -1
            stack.append((value, True))
            stack.extend((c, False) for c in items if isinstance(c, dict | list))
    return None
