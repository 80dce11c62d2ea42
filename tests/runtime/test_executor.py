"""digrun's executor: golden traces of every control-flow construct, parameters, failures.

Each test writes a small project, runs one session with one worker thread (so the order of
ready tasks is Digdag's id order) and compares what the tasks printed, in order, plus the
final states of named tasks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

import pytest

from digrun.operator import OperatorContext, TaskResult
from digrun.operators import operators
from digrun.run import Loaded, LoadError, attempt_for, load, run
from digrun.tree import RTask, State

JSON = Any
SESSION = dt.datetime(2024, 2, 29, 0, 0, tzinfo=dt.UTC)


class Store:
    """`store>: {k: v}` stores its command; `export>` exports it (test operators)."""

    retry = False

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, ctx: OperatorContext) -> TaskResult:
        assert isinstance(ctx.command, dict)
        if self.name == "store":
            return TaskResult(store_params=dict(ctx.command))
        return TaskResult(export_params=dict(ctx.command))


class Flaky:
    """`flaky>: N` fails its first N runs (a retry-aware operator)."""

    name = "flaky"
    retry = True
    runs: ClassVar[dict[str, int]] = {}

    def run(self, ctx: OperatorContext) -> TaskResult:
        count = self.runs[ctx.task_name] = self.runs.get(ctx.task_name, 0) + 1
        ctx.log(f"flaky run {count}")
        if count <= int(ctx.command):
            raise RuntimeError(f"failure {count}")
        return TaskResult()


class Recorder:
    """Collects task logs (the echo output) and state changes."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.states: dict[str, State] = {}

    def task_changed(self, task: RTask) -> None:
        self.states[task.full_name] = task.state

    def task_log(self, task: RTask, line: str) -> None:
        self.lines.append(line)


def _run(
    tmp_path: Path, text: str, files: dict[str, str] | None = None, **options: Any
) -> tuple[RTask, Recorder]:
    (tmp_path / "wf.dig").write_text(text)
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    loaded = load(tmp_path, "wf")
    recorder = Recorder()
    known = {**operators(), "store": Store("store"), "export": Store("export"), "flaky": Flaky()}
    attempt = attempt_for(
        tmp_path,
        loaded,
        SESSION,
        listener=recorder,
        max_threads=1,
        find_operator=known.get,
        **options,
    )
    return run(loaded, attempt), recorder


def _lines(tmp_path: Path, text: str, **options: Any) -> list[str]:
    return _run(tmp_path, text, **options)[1].lines


def test_sequential_nested_groups_run_in_definition_order(tmp_path: Path) -> None:
    root, rec = _run(
        tmp_path,
        "+a:\n  echo>: a\n+g:\n  +b:\n    echo>: b\n  +c:\n    echo>: c\n+d:\n  echo>: d\n",
    )
    assert rec.lines == ["a", "b", "c", "d"]
    assert root.state is State.SUCCESS
    assert rec.states["+wf+g+c"] is State.SUCCESS


def test_export_is_inherited_and_evaluated_in_each_task(tmp_path: Path) -> None:
    text = (
        "_export:\n  who: world\n  me: ${task_name}\n"
        "+a:\n  echo>: hello ${who} from ${me}\n"
        "+g:\n  _export:\n    who: group\n  +b:\n    echo>: ${who} ${me} ${session_date}\n"
    )
    assert _lines(tmp_path, text) == [
        "hello world from +wf+a",
        "group +wf+g+b 2024-02-29",
    ]


def test_cli_params_lose_to_export_and_local_keys_see_earlier_ones(tmp_path: Path) -> None:
    text = "_export:\n  a: exported\n+t:\n  v: local\n  echo>: ${a} ${b} ${v}\n"
    assert _lines(tmp_path, text, params={"a": "cli", "b": "cli-b"}) == ["exported cli-b local"]


