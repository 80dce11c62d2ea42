"""The result cache: an unchanged re-run checks nothing; any change that matters re-checks."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import FIXTURES
from diglang import cache as cache_module
from diglang import check as check_module
from diglang.cli_lint import main
from diglang.rules import RULES_BY_ID

Run = Callable[..., Result]
ALL_FILES = ["broken.dig", "clean.dig", "dupes.dig", "main.dig", "setup.dig", "suppressed.dig"]


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files actually checked (not answered from the cache)."""
    names: list[str] = []
    original = check_module.check_file

    def spy(project: check_module.TrackedProject, path: str, *args: object) -> object:
        names.append(Path(path).name)
        return original(project, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(check_module, "check_file", spy)
    return names


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "cli", target)
    monkeypatch.chdir(target)
    return target


@pytest.fixture
def run(tmp_path: Path, checked: list[str], project: Path) -> Run:
    """Run `diglint` in `project` with a private cache; `checked` lists what a run checked."""

    def invoke(*args: str) -> Result:
        checked.clear()
        return CliRunner().invoke(main, ["--cache-dir", str(tmp_path / "cache"), *args])

    return invoke


def test_unchanged_rerun_checks_nothing_and_says_the_same(run: Run, checked: list[str]) -> None:
    first = run()
    assert sorted(set(checked)) == ALL_FILES
    second = run()
    assert checked == []
    assert (second.exit_code, second.stdout) == (first.exit_code, first.stdout)
    uncached = CliRunner().invoke(main, ["--no-cache"])
    assert uncached.stdout == first.stdout
    for fmt in ("json", "sarif", "github"):
        assert (
            run("--format", fmt).stdout
            == CliRunner().invoke(main, ["--no-cache", "--format", fmt]).stdout
        )


def test_editing_a_file_rechecks_only_that_file(
    run: Run, checked: list[str], project: Path
) -> None:
    run()
    (project / "dupes.dig").write_text("+step:\n  echo>: one\n")
    result = run()
    assert checked == ["dupes.dig"]
    assert "dupes.dig" not in result.stdout


def test_editing_an_included_file_rechecks_its_includer(
    run: Run, checked: list[str], project: Path
) -> None:
    run()
    (project / "config" / "params.yml").write_text("- not a mapping\n")
    result = run()
    assert checked == ["main.dig"]
    assert "`config/params.yml` must contain a mapping" in result.stdout


def test_creating_a_missing_include_rechecks_its_includer(
    run: Run, checked: list[str], project: Path
) -> None:
    assert "config/missing.yml` does not exist" in run().stdout
    (project / "config" / "missing.yml").write_text("x: 1\n")
    result = run()
    assert "main.dig" in checked  # and the rest: a new file in the project re-checks it all
    assert "does not exist" not in result.stdout


def test_an_include_that_cannot_be_read_is_a_dependency_too(
    run: Run, checked: list[str], project: Path
) -> None:
    # A hidden folder is not part of the project listing: only the failed read is recorded.
    (project / "main.dig").write_text("+a:\n  !include : .secrets/params.yml\n")
    assert "`.secrets/params.yml` does not exist" in run("main.dig").stdout
    (project / ".secrets").mkdir()
    (project / ".secrets" / "params.yml").write_text("echo>: hi\n")
    assert run("main.dig").exit_code == 0
    assert checked == ["main.dig"]


def test_changing_the_config_rechecks_everything(
    run: Run, checked: list[str], project: Path
) -> None:
    run()
    config = project / ".diglint.toml"
    config.write_text(config.read_text() + '\n[severity]\nduplicate-key = "warning"\n')
    result = run()
    assert sorted(set(checked)) == ALL_FILES
    assert "dupes.dig:3:1: warning[duplicate-key]" in result.stdout
    run("--select", "duplicate-key")
    assert sorted(set(checked)) == ALL_FILES  # command-line options are part of the settings too


