"""A `+task` is not a mapping.

## What it does
Flags a `+name:` key whose value is empty (null), a scalar such as a string, or a list with
something other than mappings in it.

## Why
Digdag compiles such a task with the error
`Parameter '+name' must be an object or array of objects`, so the workflow never starts. An
empty value usually means the body was forgotten or commented out; a string usually means the
operator key is missing (`+load: scripts/load.sh`).

## Example
```yaml
+prepare:
+load: scripts/load.sh
```

## Fix
Give the task a body (`+load: {sh>: scripts/load.sh}`), use `{}` for a task that deliberately
does nothing, or delete it.
"""

from __future__ import annotations

from collections.abc import Iterator

from diglang.diagnostics import Severity
from diglang.nodes import Task, Workflow
from diglang.rule import Context, Problem, rule
from diglang.rules.invalid_directive import describe
from diglang.rules.invalid_group_key import is_disabled
from diglang.values import Mapping, Scalar, Sequence


def _parsed_tasks(wf: Workflow) -> Iterator[Task]:
    """Tasks whose `+children` Digdag reads: all but those below a disabled task."""
    stack = [wf.task]
    while stack:
        task = stack.pop()
        yield task
        if not is_disabled(task):
            stack.extend(reversed((*task.children, *task.special_tasks)))


@rule("invalid-task", severity=Severity.ERROR)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report `+task` values that are not a mapping or a list of mappings."""
    for task in _parsed_tasks(wf):
        for child in task.children:
            if not isinstance(child.body, Mapping):  # a mapping body is always fine
                yield from _child_problems(child)


def _child_problems(child: Task) -> Iterator[Problem]:
    key = child.key
    body = child.body
    assert key is not None
    if isinstance(body, Scalar) and body.value is None:
        message = (
            f"task `{child.name}` is empty; give it a body such as `sh>: ...`, "
            "or `{}` for a task that does nothing"
        )
        yield Problem(key.span, message, source=key.source)
    elif isinstance(body, Scalar) and body.is_string and "\n" not in body.text.strip():
        message = (
            f"task `{child.name}` must be a mapping such as `sh>: {body.text.strip()}`, "
            "not a string"
        )
        yield Problem(body.span, message, source=body.source)
    elif isinstance(body, Scalar):
        message = f"task `{child.name}` must be a mapping of keys, not {describe(body)}"
        yield Problem(body.span, message, source=body.source)
    elif isinstance(body, Sequence):
        for item in body.items:
            if not isinstance(item, Mapping):
                message = (
                    f"task `{child.name}` is a list, so every item must be a mapping, "
                    f"not {describe(item)}"
                )
                yield Problem(item.span, message, source=item.source)
