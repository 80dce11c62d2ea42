"""The outline (document symbols), workspace task search and folding ranges."""

from __future__ import annotations

import time
from pathlib import Path

from lsprotocol import types

from diglang.project import Project
from diglang.source import Source
from diglsp import convert
from diglsp.symbols import document_symbols, folding_ranges, workspace_symbols
from diglsp.workspace import Snapshot, snapshot_of
from lspclient import corpus_snapshots

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lsp" / "navigation"
K = types.SymbolKind


def fixture_snap(rel: str) -> Snapshot:
    path = FIXTURE / rel
    return snapshot_of(path.read_text(), str(path), root=str(FIXTURE))


def rng(r: types.Range) -> str:
    return f"{r.start.line}:{r.start.character}-{r.end.line}:{r.end.character}"


def outline(symbols: list[types.DocumentSymbol], depth: int = 0) -> list[str]:
    """One line per symbol: indentation, name, detail, kind, range, selection range."""
    lines = []
    for s in symbols:
        lines.append(
            f"{'  ' * depth}{s.name} | {s.detail} | {s.kind.name} | "
            f"{rng(s.range)} | {rng(s.selection_range)}"
        )
        lines.extend(outline(list(s.children or []), depth + 1))
    return lines


def test_outline_of_the_fixture_workflow() -> None:
    assert outline(document_symbols(fixture_snap("main.dig"))) == [
        "timezone | Asia/Tokyo | Property | 0:0-0:20 | 0:0-0:8",
        "schedule | {daily>: 07:00:00} | Event | 2:0-3:18 | 2:0-2:8",
        "config/common.yml | !include | File | 6:2-6:30 | 6:13-6:30",
        "target_db | analytics | Variable | 7:2-7:22 | 7:2-7:11",
        "td | {database: ${target_db}} | Variable | 8:2-9:26 | 8:2-8:4",
        "+prepare | sh> | Function | 13:0-14:38 | 13:0-13:8",
        "+load | parallel group | Namespace | 16:0-23:26 | 16:0-16:5",
        "  +users | td> | Function | 18:2-20:29 | 18:2-18:8",
        "  +items | td> | Function | 21:2-23:26 | 21:2-21:8",
        "+transform | py> | Function | 25:0-27:19 | 25:0-25:10",
        "+report | call> | Function | 29:0-30:18 | 29:0-29:7",
        "+wait_upstream | require> | Function | 32:0-33:20 | 32:0-32:14",
        "+steps | group | Namespace | 35:0-36:22 | 35:0-35:6",
        "  steps.dig | !include | File | 36:2-36:22 | 36:13-36:22",
    ]


def test_outline_of_special_tasks_and_task_exports() -> None:
    text = """\
_error:
  mail>: body.txt
+loop:
  for_each>:
    x: [1, 2]
  _do:
    +inner:
      echo>: ${x}
+cond:
  if>: true
  _do:
    echo>: yes
  _else_do:
    echo>: no
+checked:
  _export:
    table: items
    limit: 10
  sh>: run.sh
  _check:
    echo>: checked
"""
    assert outline(document_symbols(snapshot_of(text))) == [
        "_error | mail> | Function | 0:0-1:17 | 0:0-0:6",
        "+loop | for_each> | Function | 2:0-7:17 | 2:0-2:5",
        "  _do | group | Namespace | 5:2-7:17 | 5:2-5:5",
        "    +inner | echo> | Function | 6:4-7:17 | 6:4-6:10",
        "+cond | if> | Function | 8:0-13:13 | 8:0-8:5",
        "  _do | echo> | Function | 10:2-11:14 | 10:2-10:5",
        "  _else_do | echo> | Function | 12:2-13:13 | 12:2-12:10",
        "+checked | sh> | Function | 14:0-20:18 | 14:0-14:8",
        "  table | items | Variable | 16:4-16:16 | 16:4-16:9",
        "  limit | 10 | Variable | 17:4-17:13 | 17:4-17:9",
        "  _check | echo> | Function | 19:2-20:18 | 19:2-19:8",
    ]


def test_outline_ranges_contain_their_children() -> None:
    snap = fixture_snap("main.dig")

    def check(symbols: list[types.DocumentSymbol], outer: types.Range | None) -> None:
        for s in symbols:
            span = convert.to_span(snap.source, s.range)
            selection = convert.to_span(snap.source, s.selection_range)
            assert span.start <= selection.start <= selection.end <= span.end
            if outer is not None:
                parent = convert.to_span(snap.source, outer)
                assert parent.start <= span.start <= span.end <= parent.end
            check(list(s.children or []), s.range)

    check(document_symbols(snap), None)


def test_outline_of_an_included_fragment_and_broken_files() -> None:
    assert outline(document_symbols(fixture_snap("steps.dig"))) == [
        "+notify | echo> | Function | 0:0-1:38 | 0:0-0:7"
    ]
    assert document_symbols(snapshot_of("")) == []
    assert document_symbols(snapshot_of("- a\n- b\n")) == []
    # the lines before a YAML error still give their tasks
    broken = "+a:\n  echo>: hi\n+b:\n  echo>: [\n"
    assert [s.name for s in document_symbols(snapshot_of(broken))] == ["+a", "+b"]


def test_workspace_symbols_fuzzy_match() -> None:
    project = Project(str(FIXTURE))
    found = workspace_symbols([project], "sum")
    assert [(s.name, s.container_name, s.kind) for s in found] == [
        ("+summary", "sub/other", K.Function)
    ]
    loc = found[0].location
    assert isinstance(loc, types.Location)
    assert convert.path_of(loc.uri) == str(FIXTURE / "sub" / "other.dig")
    assert rng(loc.range) == "3:0-3:8"
    # case-insensitive subsequence, with or without `+`
    assert [s.name for s in workspace_symbols([project], "+LD")] == ["+load"]
    assert [s.name for s in workspace_symbols([project], "usrs")] == ["+users"]
    assert workspace_symbols([project], "zzz") == []


