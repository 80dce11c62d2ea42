"""Project model: workflow discovery and `call>`/`require>` resolution as Digdag does it."""

from __future__ import annotations

import os

from conftest import FIXTURES
from diglang.project import Project

ROOT = FIXTURES / "project"


def test_only_top_level_dig_files_are_workflows() -> None:
    project = Project(str(ROOT))
    assert project.workflow_names() == ["main", "other", "ping", "pong"]


def test_call_and_require_resolution() -> None:
    project = Project(str(ROOT))
    refs = list(project.references(str(ROOT / "main.dig")))
    assert [(r.kind, r.target) for r in refs] == [
        ("call", "sub/child"),
        ("require", "other"),
        ("call", "${target}.dig"),
    ]
    assert refs[0].path == str(ROOT / "sub" / "child.dig")
    assert refs[1].path == str(ROOT / "other.dig")
    assert refs[2].path is None  # templated: resolved only at run time
    # a called file in a subdirectory works in its own directory
    (inner,) = project.references(str(ROOT / "sub" / "child.dig"))
    assert inner.path == str(ROOT / "sub" / "inner" / "leaf.dig")
    assert os.path.isfile(inner.path)


def test_called_workflow_names_keep_their_directory() -> None:
    project = Project(str(ROOT))
    doc = project.document(str(ROOT / "sub" / "inner" / "leaf.dig"))
    assert doc.workflow is not None
    assert doc.workflow.name == "sub/inner/leaf"
    assert doc.workflow.tasks[0].full_name == "+sub/inner/leaf+leaf"


def test_call_cycles() -> None:
    project = Project(str(ROOT))
    cycles = [[os.path.basename(p) for p in c] for c in project.call_cycles()]
    assert cycles == [["ping.dig", "pong.dig", "ping.dig"]]


def test_documents_are_cached_and_invalidated() -> None:
    project = Project(str(ROOT))
    path = str(ROOT / "main.dig")
    assert project.document(path) is project.document(path)
    first = project.document(path)
    project.invalidate(path)
    assert project.document(path) is not first
