"""The typed workflow AST: `Workflow`, `Task`, `Operator` and typed `_` directives.

Built from merged value nodes (see `values.py`) by `workflow.py`; every node keeps spans into
the file it came from, so rules can point at the exact text.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from diglang.perf import fast_init
from diglang.source import Source, Span
from diglang.values import Entry, Mapping, Scalar, Template, Value, walk_templates

TOP_LEVEL_KEYS = frozenset(
    {"timezone", "_export", "schedule", "sla", "_error", "_check", "_retry", "_parallel"}
)
# Keys Digdag accepts on a grouping task (WorkflowCompiler.GROUPING_TASK_CONFIG_KEYS).
GROUP_KEYS = frozenset(
    {
        "_export", "_parallel", "_background", "_after", "_retry", "_error", "_check",
        "_disable", "_secrets", "timezone", "schedule", "sla",
    }
)  # fmt: skip
# Directives whose value is a task config of its own.
TASK_DIRECTIVES = {"_error": "^error", "_check": "^check", "_do": "^sub", "_else_do": "^sub"}


class TaskKind(enum.Enum):
    """A task either groups children or runs one operator."""

    GROUP = "group"
    OPERATOR = "operator"


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Operator:
    """`name>: command` (or `_type`/`_command`); `name` is None when `_type` is templated."""

    name: str | None
    key: Scalar
    command: Value | None

    @property
    def span(self) -> Span:
        """The span of the operator key (`sh>`) or of the `_type` value."""
        return self.key.span


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Parallel:
    """`_parallel`: true/false, or `{limit: N}` (always parallel, N at a time)."""

    node: Value
    enabled: bool | None  # None: not a literal boolean (templated or invalid)
    limit: int | None = None

    @property
    def span(self) -> Span:
        """The span of the directive's value."""
        return self.node.span


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Retry:
    """`_retry: N` or `{limit, interval, interval_type, max_interval}` (None: unset/dynamic)."""

    node: Value
    limit: int | None
    interval: int | None = None
    interval_type: str | None = None
    max_interval: int | None = None

    @property
    def span(self) -> Span:
        """The span of the directive's value."""
        return self.node.span


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Task:
    """A task: a group of children, or one operator; `_error`/`_check`/`_do` are tasks too."""

    name: str  # `+load`, or the directive key (`_error`, `_do`...) for special tasks
    full_name: str  # `+wf+load`, `+wf+load^error`
    key: Scalar | None  # the key naming the task; None for the workflow root
    body: Value | None  # the raw value; `config` is the merged mapping
    config: Mapping
    source: Source
    kind: TaskKind
    operators: tuple[Operator, ...]
    params: tuple[Entry, ...]
    directives: tuple[Entry, ...]
    children: tuple[Task, ...]
    parallel: Parallel | None = None
    background: Value | None = None
    retry: Retry | None = None
    error: Task | None = None
    check: Task | None = None
    do: Task | None = None
    else_do: Task | None = None
    export: Value | None = None
    env: Value | None = None
    secrets: Value | None = None
    after: Value | None = None
    disable: Value | None = None
    type: Value | None = None
    command: Value | None = None

    @property
    def operator(self) -> Operator | None:
        """The task's operator (the first one when there are several)."""
        return self.operators[0] if self.operators else None

    @property
    def span(self) -> Span:
        """From the task's key to the end of its body."""
        if self.key is None:
            return self.config.span
        end = self.body.span.end if self.body is not None else self.key.span.end
        return Span(self.key.span.start, max(end, self.key.span.end))

    @property
    def name_span(self) -> Span:
        """The span of the task's name (its key)."""
        return self.key.span if self.key is not None else Span(0, 0)

    @property
    def special_tasks(self) -> tuple[Task, ...]:
        """`_error`, `_check`, `_do`, `_else_do` tasks, in that order."""
        error, check, do, else_do = self.error, self.check, self.do, self.else_do
        if error is None and check is None and do is None and else_do is None:
            return ()
        return tuple(t for t in (error, check, do, else_do) if t is not None)

    def walk(self) -> Iterator[Task]:
        """This task and every task below it (children and special tasks), pre-order."""
        stack: list[Task] = [self]
        pop, extend = stack.pop, stack.extend
        while stack:
            task = pop()
            yield task
            if (
                task.error is None
                and task.check is None
                and task.do is None
                and task.else_do is None
            ):
                if task.children:
                    extend(reversed(task.children))
            else:
                extend(reversed((*task.children, *task.special_tasks)))

    def local_entries(self) -> Iterator[Entry]:
        """Entries that belong to this task itself: not children, not special-task bodies."""
        for entry in self.config.entries:
            key = entry.key.value
            if isinstance(key, str) and (key[:1] == "+" or key in TASK_DIRECTIVES):
                continue
            yield entry

    def local_templates(self) -> Iterator[Template]:
        """Templates in this task's own keys (params, operator command, directives)."""
        for entry in self.local_entries():
            yield from walk_templates(entry.value)


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Workflow:
    """One workflow file: the root task plus the top-level-only keys."""

    name: str
    source: Source
    root: Mapping
    task: Task
    timezone: Scalar | None = None
    schedule: Value | None = None
    sla: Value | None = None
    unknown_keys: tuple[Entry, ...] = ()

    @property
    def tasks(self) -> tuple[Task, ...]:
        """Top-level tasks in order."""
        return self.task.children

    @property
    def export(self) -> Value | None:
        """The top-level `_export`."""
        return self.task.export

    @property
    def error(self) -> Task | None:
        """The top-level `_error` handler."""
        return self.task.error

    @property
    def retry(self) -> Retry | None:
        """The top-level `_retry`."""
        return self.task.retry

    @property
    def parallel(self) -> Parallel | None:
        """The top-level `_parallel`."""
        return self.task.parallel

    def walk_tasks(self) -> Iterator[Task]:
        """Every task (root first), including `_error`/`_check`/`_do` tasks."""
        return self.task.walk()

    def walk_templates(self) -> Iterator[tuple[Task, Template]]:
        """Every template with the task whose own keys hold it."""
        for task in self.walk_tasks():
            for template in task.local_templates():
                yield task, template
