"""undefined-variable across files: a called workflow sees what its caller's task sees."""

from __future__ import annotations

from conftest import FIXTURES
from diglang.check import check
from diglang.config import Config
from diglang.project import Project

ROOT = FIXTURES / "rules" / "undefined-variable"


def _messages(path: str, config: Config) -> list[str]:
    project = Project(str(ROOT))
    return [d.message for d in check(project.document(path), config, project=project)]


def test_called_workflow_sees_callers_exports() -> None:
    config = Config(select=frozenset({"undefined-variable"}))
    assert _messages(str(ROOT / "sub" / "child.dig"), config) == [
        "`data_dri` is not defined here; did you mean `data_dir`?"
    ]


def test_params_declared_in_config_are_defined() -> None:
    config = Config(select=frozenset({"undefined-variable"}), params=frozenset({"data_dri"}))
    assert _messages(str(ROOT / "sub" / "child.dig"), config) == []