def test_parallel_limit_and_background_dependencies(tmp_path: Path) -> None:
    root, _ = _run(
        tmp_path,
        "+p:\n  _parallel: {limit: 2}\n"
        "  +c1: {echo>: c1}\n  +c2: {echo>: c2}\n  +c3: {echo>: c3}\n  +c4: {echo>: c4}\n"
        "  +c5: {echo>: c5}\n"
        "+s:\n  +a: {echo>: a}\n  +b: {echo>: b, _background: true}\n  +c: {echo>: c}\n",
    )
    p = root.children[0]
    assert [[u.name for u in c.upstreams] for c in p.children] == [
        [], [], ["+c1", "+c2"], ["+c1", "+c2"], ["+c3", "+c4"],
    ]  # fmt: skip
    s = root.children[1]
    assert [[u.name for u in c.upstreams] for c in s.children] == [[], [], ["+a", "+b"]]


def test_loop_for_each_and_for_range_generate_named_children(tmp_path: Path) -> None:
    root, rec = _run(
        tmp_path,
        "+l:\n  loop>: 2\n  _do:\n    echo>: loop ${i}\n"
        "+f:\n  for_each>:\n    fruit: [apple, 'green grape']\n    n: [1, 2]\n"
        "  _do:\n    echo>: ${fruit} ${n}\n"
        "+r:\n  for_range>:\n    from: 0\n    to: 5\n    slices: 2\n"
        "  _do:\n    echo>: ${range.from}-${range.to}/${range.index}\n",
    )
    assert rec.lines == [
        "loop 0", "loop 1",
        "apple 1", "apple 2", "green grape 1", "green grape 2",
        "0-3/0", "3-5/1",
    ]  # fmt: skip
    names = [t.full_name for t in root.walk() if t.operator and t.name.startswith("+for")]
    assert names == [
        "+wf+f^sub+for-0=fruit=0=apple&1=n=0=1",
        "+wf+f^sub+for-0=fruit=0=apple&1=n=1=2",
        "+wf+f^sub+for-0=fruit=1=green%20gr&1=n=0=1",
        "+wf+f^sub+for-0=fruit=1=green%20gr&1=n=1=2",
    ]
    assert rec.states["+wf+l^sub+loop-1"] is State.SUCCESS
    assert rec.states["+wf+r^sub+range-from=3&to=5"] is State.SUCCESS


def test_if_runs_the_chosen_branch_only(tmp_path: Path) -> None:
    text = (
        "_export:\n  flag: false\n"
        "+i:\n  if>: ${flag}\n  _do:\n    echo>: yes ${undefined_here}\n"
        "  _else_do:\n    +x:\n      echo>: no\n"
    )
    assert _lines(tmp_path, text) == ["no"]


def test_error_handlers_cascade_with_the_error_object(tmp_path: Path) -> None:
    root, rec = _run(
        tmp_path,
        "_error:\n  echo>: root handler ${error.message}\n"
        "+g:\n  _error:\n    echo>: group handler ${error.message}\n"
        "  +t:\n    fail>: broken\n    _error:\n      echo>: task handler ${error.message}\n"
        "  +never:\n    echo>: never\n",
    )
    assert rec.lines[-4:] == [
        "task handler broken",
        "group handler broken",
        "notification: Workflow session attempt failed",  # `^failure-alert`, added first
        "root handler broken",
    ]
    assert rec.states["+wf^failure-alert"] is State.SUCCESS
    assert "never" not in rec.lines
    assert root.state is State.GROUP_ERROR
    assert rec.states["+wf+g+t"] is State.ERROR
    assert rec.states["+wf+g"] is State.GROUP_ERROR
    assert rec.states["+wf+g+t^error"] is State.SUCCESS


def test_group_retry_reruns_the_whole_group(tmp_path: Path) -> None:
    text = "+g:\n  _retry: 2\n  +a:\n    echo>: try\n  +b:\n    fail>: no\n  +c:\n    echo>: c\n"
    root, rec = _run(tmp_path, text)
    assert [line for line in rec.lines if line == "try"] == ["try"] * 3
    assert root.state is State.GROUP_ERROR


