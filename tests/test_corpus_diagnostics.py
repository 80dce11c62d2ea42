"""Everything diglint reports on the corpus files Digdag loads, as one reviewed snapshot.

Reviewing `__snapshots__/test_corpus_diagnostics/*.txt` is reviewing every warning and error
on real workflows: each line must be a real problem in that file (or, for Digdag's own test
fixtures, a value its Java tests pass with `-p` or substitute textually) — otherwise it is a
bug to fix. Referenced files that exist upstream are present as placeholders; each realworld
repository is one project (so `call>` between its folders is seen); included files are
checked as fragments; undefined-variable is not judged where a stubbed include may define the
variables.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from conftest import CORPUS, corpus_files, require_corpus
from corpus import loads_in_digdag, read_with_placeholders
from diglang.check import check
from diglang.project import Project


def _root(path: Path) -> str:
    rel = path.relative_to(CORPUS)
    if rel.parts[0] == "realworld":
        return str(CORPUS / "realworld" / rel.parts[1])
    return str(path.parent)


def _placeholder_scope(project: Project, path: str, depth: int = 0) -> bool:
    """True when `path` or a workflow calling it includes a file the corpus only stubs.

    The corpus holds `{}` in place of included files, so the variables they define are
    unknown here (in a real checkout they are present): undefined-variable is not judged.
    """
    doc = project.document(path)
    if any(not os.path.isfile(include) for include in doc.includes):
        return True
    return depth < 4 and any(
        _placeholder_scope(project, caller, depth + 1) for caller, _ in project.callers(path)
    )


def _lines() -> list[str]:
    projects: dict[str, Project] = {}
    fragments: dict[str, set[str]] = {}
    lines = []
    for path in corpus_files():
        if not loads_in_digdag(path) or "/agent/eval/" in path.as_posix():
            continue  # agent/eval/*.dig are expression-engine test data, not workflows
        root = _root(path)
        if root not in projects:
            project = projects[root] = Project(root, loader=read_with_placeholders)
            fragments[root] = {i for f in project.dig_files() for i in project.document(f).includes}
        project = projects[root]
        doc = project.document(str(path))
        stubbed = _placeholder_scope(project, str(path))
        for diag in check(doc, project=project, fragment=str(path) in fragments[root]):
            if stubbed and diag.rule == "undefined-variable":
                continue
            where = diag.path or str(path)
            line = doc.source_of(where).index.position(diag.span.start).line + 1
            rel = os.path.relpath(where, CORPUS)
            lines.append(f"{rel}:{line}: {diag.severity}[{diag.rule}] {diag.message}")
    return lines


def test_corpus_diagnostics_are_reviewed(snapshot_text: SnapshotAssertion) -> None:
    require_corpus()
    lines = _lines()
    counts = Counter(line.split(": ", 1)[1].split(" ", 1)[0] for line in lines)
    summary = [f"{count:6}  {kind}" for kind, count in sorted(counts.items())]
    assert "\n".join([*summary, "", *lines]) + "\n" == snapshot_text
