"""What an operator is to the executor: a name, whether it honours `_retry`, and `run`.

The executor evaluates a task's parameters (Digdag's merge of inherited params, exports,
stores, built-ins and the task's own keys, every `${...}` rendered) and calls the operator
with an `OperatorContext`. The operator returns a `TaskResult` (Digdag's `TaskResult`:
generated subtasks, export and store params), raises `TaskError` (an expected failure with a
message, like `fail>`), `ConfigError` (a parameter is missing or wrong: Digdag suffixes the
message with ` (config)`), or `Poll` to be called again later with state (Digdag's
`TaskExecutionException` with a retry interval: `wait>`, `s3_wait>`, polling queries).

Data is plain JSON-like Python: `dict` (keys in order), `list`, `str`, `int`, `float`,
`bool`, `None`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

JSON = Any  # dict[str, JSON] | list[JSON] | str | int | float | bool | None


@dataclass
class TaskResult:
    """What a successful operator leaves behind.

    `subtask_config` becomes the `^sub` child (a task config: an operator mapping or a group
    of `+children`); `export_params` are visible to that child and its descendants only;
    `store_params` to every later task (after `reset_store_params`, dotted keys, are deleted).
    """

    subtask_config: dict[str, JSON] | None = None
    export_params: dict[str, JSON] = field(default_factory=dict)
    store_params: dict[str, JSON] = field(default_factory=dict)
    reset_store_params: list[str] = field(default_factory=list)


class TaskError(Exception):
    """An expected task failure; `str(error)` is the error message users see."""

    kind = ""  # Digdag's class hint appended to messages: "config", "runtime"...

    def message(self) -> str:
        """The message of the task's `error` object (`${error.message}` in `_error`)."""
        text = str(self)
        return f"{text} ({self.kind})" if self.kind else text


class ConfigError(TaskError):
    """A missing or invalid parameter (not retried)."""

    kind = "config"


class CommandError(TaskError):
    """A command or script failed (`Command failed with code 1`)."""

    kind = "runtime"


class Poll(Exception):
    """Not done yet: run the operator again after `interval` seconds with `state`."""

    def __init__(self, interval: float, state: dict[str, JSON]) -> None:
        super().__init__(f"poll again in {interval}s")
        self.interval = interval
        self.state = state


@dataclass(frozen=True)
class Session:
    """The session a run belongs to (built-ins are derived from it)."""

    time: datetime  # aware, in the workflow's time zone
    timezone: str
    session_id: int = 1
    attempt_id: int = 1
    session_uuid: str = ""


class Secrets(Protocol):
    """Secret lookup (`${secret:key}`, `_secrets`, operators' own `pg.password`...)."""

    def get(self, key: str) -> str | None:
        """The secret `key`, or None when it is not set."""
        ...


@dataclass
class OperatorContext:
    """Everything an operator may use; nothing else (no globals)."""

    task_name: str  # full name: `+wf+group+task`, `+wf+loop^sub+loop-0`
    operator: str  # `sh`, `py`...
    params: dict[str, JSON]  # every evaluated param, the task's own keys merged last
    command: JSON  # the evaluated `op>:` value (`_command`)
    project_dir: Path
    workdir: Path  # project dir + `_workdir`
    session: Session
    secrets: Secrets
    log: Callable[[str], None]  # one line of the task's log (masked, timestamped by caller)
    state: dict[str, JSON] = field(default_factory=dict)  # from the last `Poll`, else {}
    retry_count: int = 0  # operator-level retries already done
    dry_run: bool = False
    task_limit: int = 1000  # tasks per attempt: generating operators refuse to exceed it
    cancel: threading.Event = field(default_factory=threading.Event)
    # `require>`: run (or reuse) the session of another workflow of the project and say
    # whether it succeeded: (workflow name, session time text, params) -> success
    require: Callable[[str, str, dict[str, JSON]], bool] | None = None
    # Render a text (a query file, a mail body) as a `${...}` template with `params`.
    render: Callable[[str], str] = field(default=lambda text: text)

    def param(self, name: str, default: JSON = None) -> JSON:
        """A param by name (dotted names look inside nested mappings)."""
        value: JSON = self.params
        for part in name.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return default
            value = value[part]
        return value

    def required(self, name: str) -> JSON:
        """A param that must be set, else `Parameter 'name' is required but not set`."""
        value = self.param(name)
        if value is None:
            raise ConfigError(f"Parameter '{name}' is required but not set")
        return value

    def path(self, name: str) -> Path:
        """A project file named by the workflow, resolved in the working directory; it must
        stay inside the project (`File name must not be outside of project path`)."""
        resolved = (self.workdir / name).resolve()
        root = self.project_dir.resolve()
        if resolved != root and root not in resolved.parents:
            raise ConfigError(f"File name must not be outside of project path ({root}): {name}")
        return resolved


class Operator(Protocol):
    """One operator: `name>` in workflows."""

    name: str
    retry: bool  # honours `_retry` for its own failures (Digdag's retry-aware operators)

    def run(self, ctx: OperatorContext) -> TaskResult:
        """Run the task; raise `TaskError`/`Poll` as described in the module docstring."""
        ...
