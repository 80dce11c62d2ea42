"""An `_error` handler that can never run.

## What it does
Flags `_error` on a task that cannot fail — an empty group, or a task disabled with
`_disable: true` — and an `_error` whose body is empty. (Any operator task can fail: even
`echo>` fails when one of its `${...}` cannot be evaluated.)

## Why
`_error` tasks are the alerting of a workflow. One that can never run gives a false sense of
safety: the failure it was meant to report happens elsewhere and nobody is told.

## Example
```yaml
+load:
  _disable: true
  sh>: scripts/load.sh
  _error:
    sh>: scripts/alert.sh
```

## Fix
Move the `_error` to the task (or group) that can fail, usually its parent group, or to the top
level of the workflow to cover every task.
"""

from __future__ import annotations

from collections.abc import Iterator

from diglang.diagnostics import Severity
from diglang.nodes import Task, TaskKind, Workflow
from diglang.rule import Context, Problem, rule
from diglang.workflow import literal_bool


def _why_never(task: Task) -> str | None:
    """Why `task` can never fail, or None."""
    if literal_bool(task.disable) is True:
        return "the task is disabled with `_disable: true`"
    if task.kind is TaskKind.GROUP and not task.children and task.key is not None:
        return "the group has no tasks"
    return None


@rule("unreachable-error-handler", severity=Severity.WARNING)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report `_error` handlers no failure can reach."""
    for task in ctx.tasks(wf):
        handler = task.error
        if handler is None or handler.key is None:
            continue
        key = handler.key
        reason = _why_never(task)
        if reason is not None:
            yield Problem(
                key.span,
                f"this `_error` of `{task.name}` can never run: {reason}; "
                "move it to the task or group that can fail",
                source=key.source,
            )
        elif not handler.config.entries and handler.body is not None:
            yield Problem(
                key.span,
                f"the `_error` of `{task.name}` is empty; give it a task (e.g. `sh>` an alert) "
                "or remove it",
                source=key.source,
            )