def test_operator_retry_and_exponential_interval(tmp_path: Path) -> None:
    Flaky.runs.clear()
    text = "+t:\n  flaky>: 2\n  _retry:\n    limit: 3\n    interval: 0\n"
    root, rec = _run(tmp_path, text)
    assert [line for line in rec.lines if line.startswith("flaky")] == [
        "flaky run 1", "flaky run 2", "flaky run 3",
    ]  # fmt: skip
    assert root.state is State.SUCCESS


def test_check_runs_after_success_and_can_fail_the_task(tmp_path: Path) -> None:
    root, rec = _run(
        tmp_path,
        "+t:\n  echo>: main\n  _check:\n    fail>: check failed\n+after:\n  echo>: after\n",
    )
    assert rec.lines[0] == "main"
    assert "after" not in rec.lines
    assert rec.states["+wf+t^check"] is State.ERROR
    assert root.state is State.GROUP_ERROR


def test_stores_reach_later_tasks_not_parallel_siblings(tmp_path: Path) -> None:
    text = (
        "+p:\n  _parallel: true\n"
        "  +a:\n    store>: {x: from-a}\n"
        "  +b:\n    echo>: ${typeof x}\n"
        "  +c:\n    store>: {x: from-c}\n"
        "+later:\n  echo>: ${x}\n"
        "+exp:\n  _export:\n    x: exported\n  +inner:\n    echo>: ${x}\n"
    )
    # the last-defined parallel sibling wins; an ancestor's _export shadows earlier stores
    assert _lines(tmp_path, text) == ["undefined", "from-c", "exported"]


def test_runtime_exports_reach_only_generated_children(tmp_path: Path) -> None:
    text = (
        "+e:\n  export>: {v: seen}\n  _check:\n    echo>: check sees ${v}\n"
        "+next:\n  echo>: ${typeof v}\n"
    )
    assert _lines(tmp_path, text) == ["check sees seen", "undefined"]


def test_call_runs_a_file_in_its_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.dig").write_text(
        "timezone: Asia/Tokyo\n_export:\n  x: child\n+c:\n  echo>: ${x} in ${_workdir}\n"
    )
    _, rec = _run(tmp_path, "+call:\n  call>: sub/child\n+after:\n  echo>: ${typeof _workdir}\n")
    assert rec.lines == ["child in sub", "undefined"]
    assert rec.states["+wf+call^sub+c"] is State.SUCCESS


def test_an_undefined_variable_fails_the_task_without_retry(tmp_path: Path) -> None:
    Flaky.runs.clear()
    root, rec = _run(tmp_path, "+t:\n  flaky>: ${nope}\n  _retry: 3\n")
    assert root.state is State.GROUP_ERROR
    assert rec.states["+wf+t"] is State.ERROR
    t = root.children[0]
    assert t.error is not None
    message = t.error["message"]
    assert message.startswith("Failed to evaluate a variable ${nope} (ReferenceError: ")
    assert "nope" in message and message.endswith("is not defined) (config)")
    assert Flaky.runs == {}


def test_compile_errors_stop_before_running(tmp_path: Path) -> None:
    (tmp_path / "wf.dig").write_text("+a:\n  echo>: a\n  sh>: b\n")
    with pytest.raises(LoadError, match="can't have more than one operator"):
        load(tmp_path, "wf")
    (tmp_path / "wf.dig").write_text("+a:\n  _after: [+b]\n  echo>: a\n")
    with pytest.raises(LoadError, match='"_after" option is invalid'):
        load(tmp_path, "wf")


def test_task_limit_fails_the_generating_task(tmp_path: Path) -> None:
    root, _ = _run(tmp_path, "+l:\n  loop>: 50\n  _do:\n    echo>: ${i}\n", task_limit=20)
    assert root.state is State.GROUP_ERROR
    t = root.children[0]
    assert t.error is not None and "Too many loop subtasks. Limit: 20" in t.error["message"]


