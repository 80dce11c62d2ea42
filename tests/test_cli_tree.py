"""`digtree`: the task tree of the example project (the main job of `make run`)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from conftest import ROOT
from diglang.cli import digtree_main


def test_example_project_tree(
    snapshot_text: SnapshotAssertion, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(digtree_main, ["examples/ecommerce"])
    assert result.exit_code == 0, result.output
    assert result.stdout == snapshot_text


def test_broken_file_exits_1_with_compiler_style_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(digtree_main, ["tests/fixtures/syntax/duplicate_keys.dig"])
    assert result.exit_code == 1
    assert (
        "tests/fixtures/syntax/duplicate_keys.dig:3:3: error[duplicate-key] duplicate key "
        "`table`; it is already defined on line 2" in result.stderr
    )
