"""Snapshots of the diagnostics `parse()` reports for broken files (what users see)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from conftest import FIXTURES
from diglang.parse import parse_file
from diglang.render import render_text

CASES = sorted((FIXTURES / "syntax").glob("*.dig")) + sorted(
    p for p in (FIXTURES / "include").glob("*.dig") if p.name != "main.dig"
)


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_syntax_diagnostics(path: Path, snapshot_text: SnapshotAssertion) -> None:
    doc = parse_file(str(path))

    def shown(p: str | None) -> str:
        return os.path.relpath(p, FIXTURES) if p else "<stdin>"

    assert doc.diagnostics, "every syntax fixture must produce diagnostics"
    assert render_text(doc.diagnostics, doc.source_of, display_path=shown) == snapshot_text
