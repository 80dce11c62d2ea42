"""A task has more than one operator.

## What it does
Flags a task with two or more `name>:` keys (or a `name>:` key next to `_type`).

## Why
Digdag compiles such a task with the error `A task can't have more than one operator`, so the
workflow never starts. It usually means two tasks were merged by a bad indent.

## Example
```yaml
+load:
  sh>: scripts/extract.sh
  td>: queries/load.sql
```

## Fix
Split the task into two sibling tasks, one operator each.
"""

from __future__ import annotations

from collections.abc import Iterator

from diglang.diagnostics import Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Problem, rule


@rule("multiple-operators", severity=Severity.ERROR)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report every operator after the first one of a task."""
    for task in ctx.tasks(wf):
        if len(task.operators) < 2:
            continue
        first = task.operators[0]
        typed = task.type is not None
        for extra in task.operators[1:]:
            if typed:
                message = (
                    f"task `{task.name}` has both `_type` and `{extra.name}>`; "
                    "keep only one of them"
                )
            else:
                message = (
                    f"task `{task.name}` already runs `{first.name}>`; "
                    f"move `{extra.name}>` into a task of its own"
                )
            yield Problem(extra.span, message, source=extra.key.source)
