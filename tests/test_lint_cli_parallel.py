"""Checking files in parallel gives exactly the serial results, over the whole shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, require_corpus
from diglang import lint
from diglang.cli_lint import main
from diglang.config import Config


def _report(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--format", "json", *args, str(CORPUS)])
    assert result.stderr == ""
    return result.exit_code, result.stdout


def test_serial_parallel_and_cached_runs_agree_on_the_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_corpus()
    monkeypatch.setattr(lint, "PARALLEL_THRESHOLD", 1)
    cache = ("--cache-dir", str(tmp_path))
    serial = _report("--no-cache", "--jobs", "1")
    assert serial[0] == 1
    assert _report(*cache, "--jobs", "2") == serial  # in parallel, filling the cache
    assert _report(*cache, "--jobs", "1") == serial  # answered from the cache


def test_parallel_results_keep_fragments_and_dependencies(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "part.dig").write_text("+p:\n  echo>: part\n")
    for i in range(60):
        (tmp_path / f"w{i:02}.dig").write_text(f"+t{i}:\n  !include : sub/part.dig\n")
    files = lint.discover([str(tmp_path)])
    serial = lint.lint_paths(files, Config(), jobs=1)
    parallel = lint.lint_paths(files, Config(), jobs=2)
    assert serial == parallel
    by_name = {Path(r.path).name: r for r in parallel}
    assert by_name["part.dig"].fragment
    assert not by_name["w00.dig"].fragment
    assert set(by_name["w00.dig"].deps) == {
        str(tmp_path / "w00.dig"),
        str(tmp_path / "sub/part.dig"),
    }
