"""A group (a task without an operator) has a key Digdag rejects.

## What it does
Checks the keys of every grouping task: besides `+subtasks`, Digdag accepts only `_export`,
`_parallel`, `_background`, `_after`, `_retry`, `_error`, `_check`, `_disable`, `_secrets`,
`timezone`, `schedule` and `sla`. Misspelled directives get a suggestion with a quick fix;
parameters get a hint to move them under `_export:`; an operator written without its `>`
(`sh: ...`) is pointed out. Tasks disabled with `_disable: true` are not compiled and not checked.

## Why
Digdag compiles the workflow with the error
`+wf+group contains invalid keys: 'parallel' (did you mean [_parallel]?)` and nothing runs.
Inside `_do`, `_check` or `_error` the same check fails the task when it runs.

## Example
```yaml
+prepare:
  parallel: true
  target: users
  +a:
    sh>: scripts/a.sh
```

## Fix
Spell the directive with its underscore (`_parallel`), move parameters under `_export:`, and
give operator keys their `>`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from diglang.diagnostics import Severity
from diglang.nodes import GROUP_KEYS, Task, TaskKind, Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.rules.unknown_top_level_key import rename_fix, suggest
from diglang.values import Entry, Scalar
from diglang.workflow import literal_bool

_HINTS = {
    "_env": "put `_env` on the operator tasks that need it (it is not inherited)",
    "_workdir": "move it under `_export:`",
    "_command": "a command needs an operator: add `_type:` or write `name>:` instead",
    "_do": "`_do` only works on `if>`, `loop>`, `for_each>`, `for_range>` and `td_for_each>`",
    "_else_do": "`_else_do` only works on `if>`",
}


def is_disabled(task: Task) -> bool:
    """True when `_disable` is literally true: Digdag then compiles an empty group instead."""
    value = task.disable
    if literal_bool(value) is True:
        return True
    return isinstance(value, Scalar) and type(value.value) is int and value.value != 0


def compiled_tasks(wf: Workflow, ctx: Context) -> Iterator[tuple[Task, Task | None]]:
    """(task, parent group) for every task Digdag compiles, in document order.

    Disabled subtrees are skipped. The parent is None for roots of their own compilation (the
    workflow, `_error`/`_check`/`_do` bodies) and for the top-level keys of an included
    fragment, whose real parent is only known in the including file.
    """
    return iter(ctx.cached(("compiled_tasks", wf), lambda: list(_compiled_tasks(wf, ctx))))


def _compiled_tasks(wf: Workflow, ctx: Context) -> Iterator[tuple[Task, Task | None]]:
    stack: list[tuple[Task, Task | None]] = [(wf.task, None)]
    while stack:
        task, parent = stack.pop()
        if is_disabled(task):
            continue
        fragment_root = ctx.fragment and task is wf.task
        if not fragment_root:
            yield task, parent
        pairs = [(child, None if fragment_root else task) for child in task.children]
        pairs += [(special, None) for special in task.special_tasks]
        stack.extend(reversed(pairs))


def display_name(task: Task) -> str:
    """`+name` for ordinary tasks, the full name for `_error`/`_check`/`_do` bodies."""
    return task.name if task.name.startswith("+") else task.full_name


@rule("invalid-group-key", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report keys of grouping tasks that Digdag's compiler rejects."""
    for task, _ in compiled_tasks(wf, ctx):
        if task is wf.task or task.kind is not TaskKind.GROUP:
            continue
        taken = set(task.config.keys())
        for entry in task.config.entries:
            key = entry.key.value
            if isinstance(key, str) and (key.startswith("+") or key in GROUP_KEYS):
                continue
            yield _problem(task, entry, taken, ctx)


def _problem(task: Task, entry: Entry, taken: Collection[object], ctx: Context) -> Problem:
    key = entry.key
    name = key.text
    head = f"group `{display_name(task)}` does not accept `{name}`"
    close = suggest(name, sorted(GROUP_KEYS))
    if name in _HINTS:
        return Problem(key.span, f"{head}; {_HINTS[name]}", source=key.source)
    if len(close) == 1:
        fix = rename_fix(key, close[0], taken, safe=True)
        return Problem(key.span, f"{head}; did you mean `{close[0]}`?", fix, source=key.source)
    if name in ctx.operators:
        fix = rename_fix(key, name + ">", taken, safe=False)
        message = f"{head}; did you mean the operator `{name}>`?"
        return Problem(key.span, message, fix, source=key.source)
    if name.startswith("_"):
        return Problem(key.span, f"{head}; it is not a directive groups accept", source=key.source)
    message = f"{head}; a group has no parameters: move `{name}` under `_export:`"
    return Problem(key.span, message, source=key.source)
