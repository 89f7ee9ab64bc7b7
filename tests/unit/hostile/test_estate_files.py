"""Hostile estate files: the core's loader and the emulator's both answer every problem with its
path, and never with a traceback — for broken structures, bad encodings, YAML tricks and bombs."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import estate_yaml
from emulator.estate import EstateError as EmulatorEstateError
from emulator.estate import load_estate as emulator_load_file
from emulator.estate import parse_estate as emulator_parse
from migration.estate.loader import EstateError, load_estate, load_estate_file
from tests.unit.hostile.strategies import json_values

ROOT = Path(__file__).resolve().parents[3]
SMALL = yaml.safe_load((ROOT / "examples" / "estates" / "small.yaml").read_text())
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOSTILE_TEXTS = {
    "deep flow nesting": "version: " + "[" * 5000 + "]" * 5000,
    "deep JSON": "[" * 100_000 + "]" * 100_000,
    "alias bomb": "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nversion: 1\ncloudServices: *f\n",
    "python object tag": "!!python/object/apply:os.system ['true']",
    "a list": "[1, 2]",
    "a scalar": "42",
    "empty": "",
    "duplicate anchors and tabs": "version: 1\n\tsubscriptionId: x",
}


def _paths_named(issues: list[tuple[str, str]]) -> None:
    assert issues
    for path, message in issues:
        assert isinstance(path, str) and isinstance(message, str) and message


def _emulator_lines(errors: list[str]) -> None:
    assert errors
    for line in errors:
        path, sep, message = line.partition(": ")
        assert sep and path and message, line


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_hostile_texts_are_refused_with_a_path(name: str, tmp_path: Path) -> None:
    text = HOSTILE_TEXTS[name]
    with pytest.raises(EstateError) as core:
        load_estate(text, "hostile.yaml")
    _paths_named(core.value.issues)
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    with pytest.raises(EmulatorEstateError) as emulator:
        emulator_load_file(path)
    _emulator_lines(emulator.value.errors)


def test_non_utf8_is_refused_by_the_core_loader() -> None:
    with pytest.raises(EstateError) as info:
        load_estate(b"version: 1\nsubscriptionId: \xff\xfe\n", "latin.yaml")
    assert "UTF-8" in info.value.issues[0][1]


def test_non_utf8_is_refused_by_the_emulator_loader(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"version: 1\nsubscriptionId: \xff\xfe\n")
    with pytest.raises(EmulatorEstateError) as info:
        emulator_load_file(path)
    assert info.value.errors == [
        "<file>: not UTF-8 text: byte 0xff at offset 27 (line 2) is invalid start byte"
    ]


GUID = "00000000-0000-0000-0000-000000000001"
GOOD_YAML = f"version: 1\nsubscriptionId: {GUID}\n".encode()
GOOD_JSON = f'{{"version": 1, "subscriptionId": "{GUID}"}}'.encode()

#: (file name, bytes, what the one `<file>` problem must say) — for both loaders
HOSTILE_FILES = {
    "latin-1": ("e.yaml", b"version: 1\nsubscriptionId: caf\xe9\n", "not UTF-8 text: byte 0xe9 at offset"),
    "UTF-16 with BOM": ("e.yaml", "version: 1\n".encode("utf-16"), "UTF-16 byte-order mark"),
    "NUL bytes": ("e.yaml", GOOD_YAML + b"name: a\x00b\n", "NUL character (at character"),
    "NUL in JSON": ("e.json", GOOD_JSON[:-1] + b', "x": "\x00"}', "NUL character"),
    "deep JSON": ("e.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "YAML in a .json file": ("e.json", GOOD_YAML, "JSON at line 1, column 1"),
    "python tag": (
        "e.yaml",
        b"!!python/object/apply:os.system ['true']",
        "could not determine a constructor",
    ),
    "two documents": ("e.yaml", GOOD_YAML + b"---\n" + GOOD_YAML, "YAML at line 3, column 1"),
    "unhashable key": ("e.yaml", b"? [a, b]\n: c\n", "found unhashable key"),
    "self-referencing alias": ("e.yaml", b"a: &a [*a]\n", "contains itself"),
    "duplicate YAML key": (
        "e.yaml",
        GOOD_YAML + b"storageAccounts: [{name: a}]\nstorageAccounts: [{name: b}]\n",
        "YAML at line 4, column 1: found duplicate key 'storageAccounts'",
    ),
    "duplicate JSON key": ("e.json", GOOD_JSON[:-1] + b', "version": 1}', "JSON: duplicate key 'version'"),
}


def _one_file_problem(tmp_path: Path, name: str, data: bytes) -> tuple[str, str]:
    """The single problem each loader reports for the file (core message, emulator line)."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(EstateError) as core:
        load_estate_file(path)
    assert len(core.value.issues) == 1 and core.value.issues[0][0] == "", core.value.issues
    with pytest.raises(EmulatorEstateError) as emulator:
        emulator_load_file(path)
    assert len(emulator.value.errors) == 1 and emulator.value.errors[0].startswith("<file>: ")
    return core.value.issues[0][1], emulator.value.errors[0]


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_bytes_are_one_named_problem_in_both_loaders(case: str, tmp_path: Path) -> None:
    name, data, expected = HOSTILE_FILES[case]
    core, emulator = _one_file_problem(tmp_path, name, data)
    assert expected in core and expected in emulator, (core, emulator)


