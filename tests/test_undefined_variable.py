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


def test_problem_in_included_file_points_into_that_file(tmp_path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "step.dig").write_text("+step:\n  echo>: ${tabel}\n")
    main = tmp_path / "main.dig"
    main.write_text("_export:\n  table: t\n+inc:\n  !include : parts/step.dig\n")
    project = Project(str(tmp_path))
    config = Config(select=frozenset({"undefined-variable"}))
    [diag] = check(project.document(str(main)), config, project=project)
    assert diag.path == str(tmp_path / "parts" / "step.dig")
    assert diag.span.start == len("+step:\n  echo>: ${")
