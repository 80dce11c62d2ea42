"""Compile a task config into Digdag's task tree: groups, operator tasks, dependencies.

This is Digdag's `WorkflowCompiler`: every `+name` key of a group is a child (a mapping, or a
list of mappings merged in order); a config with `_type` or a `name>` key is an operator task;
children of a sequential group depend on the previous sibling (`_background` children on
nothing, the next sibling waits for them too); children of a `_parallel: true` group depend on
nothing but their `_after` siblings; with `_parallel: {limit: N}` children are chunked and each
chunk waits for the whole previous one. `_disable: true` makes an empty group. Compile errors
carry Digdag's messages and abort before anything runs.

Configs are plain data (`dict` keeps key order). The same compiler builds the workflow's tree
and every generated subtree (`^sub`, `^error`, `^check`) at run time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

JSON = Any

# Keys a grouping task may have (WorkflowCompiler.GROUPING_TASK_CONFIG_KEYS).
GROUP_KEYS = frozenset(
    {
        "_export", "_parallel", "_background", "_after", "_retry", "_error", "_check",
        "_disable", "_secrets", "timezone", "schedule", "sla",
    }
)  # fmt: skip
_NAME_CHAR = re.compile(r"[A-Za-z0-9_\-=\[\]{}%&@,.^]")


class CompileError(Exception):
    """The workflow (or a generated subtree) cannot be compiled; nothing runs."""


@dataclass
class TaskDef:
    """One compiled task: its name, its own config (no `+children`) and its children.

    `upstreams` are indexes of earlier siblings this task waits for.
    """

    name: str
    config: dict[str, JSON]
    operator: bool
    children: list[TaskDef] = field(default_factory=list)
    upstreams: list[int] = field(default_factory=list)

    def count(self) -> int:
        """This task and every task below it."""
        return 1 + sum(child.count() for child in self.children)


def compile_task(name: str, config: JSON, full_name: str | None = None) -> TaskDef:
    """Compile the task `name` (full name `full_name`, for messages) from `config`."""
    full = full_name or name
    body = task_body(name, config)
    if as_bool(body.get("_disable"), "_disable", default=False):
        return TaskDef(name, {}, False)
    children = [(k, v) for k, v in body.items() if isinstance(k, str) and k.startswith("+")]
    own = {k: v for k, v in body.items() if not (isinstance(k, str) and k.startswith("+"))}
    operators = [k for k in own if isinstance(k, str) and k.endswith(">")]
    is_operator = "_type" in own or bool(operators)
    if len(operators) > 1:
        raise CompileError(f"A task can't have more than one operator: {_json(body)}")
    if is_operator and children:
        raise CompileError(f"A task can't have subtasks: {_json(body)}")
    if not is_operator:
        invalid = [k for k in own if k not in GROUP_KEYS]
        if invalid:
            shown = ", ".join(f"'{k}'" for k in invalid)
            raise CompileError(f"{full} contains invalid keys: {shown}")
    for key in ("_error", "_check"):
        if key in own and own[key] is not None:
            # validated eagerly, as Digdag does for `_error` (and our `_check` too)
            compile_task("^" + key[1:], own[key], full + "^" + key[1:])
    task = TaskDef(name, own, is_operator)
    if children:
        parallel, limit = parallel_of(own.get("_parallel"), compile_time=True)
        for child_name, child_config in children:
            check_task_name(child_name, full)
            task.children.append(compile_task(child_name, child_config, full + child_name))
        _dependencies(task, [v for _, v in children], parallel, limit, full)
    return task


def task_body(name: str, config: JSON) -> dict[str, JSON]:
    """A task's config: a mapping, or a list of mappings merged in order."""
    if isinstance(config, dict):
        return config
    if isinstance(config, list) and config and all(isinstance(c, dict) for c in config):
        merged: dict[str, JSON] = {}
        for part in config:
            merged.update(part)
        return merged
    raise CompileError(f"Parameter '{name}' must be an object or array of objects")


def _dependencies(
    task: TaskDef, configs: list[JSON], parallel: bool, limit: int | None, full: str
) -> None:
    children = task.children
    names = [c.name for c in children]
    if not parallel:
        pending: list[int] = []  # the last foreground sibling and the background ones since
        for i, (child, config) in enumerate(zip(children, configs, strict=True)):
            body = task_body(child.name, config)
            if "_after" in body:
                raise CompileError(
                    'Setting "_after" option is invalid if its parent task doesn\'t have '
                    '"_parallel: true" option'
                )
            if as_bool(body.get("_background"), "_background", default=False):
                pending.append(i)
                continue
            child.upstreams = list(pending)
            pending = [i]
        return
    for i, (child, config) in enumerate(zip(children, configs, strict=True)):
        body = task_body(child.name, config)
        if as_bool(body.get("_background"), "_background", default=False):
            raise CompileError(
                'Setting "_background: true" option is invalid (unnecessary) if its parent '
                'task has "_parallel: true" option'
            )
        if limit is not None:
            chunk = i // limit
            child.upstreams = list(range((chunk - 1) * limit, chunk * limit)) if chunk else []
        after = body.get("_after")
        if after is not None:
            if not isinstance(after, list):
                raise CompileError(f"Expected array type for key '_after' but got {_json(after)}")
            for target in after:
                if target not in names[:i]:
                    raise CompileError(f"Dependency task '{target}' does not exist")
                j = names.index(target)
                if j not in child.upstreams:
                    child.upstreams.append(j)
            child.upstreams.sort()


def parallel_of(value: JSON, *, compile_time: bool) -> tuple[bool, int | None]:
    """`_parallel`: (parallel, limit). At compile time a `${...}` string is an error."""
    if value is None:
        return False, None
    if isinstance(value, dict):
        limit = value.get("limit")
        if limit is None:
            raise CompileError("Parameter 'limit' is required but not set")
        number = as_int(limit, "limit")
        if number < 1:
            raise CompileError(f"Invalid _parallel format: {_json(value)}")
        return True, number
    if isinstance(value, bool | str):
        return as_bool(value, "_parallel", default=False), None
    raise CompileError(f"Invalid _parallel format: {_json(value)}")


def as_bool(value: JSON, key: str, *, default: bool) -> bool:
    """A boolean option: true/false, or the strings "true"/"false"."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    kind = "string" if isinstance(value, str) else type(value).__name__
    raise CompileError(
        f"Expected 'true' or 'false' for key '{key}' but got {_json(value)} ({kind})"
    )


def as_int(value: JSON, key: str) -> int:
    """An integer option: an int, or a numeric string."""
    if isinstance(value, bool):
        raise CompileError(f"Expected integer for key '{key}' but got {_json(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        return int(value)
    raise CompileError(f"Expected integer for key '{key}' but got {_json(value)}")


def check_task_name(name: str, parent: str) -> None:
    """Digdag's task-name rules (§4.2)."""
    if not name or len(name) > 255:
        raise CompileError(f"{parent} task name must be 1 to 255 characters: {_json(name)}")
    for char in name[1:]:
        if not _NAME_CHAR.fullmatch(char):
            raise CompileError(
                f"{parent} task name must not contain character '{char}': {_json(name)}"
            )


def _json(value: JSON) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