def test_loaded_is_reusable(tmp_path: Path) -> None:
    (tmp_path / "wf.dig").write_text("+a:\n  echo>: a\n")
    assert isinstance(load(tmp_path, "wf"), Loaded)


def test_a_resumed_task_is_not_run_and_its_result_is_replayed(tmp_path: Path) -> None:
    text = (
        "+a:\n  store>: {x: first}\n"
        "+l:\n  loop>: 2\n  _do:\n    echo>: loop ${i} sees ${x}\n"
        "+b:\n  fail>: stop\n"
    )
    root, _ = _run(tmp_path, text)
    assert root.state is State.GROUP_ERROR
    recorded = {t.full_name: t.result for t in root.walk() if t.state is State.SUCCESS and t.result}
    assert "+wf+a" in recorded and "+wf+l^sub+loop-1" in recorded

    (tmp_path / "wf.dig").write_text(text.replace("fail>: stop", "echo>: now ${x}"))
    _, second = _run(tmp_path, (tmp_path / "wf.dig").read_text(), resume=recorded.get)
    # nothing that succeeded ran again (no echo of the loop), its stored value came back
    assert second.lines == ["now first"]
    assert second.states["+wf+l^sub+loop-0"] is State.SUCCESS  # replayed by name


def test_dry_run_walks_control_flow_and_runs_nothing_else(tmp_path: Path) -> None:
    root, rec = _run(
        tmp_path,
        "+l:\n  loop>: 2\n  _do:\n    sh>: touch ${i}.txt\n+f:\n  fail>: not really\n",
        dry_run=True,
    )
    assert root.state is State.SUCCESS
    assert [t.full_name for t in root.walk() if t.operator] == [
        "+wf+l", "+wf+f", "+wf+l^sub+loop-0", "+wf+l^sub+loop-1",
    ]  # fmt: skip
    assert not list(tmp_path.glob("*.txt")) and rec.lines == []


