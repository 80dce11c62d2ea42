"""Shared test helpers: text snapshots and the location of the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"


class TextSnapshot(SingleFileSnapshotExtension):
    """One readable `.txt` file per snapshot: reviewing it is reviewing what users see."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


@pytest.fixture
def snapshot_text(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """A snapshot stored as plain text."""
    return snapshot.use_extension(TextSnapshot)


def corpus_files() -> list[Path]:
    """Every `.dig` file of the shared corpora (empty when the corpus is absent)."""
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.rglob("*.dig"))


def require_corpus() -> None:
    """Skip the calling test when `../shared/corpus` is not there."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
