"""`.pre-commit-hooks.yaml`: a real `pre-commit run` of the diglint and digfmt hooks.

The hook repository is a git snapshot of this working tree in a temporary folder (pre-commit
installs hooks from a commit); pre-commit then pip-installs digkit into the hook environment.
Skipped without `pre-commit` (a dev dependency) locally; CI must have it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SOURCES = (
    "pyproject.toml",
    "README.md",
    ".pre-commit-hooks.yaml",
    "lang",
    "lsp",
    "runtime",
    "schemas",
)
BAD = "+load items:\n    echo>:   hi\n"
TIDY_BAD = "+load items:\n  echo>: hi\n"
GOOD = "+load_items:\n  echo>: hi\n"


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _init(path: Path) -> None:
    _git(path, "init", "-q")
    _git(path, "config", "user.email", "test@example.com")
    _git(path, "config", "user.name", "test")
    _git(path, "config", "commit.gpgsign", "false")


def _hook_repo(path: Path) -> str:
    """A git repository holding the current digkit sources; returns its commit."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "node_modules")
    path.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, path / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, path / name)
    _init(path)
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "snapshot")
    return _git(path, "rev-parse", "HEAD")


def _pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pre-commit is not installed (it is a dev dependency)")
        pytest.skip("pre-commit is not installed")
    return found


def test_diglint_and_digfmt_hooks(tmp_path: Path) -> None:
    pre_commit = _pre_commit()
    rev = _hook_repo(tmp_path / "hooks")
    project = tmp_path / "project"
    project.mkdir()
    _init(project)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {tmp_path / 'hooks'}\n    rev: {rev}\n"
        "    hooks:\n      - id: digfmt\n      - id: diglint\n"
    )
    (project / "main.dig").write_text(BAD)
    (project / "notes.txt").write_text(BAD)
    _git(project, "add", "-A")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
    }

    def pre_commit_run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "run", "--all-files", "--color", "never"],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=540,
        )

    first = pre_commit_run()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout  # digfmt fixed the indent
    assert "main.dig:1:1: error[invalid-task-name]" in first.stdout
    assert (project / "main.dig").read_text() == TIDY_BAD
    assert (project / "notes.txt").read_text() == BAD  # not a .dig file

    (project / "main.dig").write_text(GOOD)
    _git(project, "add", "-A")
    second = pre_commit_run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("Passed") == 2
