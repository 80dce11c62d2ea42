"""Invariants every `format_text` result must satisfy, shared by the formatter's test modules.

The helpers are imported by `test_format_corpus` and `test_format_properties`; the tests at the
end check the helpers themselves.
"""

from __future__ import annotations

import math
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from diglang.fmt.verify import comments
from diglang.format import format_text
from diglang.yamlload import compose, to_data


def ordered(data: Any) -> Any:
    """Data as nested tuples that keep mapping order and types, with NaN made comparable."""
    if isinstance(data, dict):
        return ("map", tuple((ordered(k), ordered(v)) for k, v in data.items()))
    if isinstance(data, list):
        return ("seq", tuple(ordered(x) for x in data))
    if isinstance(data, float) and math.isnan(data):
        return ("float", "nan")
    return (type(data).__name__, data)


def normalized(text: str) -> str:
    """The text as the formatter composes it (no BOM, LF line breaks)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def assert_equivalent(before: str, after: str) -> None:
    """Same ordered data and the same comments, in order."""
    root_before, error = compose(normalized(before))
    assert error is None
    root_after, error = compose(normalized(after))
    assert error is None, f"formatted text does not parse: {error}"
    assert ordered(to_data(root_before)) == ordered(to_data(root_after))
    assert comments(normalized(before), root_before) == comments(normalized(after), root_after)


def _verbatim_lines(text: str, root: Node | None) -> set[int]:
    """Line numbers (0-based) inside multi-line scalars and flow collections (kept as written)."""
    lines: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
            first = text.count("\n", 0, node.start_mark.index)
            last = text.count("\n", 0, node.end_mark.index)
            lines.update(range(first + 1, last + 1))
        elif isinstance(node, MappingNode):
            stack.extend(x for pair in node.value for x in pair)
        else:
            stack.extend(node.value)
    return lines


def assert_canonical_whitespace(formatted: str) -> None:
    """No trailing blanks, no double blank lines, no blank first/last line (outside scalars)."""
    text = normalized(formatted)
    if not text:
        return
    assert text.endswith("\n")
    root, error = compose(text)
    assert error is None
    inside = _verbatim_lines(text, root)
    lines = text.split("\n")[:-1]
    for number, line in enumerate(lines):
        if number in inside:
            continue
        assert line == line.rstrip(" \t"), f"trailing blanks on line {number + 1}"
        if not line:
            assert 0 < number < len(lines) - 1, f"blank line {number + 1} at an edge"
            assert lines[number - 1] or number - 1 in inside, f"double blank at {number + 1}"


def assert_formats_well(text: str) -> str:
    """Format `text` and check idempotence, equivalence and whitespace; return the result."""
    once = format_text(text)
    assert format_text(once) == once, "formatting is not idempotent"
    assert_equivalent(text, once)
    if once != text:
        assert_canonical_whitespace(once)
    return once


def test_ordered_sees_key_order_and_types() -> None:
    assert ordered({"a": 1, "b": 2}) != ordered({"b": 2, "a": 1})
    assert ordered([1]) != ordered([True])
    assert ordered({"x": float("nan")}) == ordered({"x": float("nan")})


def test_canonical_whitespace_check() -> None:
    assert_canonical_whitespace("a: 1\n\nb: |+\n  x\n\n\nc: 2\n")
    for bad in ("a: 1 \n", "\na: 1\n", "a: 1\n\n\nb: 2\n", "a: 1\n\n"):
        try:
            assert_canonical_whitespace(bad)
        except AssertionError:
            continue
        raise AssertionError(f"not caught: {bad!r}")


def test_equivalence_check_sees_comments() -> None:
    assert_equivalent("a: 1 # c\n", "a:    1   # c\n")
    try:
        assert_equivalent("a: 1 # c\n", "a: 1\n")
    except AssertionError:
        return
    raise AssertionError("a lost comment was not caught")
