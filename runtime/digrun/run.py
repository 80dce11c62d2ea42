"""Load a workflow of a project and run one session of it (what `digrun run` does).

The workflow file is parsed by diglang (with `!include`s) and must load without errors: a
YAML or include error, or a compile error of the task tree (`_after` misuse, two operators in
a task...), stops the run before anything executes, as `digdag run` does. The session time
comes from `--session` (§11.4: `daily`, `hourly`, `schedule`, `last`, a date or a date-time
in the workflow's time zone); a scheduled workflow also gets `last_session_time` and
`next_session_time`.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diglang.parse import Document
from diglang.schedule import Schedule, ScheduleError, last_session, next_run, zone_of
from digrun.compile import CompileError, TaskDef
from digrun.executor import Attempt, Executor, Listener, SlaTasks, compile_workflow
from digrun.js import render
from digrun.operator import Operator, Secrets, Session, TaskResult
from digrun.operators import operators
from digrun.tree import RTask
from digrun.workflow_file import WorkflowFileError, read_workflow

JSON = Any


class LoadError(Exception):
    """The workflow cannot be run (missing, not loadable, not compilable, bad options)."""


@dataclass
class Loaded:
    """A workflow ready to run."""

    name: str
    path: Path
    document: Document
    config: dict[str, JSON]
    definition: TaskDef
    timezone: str
    schedule: Schedule | None


def load(project_dir: Path, workflow: str) -> Loaded:
    """The workflow `workflow` (a name or a path ending in `.dig`) of the project."""
    name = workflow[:-4] if workflow.endswith(".dig") else workflow
    if "/" in name or os.sep in name:
        folder = os.path.dirname(name)
        raise LoadError(
            f"Workflow '{name}' does not exist in current directory. You may need to type "
            f'"cd {folder}" first, or set "--project {folder}" option.'
        )
    path = project_dir / f"{name}.dig"
    if not path.is_file():
        raise LoadError(f"Workflow '{name}' does not exist in {project_dir}")
    try:
        doc, config = read_workflow(path, path.name)
    except WorkflowFileError as exc:
        raise LoadError(str(exc)) from None
    assert doc.workflow is not None
    timezone = config.get("timezone") or "UTC"
    if not isinstance(timezone, str):
        raise LoadError(f"{path.name}: timezone must be a zone name such as Asia/Tokyo")
    try:
        zone_of(timezone)
        schedule = Schedule.from_workflow(doc.workflow)
    except (ScheduleError, ValueError) as exc:
        raise LoadError(f"{path.name}: {exc}") from None
    try:
        definition = compile_workflow(name, config)
    except CompileError as exc:
        raise LoadError(str(exc)) from None
    sla_of(config, timezone, dt.datetime.now(dt.UTC))  # Digdag checks it before any attempt
    return Loaded(name, path, doc, config, definition, timezone, schedule)


def session_time(loaded: Loaded, option: str | None, now: dt.datetime | None = None) -> dt.datetime:
    """The session time `--session` asks for, in the workflow's zone (§11.4)."""
    zone = zone_of(loaded.timezone)
    now = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    if option in (None, "last", "schedule"):
        if loaded.schedule is not None:
            return last_session(loaded.schedule, now).session_time.astimezone(zone)
        if option == "schedule":
            raise LoadError("--session schedule is set but schedule is not set to this workflow.")
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if option == "daily":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if option == "hourly":
        return now.replace(minute=0, second=0, microsecond=0)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            local = dt.datetime.strptime(option, fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=zone)
    raise LoadError(
        '--session must be hourly, daily, last, "yyyy-MM-dd", or "yyyy-MM-dd HH:mm:SS" '
        f"format: {option}"
    )


def sla_of(
    config: dict[str, JSON], timezone: str, now: dt.datetime
) -> tuple[dt.datetime, SlaTasks] | None:
    """When the workflow's `sla:` triggers for an attempt that starts `now`, and what it runs.

    `time: HH:MM[:SS]` is that time of the day (the next day when it has passed already),
    `duration: HH:MM[:SS]` counts from the start. Digdag validates it when an attempt is
    created: errors stop the run.
    """
    sla = config.get("sla")
    if sla is None:
        return None
    if not isinstance(sla, dict):
        raise LoadError("sla must be a mapping such as {time: '09:00'}")
    given = [key for key in ("time", "duration") if sla.get(key) is not None]
    if len(given) != 1:
        raise LoadError("SLA must be specified using either the 'time' or 'duration' option")
    key = given[0]
    text = str(sla[key])
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise LoadError(f"SLA {key} option needs to be HH:MM or HH:MM:SS format: {text}")
    hours, minutes, seconds = (int(p) for p in [*parts, "0"][:3])
    now = now.astimezone(zone_of(timezone))
    offset = dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if key == "duration":
        at = now + offset
    else:
        at = now.replace(hour=0, minute=0, second=0, microsecond=0) + offset
        if at < now:
            at += dt.timedelta(days=1)
    tasks = {k: v for k, v in sla.items() if k not in ("time", "duration", "alert", "fail")}
    return at, SlaTasks(_flag(sla, "alert", True), _flag(sla, "fail", False), tasks)


def _flag(sla: dict[str, JSON], key: str, default: bool) -> bool:
    value = sla.get(key, default)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value if isinstance(value, bool) else default  # Digdag logs it and goes on


def render_with_js(text: str, params: dict[str, JSON], timezone: str) -> str:
    """Digdag's template rendering (`digrun.js`)."""
    return render(text, params, timezone=timezone)


def attempt_for(
    project_dir: Path,
    loaded: Loaded,
    when: dt.datetime,
    *,
    params: dict[str, JSON] | None = None,
    secrets: Secrets | None = None,
    listener: Listener | None = None,
    dry_run: bool = False,
    max_threads: int = 32,
    task_limit: int = 1000,
    resume: Callable[[str], TaskResult | None] | None = None,
    find_operator: Callable[[str], Operator | None] | None = None,
    render: Callable[[str, dict[str, JSON], str], str] = render_with_js,
) -> Attempt:
    """Everything the executor needs for one session of `loaded`."""
    known = operators()
    session = Session(when, loaded.timezone, session_uuid=str(uuid.uuid4()))
    attempt = Attempt(
        project_dir=project_dir,
        session=session,
        operators=find_operator or known.get,
        render=render,
        params=dict(params or {}),
        dry_run=dry_run,
        max_threads=max_threads,
        task_limit=task_limit,
        listener=listener,
    )
    if secrets is not None:
        attempt.secrets = secrets
    if resume is not None:
        attempt.resume = resume
    sla = sla_of(loaded.config, loaded.timezone, dt.datetime.now(dt.UTC))
    if sla is not None:
        attempt.sla_at, attempt.sla = sla
    if loaded.schedule is not None:
        zone = zone_of(loaded.timezone)
        attempt.last_session = last_session(loaded.schedule, when).session_time.astimezone(zone)
        following = next_run(loaded.schedule, when)
        if following is not None:
            attempt.next_session = following.session_time.astimezone(zone)
    return attempt


def run(loaded: Loaded, attempt: Attempt) -> RTask:
    """Run the attempt to its end; the root task tells how it went."""
    return Executor(attempt, loaded.name, loaded.definition).run()
