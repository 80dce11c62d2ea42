"""Semantic tokens: exact tokens of a fixture, and invariants over the whole corpus."""

from __future__ import annotations

import re
import time
from pathlib import Path

from diglang.source import Span
from diglsp.semantic import LEGEND, semantic_tokens
from diglsp.workspace import Snapshot, snapshot_of
from lspclient import corpus_snapshots

Token = tuple[int, int, int, str, tuple[str, ...]]

FIXTURE = """\
timezone: Asia/Tokyo
schedule:
  daily>: 07:00:00
  start: 2024-01-01
_export:
  env: prod
  td: {database: x}
+load:
  td>: queries/load.sql
  _retry: 3
  database: ${td.database + '_' + env}
  day: "${moment(session_time).format('YYYY') == 2024 ? 'a' : -1}"
  esc: "tab\\t${env}"
  +each:
    for_each>:
      n: [1, 2]
    _do:
      echo>: ${typeof n !== 'undefined' && /r/.test(env)}
"""


def decode(snap: Snapshot, data: list[int]) -> list[Token]:
    """(line, UTF-16 column, UTF-16 length, type, modifiers) of every token."""
    assert len(data) % 5 == 0
    out: list[Token] = []
    line = column = 0
    for i in range(0, len(data), 5):
        delta_line, delta_column, length, kind, bits = data[i : i + 5]
        line += delta_line
        column = delta_column if delta_line else column + delta_column
        mods = tuple(m for j, m in enumerate(LEGEND.token_modifiers) if bits >> j & 1)
        out.append((line, column, length, LEGEND.token_types[kind], mods))
    return out


def text_of(snap: Snapshot, token: Token) -> str:
    line, column, length = token[:3]
    start = snap.source.index.offset_from_utf16(line, column)
    end = snap.source.index.offset_from_utf16(line, column + length)
    return snap.text[start:end]


def named(snap: Snapshot, tokens: list[Token]) -> list[tuple[int, str, str, tuple[str, ...]]]:
    return [(t[0], text_of(snap, t), t[3], t[4]) for t in tokens]


def test_fixture_tokens() -> None:
    snap = snapshot_of(FIXTURE, None)
    tokens = decode(snap, semantic_tokens(snap).data)
    assert named(snap, tokens) == [
        (0, "timezone", "keyword", ()),
        (1, "schedule", "keyword", ()),
        (2, "daily>", "keyword", ()),
        (3, "start", "property", ()),
        (4, "_export", "macro", ()),
        (5, "env", "variable", ("declaration",)),
        (6, "td", "variable", ("declaration",)),
        (6, "database", "property", ()),
        (7, "+load", "function", ("declaration",)),
        (8, "td>", "keyword", ()),
        (9, "_retry", "macro", ()),
        (10, "database", "property", ()),
        (10, "${", "macro", ()),
        (10, "td", "variable", ()),
        (10, "database", "property", ()),
        (10, "+", "operator", ()),
        (10, "'_'", "string", ()),
        (10, "+", "operator", ()),
        (10, "env", "variable", ()),
        (10, "}", "macro", ()),
        (11, "day", "property", ()),
        (11, "${", "macro", ()),
        (11, "moment", "function", ("defaultLibrary",)),
        (11, "session_time", "variable", ("defaultLibrary",)),
        (11, "format", "method", ()),
        (11, "'YYYY'", "string", ()),
        (11, "==", "operator", ()),
        (11, "2024", "number", ()),
        (11, "?", "operator", ()),
        (11, "'a'", "string", ()),
        (11, ":", "operator", ()),
        (11, "-", "operator", ()),
        (11, "1", "number", ()),
        (11, "}", "macro", ()),
        (12, "esc", "property", ()),  # escapes: the expression text is not the source text
        (13, "+each", "function", ("declaration",)),
        (14, "for_each>", "keyword", ()),
        (15, "n", "variable", ("declaration",)),
        (16, "_do", "macro", ()),
        (17, "echo>", "keyword", ()),
        (17, "${", "macro", ()),
        (17, "typeof", "keyword", ()),
        (17, "n", "variable", ()),
        (17, "!==", "operator", ()),
        (17, "'undefined'", "string", ()),
        (17, "&&", "operator", ()),
        (17, "/r/", "regexp", ()),
        (17, "test", "method", ()),
        (17, "env", "variable", ()),
        (17, "}", "macro", ()),
    ]


def test_range_request_returns_only_tokens_in_the_span() -> None:
    snap = snapshot_of(FIXTURE, None)
    start = snap.source.index.line_start(8)
    end = snap.source.index.line_start(10)
    tokens = decode(snap, semantic_tokens(snap, Span(start, end)).data)
    assert named(snap, tokens) == [(8, "td>", "keyword", ()), (9, "_retry", "macro", ())]


