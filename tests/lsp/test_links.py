"""Document links: every literal file reference that exists becomes clickable."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from diglang.source import Source
from diglsp import convert
from diglsp.links import document_links, file_links
from diglsp.workspace import Snapshot, Workspace, snapshot_of
from lspclient import NAVIGATION, copy_navigation_project, corpus_snapshots

FIXTURE = NAVIGATION


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_navigation_project(tmp_path)


def snap_of(root: Path, rel: str, text: str | None = None) -> Snapshot:
    path = root / rel
    if text is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return snapshot_of(path.read_text(), str(path), root=str(root))


def links(root: Path, snap: Snapshot) -> list[tuple[int, str, str, str | None]]:
    """(line, linked text, target relative to the project, tooltip) of each link."""
    out = []
    for link in document_links(snap):
        assert link.target is not None
        target = convert.path_of(link.target)
        assert target is not None
        text = snap.source.slice(convert.to_span(snap.source, link.range))
        rel = Path(target).relative_to(root).as_posix()
        out.append((link.range.start.line, text, rel, link.tooltip))
    return out


def test_links_of_the_fixture_workflow() -> None:
    snap = snapshot_of((FIXTURE / "main.dig").read_text(), str(FIXTURE / "main.dig"))
    assert links(FIXTURE, snap) == [
        (6, "config/common.yml", "config/common.yml", "open config/common.yml"),
        (14, "scripts/prepare.sh", "scripts/prepare.sh", "open scripts/prepare.sh"),
        (19, "queries/users.sql", "queries/users.sql", "open queries/users.sql"),
        (23, "queries/items.sql", "queries/items.sql", "open queries/items.sql"),
        (26, "tasks.etl.Transformer.run", "tasks/etl.py", "open tasks/etl.py"),
        (30, "sub/other", "sub/other.dig", "open sub/other.dig"),
        (33, "upstream", "upstream.dig", "open upstream.dig"),
        (36, "steps.dig", "steps.dig", "open steps.dig"),
    ]
    first = document_links(snap)[0]
    assert first.range == types.Range(
        start=types.Position(line=6, character=13), end=types.Position(line=6, character=30)
    )
    assert first.target == convert.uri_of(str(FIXTURE / "config" / "common.yml"))


def test_missing_templated_remote_and_output_files_are_not_links(root: Path) -> None:
    text = """\
+a:
  td>: queries/missing.sql
+b:
  td>: queries/${name}.sql
+c:
  call>: nowhere
+d:
  pg>: queries/users.sql
  download_file: queries/items.sql
+e:
  emr>:
  steps:
    - type: script
      script: s3://bucket/run.sh
+f:
  sh>: echo scripts/prepare.sh
"""
    snap = snap_of(root, "main.dig", text)
    assert links(root, snap) == [
        (7, "queries/users.sql", "queries/users.sql", "open queries/users.sql")
    ]
    # the missing ones are still known (for references), just not linked
    assert [(link.target, link.path) for link in file_links(snap)][:1] == [
        ("queries/missing.sql", None)
    ]


def test_include_forms(root: Path) -> None:
    text = """\
_export:
  !include : 'config/common.yml'   # quoted, with a comment
+a:
  - !include : steps.dig
+b:
  sh>: |
    !include : steps.dig
+c:
  !include : missing.yml
"""
    snap = snap_of(root, "main.dig", text)
    assert links(root, snap) == [
        (1, "config/common.yml", "config/common.yml", "open config/common.yml"),
        (3, "steps.dig", "steps.dig", "open steps.dig"),
    ]


def test_py_links_to_packages_and_class_methods(root: Path) -> None:
    pkg = root / "tasks" / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def main():\n    pass\n")
    text = "+a:\n  py>: tasks.pkg.main\n+b:\n  py>: tasks.etl.helper\n+c:\n  py>: os.path.join\n"
    snap = snap_of(root, "main.dig", text)
    assert links(root, snap) == [
        (1, "tasks.pkg.main", "tasks/pkg/__init__.py", "open tasks/pkg/__init__.py"),
        (3, "tasks.etl.helper", "tasks/etl.py", "open tasks/etl.py"),
    ]


def test_files_of_a_called_workflow_resolve_in_its_directory(root: Path) -> None:
    (root / "sub" / "queries").mkdir()
    (root / "sub" / "queries" / "local.sql").write_text("select 1\n")
    snap = snap_of(root, "sub/job.dig", "+a:\n  td>: queries/local.sql\n+b:\n  call>: other\n")
    assert links(root, snap) == [
        (1, "queries/local.sql", "sub/queries/local.sql", "open sub/queries/local.sql"),
        (3, "other", "sub/other.dig", "open sub/other.dig"),
    ]


def test_workdir_export_moves_file_references(root: Path) -> None:
    (root / "sub" / "q.sql").write_text("select 1\n")
    text = "_export:\n  _workdir: sub\n+a:\n  td>: q.sql\n"
    snap = snap_of(root, "main.dig", text)
    assert links(root, snap) == [(3, "q.sql", "sub/q.sql", "open sub/q.sql")]


def test_fragment_files_resolve_in_the_including_workflow(root: Path) -> None:
    parts = root / "parts"
    parts.mkdir()
    (parts / "load.dig").write_text("+load:\n  td>: queries/users.sql\n")
    (root / "main.dig").write_text("+p:\n  !include : parts/load.dig\n")
    workspace = Workspace([str(root)])
    uri = convert.uri_of(str(parts / "load.dig"))
    workspace.set_text(uri, (parts / "load.dig").read_text(), 1)
    snap = workspace.snapshot(uri)
    assert snap is not None and snap.fragment
    assert links(root, snap) == [
        (1, "queries/users.sql", "queries/users.sql", "open queries/users.sql")
    ]
    # the including workflow links only what it writes itself
    main = snap_of(root, "main.dig")
    assert links(root, main) == [(1, "parts/load.dig", "parts/load.dig", "open parts/load.dig")]


def test_unsaved_new_files_are_links(root: Path) -> None:
    workspace = Workspace([str(root)])
    new = root / "queries" / "new.sql"
    workspace.set_text(convert.uri_of(str(new)), "select 1\n", 1)
    main = root / "main.dig"
    workspace.set_text(convert.uri_of(str(main)), "+a:\n  td>: queries/new.sql\n", 1)
    snap = workspace.snapshot(convert.uri_of(str(main)))
    assert snap is not None
    assert links(root, snap) == [(1, "queries/new.sql", "queries/new.sql", "open queries/new.sql")]


def test_no_links_without_a_file_or_a_workflow() -> None:
    assert document_links(snapshot_of("+a:\n  td>: queries/users.sql\n")) == []
    assert document_links(snapshot_of("", str(FIXTURE / "empty.dig"))) == []
    assert document_links(snapshot_of("\x00\x01 !include : [", str(FIXTURE / "junk.dig"))) == []


def test_corpus_invariants() -> None:
    total = 0
    for snap in corpus_snapshots():
        text = snap.text
        for link in document_links(snap):
            span = convert.to_span(snap.source, link.range)
            assert 0 <= span.start < span.end <= len(text)
            assert convert.to_range(Source(None, text), span) == link.range
            assert link.target is not None
            target = convert.path_of(link.target)
            assert target is not None and Path(target).exists()
            total += 1
    assert total > 100
