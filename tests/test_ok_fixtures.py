"""Valid workflows give zero diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from diglang.parse import parse_file

OK = sorted((FIXTURES / "ok").glob("*.dig")) + sorted((ROOT / "examples").rglob("*.dig"))


@pytest.mark.parametrize("path", OK, ids=lambda p: str(p.relative_to(ROOT)))
def test_valid_workflow_has_no_diagnostics(path: Path) -> None:
    doc = parse_file(str(path))
    assert [f"{d.rule}: {d.message}" for d in doc.diagnostics] == []
    assert doc.workflow is not None
