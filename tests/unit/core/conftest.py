"""Fixtures of the core's unit tests: the estate-format sample, and a builder of small estates."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from migration.estate import Estate, load_estate

DATA = Path(__file__).parent / "data"
SAMPLE_TEXT = (DATA / "sample.yaml").read_text()


@pytest.fixture
def sample_text() -> str:
    """The example of estate-format.md, verbatim."""
    return SAMPLE_TEXT


@pytest.fixture
def sample() -> Estate:
    return load_estate(SAMPLE_TEXT, "sample.yaml")


@pytest.fixture
def sample_raw() -> dict[str, Any]:
    """A fresh, mutable copy of the sample's mapping: edit it, then `load_estate(yaml.safe_dump(raw))`."""
    return copy.deepcopy(yaml.safe_load(SAMPLE_TEXT))


def load_raw(raw: dict[str, Any]) -> Estate:
    return load_estate(yaml.safe_dump(raw), "test.yaml")