def test_an_alias_bomb_is_refused_by_both_loaders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 10 × 5^9 ≈ 20 million values from a 700-byte file; a lower limit keeps the test quick
    monkeypatch.setattr(estate_yaml, "MAX_VALUES", 100_000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 10)]
    core, emulator = _one_file_problem(tmp_path, "bomb.yaml", ("\n".join(lines) + "\n").encode())
    assert "expands to more than 100,000 values" in core and "expands to more than 100,000 values" in emulator


def test_a_huge_file_is_refused_without_reading_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(estate_yaml, "MAX_FILE_BYTES", 2**20)
    core, emulator = _one_file_problem(tmp_path, "big.yaml", GOOD_YAML + b"#" * 2**20 + b"\n")
    assert "larger than 1 MiB" in core and "larger than 1 MiB" in emulator


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bom.yaml", b"\xef\xbb\xbf" + GOOD_YAML),
        ("bom.json", b"\xef\xbb\xbf" + GOOD_JSON),
        ("json-in.yaml", GOOD_JSON),
        ("anchors.yaml", GOOD_YAML + b"storageAccounts:\n  - &s {name: st1}\n  - {<<: *s, name: st2}\n"),
    ],
)
def test_utf8_bom_json_as_yaml_and_merge_keys_load_in_both(name: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    core = load_estate_file(path)
    emulator = emulator_load_file(path)
    assert core.subscription_id == emulator["subscriptionId"] == GUID


def test_the_emulator_refuses_a_non_utf8_estate_at_start_with_exit_2(tmp_path: Path) -> None:
    estate = tmp_path / "latin.yaml"
    estate.write_bytes(b"version: 1\nsubscriptionId: \xff\xfe\n")
    state = tmp_path / "state"
    proc = subprocess.run(
        [sys.executable, "-m", "emulator", "--estate", str(estate), "--port", "1", "--state-dir", str(state)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert proc.returncode == 2, proc.stderr
    assert str(estate) in proc.stderr
    assert "not UTF-8 text: byte 0xff at offset 27 (line 2)" in proc.stderr
    assert "Traceback" not in proc.stderr and not state.exists()


def test_c2arm_precheck_refuses_a_non_utf8_estate_with_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    estate = tmp_path / "latin.yaml"
    estate.write_bytes(b"version: 1\nsubscriptionId: \xff\xfe\n")
    result = CliRunner().invoke(app, ["precheck", "--estate", str(estate)])
    assert result.exit_code == 2, result.output
    assert "not UTF-8 text: byte 0xff at offset 27 (line 2)" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _mutate(raw: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """Replace, delete or add one thing somewhere in the estate."""
    raw = copy.deepcopy(raw)
    node: Any = raw
    for _ in range(data.draw(st.integers(0, 6))):
        keys = (
            list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        )
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        if not isinstance(node[key], dict | list):
            break
        node = node[key]
    if isinstance(node, dict) and node:
        key = data.draw(st.sampled_from(sorted(node)))
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            node[key] = data.draw(json_values)
        elif action == "delete":
            del node[key]
        else:
            node[data.draw(st.text(min_size=1, max_size=8))] = data.draw(json_values)
    elif isinstance(node, list):
        node.append(data.draw(json_values))
    return raw


@FUZZ
@given(st.data())
def test_mutated_estates_load_or_name_every_problem(data: st.DataObject) -> None:
    raw = _mutate(SMALL, data)
    text = yaml.safe_dump(raw)
    try:
        load_estate(text, "mutated.yaml")
    except EstateError as exc:
        _paths_named(exc.issues)
    try:
        emulator_parse(copy.deepcopy(raw), "mutated.yaml")
    except EmulatorEstateError as exc:
        _emulator_lines(exc.errors)


@FUZZ
@given(st.one_of(json_values, st.text(max_size=300)))
def test_arbitrary_documents_never_crash_either_loader(value: Any) -> None:
    text = value if isinstance(value, str) else yaml.safe_dump(value)
    try:
        load_estate(text, "any.yaml")
    except EstateError as exc:
        _paths_named(exc.issues)
    if isinstance(value, str):
        return
    try:
        emulator_parse(value, "any.yaml")
    except EmulatorEstateError as exc:
        _emulator_lines(exc.errors)


SAFE_LOAD_CASES = [
    "a: &x {b: 1, c: [1, 2.5, true, null, ~, 2001-12-14]}\nd: *x\ne:\n  <<: *x\n  b: 3\n",
    "- !!binary aGVsbG8=\n- 0x1F\n- 1_000\n- .inf\n- 'yes'\n- yes\n- on\n- '12'\n- 012\n",
    "x: !!str 12\ny: !!int '7'\nz: !!set {a, b}\nk: !!omap [a: 1, b: 2]\n",
    "a: 1\nb: 2\n1: one\n~: none\n",
    "- &a [1]\n- *a\n- *a\n",
    "",
    "# only a comment\n",
    (ROOT / "examples" / "estates" / "realistic.yaml").read_text(),
]


@pytest.mark.parametrize("text", SAFE_LOAD_CASES)
def test_the_fast_reader_builds_what_yaml_safe_load_builds(text: str) -> None:
    """The shared reader's own tree builder (no generator per node) must not change any value."""
    assert estate_yaml.parse_text(text, json_syntax=False) == yaml.safe_load(text)
