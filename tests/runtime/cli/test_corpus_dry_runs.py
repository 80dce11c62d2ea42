"""Every workflow of the shared corpora dry-runs with a verdict, never a traceback.

Each corpus file (Digdag's own tests and examples, real-world projects; some are
deliberately invalid, most reference files that were not copied) is dry-run in a copy of its
folder: the exit code must be 0 or 1 and the run must end normally.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from conftest import corpus_files, require_corpus
from digrun.cli import run_workflow

SAMPLE = corpus_files()


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: p.name)
def test_dry_run_ends_with_a_verdict(path: Path, tmp_path: Path) -> None:
    require_corpus()
    project = tmp_path / "project"
    shutil.copytree(path.parent, project, ignore=shutil.ignore_patterns("*.tsv", ".digdag"))
    out = io.StringIO()
    try:
        code = run_workflow(
            path.stem, project=str(project), session="2016-01-01", dry_run=True, out=out,
            task_limit=3000,
        )  # fmt: skip
    except SystemExit as exit_:  # a load error: reported on stderr, exit 1
        code = exit_.code
    assert code in (0, 1), out.getvalue()[-2000:]
