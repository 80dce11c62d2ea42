"""`reparse()` gives exactly what `parse()` gives, for edits of every fixture and corpus file.

Documents are compared node by node: types, spans, values, styles, tags, the `Source` every
node points to, each `${...}`'s spans and expression tree, and the diagnostics. The edits are
keystrokes at pseudo-random places (characters that matter to YAML and to templates,
deletions, line breaks); the test also checks that the reuse path is taken for most of them,
so that it is the path being compared.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from conftest import FIXTURES, corpus_files
from diglang import yamlload
from diglang.incremental import reparse, reuse
from diglang.parse import Document, parse
from diglang.values import Mapping, Scalar, Sequence, Template, Value

pytestmark = pytest.mark.skipif(yamlload._CParser is None, reason="ruamel.yaml.clibz missing")

TYPED = ["x", " ", "\n", ":", "${", "}", "#", "'", '"', "-", "\n  ", "${a.b(", "+t:", "\t", "é"]
WORKFLOW = """\
timezone: UTC
_export:
  table: items   # a comment
  n: 3

+first:
  sh>: echo ${table} ${n + 1}
  _env:
    A: "quoted ${table}"

# between entries

+second:
  +inner:
    pg>: queries/q.sql
    database: ${table}_db
  +loop:
    for_each>:
      x: [1, 2]
    _do:
      echo>: ${x} ${bad(}
+last:
  echo>: |
    block ${table}
    text
"""


def _dump(doc: Document) -> list[object]:
    out: list[object] = [doc.source.path, doc.includes]
    out.extend((d.rule, d.severity, d.span, d.message, d.path) for d in doc.diagnostics)
    if doc.root is not None:
        _value(doc.root, doc, out)
    if doc.workflow is not None:
        out.extend((t.full_name, t.kind, t.span, len(t.params)) for t in doc.workflow.walk_tasks())
    return out


def _value(value: Value, doc: Document, out: list[object]) -> None:
    assert value.source is doc.source_of(value.source.path), "a node of another parse"
    out.append((type(value).__name__, value.span, value.source.path))
    if isinstance(value, Scalar):
        out.append((value.value, value.style, value.tag))
        if isinstance(value, Template):
            for expr in value.exprs:
                result = expr.result
                out.append((expr.text, expr.span, expr.placeholder, expr.exact, repr(result.node)))
                out.extend((e.span, e.message) for e in result.errors)
    elif isinstance(value, Mapping):
        out.append(value.flow)
        for entry in value.entries:
            if entry.include is not None:
                _value(entry.include, doc, out)
            _value(entry.key, doc, out)
            _value(entry.value, doc, out)
    else:
        assert isinstance(value, Sequence)
        out.append(value.flow)
        for item in value.items:
            _value(item, doc, out)


def _edit(text: str, rng: random.Random) -> str:
    """`text` after one keystroke (typed or deleted) at a pseudo-random place."""
    at = rng.randrange(len(text) + 1)
    if rng.random() < 0.3 and text:
        at = min(at, len(text) - 1)
        return text[:at] + text[at + 1 :]
    return text[:at] + rng.choice(TYPED) + text[at:]


def _check_edits(text: str, path: str, seed: int, count: int) -> tuple[int, int]:
    """Compare reparse with parse for `count` keystrokes, each applied to `text` and then to
    the result of the one before (a typing session). Returns (reused, compared)."""
    rng = random.Random(seed)
    original = parse(text, path)
    reused = compared = 0
    chain_text, chain = text, original
    for _ in range(count):
        for previous, version in ((original, _edit(text, rng)), (chain, _edit(chain_text, rng))):
            expected = parse(version, path)
            fast = reuse(previous, version, None)
            got = fast if fast is not None else reparse(previous, version)
            where = f"{previous.source.text!r} -> {version!r} ({path})"
            assert _dump(got) == _dump(expected), where
            reused += fast is not None
            compared += 1
        chain_text, chain = version, got
    return reused, compared


def test_reparse_equals_parse_on_keystrokes() -> None:
    reused, total = _check_edits(WORKFLOW, "/p/wf.dig", seed=1, count=400)
    assert reused > total * 0.3  # the reuse path is the one being compared


def test_edits_that_join_or_split_entries() -> None:
    previous = parse(WORKFLOW, "/p/wf.dig")
    at = WORKFLOW.index("+second")
    for version in (
        WORKFLOW[: at - 1] + WORKFLOW[at:],  # the line break before a top-level key
        WORKFLOW.replace("echo ${table}", "echo ${table}\n+split: {echo>: x}"),
        WORKFLOW.replace("+second:", "+first:"),  # a duplicate top-level key
        WORKFLOW.replace("  database:", "database:"),  # an inner key moved to the top
        WORKFLOW.replace("timezone: UTC", "timezone: &tz UTC"),
    ):
        assert _dump(reparse(previous, version, name="wf")) == _dump(
            parse(version, "/p/wf.dig", name="wf")
        )


def test_same_text_and_unusable_previous_fall_back() -> None:
    previous = parse(WORKFLOW, "/p/wf.dig")
    assert reuse(previous, WORKFLOW, None) is None
    broken = parse("a: [", "/p/wf.dig")
    assert reuse(broken, "a: [1]", None) is None
    assert _dump(reparse(broken, "+a: {echo>: 1}")) == _dump(parse("+a: {echo>: 1}", "/p/wf.dig"))


def _files() -> list[Path]:
    fixtures = sorted(FIXTURES.rglob("*.dig"))
    corpus = corpus_files()
    return fixtures + corpus[:: max(1, len(corpus) // 150)]  # every fixture, 150 corpus files


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_reparse_equals_parse_on_files(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pytest.skip("not UTF-8 text")
    _check_edits(text, str(path), seed=len(text), count=12)
