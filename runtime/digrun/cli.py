"""The `digrun` command: run a workflow of a project locally, as `digdag run` does.

    digrun run WORKFLOW[.dig] [+TASK] [--project DIR] [-p K=V]... [-P FILE]
               [--session TIME|daily|hourly|last|schedule] [-d/--dry-run] [-a/--rerun-all]
               [--status-dir DIR] [--max-task-threads N] [--task-limit N]
    digrun graph WORKFLOW[.dig] [--project DIR] [--format dot|mermaid]

`run` loads the workflow (any YAML, include or compile error stops it before anything runs),
runs one attempt of its session and exits 0 when the attempt succeeded, 1 when it failed or
could not start, 2 on a usage error (130 when interrupted). On failure it prints, like
Digdag, `error:` and for each task that ended in ERROR `  * <full name>:` and its message.

* `+TASK` runs that task's subtree only (see `digrun.subtree`).
* `-p KEY=VALUE` (repeatable; values are strings, `a.b=c` nests) and `-P file.yml` (YAML,
  typed as Digdag types it) give the params with the lowest priority (a workflow's `_export`
  wins over them); `-p` wins over `-P`. When `--project` is not the current directory, the
  param `_project_path` is the project's absolute path (Digdag's).
* `--session`: `last` (the default) reuses the newest session of the workflow that has run
  before (`Reusing the last session time ...`), else is the last scheduled time, else today
  00:00 in the workflow's zone; `daily`, `hourly`, `schedule`, `yyyy-MM-dd` and
  `yyyy-MM-dd HH:mm:ss` are Digdag's.
* Resume: the state of every session is kept in `<status dir>/digrun.sqlite3` (see
  `digrun.state`; the status dir is `<project>/.digdag/digrun`, `--status-dir` relative to
  the project). Running a session again skips every operator task that succeeded in an
  earlier attempt of it (its result is replayed); `-a/--rerun-all` runs everything again.
* `-d/--dry-run`: tasks with effects are not executed (their operator is stubbed: an empty
  result); control flow (`call>`, `loop>`, `for_each>`, `for_range>`, `if>`) and parameter
  evaluation still run. At the end the task tree is printed on stdout: each task's full
  name, indented, with its operator and evaluated command. A dry run records no results.
* Output: live progress on stdout (the task tree redrawn in place on a terminal, timestamped
  lines otherwise: see `digrun.progress`), task logs under the status dir (`digrun.logs`),
  the summary on stderr. Secrets (`digrun.secrets`) are masked everywhere.
* `--max-task-threads N` (default 32) bounds the operator tasks running at once,
  `--task-limit N` (default 1000, Digdag's `executor.task_max_run`) the tasks of an attempt.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TextIO

import click

from diglang.schedule import zone_of
from digrun import graph as graph_mod
from digrun import run as run_mod
from digrun.executor import Attempt
from digrun.logs import TaskLogs
from digrun.operator import ConfigError, TaskResult
from digrun.progress import Progress, make_progress
from digrun.ranges import Decision, RangeError, check_options, plan
from digrun.run import Loaded, LoadError, attempt_for, load, session_time
from digrun.secrets import LocalSecrets, Masker, SecretsError, read_yaml_mapping
from digrun.state import (
    DEFAULT_STATUS_DIR,
    SessionRecord,
    StateError,
    StateStore,
    session_dirname,
    session_text,
)
from digrun.subtree import PatternError, extract
from digrun.tree import RTask, State

JSON = Any
EXIT_INTERRUPTED = 130


class Interrupted(BaseException):
    """SIGINT or SIGTERM: stop the run (running tasks are cancelled)."""


# -- params ---------------------------------------------------------------------------------


def set_dotted(params: dict[str, JSON], key: str, value: str) -> None:
    """Digdag's `setDotNestedKey`: `a.b=c` sets `params[a][b]` (creating mappings)."""
    node = params
    parts = key.split(".")
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            shown = ".".join(parts[: i + 1])
            raise ConfigError(
                f"Parameter '{key}' is set but '{shown}' is not a object ({_json(child)})"
            )
        node = child
    node[parts[-1]] = value


