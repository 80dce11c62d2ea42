"""`digrun graph`: DOT and Mermaid output of the static task graph (snapshots)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from digrun.cli import main

from .cli_helpers import write

WORKFLOW = Path(__file__).with_name("graph_wf.dig")


@pytest.fixture
def graph_project(project: Path) -> Path:
    return write(project, {"g.dig": WORKFLOW.read_text()})


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_graph_formats(graph_project: Path, fmt: str, snapshot_text: SnapshotAssertion) -> None:
    result = CliRunner().invoke(
        main, ["graph", "g.dig", "--project", str(graph_project), "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == snapshot_text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_dot_output_is_valid_graphviz(graph_project: Path) -> None:
    result = CliRunner().invoke(main, ["graph", "g", "--project", str(graph_project)])
    done = subprocess.run(
        ["dot", "-Tsvg"], input=result.stdout, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "<svg" in done.stdout


def test_graph_errors(project: Path) -> None:
    result = CliRunner().invoke(main, ["graph", "nope", "--project", str(project)])
    assert result.exit_code == 1
    assert result.stderr == f"error: Workflow 'nope' does not exist in {project}\n"
    bad_format = CliRunner().invoke(main, ["graph", "nope", "--format", "png"])
    assert bad_format.exit_code == 2
