"""Print a workflow's task tree, the way `digdag` would compile it (for people)."""

from __future__ import annotations

from diglang.nodes import Task, TaskKind, Workflow
from diglang.values import Mapping, Scalar, Value


def _short(value: Value | None, limit: int = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, Scalar):
        text = value.text.replace("\n", "\\n")
    elif isinstance(value, Mapping):
        text = ", ".join(f"{e.key.text}: {_short(e.value, 24)}".rstrip() for e in value.entries)
    else:
        text = f"[{len(value.items)} items]"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(task: Task) -> str:
    parts = [task.name]
    op = task.operator
    if op is not None:
        parts.append(f"{op.name or '${…}'}> {_short(op.command)}".rstrip())
    flags = []
    if task.parallel is not None:
        limit = task.parallel.limit
        flags.append(f"parallel limit={limit}" if limit else "parallel")
    if task.background is not None:
        flags.append("background")
    if task.retry is not None:
        flags.append(f"retry {task.retry.limit}" if task.retry.limit is not None else "retry")
    if flags:
        parts.append("[" + ", ".join(flags) + "]")
    return "  ".join(parts)


def _lines(task: Task, prefix: str) -> list[str]:
    out: list[str] = []
    subs = [*task.children, *task.special_tasks]
    for i, child in enumerate(subs):
        last = i == len(subs) - 1
        out.append(prefix + ("└── " if last else "├── ") + _label(child))
        if child.kind is TaskKind.GROUP or child.special_tasks:
            out.extend(_lines(child, prefix + ("    " if last else "│   ")))
    return out


def render_tree(workflow: Workflow) -> str:
    """The task tree as text, one task per line."""
    head = [f"+{workflow.name}"]
    if workflow.timezone is not None:
        head.append(f"timezone {workflow.timezone.text}")
    if workflow.schedule is not None:
        head.append(f"schedule {_short(workflow.schedule)}")
    return "\n".join(["  ".join(head), *_lines(workflow.task, "")]) + "\n"
