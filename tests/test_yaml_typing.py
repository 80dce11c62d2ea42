"""Digdag's plain-scalar typing (language reference §2.2)."""

from __future__ import annotations

import math

import pytest

from diglang.parse import parse
from diglang.values import Mapping, Scalar
from diglang.yamlload import plain_kind, resolve_plain

CASES = [
    ("true", True),
    ("True", True),
    ("false", False),
    ("False", False),
    ("TRUE", "TRUE"),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("0", 0),
    ("-1", -1),
    ("+7", 7),
    ("1_000", 1000),
    ("010", 8),
    ("08", "08"),
    ("0123", 83),
    ("0x1F", 31),
    ("0b101", 5),
    ("10:00:00", "10:00:00"),
    ("07:00:00", "07:00:00"),
    ("1.5", 1.5),
    (".5", 0.5),
    ("1e3", 1000.0),
    ("-2.5e-1", -0.25),
    ("0.5", "0.5"),
    ("00.1", "00.1"),
    ("1:30.5", 90.5),
    ("~", None),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("", None),
    ("2016-01-01", "2016-01-01"),
    ("2016-01-01 00:00:00", "2016-01-01 00:00:00"),
    ("${x}", "${x}"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_resolve_plain(text: str, expected: object) -> None:
    value = resolve_plain(text)
    assert value == expected
    assert type(value) is type(expected)


def test_special_floats() -> None:
    assert resolve_plain(".inf") == math.inf
    assert resolve_plain("-.Inf") == -math.inf
    assert math.isnan(resolve_plain(".nan"))  # type: ignore[arg-type]
    assert plain_kind("0.5") == "str"
    assert plain_kind("1.5") == "float"


def test_quoted_and_tagged_scalars_are_typed_like_digdag() -> None:
    doc = parse("a: '1'\nb: \"true\"\nc: !!str 5\nd: !!int '12'\ne: 0.5\nf: 1.5\n")
    root = doc.root
    assert isinstance(root, Mapping)
    values = {e.key.value: e.value for e in root.entries}
    assert all(isinstance(v, Scalar) for v in values.values())
    assert [v.value for v in values.values() if isinstance(v, Scalar)] == [
        "1",
        "true",
        "5",
        12,
        "0.5",
        1.5,
    ]
    assert values["c"].tag == "tag:yaml.org,2002:str"  # type: ignore[union-attr]
