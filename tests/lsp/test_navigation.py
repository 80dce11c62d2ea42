"""Go to definition, find references and rename over a multi-file fixture project."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from lsprotocol import types

from diglang.project import Project
from diglang.source import Source
from diglsp import convert
from diglsp.navigation import definition, prepare_rename, references, rename
from diglsp.workspace import Snapshot, Workspace, snapshot_of
from lspclient import NAVIGATION, copy_navigation_project

FIXTURE = NAVIGATION


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_navigation_project(tmp_path)


def snap_of(root: Path, rel: str, text: str | None = None) -> Snapshot:
    path = root / rel
    return snapshot_of(path.read_text() if text is None else text, str(path), root=str(root))


def at(snap: Snapshot, needle: str, nth: int = 0, delta: int = 1) -> int:
    """The offset `delta` characters into the `nth` occurrence of `needle`."""
    offset = -1
    for _ in range(nth + 1):
        offset = snap.text.index(needle, offset + 1)
    return offset + delta


def shown(root: Path, locations: list[types.Location]) -> list[tuple[str, int, str]]:
    """(file relative to the project, line, text under the range) of each location."""
    out = []
    for loc in locations:
        path = convert.path_of(loc.uri)
        assert path is not None
        source = Source(path, Path(path).read_text())
        span = convert.to_span(source, loc.range)
        rel = Path(path).relative_to(root).as_posix()
        out.append((rel, loc.range.start.line, source.slice(span)))
    return out


def apply(root: Path, edit: types.WorkspaceEdit) -> dict[str, str]:
    """Write the edit's changes to disk; the new text of each changed file (by relative path)."""
    changed = {}
    for uri, edits in (edit.changes or {}).items():
        path = convert.path_of(uri)
        assert path is not None
        text = Path(path).read_text()
        source = Source(path, text)
        for e in sorted(edits, key=lambda e: convert.to_span(source, e.range).start, reverse=True):
            span = convert.to_span(source, e.range)
            text = text[: span.start] + e.new_text + text[span.end :]
        Path(path).write_text(text)
        changed[Path(path).relative_to(root).as_posix()] = text
    return changed


# -- definition ------------------------------------------------------------------------------
def test_definition_of_include_target(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    found = definition(snap, at(snap, "config/common.yml"))
    assert shown(root, found) == [("config/common.yml", 0, "")]
    assert found[0].range == types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
    )
    assert shown(root, definition(snap, at(snap, "steps.dig"))) == [("steps.dig", 0, "")]