def test_a_new_digkit_version_rechecks_everything(
    run: Run, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run()
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another digkit")
    run()
    assert sorted(set(checked)) == ALL_FILES


def test_adding_a_file_rechecks_the_project(run: Run, checked: list[str], project: Path) -> None:
    run()
    (project / "new.dig").write_text("+a:\n  echo>: hi\n")
    run()
    assert sorted(set(checked)) == sorted(
        [
            "broken.dig",
            "clean.dig",
            "dupes.dig",
            "main.dig",
            "new.dig",
            "setup.dig",
            "suppressed.dig",
        ]
    )


def test_a_file_that_stops_being_included_is_checked_as_a_workflow(
    run: Run, checked: list[str], project: Path
) -> None:
    run()
    (project / "clean.dig").write_text("+hello:\n  echo>: hi\n")
    run()
    assert sorted(checked) == ["clean.dig", "setup.dig"]


def test_corrupt_or_foreign_cache_files_are_ignored(
    run: Run, checked: list[str], tmp_path: Path
) -> None:
    first = run()
    for file in (tmp_path / "cache").glob("*.json"):
        file.write_text('{"format": 1, "header": "not this one"')
    assert run().stdout == first.stdout
    assert sorted(set(checked)) == ALL_FILES


def test_no_cache_writes_nothing(tmp_path: Path, project: Path) -> None:
    result = CliRunner().invoke(main, ["--no-cache", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert not (tmp_path / "c").exists()


@pytest.mark.skipif("call-cycle" not in RULES_BY_ID, reason="needs the call-cycle rule")
def test_a_cross_file_rule_sees_edits_of_other_files(
    run: Run, checked: list[str], tmp_path: Path
) -> None:
    (tmp_path / "calls").mkdir()
    ping, pong = tmp_path / "calls" / "ping.dig", tmp_path / "calls" / "pong.dig"
    other = tmp_path / "calls" / "other.dig"
    ping.write_text("+to_pong:\n  call>: pong.dig\n")
    pong.write_text("+done:\n  echo>: done\n")
    other.write_text("+a:\n  echo>: a\n")
    where = ("--select", "call-cycle", str(tmp_path / "calls"))
    assert run(*where).exit_code == 0
    # A file that refers to no other file can change without affecting the others.
    other.write_text("+b:\n  echo>: b\n")
    assert run(*where).exit_code == 0
    assert checked == ["other.dig"]
    pong.write_text("+to_ping:\n  call>: ping.dig\n")
    result = run(*where)
    assert sorted(checked) == ["other.dig", "ping.dig", "pong.dig"]
    assert result.exit_code == 1
    assert "ping.dig:2:" in result.stdout  # ping.dig itself did not change
    other.write_text("+c:\n  call>: other.dig\n")
    assert run(*where).stdout == CliRunner().invoke(main, ["--no-cache", *where]).stdout


@pytest.mark.parametrize(
    ("text", "included", "may_refer"),
    [
        ("+a:\n  echo>: hi\n", None, False),
        ("+a:\n  call>: b.dig\n", None, True),
        ("+a:\n  _type: call\n", None, True),
        ("+a:\n  !include : sub/part.yml\n", "echo>: hi\n", False),
        ("+a:\n  !include : 'sub/part.yml'  # why\n", "call>: x.dig\n", True),
        ("+a:\n  !include : sub/missing.yml\n", None, False),
        ("+a: {!include : sub/part.yml}\n", "echo>: hi\n", True),
        ("+a:\n  !include : *name\n", "echo>: hi\n", True),
        ('+a:\n  echo>: "\\u0063all"\n', None, True),
    ],
)
def test_may_refer_is_conservative(
    tmp_path: Path, text: str, included: str | None, may_refer: bool
) -> None:
    (tmp_path / "main.dig").write_text(text)
    if included is not None:
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "part.yml").write_text(included)
    reads = cache_module.FileReads()
    assert reads.may_refer(str(tmp_path / "main.dig")) is may_refer
