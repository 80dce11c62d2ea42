"""The `diglint` command: output formats (snapshots), exit codes, selection, stdin, errors.

The fixture project `tests/fixtures/cli/` pins its rules in `.diglint.toml`, so rules added
later do not change these snapshots.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from syrupy.assertion import SnapshotAssertion

from conftest import FIXTURES
from diglang import check as check_module
from diglang.cli_lint import main

PROJECT = FIXTURES / "cli"
LANG = Path(__file__).resolve().parents[1] / "lang"


def run(*args: str, stdin: bytes | None = None) -> Result:
    """Invoke `diglint` in-process, without the cache, with separate stdout and stderr."""
    return CliRunner().invoke(main, ["--no-cache", *args], input=stdin)


@pytest.fixture
def in_project(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the fixture project, so that paths print relative to it."""
    monkeypatch.chdir(PROJECT)
    return PROJECT


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the fixture project, as the working directory."""
    target = tmp_path / "project"
    shutil.copytree(PROJECT, target)
    monkeypatch.chdir(target)
    return target


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_output_formats(in_project: Path, fmt: str, snapshot_text: SnapshotAssertion) -> None:
    result = run("--format", fmt)
    assert result.exit_code == 1
    assert result.stderr == ""
    assert result.stdout == snapshot_text


def test_sarif_output(in_project: Path, snapshot_text: SnapshotAssertion) -> None:
    result = run("--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    driver = log["runs"][0]["tool"]["driver"]
    # The snapshot must not change with every release or edit of a rule's documentation.
    driver["version"] = "<version>"
    for rule in driver["rules"]:
        assert rule["help"]["markdown"].startswith(rule["shortDescription"]["text"])
        rule["help"] = "<the rule's documentation>"
    assert [r["id"] for r in driver["rules"]] == [
        "yaml-syntax",
        "duplicate-key",
        "io-error",
        "include-error",
        "expression-syntax",
        "multiple-operators",
        "invalid-task-name",
        "missing-file",
    ]
    assert json.dumps(log, indent=2, ensure_ascii=False) + "\n" == snapshot_text


def test_json_positions_are_one_based_characters(tmp_path: Path) -> None:
    (tmp_path / "wide.dig").write_text("+a:\n  +load 日本:\n    echo>: hi\n", encoding="utf-8")
    result = run("--format", "json", "--select", "invalid-task-name", str(tmp_path))
    [item] = json.loads(result.stdout)
    where = {"start": {"line": 2, "column": 3}, "end": {"line": 2, "column": 11}}
    assert item["range"] == where
    assert item["fix"] == {
        "title": "rename to `+load___`",
        "safe": False,
        "edits": [{"range": where, "text": "+load___"}],
    }


def test_statistics(in_project: Path, snapshot_text: SnapshotAssertion) -> None:
    result = run("--statistics")
    assert result.exit_code == 1
    assert result.stdout == snapshot_text
    rows = json.loads(run("--statistics", "--format", "json").stdout)
    assert rows[0] == {"rule": "invalid-task-name", "count": 2, "severity": "error", "fixable": 2}
    assert sum(row["count"] for row in rows) == 7


def test_statistics_cannot_be_sarif(in_project: Path) -> None:
    result = run("--statistics", "--format", "sarif")
    assert result.exit_code == 2
    assert "--statistics cannot be used with --format sarif" in result.stderr


def test_hidden_directories_are_skipped_but_named_files_are_not(in_project: Path) -> None:
    assert ".hidden" not in run().stdout
    result = run(".hidden/skipped.dig")
    assert result.exit_code == 1
    assert ".hidden/skipped.dig:3:1: error[yaml-syntax]" in result.stdout


def test_clean_file_exits_0(in_project: Path) -> None:
    result = run("clean.dig")
    assert result.exit_code == 0
    assert result.stdout == "1 file checked: no problems\n"


def test_select_and_ignore(in_project: Path) -> None:
    selected = run("--format", "json", "--select", "duplicate-key,yaml-syntax")
    assert {d["rule"] for d in json.loads(selected.stdout)} == {"duplicate-key", "yaml-syntax"}
    ignored = run("--format", "json", "--ignore", "invalid-task-name, missing-file")
    rules = {d["rule"] for d in json.loads(ignored.stdout)}
    assert rules == {"duplicate-key", "yaml-syntax", "multiple-operators", "expression-syntax"}
    assert run("--select", "duplicate-key", "main.dig").exit_code == 0


def test_unknown_rule_is_a_usage_error(in_project: Path) -> None:
    result = run("--select", "duplicate-keys")
    assert result.exit_code == 2
    assert "unknown rule `duplicate-keys`" in result.stderr
    assert run("--ignore", "nope").exit_code == 2


def test_rules_listing() -> None:
    result = run("--rules")
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0].split()
    assert first[:3] == ["yaml-syntax", "error", "never"]
    listed = json.loads(run("--rules", "--format", "json").stdout)
    by_id = {r["id"]: r for r in listed}
    assert by_id["invalid-task-name"]["fixable"] == "sometimes"
    assert by_id["duplicate-key"]["summary"] == "A mapping defines the same key twice."


def test_stdin_uses_stdin_filename_for_paths_and_includes(in_project: Path) -> None:
    text = (PROJECT / "main.dig").read_bytes()
    named = run("--format", "json", "--stdin-filename", "main.dig", stdin=text)
    from_file = run("--format", "json", "main.dig")
    assert named.exit_code == 1
    assert named.stdout == from_file.stdout
    anonymous = run("-", stdin=b"+a b:\n  echo>: hi\n")
    assert anonymous.stdout.startswith("<stdin>:1:1: error[invalid-task-name]")


def test_stdin_that_is_not_utf8() -> None:
    result = run("-", stdin=b"+a:\n  echo>: \xff\n")
    assert result.exit_code == 1
    assert "error[io-error] stdin is not UTF-8 text" in result.stdout


def test_stdin_fix_writes_the_fixed_text_to_stdout(in_project: Path) -> None:
    text = (PROJECT / "main.dig").read_bytes()
    result = run("--unsafe-fixes", "--stdin-filename", "main.dig", stdin=text)
    assert result.stdout == text.decode().replace("+load items:", "+load_items:")
    assert "main.dig:8:3: error[multiple-operators]" in result.stderr
    assert result.exit_code == 1


def test_stdin_cannot_be_mixed_with_paths(in_project: Path) -> None:
    assert run("-", "main.dig").exit_code == 2
    assert run("--stdin-filename", "x.dig", "main.dig").exit_code == 2


def test_fix_applies_only_safe_fixes(copy: Path) -> None:
    before = (copy / "main.dig").read_text()
    result = run("--fix")
    assert result.exit_code == 1
    assert (copy / "main.dig").read_text() == before  # the rename is unsafe
    assert "applied" not in result.stderr


def test_unsafe_fixes_then_relint(copy: Path) -> None:
    result = run("--unsafe-fixes")
    assert result.stderr == "diglint: applied 2 fixes in 2 files\n"
    assert "+load_items:" in (copy / "main.dig").read_text()
    assert "+three_task:" in (copy / "suppressed.dig").read_text()
    assert "invalid-task-name" not in result.stdout  # the report is of the fixed files
    assert "6 files checked: 5 errors in 3 files\n" in result.stdout
    assert run().exit_code == 1
    assert run("--select", "invalid-task-name").exit_code == 0


def test_fix_keeps_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "crlf.dig"
    path.write_bytes(b"+a b:\r\n  echo>: hi\r\n+c:\r\n  echo>: there\r\n")
    assert run("--unsafe-fixes", str(path)).exit_code == 0
    assert path.read_bytes() == b"+a_b:\r\n  echo>: hi\r\n+c:\r\n  echo>: there\r\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe+\x00a\x00", "error[io-error] cannot read file: not UTF-8 text"),
        (b"+a:\n  echo>: \x00\x01\n", "error[yaml-syntax]"),
        (b"", "error[invalid-document] the file is empty"),
        (b"[" * 5000, "error[yaml-syntax]"),
    ],
    ids=["binary", "control-characters", "empty", "deep-nesting"],
)
def test_bad_input_files_are_diagnostics(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.dig"
    path.write_bytes(content)
    result = run(str(path))
    assert result.exit_code == 1, result.stderr
    assert message in result.stdout
    assert result.stderr == ""


def test_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "dangling.dig").symlink_to(tmp_path / "nowhere.dig")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert "dangling.dig:1:1: error[io-error] cannot read file: No such file or directory" in (
        result.stdout
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.dig"
    path.write_text("+a:\n  echo>: hi\n")
    path.chmod(0)
    result = run(str(path))
    assert "error[io-error] cannot read file: Permission denied" in result.stdout


def test_directory_without_workflows(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("+a b:\n")
    result = run(str(tmp_path))
    assert result.exit_code == 0
    assert result.stderr == "diglint: no .dig files found\n"


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run(str(tmp_path / "absent.dig"))
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr


def test_a_crashing_rule_exits_2_and_keeps_the_other_results(
    in_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = check_module.check

    def crash(doc: object, *args: object, **kwargs: object) -> object:
        if str(getattr(getattr(doc, "source", None), "path", "")).endswith("dupes.dig"):
            raise RuntimeError("boom")
        return original(doc, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(check_module, "check", crash)
    result = run("--format", "json")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert re.fullmatch(
        r"diglint: dupes\.dig: internal error: RuntimeError: boom \(at test_lint_cli\.py:\d+\); "
        r"please report this bug\n",
        result.stderr,
    )
    assert {d["file"] for d in json.loads(result.stdout)} == {
        "broken.dig",
        "main.dig",
        "suppressed.dig",
    }


def test_an_internal_error_exits_2_without_traceback(
    in_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import diglang.cli_lint as cli

    def fail(*args: object, **kwargs: object) -> object:
        raise KeyError("lost")

    monkeypatch.setattr(cli, "lint_paths", fail)
    result = run()
    assert result.exit_code == 2
    assert result.stderr.startswith("diglint: internal error: KeyError: 'lost' (at ")
    assert "Traceback" not in result.stderr


def test_color_is_forced_or_off(in_project: Path) -> None:
    assert "\x1b[31merror[duplicate-key]\x1b[0m" in run("--color", "dupes.dig").stdout
    assert "\x1b[" not in run("dupes.dig").stdout


def test_real_process_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.dig").write_bytes(b"\x80\x81 binary")
    env = {**os.environ, "PYTHONPATH": str(LANG), "DIGLINT_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-c", "from diglang.cli_lint import main; main()"]
    done = subprocess.run(
        [*command, str(tmp_path)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1
    assert "io-error" in done.stdout
    assert "Traceback" not in done.stderr
    usage = subprocess.run(
        [*command, "--format", "xml"], capture_output=True, text=True, env=env, check=False
    )
    assert usage.returncode == 2


def test_discover_names_each_file_once_with_its_project(tmp_path: Path) -> None:
    from diglang.lint import discover

    (tmp_path / "sub").mkdir()
    (tmp_path / "a.dig").write_text("")
    (tmp_path / "sub" / "b.dig").write_text("")
    (tmp_path / "sub" / "notes.txt").write_text("")
    found = discover([str(tmp_path), str(tmp_path / "sub" / "b.dig")])
    assert found == [
        (str(tmp_path / "a.dig"), str(tmp_path)),
        (str(tmp_path / "sub" / "b.dig"), str(tmp_path)),
    ]
    single = discover([str(tmp_path / "sub" / "b.dig")])
    assert single == [(str(tmp_path / "sub" / "b.dig"), str(tmp_path / "sub"))]
    chosen = discover([str(tmp_path / "sub" / "b.dig")], project=str(tmp_path))
    assert chosen == [(str(tmp_path / "sub" / "b.dig"), str(tmp_path))]


def test_the_rule_registry_is_cached_with_the_code(tmp_path: Path) -> None:
    from diglang.cache import code_fingerprint, rule_infos
    from diglang.rules import RULES

    fresh = rule_infos(tmp_path)
    assert (tmp_path / f"rules-{code_fingerprint()}.json").is_file()
    cached = rule_infos(tmp_path)
    assert cached == fresh
    assert [(r.id, r.severity, r.fixable, r.doc) for r in cached] == [
        (r.id, r.severity, r.fixable.value, r.doc) for r in RULES
    ]
