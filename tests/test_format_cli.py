"""The `digfmt` command: in place, `--check`, `--diff`, stdin, recursion, errors and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import diglang.cli_fmt as cli_module
from diglang.cli_fmt import main

MESSY = "+a:\n    sh>:   echo a\n"
TIDY = "+a:\n  sh>: echo a\n"
LANG = Path(__file__).resolve().parents[1] / "lang"


def run(*args: str, stdin: bytes | None = None) -> Result:
    """Invoke `digfmt` in-process with separate stdout and stderr."""
    return CliRunner().invoke(main, list(args), input=stdin)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with one messy and one tidy workflow, plus files that must be skipped."""
    (tmp_path / "messy.dig").write_text(MESSY)
    (tmp_path / "tidy.dig").write_text(TIDY)
    (tmp_path / "notes.txt").write_text(MESSY)
    for skipped in (".digdag", ".git", "node_modules"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.dig").write_text(MESSY)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.dig").write_text(MESSY)
    return tmp_path


def test_formats_directories_in_place(project: Path) -> None:
    result = run(str(project))
    assert result.exit_code == 0, result.output
    assert (project / "messy.dig").read_text() == TIDY
    assert (project / "sub" / "deep.dig").read_text() == TIDY
    for untouched in ("notes.txt", ".digdag/x.dig", ".git/x.dig", "node_modules/x.dig"):
        assert (project / untouched).read_text() == MESSY
    assert result.stderr.strip() == "2 files reformatted, 1 file left unchanged"
    assert result.stdout == ""


def test_unchanged_files_are_not_written(project: Path) -> None:
    tidy = project / "tidy.dig"
    os.utime(tidy, ns=(1_000_000_000, 1_000_000_000))
    assert run(str(tidy)).exit_code == 0
    assert tidy.stat().st_mtime_ns == 1_000_000_000


def test_check_lists_files_and_writes_nothing(project: Path) -> None:
    result = run("--check", str(project))
    assert result.exit_code == 1
    messy, deep = project / "messy.dig", project / "sub" / "deep.dig"
    assert result.stdout == f"would reformat {messy}\nwould reformat {deep}\n"
    assert "2 files would be reformatted, 1 file would be left unchanged" in result.stderr
    assert messy.read_text() == MESSY


def test_check_passes_on_tidy_files(project: Path) -> None:
    result = run("--check", str(project / "tidy.dig"))
    assert result.exit_code == 0
    assert result.stdout == ""


def test_diff_prints_a_unified_diff(project: Path) -> None:
    path = project / "messy.dig"
    result = run("--diff", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"--- {path}\t(original)",
        f"+++ {path}\t(formatted)",
        "@@ -1,2 +1,2 @@",
        " +a:",
        "-    sh>:   echo a",
        "+  sh>: echo a",
    ]
    assert path.read_text() == MESSY


def test_diff_marks_a_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "w.dig"
    path.write_text("a: 1")
    result = run("--diff", str(path))
    assert "\\ No newline at end of file" in result.stdout


def test_stdin_to_stdout() -> None:
    result = run("-", stdin=MESSY.encode())
    assert result.exit_code == 0
    assert result.stdout == TIDY
    assert result.stderr.strip() == "1 file reformatted"


def test_stdin_check() -> None:
    result = run("--check", "-", stdin=MESSY.encode())
    assert result.exit_code == 1
    assert result.stdout == "would reformat -\n"


def test_stdin_error_writes_nothing_to_stdout() -> None:
    result = run("-", stdin=b"a: [\n")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("digfmt: -: cannot format: ")


def test_crlf_and_bom_survive_in_place(tmp_path: Path) -> None:
    path = tmp_path / "w.dig"
    path.write_bytes(b"\xef\xbb\xbfa:\r\n    b: 1\r\n")
    assert run(str(path)).exit_code == 0
    assert path.read_bytes() == b"\xef\xbb\xbfa:\r\n  b: 1\r\n"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"a: 1\x00\x01\n", "file is not text: it contains control characters at line 1"),
        (b"a: [1, 2\n", "at line 2, column 1"),
        (b"a: caf\xe9\n", "not valid UTF-8 at line 1, column 7"),
    ],
    ids=["binary", "yaml-error", "latin-1"],
)
def test_bad_files_exit_2_and_stay_untouched(tmp_path: Path, content: bytes, reason: str) -> None:
    bad = tmp_path / "bad.dig"
    bad.write_bytes(content)
    (tmp_path / "good.dig").write_text(MESSY)
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert bad.read_bytes() == content
    assert (tmp_path / "good.dig").read_text() == TIDY  # the other files are still formatted
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"digfmt: {bad}: cannot format: ")
    assert reason in first
    assert "1 file reformatted, 1 file failed to reformat" in result.stderr


def test_bad_file_under_check_still_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bad.dig").write_bytes(b"a: [\n")
    (tmp_path / "messy.dig").write_text(MESSY)
    assert run("--check", str(tmp_path)).exit_code == 2


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.dig"
    result = run(str(missing))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"digfmt: {missing}: cannot format: no such file or directory"
    )


def test_no_paths_is_a_usage_error() -> None:
    result = run()
    assert result.exit_code == 2
    assert "no paths given" in result.stderr


def test_empty_directory(tmp_path: Path) -> None:
    result = run(str(tmp_path))
    assert result.exit_code == 0
    assert result.stderr.strip() == "no .dig files found"


def test_internal_error_is_reported_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_module, "format_text", broken)
    path = tmp_path / "w.dig"
    path.write_text(MESSY)
    result = run(str(path))
    assert result.exit_code == 2
    assert "cannot format: internal error: RuntimeError('boom')" in result.stderr
    assert "Traceback" not in result.output
    assert path.read_text() == MESSY


def test_real_process_never_prints_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bin.dig").write_bytes(b"\x00\x01\x02")
    (tmp_path / "ok.dig").write_text(MESSY)
    env = {**os.environ, "PYTHONPATH": str(LANG)}
    code = "from diglang.cli_fmt import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, env=env, check=False
    )
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert done.stderr.count(b"\n") == 2  # one error line and the summary