def test_definition_of_call_target_adds_dig(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert shown(root, definition(snap, at(snap, "sub/other", delta=4))) == [
        ("sub/other.dig", 0, "")
    ]
    up = snap_of(root, "upstream.dig")
    assert shown(root, definition(up, at(up, "sub/other.dig"))) == [("sub/other.dig", 0, "")]


def test_definition_of_call_is_relative_to_the_calling_file(root: Path) -> None:
    (root / "sub" / "inner.dig").write_text("+x:\n  echo>: inner\n")
    snap = snap_of(root, "sub/other.dig", "+go:\n  call>: inner\n")
    assert shown(root, definition(snap, at(snap, "inner"))) == [("sub/inner.dig", 0, "")]


def test_definition_of_require_target(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert shown(root, definition(snap, at(snap, "require>: upstream", delta=12))) == [
        ("upstream.dig", 0, "")
    ]


def test_definition_of_operator_files(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert shown(root, definition(snap, at(snap, "queries/users.sql"))) == [
        ("queries/users.sql", 0, "")
    ]
    # the script of a templated `sh>` command
    assert shown(root, definition(snap, at(snap, "scripts/prepare.sh", delta=9))) == [
        ("scripts/prepare.sh", 0, "")
    ]
    # the `${...}` argument of the same command is a variable, not a file
    assert shown(root, definition(snap, at(snap, "${target_db}", nth=1, delta=3))) == [
        ("main.dig", 7, "target_db")
    ]


def test_definition_of_py_callable_goes_to_the_def(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert shown(root, definition(snap, at(snap, "tasks.etl.Transformer.run"))) == [
        ("tasks/etl.py", 11, "run")
    ]
    text = "+a:\n  py>: tasks.etl.helper\n+b:\n  py>: tasks.etl.Transformer\n"
    other = snap_of(root, "main.dig", text)
    assert shown(root, definition(other, at(other, "etl.helper"))) == [
        ("tasks/etl.py", 3, "helper")
    ]
    assert shown(root, definition(other, at(other, "etl.Transformer"))) == [
        ("tasks/etl.py", 7, "Transformer")
    ]
    # a callable the module does not define: the module file itself
    missing = snap_of(root, "main.dig", "+a:\n  py>: tasks.etl.nothing\n")
    assert shown(root, definition(missing, at(missing, "tasks"))) == [("tasks/etl.py", 0, "")]


def test_missing_and_templated_files_have_no_definition(root: Path) -> None:
    text = "+a:\n  td>: queries/missing.sql\n+b:\n  call>: ${name}\n+c:\n  call>: nowhere\n"
    snap = snap_of(root, "main.dig", text)
    assert definition(snap, at(snap, "missing")) == []
    assert definition(snap, at(snap, "nowhere")) == []


def test_definition_of_variables(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    # an `_export` of this file, used in the `_export` itself and in tasks
    assert shown(root, definition(snap, at(snap, "${target_db}", delta=3))) == [
        ("main.dig", 7, "target_db")
    ]
    assert shown(root, definition(snap, at(snap, "${target_db}.users", delta=3))) == [
        ("main.dig", 7, "target_db")
    ]
    # an `_export` of an included file
    assert shown(root, definition(snap, at(snap, "${run_mode}", delta=2))) == [
        ("config/common.yml", 0, "run_mode")
    ]
    # the cursor right after the name still counts
    assert shown(root, definition(snap, at(snap, "${run_mode}", delta=10))) == [
        ("config/common.yml", 0, "run_mode")
    ]


def test_definition_in_a_called_workflow_lists_every_caller(root: Path) -> None:
    snap = snap_of(root, "sub/other.dig")
    assert shown(root, definition(snap, at(snap, "${target_db}", delta=3))) == [
        ("main.dig", 7, "target_db"),
        ("upstream.dig", 1, "target_db"),
    ]
    assert shown(root, definition(snap, at(snap, "${region}", delta=3))) == [
        ("sub/other.dig", 1, "region")
    ]


def test_definition_in_an_included_fragment_uses_the_includer(root: Path) -> None:
    snap = snap_of(root, "steps.dig")
    assert shown(root, definition(snap, at(snap, "${owner}", delta=2))) == [
        ("config/common.yml", 1, "owner")
    ]


def test_definition_of_loop_local_and_stored_variables(root: Path) -> None:
    text = """\
+loop:
  for_each>:
    fruit: [apple, banana]
  _do:
    echo>: ${fruit}
+local:
  table: items
  echo>: ${table}
+query:
  td>: queries/users.sql
+after:
  echo>: ${td.last_job_id} ${session_date}
"""
    snap = snap_of(root, "main.dig", text)
    (root / "main.dig").write_text(text)
    assert shown(root, definition(snap, at(snap, "${fruit}", delta=3))) == [
        ("main.dig", 2, "fruit")
    ]
    assert shown(root, definition(snap, at(snap, "${table}", delta=3))) == [
        ("main.dig", 6, "table")
    ]
    assert shown(root, definition(snap, at(snap, "${td.", delta=3))) == [("main.dig", 8, "+query")]
    # `last_job_id` is a member, builtins have no definition in the project
    assert definition(snap, at(snap, "last_job_id")) == []
    assert definition(snap, at(snap, "${session_date}", delta=3)) == []


def test_definition_of_after_task_name(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert shown(root, definition(snap, at(snap, "[+users]", delta=3))) == [
        ("main.dig", 18, "+users")
    ]


def test_definition_elsewhere_is_empty(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert definition(snap, at(snap, "timezone")) == []
    assert definition(snap, 0) == []
    assert definition(snap, len(snap.text)) == []
    assert definition(snap_of(root, "main.dig", ""), 0) == []
    broken = snap_of(root, "main.dig", "+a:\n  echo>: ${x\n  - [\n")
    assert definition(broken, 10) == []


# -- references ------------------------------------------------------------------------------
TARGET_DB = [
    ("main.dig", 7, "target_db"),
    ("main.dig", 9, "target_db"),
    ("main.dig", 14, "target_db"),
    ("main.dig", 20, "target_db"),
    ("sub/other.dig", 4, "target_db"),
    ("sub/other.dig", 7, "target_db"),
    ("upstream.dig", 1, "target_db"),
]


def test_references_of_an_export_from_its_key(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    offset = at(snap, "target_db:")
    assert shown(root, references(snap, offset, True)) == TARGET_DB
    # the usages in sub/other.dig may also mean upstream.dig's definition: it is included
    assert shown(root, references(snap, offset, False)) == [
        loc
        for loc in TARGET_DB
        if loc not in (("main.dig", 7, "target_db"),) and loc[0] != "upstream.dig"
    ]


def test_references_of_an_export_from_a_usage_in_another_file(root: Path) -> None:
    snap = snap_of(root, "sub/other.dig")
    assert shown(root, references(snap, at(snap, "${target_db}", delta=4), True)) == TARGET_DB
    # from the other caller's definition
    up = snap_of(root, "upstream.dig")
    assert shown(root, references(up, at(up, "target_db"), True)) == TARGET_DB


def test_references_of_a_file_local_export(root: Path) -> None:
    snap = snap_of(root, "sub/other.dig")
    assert shown(root, references(snap, at(snap, "region"), True)) == [
        ("sub/other.dig", 1, "region"),
        ("sub/other.dig", 4, "region"),
        ("sub/other.dig", 7, "region"),
    ]


def test_references_of_an_included_export(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert shown(root, references(snap, at(snap, "${run_mode}", delta=3), True)) == [
        ("config/common.yml", 0, "run_mode"),
        ("main.dig", 27, "run_mode"),
        ("steps.dig", 1, "run_mode"),
    ]


def test_references_stop_at_a_redefinition(root: Path) -> None:
    text = """\
_export:
  table: outer
+a:
  echo>: ${table}
+b:
  _export:
    table: inner
  +c:
    echo>: ${table}
"""
    (root / "main.dig").write_text(text)
    snap = snap_of(root, "main.dig")
    assert shown(root, references(snap, at(snap, "table"), True)) == [
        ("main.dig", 1, "table"),
        ("main.dig", 3, "table"),
    ]
    assert shown(root, references(snap, at(snap, "table: inner"), True)) == [
        ("main.dig", 6, "table"),
        ("main.dig", 8, "table"),
    ]


def test_references_see_unsaved_buffers(root: Path) -> None:
    workspace = Workspace([str(root)])
    other = root / "sub" / "other.dig"
    edited = other.read_text() + "+extra:\n  echo>: ${target_db}!\n"
    workspace.set_text(convert.uri_of(str(other)), edited, 2)
    main_uri = convert.uri_of(str(root / "main.dig"))
    workspace.set_text(main_uri, (root / "main.dig").read_text(), 1)
    snap = workspace.snapshot(main_uri)
    assert snap is not None
    found = references(snap, at(snap, "target_db:"), False)
    lines = [(convert.path_of(loc.uri), loc.range.start.line) for loc in found]
    assert (str(other), 9) in lines
    assert len(found) == 6


def test_references_of_a_task_name(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    expected = [("main.dig", 18, "+users"), ("main.dig", 22, "+users")]
    assert shown(root, references(snap, at(snap, "+users:"), True)) == expected
    assert shown(root, references(snap, at(snap, "[+users]", delta=2), True)) == expected
    assert shown(root, references(snap, at(snap, "+users:"), False)) == [expected[1]]
    assert shown(root, references(snap, at(snap, "+transform"), True)) == [
        ("main.dig", 25, "+transform")
    ]


def test_references_of_a_file(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert shown(root, references(snap, at(snap, "sub/other"), True)) == [
        ("main.dig", 30, "sub/other"),
        ("sub/other.dig", 0, ""),
        ("upstream.dig", 4, "sub/other.dig"),
    ]
    assert shown(root, references(snap, at(snap, "sub/other"), False)) == [
        ("main.dig", 30, "sub/other"),
        ("upstream.dig", 4, "sub/other.dig"),
    ]
    (root / "report.dig").write_text("+again:\n  td>: queries/users.sql\n")
    snap = snap_of(root, "main.dig")
    assert shown(root, references(snap, at(snap, "queries/users.sql"), False)) == [
        ("main.dig", 19, "queries/users.sql"),
        ("report.dig", 1, "queries/users.sql"),
    ]


def test_references_elsewhere_are_empty(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert references(snap, at(snap, "timezone"), True) == []
    assert references(snap, at(snap, "schedule"), True) == []
    assert references(snap_of(root, "main.dig", ""), 0, True) == []


def test_references_without_a_project() -> None:
    snap = snapshot_of("_export:\n  x: 1\n+a:\n  echo>: ${x}\n")
    locations = references(snap, snap.text.index("${x}") + 2, True)
    assert [(loc.uri, loc.range.start.line) for loc in locations] == [
        ("untitled:Untitled-1", 1),
        ("untitled:Untitled-1", 3),
    ]


# -- rename ----------------------------------------------------------------------------------
def test_prepare_rename(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    found = prepare_rename(snap, at(snap, "${target_db}", delta=4))
    assert isinstance(found, types.PrepareRenamePlaceholder)
    assert found.placeholder == "target_db"
    assert found.range == snap.range(convert.to_span(snap.source, found.range))
    assert snap.source.slice(convert.to_span(snap.source, found.range)) == "target_db"
    task = prepare_rename(snap, at(snap, "+users:"))
    assert isinstance(task, types.PrepareRenamePlaceholder)
    assert task.placeholder == "users"
    assert snap.source.slice(convert.to_span(snap.source, task.range)) == "users"
    assert prepare_rename(snap, at(snap, "timezone")) is None
    assert prepare_rename(snap, at(snap, "queries/users.sql")) is None


def test_prepare_rename_of_a_quoted_key_and_builtins(root: Path) -> None:
    snap = snap_of(
        root, "main.dig", '_export:\n  "target": 1\n+a:\n  echo>: ${target} ${task_name}\n'
    )
    found = prepare_rename(snap, at(snap, "target"))
    assert isinstance(found, types.PrepareRenamePlaceholder)
    assert snap.source.slice(convert.to_span(snap.source, found.range)) == "target"
    assert prepare_rename(snap, at(snap, "${task_name}", delta=3)) is None


def test_rename_an_export_across_the_project(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    edit = rename(snap, at(snap, "${target_db}", delta=3), "dest_db")
    changed = apply(root, edit)
    assert sorted(changed) == ["main.dig", "sub/other.dig", "upstream.dig"]
    assert "target_db" not in "".join(changed.values())
    assert changed["sub/other.dig"] == (
        "_export:\n  region: us\n\n+summary:\n  echo>: ${dest_db} in ${region}\n\n"
        '+archive:\n  sh>: echo "${region}:${dest_db}"\n'
    )
    assert "  dest_db: analytics\n  td:\n    database: ${dest_db}\n" in changed["main.dig"]
    assert "table: ${dest_db}.users" in changed["main.dig"]
    # the project now refers to the new name consistently
    after = snap_of(root, "main.dig")
    assert len(references(after, at(after, "dest_db:"), True)) == len(TARGET_DB)


def test_rename_from_a_called_file_and_an_included_file(root: Path) -> None:
    snap = snap_of(root, "steps.dig")
    changed = apply(root, rename(snap, at(snap, "${owner}", delta=3), "team"))
    assert changed == {
        "config/common.yml": "run_mode: full\nteam: data-team\n",
        "steps.dig": "+notify:\n  echo>: ${team} finished ${run_mode}\n",
    }


def test_rename_touches_only_the_identifier(root: Path) -> None:
    text = """\
_export:
  tbl: items
  src: {tbl: events}
+a:
  echo>: ${src.tbl} ${tbl} ${'tbl'} ${src['tbl']} ${tbl + tbl}
"""
    (root / "main.dig").write_text(text)
    snap = snap_of(root, "main.dig")
    changed = apply(root, rename(snap, at(snap, "tbl"), "table_name"))
    assert changed["main.dig"] == (
        "_export:\n  table_name: items\n  src: {tbl: events}\n+a:\n"
        "  echo>: ${src.tbl} ${table_name} ${'tbl'} ${src['tbl']} ${table_name + table_name}\n"
    )


def test_rename_skips_templates_that_are_not_exact(root: Path) -> None:
    text = """\
_export:
  db: prod
+a:
  echo>: ${db}
+b:
  echo>: >
    folded ${db}
    text
+c:
  echo>: "escaped \\t ${db}"
"""
    (root / "main.dig").write_text(text)
    snap = snap_of(root, "main.dig")
    edit = rename(snap, at(snap, "db:"), "database")
    # the key and the plain usage; the folded and escaped scalars cannot be edited precisely
    assert [(e.range.start.line, e.new_text) for e in (edit.changes or {})[snap.uri]] == [
        (1, "database"),
        (3, "database"),
    ]
    # find-references still lists them (the whole scalar)
    assert [loc.range.start.line for loc in references(snap, at(snap, "db:"), True)] == [1, 3, 5, 9]


def test_rename_a_quoted_key(root: Path) -> None:
    text = "_export:\n  'db': prod\n+a:\n  echo>: \"${db}\"\n"
    (root / "main.dig").write_text(text)
    snap = snap_of(root, "main.dig")
    changed = apply(root, rename(snap, at(snap, "${db}", delta=3), "database"))
    assert changed["main.dig"] == "_export:\n  'database': prod\n+a:\n  echo>: \"${database}\"\n"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("1abc", "`1abc` is not a valid variable name; use letters, digits, `_` and `$`"),
        ("a-b", "`a-b` is not a valid variable name"),
        ("", "`` is not a valid variable name"),
        ("class", "`class` is a JavaScript keyword; choose another variable name"),
        ("typeof", "`typeof` is a JavaScript keyword"),
        ("session_date", "`session_date` is a built-in variable of Digdag; choose another name"),
        ("Math", "`Math` is a built-in variable"),
        ("True", "YAML reads the key `True` as a non-string"),
        ("region", "`region` is already visible where `target_db` is used (other.dig, line 5)"),
        ("td", "`td` is already defined next to it; choose another name"),
    ],
)
def test_rename_rejects_bad_variable_names(root: Path, name: str, message: str) -> None:
    snap = snap_of(root, "main.dig")
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        rename(snap, at(snap, "target_db:"), name)


def test_rename_to_the_same_name_changes_nothing(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    assert rename(snap, at(snap, "target_db:"), "target_db").changes == {}
    assert rename(snap, at(snap, "timezone"), "zone").changes == {}


def test_rename_a_for_each_variable(root: Path) -> None:
    text = "+loop:\n  for_each>:\n    fruit: [a, b]\n  _do:\n    echo>: ${fruit}\n"
    (root / "main.dig").write_text(text)
    snap = snap_of(root, "main.dig")
    changed = apply(root, rename(snap, at(snap, "${fruit}", delta=3), "item"))
    assert changed["main.dig"] == text.replace("fruit", "item")


def test_rename_a_task(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    original = snap.text
    changed = apply(root, rename(snap, at(snap, "+users:"), "+members"))
    assert changed["main.dig"] == original.replace("+users", "+members")
    # without the `+`, and from the `_after` item
    snap = snap_of(root, "main.dig")
    changed = apply(root, rename(snap, at(snap, "[+members]", delta=3), "people"))
    assert changed["main.dig"] == original.replace("+users", "+people")


def test_rename_a_task_to_a_name_with_flow_characters(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    changed = apply(root, rename(snap, at(snap, "+users:"), "users[1]"))
    assert '  "+users[1]":\n' in changed["main.dig"]
    assert '_after: ["+users[1]"]' in changed["main.dig"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("load users", "task name `+load users` contains ` `; use letters, digits and"),
        ("a/b", "task name `+a/b` contains `/`"),
        ("+", "a task name needs at least one character after `+`"),
        ("+items", "a sibling task is already named `+items`; choose another name"),
        ("x" * 300, "task name is 301 characters long; Digdag allows 255"),
    ],
)
def test_rename_rejects_bad_task_names(root: Path, name: str, message: str) -> None:
    snap = snap_of(root, "main.dig")
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        rename(snap, at(snap, "+users:"), name)


# -- robustness and speed --------------------------------------------------------------------
def test_corpus_invariants() -> None:
    from conftest import corpus_files, require_corpus

    require_corpus()
    files = corpus_files()
    rng = random.Random(7)
    started = time.perf_counter()
    renamed = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        snap = snapshot_of(text, str(path))
        size = len(text)
        for offset in range(0, size + 1, 97):
            for loc in definition(snap, offset):
                _check_location(loc)
        # references and rename scan the whole project: a few interesting offsets per file
        interesting = [m.start() + 2 for m in re.finditer(r"\$\{", text)][:4]
        interesting += [m.start() + 1 for m in re.finditer(r"(?m)^\s*\+", text)][:2]
        interesting += rng.sample(range(size + 1), min(2, size + 1))
        for offset in interesting:
            for loc in references(snap, offset, True):
                _check_location(loc)
            result = prepare_rename(snap, offset)
            if result is None:
                continue
            assert isinstance(result, types.PrepareRenamePlaceholder)
            _check_range(snap.source, result.range)
            try:
                edit = rename(snap, offset, "renamed_x")
            except ValueError:
                continue
            for uri, edits in (edit.changes or {}).items():
                for e in edits:
                    _check_location(types.Location(uri=uri, range=e.range))
                renamed += 1
    assert renamed > 100
    assert time.perf_counter() - started < 60


def _check_location(loc: types.Location) -> None:
    path = convert.path_of(loc.uri)
    assert path is not None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    _check_range(Source(path, text), loc.range)


def _check_range(source: Source, rng: types.Range) -> None:
    span = convert.to_span(source, rng)
    assert 0 <= span.start <= span.end <= len(source.text)
    assert convert.to_range(source, span) == rng


def big_workflow(tasks: int) -> str:
    parts = ["timezone: UTC\n_export:\n  target: items\n  day: ${session_date}\n"]
    for i in range(tasks):
        parts.append(
            f"+group{i}:\n"
            f"  _export:\n    local{i}: {i}\n"
            f"  +load{i}:\n    echo>: ${{target}} {i}\n"
            f"  +use{i}:\n    echo>: ${{local{i}}} ${{day}}\n"
        )
    return "".join(parts)


def test_latency_on_a_2000_line_workflow(tmp_path: Path) -> None:
    text = big_workflow(300)
    assert text.count("\n") >= 2000
    path = tmp_path / "big.dig"
    path.write_text(text)
    snap = snapshot_of(text, str(path))
    offset = text.index("target:") + 1
    started = time.perf_counter()
    found = references(snap, offset, True)
    first = time.perf_counter() - started
    assert len(found) == 301
    started = time.perf_counter()
    definition(snap, text.rindex("${target}") + 3)
    rename(snap, offset, "target_table")
    later = time.perf_counter() - started
    assert first < 2.0 and later < 2.0, (first, later)


def test_project_document_cache_is_used(root: Path) -> None:
    project = Project(str(root))
    doc = project.document(str(root / "main.dig"))
    snap = Snapshot(convert.uri_of(str(root / "main.dig")), 1, doc, project)
    assert shown(root, definition(snap, at(snap, "${target_db}", delta=3))) == [
        ("main.dig", 7, "target_db")
    ]


def test_rename_refuses_params_and_directives(root: Path) -> None:
    snap = snap_of(root, "main.dig")
    with pytest.raises(
        ValueError, match=r"^`td` is also a parameter of `td>` \(task `\+main\+load"
    ):
        rename(snap, at(snap, "td:"), "treasure")
    text = "_export:\n  _workdir: sub\n  database: x\n+a:\n  td>: q.sql\n  table: ${database}\n"
    (root / "main.dig").write_text(text)
    snap = snap_of(root, "main.dig")
    with pytest.raises(
        ValueError, match=r"^`_workdir` is a Digdag directive; it cannot be renamed"
    ):
        rename(snap, at(snap, "_workdir"), "wd")
    with pytest.raises(
        ValueError, match=r"^`database` is also a parameter of `td>` \(task `\+main\+a`\)"
    ):
        rename(snap, at(snap, "${database}", delta=3), "db")


def test_exports_of_an_included_fragment(root: Path) -> None:
    (root / "steps.dig").write_text("_export:\n  note: hi\n+notify:\n  echo>: ${note}\n")
    (root / "main.dig").write_text("+a:\n  echo>: start\n+steps:\n  !include : steps.dig\n")
    snap = snap_of(root, "steps.dig")
    expected = [("steps.dig", 1, "note"), ("steps.dig", 3, "note")]
    assert shown(root, references(snap, at(snap, "note"), True)) == expected
    assert shown(root, references(snap, at(snap, "${note}", delta=3), True)) == expected
    changed = apply(root, rename(snap, at(snap, "note"), "message"))
    assert changed == {"steps.dig": "_export:\n  message: hi\n+notify:\n  echo>: ${message}\n"}