def _json(value: JSON) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def load_params_file(path: Path) -> dict[str, JSON]:
    """A `-P` file: YAML (with `!include`), typed as Digdag types it."""
    return read_yaml_mapping(path, ConfigError, "the params file must be a mapping")


def cli_params(
    pairs: tuple[str, ...], params_file: str | None, project_dir: Path, explicit_project: bool
) -> dict[str, JSON]:
    """`-P` then `-p` (later `-p` of the same key win), plus `_project_path`."""
    params: dict[str, JSON] = {}
    if params_file is not None:
        params = load_params_file(Path(params_file))
    values: dict[str, str] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        values[key] = value
    for key, value in values.items():
        set_dotted(params, key, value)
    if explicit_project and project_dir != Path.cwd().resolve():
        params["_project_path"] = str(project_dir)
    return params


def _check_param(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Any:
    for pair in value:
        if "=" not in pair:
            raise click.BadParameter(f"expected a value of the form a=b but got: {pair}")
    return value


# -- one attempt ----------------------------------------------------------------------------


class AttemptListener:
    """The executor's listener for one attempt: state database, task logs, progress."""

    def __init__(
        self,
        store: StateStore,
        record: SessionRecord,
        progress: Progress,
        logs: TaskLogs,
        masker: Masker,
        *,
        dry_run: bool,
    ) -> None:
        self.store = store
        self.record = record
        self.progress = progress
        self.logs = logs
        self.masker = masker
        self.dry_run = dry_run
        self.replayed: set[str] = set()
        self.skipped: set[str] = set()  # left out by --goal/--end
        self.store_failed = False

    def task_changed(self, task: RTask) -> None:
        resumed = task.operator and task.full_name in self.replayed
        skipped = task.operator and task.full_name in self.skipped
        result: TaskResult | None = None
        # a skipped task did not run: no result that a later rerun could take for a success
        if task.state is State.SUCCESS and task.operator and not self.dry_run and not skipped:
            result = task.result or TaskResult()
        error = self.masker.mask_json(task.error) if task.error is not None else None
        try:
            self.store.task_state(
                self.record.attempt_id,
                task.id,
                task.full_name,
                task.state.value,
                task.started,
                task.ended,
                error,
                resumed=resumed,
                result=result,
                session_id=self.record.session_id,
            )
        except sqlite3.Error as exc:
            if not self.store_failed:
                self.store_failed = True
                self.progress.message(
                    "ERROR",
                    f"cannot record task states in `{self.store.status_dir}` ({exc}): "
                    "a rerun of this session may run succeeded tasks again",
                )
        self.progress.changed(task, resumed=resumed, skipped=skipped)
        if task.state.done:
            self.logs.close(task.full_name)

    def task_log(self, task: RTask, line: str) -> None:
        masked = self.masker.mask(line)
        self.logs.write(task.full_name, masked)
        self.progress.output(task, masked)


@dataclasses.dataclass
class Outcome:
    """How an attempt went."""

    root: RTask
    record: SessionRecord
    when: dt.datetime
    replayed: set[str]  # operator tasks replayed from an earlier attempt


class Runner:
    """Runs attempts of the project's workflows (the top one, and `require>`d ones)."""

    def __init__(
        self,
        project_dir: Path,
        store: StateStore,
        progress: Progress,
        masker: Masker,
        secrets: LocalSecrets,
        params: dict[str, JSON],
        *,
        dry_run: bool,
        rerun_all: bool,
        max_threads: int,
        task_limit: int,
    ) -> None:
        self.project_dir = project_dir
        self.store = store
        self.progress = progress
        self.masker = masker
        self.secrets = secrets
        self.params = params
        self.dry_run = dry_run
        self.rerun_all = rerun_all
        self.max_threads = max_threads
        self.task_limit = task_limit
        self.lock = threading.Lock()  # one `require>` at a time decides and runs

    def attempt(
        self,
        loaded: Loaded,
        when: dt.datetime,
        params: dict[str, JSON],
        *,
        resume: bool,
        decide: Callable[[str], Decision] = lambda full_name: Decision.RESUME,
    ) -> Outcome:
        """Run one attempt of the session (`loaded`, `when`) to its end; `decide` says which
        operator tasks may be resumed, must run or are skipped (`--start/--goal/--end`)."""
        store = self.store
        base = attempt_for(self.project_dir, loaded, when, params=params)
        record = store.start_attempt(
            loaded.name, when, base.session.session_uuid, params, dry_run=self.dry_run
        )
        results = store.results(record.session_id) if resume else {}
        logs = TaskLogs(
            TaskLogs.attempt_dir(
                store.status_dir, loaded.name, session_dirname(when), record.attempt_number
            ),
            self.masker,
        )
        listener = AttemptListener(
            store, record, self.progress, logs, self.masker, dry_run=self.dry_run
        )

        def replay(full_name: str) -> TaskResult | None:
            decision = decide(full_name)
            if decision is Decision.SKIP:
                listener.skipped.add(full_name)
                return TaskResult()
            if decision is Decision.RUN:
                return None
            found = results.get(full_name)
            if found is not None:
                listener.replayed.add(full_name)
                return copy.deepcopy(found)
            return None

        attempt: Attempt = attempt_for(
            self.project_dir,
            loaded,
            when,
            params=params,
            secrets=self.secrets,
            listener=listener,
            dry_run=self.dry_run,
            max_threads=self.max_threads,
            task_limit=self.task_limit,
            resume=replay,
            render=_render,
        )
        attempt.session = dataclasses.replace(
            attempt.session,
            session_id=record.session_id,
            attempt_id=record.attempt_id,
            session_uuid=record.session_uuid,
        )
        attempt.require = self.require
        interrupted = False
        root: RTask | None = None
        try:
            root = run_mod.run(loaded, attempt)
        except (Interrupted, KeyboardInterrupt):
            interrupted = True
            raise
        finally:
            logs.close_all()
            if root is not None:
                status = "success" if root.state is State.SUCCESS else "error"
            else:
                status = "interrupted" if interrupted else "error"
            store.end_attempt(record.attempt_id, status)
        return Outcome(root, record, when, listener.replayed)

    def require(self, workflow: str, when_text: str, params: dict[str, JSON]) -> bool:
        """`require>`: reuse the session's last attempt, or run a new one now."""
        params = dict(params)
        rerun_on = params.pop("rerun_on", "none")
        try:
            loaded = load(self.project_dir, workflow)
        except LoadError as exc:
            raise ConfigError(str(exc)) from None
        try:
            when = dt.datetime.fromisoformat(when_text)
        except ValueError:
            raise ConfigError(f"invalid session_time: {when_text}") from None
        when = when.astimezone(zone_of(loaded.timezone))
        with self.lock:
            last = None if self.dry_run else self.store.latest_attempt(loaded.name, when)
            reuse = (
                last is not None
                and last.ended is not None
                and (rerun_on == "none" or (rerun_on == "failed" and last.status == "success"))
            )
            if last is not None and reuse:
                self.progress.message(
                    "INFO",
                    f"require>: {loaded.name} session {session_text(when)} "
                    f"already ran ({last.status})",
                )
                return last.status == "success"
            merged = {**self.params, **params}
            outcome = self.attempt(loaded, when, merged, resume=False)
        return outcome.root.state is State.SUCCESS


def _render(text: str, params: dict[str, JSON], timezone: str) -> str:
    # looked up at call time, so that tests can replace the renderer
    return run_mod.render_with_js(text, params, timezone)


# -- output ---------------------------------------------------------------------------------


def error_message(task: RTask, masker: Masker) -> str:
    """What Digdag prints under `  * <full name>:`."""
    error = task.error or {}
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message:
        return masker.mask(_json(error))
    index = message.find("Exception: ")
    if index > 0:
        message = message[index + len("Exception: ") :]
    return masker.mask(message)


def failure_report(root: RTask, masker: Masker) -> str:
    """`error:` and each task in ERROR with its message."""
    lines = ["error:"]
    for task in root.walk():
        if task.state is State.ERROR:
            lines.append(f"  * {task.full_name}:")
            for part in error_message(task, masker).splitlines() or [""]:
                lines.append(f"    {part}")
    return "\n".join(lines)


def plan_lines(root: RTask, replayed: set[str] | None = None) -> list[str]:
    """The dry-run tree: full names, indented, with operator and evaluated command."""
    lines: list[str] = []
    replayed = replayed or set()

    def visit(task: RTask, depth: int) -> None:
        text = "  " * depth + task.full_name
        if task.operator:
            params = task.params if task.params else task.config
            kind = params.get("_type")
            command = params.get("_command")
            if not isinstance(kind, str):
                found = graph_mod.operator_of(task.config)
                kind, command = found if found is not None else ("?", None)
            text += f"  {kind}>: {graph_mod.command_text(command)}"
        if task.full_name in replayed and task.state is State.SUCCESS:
            text += "  (skipped: succeeded in an earlier attempt)"
        elif task.state.failed and task.operator:
            text += "  (error)"
        elif task.state is State.BLOCKED:
            text += "  (not run)"
        lines.append(text)
        for child in task.children:
            visit(child, depth + 1)

    visit(root, 0)
    return lines


@contextmanager
def _signals() -> Iterator[None]:
    """SIGTERM stops the run as Ctrl-C does (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise Interrupted()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


# -- commands -------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="digkit", prog_name="digrun")
def main() -> None:
    """Run Digdag workflows locally, as `digdag run` does."""


@main.command("run", short_help="Run a workflow (or one task's subtree) locally.")
@click.argument("workflow")
@click.argument("task", required=False)
@click.option(
    "--project",
    type=click.Path(file_okay=False, exists=True),
    help="Project directory (default: the current directory).",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    callback=_check_param,
    metavar="KEY=VALUE",
    help="A param (a string; dotted keys nest). Repeatable.",
)
@click.option(
    "-P",
    "--params-file",
    type=click.Path(dir_okay=False, exists=True),
    help="Params from a YAML file.",
)
@click.option(
    "-t",
    "--session",
    "--session-time",
    "session",
    metavar="TIME",
    help='daily, hourly, schedule, last (default), "yyyy-MM-dd" or "yyyy-MM-dd HH:mm:ss".',
)
@click.option("-d", "--dry-run", is_flag=True, help="Do not execute tasks with effects.")
@click.option(
    "-a", "--rerun-all", "--rerun", "rerun_all", is_flag=True, help="Ignore earlier successes."
)
@click.option("-s", "--start", metavar="+TASK", help="Run TASK and what follows it again.")
@click.option("-g", "--goal", metavar="+TASK", help="Run TASK and its subtasks; skip the rest.")
@click.option("-e", "--end", metavar="+TASK", help="Stop before TASK: skip it and what follows.")
@click.option(
    "-o",
    "--status-dir",
    type=click.Path(file_okay=False),
    help="Where session state and task logs are kept (default: .digdag/digrun).",
)
@click.option(
    "--max-task-threads",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Operator tasks running at once.",
)
@click.option(
    "--task-limit",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Tasks of one attempt.",
)
def run_command(
    workflow: str,
    task: str | None,
    project: str | None,
    params: tuple[str, ...],
    params_file: str | None,
    session: str | None,
    dry_run: bool,
    rerun_all: bool,
    start: str | None,
    goal: str | None,
    end: str | None,
    status_dir: str | None,
    max_task_threads: int,
    task_limit: int,
) -> None:
    """Run WORKFLOW (or only its task TASK, e.g. +step2) locally."""
    try:
        check_options(start, goal, end, rerun_all)
    except RangeError as exc:
        raise click.UsageError(str(exc)) from None
    code = run_workflow(
        workflow,
        task,
        project=project,
        params=params,
        params_file=params_file,
        session=session,
        dry_run=dry_run,
        rerun_all=rerun_all,
        start=start,
        goal=goal,
        end=end,
        status_dir=status_dir,
        max_task_threads=max_task_threads,
        task_limit=task_limit,
        out=sys.stdout,
    )
    sys.exit(code)


def run_workflow(
    workflow: str,
    task: str | None = None,
    *,
    project: str | None = None,
    params: tuple[str, ...] = (),
    params_file: str | None = None,
    session: str | None = None,
    dry_run: bool = False,
    rerun_all: bool = False,
    start: str | None = None,
    goal: str | None = None,
    end: str | None = None,
    status_dir: str | None = None,
    max_task_threads: int = 32,
    task_limit: int = 1000,
    out: TextIO | None = None,
    tty: bool | None = None,
    env: dict[str, str] | None = None,
) -> int:
    """`digrun run`; the exit code (errors before the run are printed to stderr)."""
    out = out or sys.stdout
    project_dir = Path(project or ".").resolve()
    masker = Masker()
    try:
        values = cli_params(params, params_file, project_dir, project is not None)
        loaded = load(project_dir, workflow)
        if task:
            loaded = dataclasses.replace(loaded, definition=extract(loaded.definition, task))
        decide = plan(loaded.definition, start=start, goal=goal, end=end)
        secrets = LocalSecrets(project_dir, env, masker)
        status = project_dir / (status_dir if status_dir is not None else DEFAULT_STATUS_DIR)
        store = StateStore(status)
    except (LoadError, ConfigError, PatternError, SecretsError, StateError) as exc:
        _fail(masker.mask(str(exc)))
    progress = make_progress(out, tty=tty)
    try:
        try:
            when = _session_time(loaded, session, store, progress)
        except LoadError as exc:
            progress.close()
            _fail(str(exc))
        runner = Runner(
            project_dir,
            store,
            progress,
            masker,
            secrets,
            values,
            dry_run=dry_run,
            rerun_all=rerun_all,
            max_threads=max_task_threads,
            task_limit=task_limit,
        )
        try:
            with _signals():
                outcome = runner.attempt(loaded, when, values, resume=not rerun_all, decide=decide)
        except (Interrupted, KeyboardInterrupt):
            progress.close()
            click.echo("error: interrupted (running tasks were cancelled)", err=True)
            return EXIT_INTERRUPTED
        progress.close()
    finally:
        store.close()
    root = outcome.root
    cwd = Path.cwd().resolve()
    shown = str(status.relative_to(cwd)) if status.is_relative_to(cwd) else str(status)
    where = (
        f"Task state is saved at {shown} (session {session_text(when)}, "
        f"attempt {outcome.record.attempt_number})."
    )
    if dry_run:
        click.echo("\n".join(plan_lines(root, outcome.replayed)), file=out)
    if root.state is not State.SUCCESS:
        report = failure_report(root, masker)
        hints = [
            "",
            where if not dry_run else "Dry run: no task result was saved.",
            '  * Use --session <daily | hourly | "yyyy-MM-dd[ HH:mm:ss]"> to not reuse the '
            "last session time.",
            "  * Use --rerun-all to run the tasks that succeeded again.",
        ]
        click.echo(report + "\n" + "\n".join(hints), err=True)
        return 1
    first = "Success. Dry run: no task result was saved." if dry_run else f"Success. {where}"
    click.echo(
        first + "\n"
        '  * Use --session <daily | hourly | "yyyy-MM-dd[ HH:mm:ss]"> to not reuse the last '
        "session time.\n"
        "  * Use --rerun-all to run the tasks that succeeded again.",
        err=True,
    )
    return 0


def _session_time(
    loaded: Loaded, option: str | None, store: StateStore, progress: Progress
) -> dt.datetime:
    """`--session`, with `last` reusing the newest session of the workflow."""
    if option in (None, "last"):
        last = store.last_session_time(loaded.name)
        if last is not None:
            last = last.astimezone(zone_of(loaded.timezone))
            progress.message("WARN", f"Reusing the last session time {session_text(last)}.")
            return last
        when = session_time(loaded, "last")
        basis = " based on schedule" if loaded.schedule is not None else ""
        progress.message("WARN", f"Using a new session time {session_text(when)}{basis}.")
        return when
    return session_time(loaded, option)


@main.command("graph")
@click.argument("workflow")
@click.option("--project", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid"]),
    default="dot",
    show_default=True,
)
def graph_command(workflow: str, project: str | None, fmt: str) -> None:
    """Print WORKFLOW's static task graph (Graphviz DOT or Mermaid)."""
    project_dir = Path(project or ".").resolve()
    try:
        loaded = load(project_dir, workflow)
    except LoadError as exc:
        _fail(str(exc))
    if fmt == "dot":
        click.echo(graph_mod.to_dot(loaded.definition, loaded.name), nl=False)
    else:
        click.echo(graph_mod.to_mermaid(loaded.definition), nl=False)