def test_scheduled_workflows_get_last_and_next_session(tmp_path: Path) -> None:
    text = (
        "timezone: Asia/Tokyo\nschedule:\n  daily>: 07:00:00\n"
        "+t:\n  echo>: ${session_time} ${last_session_date} ${next_session_time} "
        "${session_tz_offset} ${session_unixtime} ${timezone}\n"
    )
    (tmp_path / "wf.dig").write_text(text)
    loaded = load(tmp_path, "wf")
    when = dt.datetime(2024, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    recorder = Recorder()
    run(loaded, attempt_for(tmp_path, loaded, when, listener=recorder))
    assert recorder.lines == [
        "2024-03-01T00:00:00+09:00 2024-02-29 2024-03-02T00:00:00+09:00 +0900 1709218800 Asia/Tokyo"
    ]


def test_py_stores_reach_later_tasks_and_exports_only_children(tmp_path: Path) -> None:
    (tmp_path / "tasks.py").write_text(
        "import digdag\n\n"
        "def produce(n):\n"
        "    digdag.env.store({'total': int(n) * 2})\n"
        "    digdag.env.export({'only_children': 'yes'})\n"
        "    digdag.env.add_subtask({'echo>': 'child sees ${only_children}'})\n"
    )
    text = "+p:\n  py>: tasks.produce\n  n: 21\n+q:\n  echo>: ${total} ${typeof only_children}\n"
    root, rec = _run(tmp_path, text)
    assert root.state is State.SUCCESS, root.children[0].error
    assert rec.lines[-2:] == ["child sees yes", "42 undefined"]


def test_dry_run_goes_on_past_values_that_stubbed_operators_would_store(tmp_path: Path) -> None:
    root, rec = _run(
        tmp_path,
        "+s:\n  store>: {n: 1}\n+i:\n  if>: ${n > 0}\n  _do:\n    echo>: then\n+e:\n  echo>: end\n",
        dry_run=True,
    )
    assert root.state is State.SUCCESS
    assert rec.states["+wf+e"] is State.SUCCESS
    assert any(line.startswith("dry run: not evaluated: ") for line in rec.lines)


def test_retry_intervals_follow_digdag() -> None:
    from digrun.failures import retry_delay

    exponential = {"limit": 6, "interval": 1, "max_interval": 2, "interval_type": "exponential"}
    assert [retry_delay(exponential, done) for done in range(7)] == [1, 2, 2, 2, 2, 2, None]
    assert [retry_delay({"limit": 2, "interval": 5}, d) for d in range(3)] == [5, 5, None]
    assert [retry_delay("2", d) for d in range(3)] == [0, 0, None]
    assert retry_delay("${n}", 0, group=True) is None  # ignored on a group, as Digdag does


def test_wait_polls_until_the_time_is_up(tmp_path: Path) -> None:
    import time

    started = time.monotonic()
    root, rec = _run(
        tmp_path,
        "+w:\n  wait>: 1s\n+b:\n  wait>: 1s\n  blocking: true\n+bad:\n  wait>: soon\n",
    )
    assert time.monotonic() - started >= 2.0
    assert rec.states["+wf+w"] is State.SUCCESS and rec.states["+wf+b"] is State.SUCCESS
    assert rec.states["+wf+bad"] is State.ERROR
    assert root.children[2].error is not None
    assert "must be a duration" in root.children[2].error["message"]


def test_call_of_a_broken_file_fails_with_its_first_error(tmp_path: Path) -> None:
    (tmp_path / "broken.dig").write_text("+a:\n  echo>: [unclosed\n")
    root, _ = _run(tmp_path, "+c:\n  call>: broken\n")
    error = root.children[0].error
    assert error is not None
    assert error["message"] == (
        "Failed to load broken.dig:3: expected `,` or `]`, but got `<stream end>` "
        "(while parsing a flow sequence)"
    )


def test_a_group_retry_can_come_from_its_own_export(tmp_path: Path) -> None:
    text = "+g:\n  _export:\n    _retry: 1\n  +a:\n    echo>: try\n  +b:\n    fail>: no\n"
    _, rec = _run(tmp_path, text)
    assert rec.lines.count("try") == 2


def test_sla_runs_its_tasks_when_the_attempt_is_late(tmp_path: Path) -> None:
    text = (
        "sla:\n  duration: 00:00:01\n  fail: true\n  +late:\n    echo>: late ${session_date}\n"
        "+slow:\n  wait>: 2s\n"
    )
    root, rec = _run(tmp_path, text)
    assert "late 2024-02-29" in rec.lines
    assert "notification: SLA violation" in rec.lines
    assert rec.states["+wf^sla^fail"] is State.ERROR
    assert rec.states["+wf+slow"] is State.SUCCESS
    assert root.state is State.GROUP_ERROR  # `fail: true` fails the attempt


def test_sla_does_not_fire_for_a_quick_attempt_and_is_validated(tmp_path: Path) -> None:
    text = "sla:\n  duration: 01:00:00\n  +late:\n    echo>: late\n+t:\n  echo>: t\n"
    root, rec = _run(tmp_path, text)
    assert root.state is State.SUCCESS and rec.lines == ["t"]
    from digrun.run import sla_of

    with pytest.raises(LoadError, match="either the 'time' or 'duration' option"):
        sla_of({"sla": {"alert": True}}, "UTC", SESSION)
    with pytest.raises(LoadError, match="SLA time option needs to be HH:MM or HH:MM:SS format: 9"):
        sla_of({"sla": {"time": 9}}, "UTC", SESSION)
    early = dt.datetime(2024, 2, 28, 20, 0, tzinfo=dt.UTC)  # 05:00 in Tokyo
    late = dt.datetime(2024, 2, 29, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo: tomorrow's 09:00
    cases = ((early, "2024-02-29T09:00:00+09:00"), (late, "2024-03-01T09:00:00+09:00"))
    for now, expected in cases:
        found = sla_of({"sla": {"time": "09:00"}}, "Asia/Tokyo", now)
        assert found is not None and found[0].isoformat() == expected
