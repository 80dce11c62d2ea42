"""The libyaml composer (the `fast` extra) builds the same node graph as the pure one."""

from __future__ import annotations

import pytest
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from conftest import FIXTURES, corpus_files
from diglang import yamlload
from diglang.parse import parse

pytestmark = pytest.mark.skipif(yamlload._CParser is None, reason="ruamel.yaml.clibz missing")


def _signature(node: Node, out: list[tuple[object, ...]], seen: set[int]) -> None:
    if id(node) in seen:
        out.append(("alias",))
        return
    seen.add(id(node))
    style = getattr(node, "style", None) or None
    # An empty value is placed after its key by libyaml, at the next token by the pure one.
    empty = isinstance(node, ScalarNode) and node.value == "" and style is None
    span = None if empty else (node.start_mark.index, node.end_mark.index)
    value = node.value if isinstance(node, ScalarNode) else None
    out.append((type(node).__name__, span, style, str(node.ctag), value))
    if isinstance(node, MappingNode):
        for key, item in node.value:
            _signature(key, out, seen)
            _signature(item, out, seen)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _signature(item, out, seen)


def _graph(text: str, *, fast: bool) -> list[tuple[object, ...]] | None:
    node, _ = yamlload.compose(text, fast=fast)
    if node is None:
        return None
    out: list[tuple[object, ...]] = []
    _signature(node, out, set())
    return out


def test_same_graph_on_every_corpus_and_fixture_file() -> None:
    paths = [*corpus_files(), *sorted(p for p in FIXTURES.rglob("*.dig") if p.is_file())]
    compared = 0
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        assert _graph(text, fast=True) == _graph(text, fast=False), str(path)
        compared += 1
    assert compared > 100


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, "".join("  " * i + f"k{i}:\n" for i in range(3000))],
    ids=["flow", "block"],
)
def test_deep_nesting_never_reaches_the_c_stack(text: str) -> None:
    doc = parse(text)  # the pure composer takes these; a crash here would kill the process
    assert doc.source.text == text


def test_deep_nesting_is_a_diagnostic_whatever_the_recursion_limit() -> None:
    # digrun's expression interpreter raises the limit; deep documents then get further
    import sys

    from diglang.check import check

    text = "".join("  " * i + f"k{i}:\n" for i in range(3000))
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 8000))
    try:
        doc = parse(text)
        check(doc)
    finally:
        sys.setrecursionlimit(old)
    assert [d.message for d in doc.diagnostics] == ["the document is nested too deeply to load"]
