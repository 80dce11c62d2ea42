"""`digrun run --start/--goal/--end`: which tasks of a session rerun are resumed, run or
skipped, as `digdag run` decides."""

from __future__ import annotations

from pathlib import Path

from digrun.compile import compile_task
from digrun.ranges import Decision, before, plan

from .cli_helpers import digrun, write

WORKFLOW = (
    "+a:\n  count>: ran.txt\n"
    "+b:\n  count>: ran.txt\n"
    "+c:\n  +c1:\n    count>: ran.txt\n  +c2:\n    count>: ran.txt\n"
    "+d:\n  count>: ran.txt\n"
)


def _ran(project: Path) -> list[str]:
    path = project / "ran.txt"
    names = path.read_text().split() if path.exists() else []
    path.unlink(missing_ok=True)
    return names


def test_end_stops_before_a_task_and_a_rerun_goes_on(project: Path) -> None:
    write(project, {"wf.dig": WORKFLOW})
    first = digrun(project, "run", "wf", "--session", "2024-01-01", "--end", "+c")
    assert first.exit_code == 0, first.output
    assert _ran(project) == ["+wf+a", "+wf+b"]
    assert "+wf+c+c1: skipped (out of the --goal/--end range)" in first.stdout
    # the skipped tasks did not run: a plain rerun runs them (and only them)
    second = digrun(project, "run", "wf", "--session", "2024-01-01")
    assert second.exit_code == 0, second.output
    assert _ran(project) == ["+wf+c+c1", "+wf+c+c2", "+wf+d"]


def test_start_runs_a_task_and_what_follows_again(project: Path) -> None:
    write(project, {"wf.dig": WORKFLOW})
    assert digrun(project, "run", "wf", "--session", "2024-01-01").exit_code == 0
    _ran(project)
    again = digrun(project, "run", "wf", "--session", "2024-01-01", "--start", "+c2")
    assert again.exit_code == 0, again.output
    assert _ran(project) == ["+wf+c+c2", "+wf+d"]


def test_goal_runs_a_subtree_and_skips_the_rest(project: Path) -> None:
    write(project, {"wf.dig": WORKFLOW})
    done = digrun(project, "run", "wf", "--session", "2024-01-01", "--goal", "+c")
    assert done.exit_code == 0, done.output
    assert _ran(project) == ["+wf+a", "+wf+b", "+wf+c+c1", "+wf+c+c2"]


def test_invalid_combinations_are_usage_errors(project: Path) -> None:
    write(project, {"wf.dig": WORKFLOW})
    for args in (("-s", "+a", "-g", "+b"), ("-g", "+a", "-e", "+b"), ("-a", "-s", "+a")):
        result = digrun(project, "run", "wf", *args)
        assert result.exit_code == 2, result.output
        assert "can't be set at once" in result.output


def test_before_follows_the_visibility_walk() -> None:
    root = compile_task(
        "+wf",
        {
            "+p": {
                "_parallel": True,
                "+x": {"echo>": 1},
                "+y": {"echo>": 2, "_after": ["+x"]},
                "+z": {"echo>": 3},
            },
            "+s": {
                "+u": {"echo>": 4},
                "+bg": {"echo>": 5, "_background": True},
                "+v": {"echo>": 6},
            },
        },
    )
    assert before(root, "+p+y") == ("+wf+p+y", {"+wf+p+x"})
    target, earlier = before(root, "+s+v")
    assert target == "+wf+s+v"
    assert earlier == {"+wf+p", "+wf+p+x", "+wf+p+y", "+wf+p+z", "+wf+s+u", "+wf+s+bg"}
    decide = plan(root, start=None, goal=None, end="+s")
    assert decide("+wf+p+x") is Decision.RESUME
    assert decide("+wf+p+x^sub+loop-0") is Decision.RESUME  # generated below a task before
    assert decide("+wf+s+u") is Decision.SKIP
