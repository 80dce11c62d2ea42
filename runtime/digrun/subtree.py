"""`digrun run wf +task`: run one task's subtree only (Digdag's `SubtreeExtract`).

The pattern is matched against the full names of the workflow's static tasks (the root
included) by suffix, as Digdag's `TaskMatchPattern` does: `+step2`, `+group+step2` or
`step2` all find `+wf+group+step2`. It must match exactly one task:
`Task pattern '+x' doesn't match with any tasks.`, `Task pattern '+x' is ambiguous.
Matching candidates are [+wf+a+x, +wf+b+x]`; a pattern with a one-character fragment is
rejected (`Match patterns excepting direct child (+name+name) is not supported: x`).

The extracted workflow is the root (with its own config: `_export`, `_error`...) and the
target task directly under it, with its whole subtree. The target loses its upstream
dependencies and the `_export`s (and every other directive) of the groups between the root
and it; full names are unchanged (`+wf+group+step2` stays `+wf+group+step2`). Matching the
root runs the whole workflow.
"""

from __future__ import annotations

import re

from digrun.compile import TaskDef

# Digdag's delimiter: before any non-word character that is not allowed in task names.
_DELIMITER = re.compile(r"(?![-=\[\]{}%&@,._])(?=\W)")


class PatternError(Exception):
    """The task pattern is invalid, matches nothing, or matches several tasks."""


def fragments(pattern: str) -> list[str]:
    """`+a+b` -> [`+a`, `+b`] (Java's `split`: no leading or trailing empty fragment)."""
    parts = _DELIMITER.split(pattern)
    if parts and parts[0] == "" and pattern:
        parts = parts[1:]
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def check_pattern(pattern: str) -> None:
    """Digdag's syntax checks of a task pattern."""
    parts = fragments(pattern)
    if not parts:
        raise PatternError(f"Task match pattern is invalid: {pattern}")
    if any(len(part) == 1 for part in parts):
        raise PatternError(
            f"Match patterns excepting direct child (+name+name) is not supported: {pattern}"
        )


def static_tasks(root: TaskDef) -> list[tuple[str, TaskDef]]:
    """(full name, task) of every static task, in pre-order (Digdag's task indexes)."""
    found: list[tuple[str, TaskDef]] = []

    def visit(task: TaskDef, full: str) -> None:
        found.append((full, task))
        for child in task.children:
            visit(child, full + child.name)

    visit(root, root.name)
    return found


def find_task(root: TaskDef, pattern: str) -> tuple[str, TaskDef]:
    """The one static task whose full name ends with `pattern`."""
    check_pattern(pattern)
    matches = [(full, task) for full, task in static_tasks(root) if full.endswith(pattern)]
    if not matches:
        raise PatternError(f"Task pattern '{pattern}' doesn't match with any tasks.")
    if len(matches) > 1:
        names = ", ".join(full for full, _ in matches)
        raise PatternError(
            f"Task pattern '{pattern}' is ambiguous. Matching candidates are [{names}]"
        )
    return matches[0]


def extract(root: TaskDef, pattern: str) -> TaskDef:
    """The workflow `root` reduced to the root and the subtree of the task `pattern` names."""
    full, target = find_task(root, pattern)
    if target is root:
        return root
    relative = full[len(root.name) :]  # `+group+step2`: keeps the full names unchanged
    moved = TaskDef(relative, target.config, target.operator, target.children, [])
    return TaskDef(root.name, root.config, root.operator, [moved], [])
