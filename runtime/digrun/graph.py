"""`digrun graph WORKFLOW`: the static task graph, as Graphviz DOT or a Mermaid flowchart.

The graph is the compiled workflow (what `digrun run` would start with, before any task
generates `^sub` children): every group is a cluster (DOT) or a subgraph (Mermaid) labelled
with its name, every operator task a node labelled `name` and `op>: command` (commands
longer than 40 characters are cut), and every dependency between siblings an edge from the
upstream to the downstream (to or from a whole group when the sibling is a group, as
Digdag's `visualize` draws it). Parallel groups (`_parallel: true` or `{limit: N}`) are
labelled `(parallel)` / `(parallel, limit N)` and drawn dashed, `_background` tasks are
visible as tasks whose next sibling waits for them too, and an empty group (or a
`_disable`d task) is a node of its own. `_error` and `_check` tasks are not drawn.

    digrun graph wf | dot -Tsvg > wf.svg
    digrun graph wf --format mermaid
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from digrun.compile import TaskDef

JSON = Any
MAX_COMMAND = 40


def operator_of(config: dict[str, JSON]) -> tuple[str, JSON] | None:
    """(operator name, command) of an operator task's config."""
    if isinstance(config.get("_type"), str):
        return str(config["_type"]), config.get("_command")
    for key, value in config.items():
        if isinstance(key, str) and key.endswith(">"):
            return key[:-1], value
    return None


def command_text(command: JSON, limit: int | None = None) -> str:
    """A command on one line (JSON for anything but a one-line string)."""
    if isinstance(command, str) and "\n" not in command:
        text = command
    else:
        text = json.dumps(command, ensure_ascii=False, separators=(", ", ": "), default=str)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def parallel_label(config: dict[str, JSON]) -> str:
    """`` / ` (parallel)` / ` (parallel, limit 2)`."""
    value = config.get("_parallel")
    if isinstance(value, dict):
        return f" (parallel, limit {value.get('limit')})"
    if value is True or (isinstance(value, str) and value.lower() == "true"):
        return " (parallel)"
    return ""


def _numbered(root: TaskDef) -> list[tuple[int, str, TaskDef, int | None]]:
    """(id, full name, task, parent id) in pre-order."""
    found: list[tuple[int, str, TaskDef, int | None]] = []

    def visit(task: TaskDef, full: str, parent: int | None) -> None:
        me = len(found)
        found.append((me, full, task, parent))
        for child in task.children:
            visit(child, full + child.name, me)

    visit(root, root.name, None)
    return found


class _Graph:
    def __init__(self, root: TaskDef) -> None:
        self.rows = _numbered(root)
        self.ids = {id(task): number for number, _, task, _ in self.rows}

    def id(self, task: TaskDef) -> int:
        return self.ids[id(task)]

    def first_leaf(self, task: TaskDef) -> TaskDef:
        while task.children:
            task = task.children[0]
        return task

    def label(self, task: TaskDef) -> str:
        if task.children:
            return task.name + parallel_label(task.config)
        found = operator_of(task.config) if task.operator else None
        if found is None:
            return task.name
        return f"{task.name}\n{found[0]}>: {command_text(found[1], MAX_COMMAND)}"

    def edges(self, group: TaskDef) -> Iterator[tuple[TaskDef, TaskDef]]:
        for child in group.children:
            for index in child.upstreams:
                yield group.children[index], child


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(root: TaskDef, name: str) -> str:
    """The workflow as a Graphviz digraph."""
    graph = _Graph(root)
    out = [f"digraph {_dot_string(name)} {{", "  compound=true;", "  node [shape=box];"]

    def emit(task: TaskDef, depth: int) -> None:
        pad = "  " * depth
        number = graph.id(task)
        if not task.children:
            shape = "" if task.operator else ", style=dashed"
            out.append(f"{pad}t{number} [label={_dot_string(graph.label(task))}{shape}];")
            return
        out.append(f"{pad}subgraph cluster_{number} {{")
        out.append(f"{pad}  label={_dot_string(graph.label(task))};")
        if parallel_label(task.config):
            out.append(f"{pad}  style=dashed;")
        for child in task.children:
            emit(child, depth + 1)
        for up, down in graph.edges(task):
            attrs = []
            source = graph.first_leaf(up)
            target = graph.first_leaf(down)
            if up.children:
                attrs.append(f"ltail=cluster_{graph.id(up)}")
            if down.children:
                attrs.append(f"lhead=cluster_{graph.id(down)}")
            suffix = f" [{', '.join(attrs)}]" if attrs else ""
            out.append(f"{pad}  t{graph.id(source)} -> t{graph.id(target)}{suffix};")
        out.append(f"{pad}}}")

    emit(root, 1)
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_string(text: str) -> str:
    escaped = text.replace('"', "#quot;").replace("\n", "<br/>")
    return f'"{escaped}"'


def to_mermaid(root: TaskDef) -> str:
    """The workflow as a Mermaid flowchart."""
    graph = _Graph(root)
    out = ["flowchart TD"]

    def emit(task: TaskDef, depth: int) -> None:
        pad = "  " * depth
        number = graph.id(task)
        if not task.children:
            label = _mermaid_string(graph.label(task))
            out.append(f"{pad}t{number}[{label}]" if task.operator else f"{pad}t{number}({label})")
            return
        out.append(f"{pad}subgraph t{number}[{_mermaid_string(graph.label(task))}]")
        if len(task.children) > 1:
            out.append(f"{pad}  direction TB")
        for child in task.children:
            emit(child, depth + 1)
        out.append(f"{pad}end")
        if parallel_label(task.config):
            out.append(f"{pad}style t{number} stroke-dasharray: 5 5")

    emit(root, 1)
    for _, _, task, _ in graph.rows:
        for up, down in graph.edges(task):
            out.append(f"  t{graph.id(up)} --> t{graph.id(down)}")
    return "\n".join(out) + "\n"
