"""`digrun run`: output, exit codes, params, sessions, resume, subtree runs, dry runs."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from digrun.cli import run_workflow

from .cli_helpers import digrun, normalize, write

WF = "+a:\n  echo>: hello\n+g:\n  +b:\n    echo>: b\n  +c:\n    fail>: broken\n+d:\n  echo>: d\n"
HINTS = (
    '  * Use --session <daily | hourly | "yyyy-MM-dd[ HH:mm:ss]"> to not reuse the last '
    "session time.\n"
    "  * Use --rerun-all to run the tasks that succeeded again.\n"
)


def test_success_prints_plain_progress_and_a_summary(project: Path) -> None:
    write(project, {"wf.dig": "+a:\n  echo>: hello\n+g:\n  +b:\n    echo>: b\n"})
    result = digrun(project, "run", "wf")
    assert result.exit_code == 0
    assert normalize(result.stdout) == (
        "TS [INFO] +wf: started\n"
        "TS [INFO] +wf+a: started\n"
        "TS [OUT] +wf+a: hello\n"
        "TS [INFO] +wf+a: success (T)\n"
        "TS [INFO] +wf+g: started\n"
        "TS [INFO] +wf+g+b: started\n"
        "TS [OUT] +wf+g+b: b\n"
        "TS [INFO] +wf+g+b: success (T)\n"
        "TS [INFO] +wf+g: success (T)\n"
        "TS [INFO] +wf: success (T)\n"
    )
    assert result.stderr == (
        "Success. Task state is saved at "
        f"{project / '.digdag/digrun'} (session 2024-02-29T00:00:00+00:00, attempt 1).\n" + HINTS
    )


def test_failure_lists_each_task_in_error_like_digdag(project: Path) -> None:
    write(project, {"wf.dig": WF})
    result = digrun(project, "run", "wf")
    assert result.exit_code == 1
    lines = normalize(result.stdout).splitlines()
    assert "TS [OUT] +wf+g+c: broken" in lines
    assert "TS [ERROR] +wf+g+c: error (T)" in lines
    assert "TS [ERROR] +wf+g: group error (T)" in lines
    assert not any("+wf+d" in line for line in lines)
    report = result.stderr.split("\n\n")[0]
    assert report == "error:\n  * +wf+g+c:\n    broken"
    assert "(session 2024-02-29T00:00:00+00:00, attempt 1)." in result.stderr


def test_usage_errors_exit_2(project: Path) -> None:
    write(project, {"wf.dig": WF})
    bad_param = digrun(project, "run", "wf", "-p", "novalue")
    assert bad_param.exit_code == 2
    assert "expected a value of the form a=b but got: novalue" in bad_param.stderr
    assert digrun(project, "run").exit_code == 2
    assert digrun(project, "run", "wf", "--bogus").exit_code == 2
    assert digrun(project, "run", "wf", "--max-task-threads", "0").exit_code == 2


def test_load_errors_exit_1_before_anything_runs(project: Path) -> None:
    write(project, {"wf.dig": WF, "bad.dig": "+p:\n  +a:\n    echo>: a\n    _after: [x]\n"})
    missing = digrun(project, "run", "nope")
    assert missing.exit_code == 1
    assert missing.stderr == f"error: Workflow 'nope' does not exist in {project}\n"
    compile_error = digrun(project, "run", "bad.dig")
    assert compile_error.exit_code == 1
    assert compile_error.stderr == (
        'error: Setting "_after" option is invalid if its parent task doesn\'t have '
        '"_parallel: true" option\n'
    )
    assert compile_error.stdout == ""
    session = digrun(project, "run", "wf", "--session", "yesterday")
    assert session.exit_code == 1
    assert session.stderr == (
        'error: --session must be hourly, daily, last, "yyyy-MM-dd", or "yyyy-MM-dd HH:mm:SS" '
        "format: yesterday\n"
    )
    schedule = digrun(project, "run", "wf", "--session", "schedule")
    assert schedule.stderr.endswith(
        "error: --session schedule is set but schedule is not set to this workflow.\n"
    )


def test_params_from_p_and_params_file(project: Path) -> None:
    write(
        project,
        {
            "wf.dig": "+t:\n  show>: [n, a, f, _project_path]\n",
            "params.yml": "n: 1\na:\n  x: 2.5\n  l: [true, null]\nf: file\n",
        },
    )
    result = digrun(
        project, "run", "wf", "-P", str(project / "params.yml"), "-p", "a.b=c", "-p", "f=cli"
    )
    assert result.exit_code == 0, result.output
    shown = [line for line in normalize(result.stdout).splitlines() if "[OUT]" in line]
    assert shown == [
        "TS [OUT] +wf+t: "
        + json.dumps(
            {
                "_project_path": str(project),
                "a": {"b": "c", "l": [True, None], "x": 2.5},
                "f": "cli",
                "n": 1,
            },
            sort_keys=True,
        )
    ]
    conflict = digrun(project, "run", "wf", "-p", "n.x=1", "-P", str(project / "params.yml"))
    assert conflict.exit_code == 1
    assert conflict.stderr == "error: Parameter 'n.x' is set but 'n' is not a object (1)\n"


def test_session_last_reuses_the_newest_session(project: Path) -> None:
    write(project, {"wf.dig": "+t:\n  show>: [session_time, session_id, attempt_id]\n"})
    first = digrun(project, "run", "wf", "--session", "2024-02-29 10:00:00")
    assert '"session_time": "2024-02-29T10:00:00+00:00"' in first.stdout
    again = digrun(project, "run", "wf", "-a", "--session", "last")
    assert "[WARN] Reusing the last session time 2024-02-29T10:00:00+00:00." in again.stdout
    assert '"attempt_id": 2, "session_id": 1' in again.stdout
    assert "(session 2024-02-29T10:00:00+00:00, attempt 2)." in again.stderr


def test_a_rerun_skips_what_succeeded_and_replays_its_stores(project: Path) -> None:
    write(
        project,
        {
            "wf.dig": (
                "+s:\n  store>: {x: stored, n: {m: 1}}\n"
                "+c:\n  count>: ran.txt\n"
                "+gate:\n  fail_unless>: go\n"
                "+after:\n  show>: [x, n.m]\n"
            )
        },
    )
    first = digrun(project, "run", "wf")
    assert first.exit_code == 1
    assert first.stderr.startswith("error:\n  * +wf+gate:\n    go is missing\n")
    (project / "go").write_text("")
    second = digrun(project, "run", "wf")
    assert second.exit_code == 0
    lines = normalize(second.stdout).splitlines()
    assert "TS [WARN] +wf+s: skipped (succeeded in an earlier attempt)" in lines
    assert "TS [WARN] +wf+c: skipped (succeeded in an earlier attempt)" in lines
    assert 'TS [OUT] +wf+after: {"n.m": 1, "x": "stored"}' in lines
    assert (project / "ran.txt").read_text() == "+wf+c\n"
    third = digrun(project, "run", "wf", "--rerun-all")
    assert third.exit_code == 0
    assert "skipped" not in third.stdout
    assert (project / "ran.txt").read_text() == "+wf+c\n+wf+c\n"
    other_session = digrun(project, "run", "wf", "--session", "2024-03-01")
    assert "skipped" not in other_session.stdout


def test_generated_children_are_matched_again_by_name(project: Path) -> None:
    write(
        project,
        {
            "wf.dig": (
                "+l:\n  loop>: 3\n  _do:\n"
                "    +c:\n      count>: ran.txt\n"
                "    +gate:\n      fail_unless>: go\n"
            )
        },
    )
    assert digrun(project, "run", "wf").exit_code == 1
    (project / "go").write_text("")
    assert digrun(project, "run", "wf").exit_code == 0
    assert (project / "ran.txt").read_text().splitlines() == [
        "+wf+l^sub+loop-0+c",  # the first run stopped at +loop-0+gate
        "+wf+l^sub+loop-1+c",
        "+wf+l^sub+loop-2+c",
    ]


def test_state_database_records_attempts_tasks_and_results(project: Path) -> None:
    write(project, {"wf.dig": WF.replace("fail>: broken", "store>: {k: v}")})
    assert digrun(project, "run", "wf").exit_code == 0
    db = sqlite3.connect(project / ".digdag/digrun/digrun.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT workflow, session_time FROM sessions").fetchall() == [
        ("wf", "2024-02-29T00:00:00+00:00")
    ]
    assert db.execute("SELECT id, status, dry_run FROM attempts").fetchall() == [(1, "success", 0)]
    states = db.execute("SELECT full_name, state FROM tasks ORDER BY task_id").fetchall()
    assert states == [
        ("+wf", "success"),
        ("+wf+a", "success"),
        ("+wf+g", "success"),
        ("+wf+g+b", "success"),
        ("+wf+g+c", "success"),
        ("+wf+d", "success"),
    ]
    result = db.execute("SELECT result FROM results WHERE full_name = '+wf+g+c'").fetchone()
    assert json.loads(result[0]) == {
        "subtask_config": None,
        "export_params": {},
        "store_params": {"k": "v"},
        "reset_store_params": [],
    }


def test_subtree_run_keeps_full_names_and_drops_ancestor_exports(project: Path) -> None:
    write(
        project,
        {
            "wf.dig": (
                "_export:\n  top: root\n"
                "+first:\n  count>: ran.txt\n"
                "+g:\n  _export:\n    mid: group\n"
                "  +x:\n    count>: ran.txt\n"
                "  +target:\n    +inner:\n      show>: [top, mid]\n"
                "    +inner2:\n      count>: ran.txt\n"
                "  +after:\n    count>: ran.txt\n"
                "+h:\n  +target2:\n    count>: ran.txt\n"
            )
        },
    )
    result = digrun(project, "run", "wf", "+target")
    assert result.exit_code == 0, result.output
    assert 'TS [OUT] +wf+g+target+inner: {"mid": null, "top": "root"}' in normalize(result.stdout)
    assert (project / "ran.txt").read_text() == "+wf+g+target+inner2\n"
    by_path = digrun(project, "run", "wf", "+g+x", "-a")
    assert by_path.exit_code == 0
    assert (project / "ran.txt").read_text().splitlines()[-1] == "+wf+g+x"


def test_subtree_pattern_errors(project: Path) -> None:
    write(project, {"wf.dig": "+a:\n  +x:\n    echo>: 1\n+b:\n  +x:\n    echo>: 2\n"})
    none = digrun(project, "run", "wf", "+nothing")
    assert none.exit_code == 1
    assert none.stderr == "error: Task pattern '+nothing' doesn't match with any tasks.\n"
    ambiguous = digrun(project, "run", "wf", "+x")
    assert ambiguous.stderr == (
        "error: Task pattern '+x' is ambiguous. Matching candidates are [+wf+a+x, +wf+b+x]\n"
    )
    short = digrun(project, "run", "wf", "x")
    assert short.stderr == (
        "error: Match patterns excepting direct child (+name+name) is not supported: x\n"
    )
    whole = digrun(project, "run", "wf", "+wf")
    assert whole.exit_code == 0
    assert "+wf+b+x: 2" in whole.stdout


def test_dry_run_prints_the_tree_and_executes_nothing_with_effects(project: Path) -> None:
    write(
        project,
        {
            "wf.dig": (
                "_export:\n  who: world\n"
                "+a:\n  sh>: touch created.txt\n"
                "+l:\n  loop>: 2\n  _do:\n    echo>: hello ${who}\n"
                "+c:\n  count>: ran.txt\n"
            )
        },
    )
    result = digrun(project, "run", "wf", "--dry-run")
    assert result.exit_code == 0, result.output
    assert not (project / "created.txt").exists()
    assert not (project / "ran.txt").exists()
    tree = result.stdout[result.stdout.index("\n+wf\n") + 1 :]
    assert tree == (
        "+wf\n"
        "  +wf+a  sh>: touch created.txt\n"
        "  +wf+l  loop>: 2\n"
        "    +wf+l^sub\n"
        "      +wf+l^sub+loop-0  echo>: hello world\n"
        "      +wf+l^sub+loop-1  echo>: hello world\n"
        "  +wf+c  count>: ran.txt\n"
    )
    assert result.stderr.startswith("Success. Dry run: no task result was saved.\n")
    real = digrun(project, "run", "wf")
    assert "skipped" not in real.stdout  # a dry run records no results
    assert (project / "created.txt").exists()


def test_require_runs_the_other_session_once(project: Path) -> None:
    write(
        project,
        {
            "main.dig": "+r:\n  require>: child\n+after:\n  count>: ran.txt\n",
            "again.dig": "+r:\n  require>: child\n  rerun_on: all\n",
            "child.dig": "+c:\n  count>: ran.txt\n",
        },
    )
    first = digrun(project, "run", "main")
    assert first.exit_code == 0, first.output
    assert "TS [INFO] +child+c: started" in normalize(first.stdout)
    assert (project / "ran.txt").read_text() == "+child+c\n+main+after\n"
    second = digrun(project, "run", "main", "-a")
    assert second.exit_code == 0
    assert (
        "[INFO] require>: child session 2024-02-29T00:00:00+00:00 already ran (success)"
        in second.stdout
    )
    assert (project / "ran.txt").read_text() == "+child+c\n+main+after\n+main+after\n"
    third = digrun(project, "run", "again")
    assert third.exit_code == 0
    assert (project / "ran.txt").read_text().splitlines()[-1] == "+child+c"


def test_terminal_tree_fits_the_terminal(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, {"wf.dig": "+l:\n  loop>: 30\n  _do:\n    echo>: x\n+last:\n  fail>: no\n"})
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    code = run_workflow("wf", project=str(project), session="2024-02-29", out=out, tty=True)
    assert code == 1
    final = out.getvalue()[out.getvalue().rindex("\x1b[J") + 3 :]
    final = re.sub(r"\d+\.\ds", "T", final)
    # failed tasks and their ancestors first, then what fits in order
    assert final.endswith(
        "+wf+l^sub+loop-29: x\n"
        "+wf+last: no\n"
        "+wf^failure-alert: notification: Workflow session attempt failed\n"
        "x +wf  group_error T\n"
        "  + +l  success T\n"
        "    + ^sub  success T\n"
        "      + +loop-0  success T\n"
        "      + +loop-1  success T\n"
        "      + +loop-2  success T\n"
        "  x +last  error T\n"
        "... 28 more tasks\n"
    ), final
