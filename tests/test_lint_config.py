"""diglint configuration: discovery, severity overrides, per-file ignores, errors, suppressions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from diglang.check import check
from diglang.cli_lint import main
from diglang.config import Config, ConfigError, check_rule_ids, find_config, load_config
from diglang.diagnostics import Severity
from diglang.parse import parse

# One invalid task name (error) and one task with two operators (error).
WORKFLOW = "+a b:\n  sh>: x.sh\n  td>: y.sql\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["--no-cache", *args])


def rules_of(result: Result) -> list[tuple[str, str, str]]:
    return [(d["file"], d["rule"], d["severity"]) for d in json.loads(result.stdout)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "main.dig").write_text(WORKFLOW)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.dig").write_text(WORKFLOW)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_pyproject_tool_table(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.diglint]\nignore = ["multiple-operators"]\n'
        '[tool.diglint.severity]\ninvalid-task-name = "warning"\n'
    )
    result = run("--format", "json", "main.dig")
    assert result.exit_code == 0  # warnings only
    assert rules_of(result) == [("main.dig", "invalid-task-name", "warning")]


def test_diglint_toml_wins_over_pyproject_in_the_same_folder(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.diglint]\nselect = ["invalid-task-name"]\n')
    (project / ".diglint.toml").write_text('select = ["multiple-operators"]\n')
    assert find_config(project) == project / ".diglint.toml"
    assert [r for _, r, _ in rules_of(run("--format", "json", "main.dig"))] == [
        "multiple-operators"
    ]


def test_the_nearest_config_upwards_is_used(project: Path) -> None:
    (project / ".diglint.toml").write_text('select = ["multiple-operators"]\n')
    (project / "legacy" / "pyproject.toml").write_text(
        '[tool.diglint]\nselect = ["invalid-task-name"]\n'
    )
    assert find_config(project / "legacy" / "old.dig") == project / "legacy" / "pyproject.toml"
    (project / "other").mkdir()
    (project / "other" / "pyproject.toml").write_text('[project]\nname = "no diglint table"\n')
    assert find_config(project / "other") == project / ".diglint.toml"


def test_explicit_config_file(project: Path, tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('select = ["multiple-operators"]\n')
    result = run("--config", str(config), "--format", "json", "main.dig")
    assert [r for _, r, _ in rules_of(result)] == ["multiple-operators"]


def test_severity_off_and_info(project: Path) -> None:
    (project / ".diglint.toml").write_text(
        '[severity]\ninvalid-task-name = "off"\nmultiple-operators = "info"\n'
    )
    result = run("--format", "json", "main.dig")
    assert result.exit_code == 0
    assert rules_of(result) == [("main.dig", "multiple-operators", "info")]


def test_per_file_ignores_are_relative_to_the_config(project: Path) -> None:
    (project / ".diglint.toml").write_text(
        '[per-file-ignores]\n"legacy/*.dig" = ["invalid-task-name", "multiple-operators"]\n'
    )
    result = run("--format", "json", ".")
    assert {f for f, _, _ in rules_of(result)} == {"main.dig"}


def test_cli_select_replaces_and_ignore_adds(project: Path) -> None:
    (project / ".diglint.toml").write_text('select = ["invalid-task-name"]\n')
    only = run("--format", "json", "--select", "multiple-operators", "main.dig")
    assert [r for _, r, _ in rules_of(only)] == ["multiple-operators"]
    none = run("--format", "json", "--ignore", "invalid-task-name", "main.dig")
    assert rules_of(none) == []
    every = run("--format", "json", "--select", "ALL", "main.dig")
    assert {"invalid-task-name", "multiple-operators"} <= {r for _, r, _ in rules_of(every)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("select = [", "invalid TOML"),
        ('select = "invalid-task-name"', "`select` must be a list of strings"),
        ("colour = true", "unknown setting `colour`"),
        ("[tool.diglint]\nselect = []", "write the settings at the top level"),
        ('[severity]\ninvalid-task-name = "fatal"', 'must be "error", "warning"'),
        ('severity = "error"', "`severity` must be a table"),
        ('[per-file-ignores]\n"*.dig" = "invalid-task-name"', "must be a list of strings"),
        ('ignore = ["invalid-task-names"]', "did you mean `invalid-task-name`?"),
        ('[severity]\nno-such-rule = "off"', "unknown rule `no-such-rule` in `severity`"),
    ],
)
def test_bad_config_exits_2_with_a_clear_message(project: Path, text: str, message: str) -> None:
    (project / ".diglint.toml").write_text(text + "\n")
    result = run("main.dig")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"diglint: {project / '.diglint.toml'}: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_config_values(tmp_path: Path) -> None:
    path = tmp_path / ".diglint.toml"
    path.write_text('params = ["env"]\nplugin-schemas = ["schemas/"]\nselect = ["ALL"]\n')
    config = load_config(path)
    assert config.params == frozenset({"env"})
    assert config.plugin_schemas == (tmp_path / "schemas",)
    assert config.select is None
    assert config.fingerprint() != Config().fingerprint()
    check_rule_ids(config, ["invalid-task-name"])


SUPPRESSED = """\
# diglint: disable-file=multiple-operators
+a b:  # diglint: disable=invalid-task-name
  sh>: x.sh
  td>: y.sql
# diglint: disable-next-line=all
+c d:
  echo>: hi
+e f:  # diglint: disable=multiple-operators, invalid-task-name
  echo>: hi
+g h:  # diglint: disable=multiple-operators
  echo>: hi
"""


def test_suppression_comments() -> None:
    config = Config(select=frozenset({"invalid-task-name", "multiple-operators"}))
    found = check(parse(SUPPRESSED, "s.dig"), config)
    assert [(d.rule, d.span.start) for d in found] == [
        ("invalid-task-name", SUPPRESSED.index("+g h"))
    ]
    assert found[0].severity is Severity.ERROR
