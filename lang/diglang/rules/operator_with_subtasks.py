"""An operator task also has subtasks.

## What it does
Flags a task that runs an operator (`name>:` or `_type:`) and also has `+subtasks`.

## Why
Digdag compiles such a task with the error `A task can't have subtasks`, so the workflow never
starts. A task is either an operator task or a group of subtasks; usually a subtask was indented
one level too deep, or the operator was meant to be a subtask of its own.

## Example
```yaml
+load:
  sh>: scripts/extract.sh
  +transform:
    sh>: scripts/transform.sh
```

## Fix
Move the operator into a subtask of its own (`+extract: {sh>: ...}`), or move the subtasks out
to the level of the task.
"""

from __future__ import annotations

from collections.abc import Iterator

from diglang.diagnostics import Severity
from diglang.nodes import Task, TaskKind, Workflow
from diglang.rule import Context, Problem, rule
from diglang.rules.invalid_group_key import compiled_tasks, display_name


def operator_label(task: Task) -> str:
    """How the task's operator is written: `sh>`, or `_type: sh` when it is given that way."""
    op = task.operator
    if op is None or op.name is None:
        return "_type"
    return f"_type: {op.name}" if task.type is not None else f"{op.name}>"


@rule("operator-with-subtasks", severity=Severity.ERROR)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report the first subtask of every operator task that has subtasks."""
    for task, _ in compiled_tasks(wf, ctx):
        if task.kind is not TaskKind.OPERATOR or not task.children:
            continue
        first = task.children[0]
        assert first.key is not None
        others = len(task.children) - 1
        more = f" (and {others} more)" if others else ""
        message = (
            f"task `{display_name(task)}` runs `{operator_label(task)}` and cannot also have "
            f"subtasks such as `{first.name}`{more}; move the operator into a subtask of its own"
        )
        yield Problem(first.key.span, message, source=first.key.source)