def test_utf16_columns_and_lengths() -> None:
    text = '+t:\n  echo>: 😀é ${"😀" + x}\n'
    snap = snapshot_of(text, None)
    tokens = decode(snap, semantic_tokens(snap).data)
    assert tokens[2:5] == [
        (1, 13, 2, "macro", ()),  # 😀 before it is two UTF-16 code units
        (1, 15, 4, "string", ()),
        (1, 20, 1, "operator", ()),
    ]
    assert [text_of(snap, t) for t in tokens[2:]] == ["${", '"😀"', "+", "x", "}"]


def test_tokens_spanning_lines_are_split_per_line() -> None:
    from diglsp.semantic import STRING, _add, _encode

    snap = snapshot_of("a: x\nbb: 'one\r\n  two'\n", None)
    start = snap.text.index("'one")
    end = snap.text.index("two'") + 4
    packed: list[int] = []
    _add(packed, start, end, STRING)
    data = _encode(snap.source, packed)
    assert decode(snap, data) == [(1, 4, 4, "string", ()), (2, 0, 6, "string", ())]


def test_expressions_whose_text_is_not_the_source_have_no_inner_tokens() -> None:
    text = "+t:\n  echo>: |\n    ${a +\n      b}\n  p: ${ /* c\n   d */ x}\n"
    snap = snapshot_of(text, None)
    tokens = decode(snap, semantic_tokens(snap).data)
    assert named(snap, tokens) == [
        (0, "+t", "function", ("declaration",)),
        (1, "echo>", "keyword", ()),
        (4, "p", "property", ()),
    ]


def test_includes_are_macros_and_included_text_has_no_tokens(tmp_path: Path) -> None:
    (tmp_path / "common.dig").write_text("_export:\n  z: 1\n+inner:\n  echo>: ${z}\n")
    text = "+outer:\n  !include : common.dig\n  +after:\n    echo>: ${z}\n"
    main = tmp_path / "main.dig"
    main.write_text(text)
    snap = snapshot_of(text, str(main))
    tokens = decode(snap, semantic_tokens(snap).data)
    assert named(snap, tokens) == [
        (0, "+outer", "function", ("declaration",)),
        (1, "!include", "macro", ()),
        (2, "+after", "function", ("declaration",)),
        (3, "echo>", "keyword", ()),
        (3, "${", "macro", ()),
        (3, "z", "variable", ()),
        (3, "}", "macro", ()),
    ]


def test_broken_documents_give_wellformed_results() -> None:
    for text in ["", "a: [", "\x00\x01", "+t:\n  echo>: ${a +}\n", "- 1\n- 2\n"]:
        snap = snapshot_of(text, None)
        assert len(semantic_tokens(snap).data) % 5 == 0


_KEYWORDS = {
    "typeof", "void", "delete", "in", "instanceof", "new", "function", "true", "false", "null",
    "this", "var", "return", "timezone", "schedule", "sla",
}  # fmt: skip
_OPERATOR = re.compile(r"[-+*/%=!<>&|^~?:]+")


def _check_text(text: str, kind: str) -> None:
    if kind == "keyword":
        assert text.endswith(">") or text.strip("'\"") in _KEYWORDS or text.endswith(">'"), text
    elif kind == "operator":
        assert _OPERATOR.fullmatch(text), text
    elif kind == "macro":
        assert text in ("${", "}", "!include") or text.strip("'\"").startswith("_"), text
    elif kind == "string":
        assert text[0] in "'\"`}", text
    elif kind == "number":
        assert re.fullmatch(r"[0-9.eExXa-fA-F+-]+", text), text
    elif kind == "function" and text.strip("'\"").startswith("+"):
        pass
    elif kind in ("variable", "parameter", "method", "function", "class"):
        assert text, kind


def test_corpus_tokens_are_sorted_single_line_and_say_what_they_are() -> None:
    started = time.perf_counter()
    count = 0
    for snap in corpus_snapshots():
        text, path = snap.text, snap.path
        tokens = decode(snap, semantic_tokens(snap).data)
        lines = text.split("\n")
        previous = (-1, -1)
        for token in tokens:
            line, column, length, kind, _ = token
            assert length > 0
            assert (line, column) >= previous, path
            line_text = lines[line]
            units = len(line_text.encode("utf-16-le")) // 2
            assert column + length <= units, (path, token)
            previous = (line, column + length)
            _check_text(text_of(snap, token), kind)
            count += 1
    assert count > 10_000
    assert time.perf_counter() - started < 20