def test_workspace_symbols_list_every_task_once() -> None:
    project = Project(str(FIXTURE))
    found = workspace_symbols([project], "")
    names = sorted((s.name, s.container_name or "") for s in found)
    assert names == [
        ("+archive", "sub/other"),
        ("+items", "main"),
        ("+load", "main"),
        ("+notify", "main"),  # steps.dig is included by main.dig: listed once
        ("+prepare", "main"),
        ("+refresh", "upstream"),
        ("+report", "main"),
        ("+steps", "main"),
        ("+summary", "sub/other"),
        ("+transform", "main"),
        ("+users", "main"),
        ("+wait_upstream", "main"),
    ]
    notify = next(s for s in found if s.name == "+notify")
    assert isinstance(notify.location, types.Location)
    assert notify.location.uri.endswith("/steps.dig")


def test_workspace_symbols_are_fast(tmp_path: Path) -> None:
    for i in range(40):
        body = "".join(f"+task_{i}_{j}:\n  echo>: {j}\n" for j in range(50))
        (tmp_path / f"wf{i}.dig").write_text(body)
    project = Project(str(tmp_path))
    workspace_symbols([project], "")  # parses every file once (cached by the project)
    started = time.perf_counter()
    found = workspace_symbols([project], "t12")
    elapsed = time.perf_counter() - started
    assert len(found) > 0
    assert all("1" in s.name and "2" in s.name for s in found)
    assert elapsed < 0.5, elapsed


def folds(snap: Snapshot) -> list[tuple[int, int, str | None]]:
    return [
        (
            f.start_line,
            f.end_line,
            f.kind.value if isinstance(f.kind, types.FoldingRangeKind) else f.kind,
        )
        for f in folding_ranges(snap)
    ]


def test_folding_of_the_fixture_workflow() -> None:
    assert folds(fixture_snap("main.dig")) == [
        (2, 3, None),  # schedule
        (5, 9, None),  # _export (without the comment lines that follow)
        (8, 9, None),  # td:
        (11, 12, "comment"),
        (13, 14, None),
        (16, 23, None),
        (18, 20, None),
        (21, 23, None),
        (25, 27, None),
        (29, 30, None),
        (32, 33, None),
        (35, 36, None),
    ]


def test_folding_block_scalars_lists_and_flow_mappings() -> None:
    text = """\
+query:
  td>:
  query: |
    SELECT *
    FROM items
    -- the end

  emails:
    - a@example.com
    - b@example.com
  options: {a: 1,
    b: 2}
  # a single comment line does not fold
  one: line
"""
    assert folds(snapshot_of(text)) == [
        (0, 13, None),
        (2, 5, None),
        (7, 9, None),
        (10, 11, None),
    ]


def test_comments_inside_block_scalars_do_not_fold_separately() -> None:
    text = "+a:\n  sh>: |\n    # one\n    # two\n    echo hi\n"
    assert folds(snapshot_of(text)) == [(0, 4, None), (1, 4, None)]


def test_folding_broken_yaml_by_indentation() -> None:
    text = """\
# header one
# header two
+a:
  echo>: hi
  _export:
    x: 1
    y: [
+b:
  items:
  - one
  - two
  echo>: done
"""
    snap = snapshot_of(text)
    assert any(d.rule == "yaml-syntax" for d in snap.document.diagnostics)
    assert folds(snap) == [
        (0, 1, "comment"),
        (2, 6, None),
        (4, 6, None),
        (7, 11, None),
        (8, 10, None),
    ]


def test_folding_of_empty_and_junk_text() -> None:
    assert folding_ranges(snapshot_of("")) == []
    assert folding_ranges(snapshot_of("\x00\x01\x02")) == []
    assert folds(snapshot_of("]]]\n  [[[\n    }}}\n")) == [(0, 2, None), (1, 2, None)]


def test_corpus_invariants() -> None:
    for snap in corpus_snapshots():
        text = snap.text
        lines = text.count("\n") + 1
        for symbol in _flatten(document_symbols(snap)):
            _check(snap.source, symbol.range)
            _check(snap.source, symbol.selection_range)
            assert symbol.name
        for fold in folding_ranges(snap):
            assert 0 <= fold.start_line < fold.end_line < lines


def _flatten(symbols: list[types.DocumentSymbol]) -> list[types.DocumentSymbol]:
    out = []
    for s in symbols:
        out.append(s)
        out.extend(_flatten(list(s.children or [])))
    return out


def _check(source: Source, r: types.Range) -> None:
    span = convert.to_span(source, r)
    assert 0 <= span.start <= span.end <= len(source.text)
    assert convert.to_range(source, span) == r


def test_latency_on_a_2000_line_workflow() -> None:
    parts = ["timezone: UTC\n_export:\n  target: items\n"]
    for i in range(300):
        parts.append(
            f"+group{i}:\n  _export:\n    local{i}: {i}\n"
            f"  +load{i}:\n    echo>: ${{target}} {i}\n  +use{i}:\n    echo>: ${{local{i}}}\n"
        )
    text = "".join(parts)
    assert text.count("\n") >= 2000
    snap = snapshot_of(text)
    started = time.perf_counter()
    symbols = document_symbols(snap)
    ranges = folding_ranges(snap)
    elapsed = time.perf_counter() - started
    assert len(symbols) == 302 and len(ranges) == 1201
    assert elapsed < 1.0, elapsed
