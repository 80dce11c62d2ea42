"""Every `${…}` placeholder of the shared .dig corpus parses, except a reviewed list."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from diglang.expr import Placeholder, parse_expression, scan_template
from diglang.expr.parse import clear_cache

CORPUS = Path(__file__).parents[2] / "shared" / "corpus"

# (path relative to the corpus, expression) → why it is expected to fail.
KNOWN_INVALID: dict[tuple[str, str], str] = {
    (
        "digdag/digdag-tests/src/test/resources/acceptance/config_eval_engine/invalid1.dig",
        "td.last_results.cnt => 3",
    ): "Digdag's own fixture for a failing `if>` expression (`=>` instead of `>=`)",
    (
        "realworld/treasure-data__td-skills/semantic-layer/schema-auto-tagger/"
        "auto_schema_tagger.dig",
        "session_date?replace('-','_')",
    ): "FreeMarker `?replace` built-in written as if it were JavaScript",
}


def _scalars(root: Node) -> Iterator[ScalarNode]:
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            yield node
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack += [value, key]
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))


def _corpus_expressions() -> list[tuple[str, str]]:
    yaml = YAML(typ="safe", pure=True)
    found: list[tuple[str, str]] = []
    for path in sorted(CORPUS.rglob("*.dig")):
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"))
        except Exception:  # not YAML (e.g. a fixture substituted by its test): skip it
            continue
        if root is None:
            continue
        name = path.relative_to(CORPUS).as_posix()
        for scalar in _scalars(root):
            if isinstance(scalar.value, str) and "${" in scalar.value:
                for part in scan_template(scalar.value):
                    if isinstance(part, Placeholder):
                        found.append((name, part.expr))
    return found


@pytest.fixture(scope="module")
def corpus_expressions() -> list[tuple[str, str]]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return _corpus_expressions()


def test_corpus_placeholders_parse(corpus_expressions: list[tuple[str, str]]) -> None:
    failures: dict[tuple[str, str], str] = {}
    failed = 0
    for name, expr in corpus_expressions:
        result = parse_expression(expr)
        if result.errors:
            failures[name, expr] = result.errors[0].message
            failed += 1
    unexpected = {key: msg for key, msg in failures.items() if key not in KNOWN_INVALID}
    assert unexpected == {}
    assert set(failures) == set(KNOWN_INVALID), "a known-invalid expression now parses"
    parsed = len(corpus_expressions) - failed
    print(f"\ncorpus: {parsed} expressions parsed, {failed} known invalid")
    assert parsed > 1000


def test_corpus_parse_throughput(corpus_expressions: list[tuple[str, str]]) -> None:
    unique = sorted({expr for _, expr in corpus_expressions})
    clear_cache()
    start = time.perf_counter()
    for expr in unique:
        parse_expression(expr)
    cold = len(unique) / (time.perf_counter() - start)
    start = time.perf_counter()
    for offset, (_, expr) in enumerate(corpus_expressions):
        parse_expression(expr, offset)
    warm = len(corpus_expressions) / (time.perf_counter() - start)
    print(f"\nuncached: {cold:.0f} expressions/s; cached and shifted: {warm:.0f} expressions/s")
    assert cold > 500
