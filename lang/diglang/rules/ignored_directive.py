"""A directive is accepted but silently has no effect where it is written.

## What it does
Flags directives that Digdag accepts without an error but ignores:
- `_check` on a group or at the top level: only operator tasks run their `_check`;
- `timezone`, `schedule` and `sla` on a group below the top level: they only work at the top
  level of a workflow;
- `_secrets` written directly on a group (it only reaches the tasks inside through `_export`);
- `_env` inside `_export`: only a task's own `_env` sets environment variables;
- `_retry` on a group when its value is not a literal number or `{limit: N, ...}` (a group's
  `_retry` is never evaluated, so `${...}` or a typo makes Digdag skip it with only a log line);
- unknown options inside `_retry` (`{limit: 3, intervals: 10}`);
- `_retry` on `echo>`, `fail>`, `wait>`, `notify>` and `s3_wait>`, which never retry themselves;
- `_parallel` on an operator that creates no subtasks, such as `sh>`.

## Why
The workflow runs, but not the way it reads: a check that never runs, a retry that never
happens, environment variables that are never set.

## Example
```yaml
+load:
  _check:
    td>: queries/verify.sql
  +step:
    fail>: flaky
    _retry: 3
```

## Fix
Move the directive where it works: `_check` onto the operator task it verifies, `_retry` onto
an enclosing group, `_env` onto the task itself, `_secrets` under `_export:`, `schedule` to the
top level.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from diglang.diagnostics import Severity
from diglang.nodes import Task, TaskKind, Workflow
from diglang.rule import Context, Problem, rule
from diglang.rules.invalid_directive import retry_problems
from diglang.rules.invalid_group_key import compiled_tasks, display_name
from diglang.rules.operator_with_subtasks import operator_label
from diglang.rules.unknown_top_level_key import suggest
from diglang.source import Span
from diglang.values import Mapping

RETRY_OPTIONS = ("limit", "interval", "interval_type", "max_interval")
TOP_LEVEL_ONLY = ("timezone", "schedule", "sla")


def _on_key(task: Task, key: str, message: str) -> Problem:
    """A problem on `key`; on the `!include` that brought it in, when it comes from one.

    An included file is often a workflow of its own, where the key is right: what is wrong
    is including it here.
    """
    entry = task.config.entry(key)
    assert entry is not None
    site = entry.include
    if site is None:
        return Problem(entry.key.span, message, source=entry.key.source)
    name = os.path.basename(entry.key.source.path or "")
    text = site.source.text
    start = text.rfind("!include", 0, site.span.end + 1)
    end = text.find("\n", site.span.end)
    span = Span(start, len(text) if end < 0 else end) if start >= 0 else site.span
    return Problem(span, f"{message} (it comes from `{name}`)", source=site.source)


@rule("ignored-directive", severity=Severity.WARNING)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report directives that have no effect where they are written."""
    for task, _ in compiled_tasks(wf, ctx):
        if task.kind is TaskKind.OPERATOR and not task.directives:
            continue  # what is checked on operator tasks are `_` keys
        if task.kind is TaskKind.GROUP:
            yield from _group(task, task is wf.task)
        else:
            yield from _operator(task, ctx)
        yield from _retry_options(task)
        if isinstance(task.export, Mapping) and "_env" in task.export:
            entry = task.export.entry("_env")
            assert entry is not None
            message = (
                "`_env` under `_export` is not inherited: only a task's own `_env` sets "
                "environment variables; set `_env` on the tasks themselves"
            )
            yield Problem(entry.key.span, message, source=entry.key.source)


def _group(task: Task, root: bool) -> Iterator[Problem]:
    where = "the top level" if root else f"group `{display_name(task)}`"
    if "_check" in task.config:
        message = (
            f"`_check` on {where} never runs: only operator tasks run their `_check`; "
            "put it on the task it verifies, or make the check a last task of its own"
        )
        yield _on_key(task, "_check", message)
    if not root:
        for key in TOP_LEVEL_ONLY:
            if key in task.config:
                message = f"`{key}` only works at the top level of a workflow; here it is ignored"
                yield _on_key(task, key, message)
    if task.secrets is not None:
        message = (
            f"`_secrets` on {where} has no effect; "
            "put it under `_export:` to apply it to the tasks inside"
        )
        yield _on_key(task, "_secrets", message)
    note = "; Digdag ignores it on a group" if not root else "; Digdag ignores it"
    yield from retry_problems(task, evaluated=False, note=note)


def _operator(task: Task, ctx: Context) -> Iterator[Problem]:
    op = task.operator.name if task.operator is not None else None
    spec = ctx.operators.get(op) if op is not None else None
    if spec is None:
        return
    label = operator_label(task)
    if task.retry is not None and not spec.supports_retry:
        if not spec.generates_subtasks and task.check is None:
            message = (
                f"`{label}` never retries, so `_retry` has no effect here; "
                "put the task in a group with `_retry` to run it again"
            )
            yield _on_key(task, "_retry", message)
        else:
            yield from retry_problems(task, evaluated=False, note="; Digdag ignores it")
    if task.parallel is not None and not spec.generates_subtasks:
        message = (
            f"`_parallel` has no effect on `{label}`: it makes the subtasks of a group run "
            "in parallel; set it on the parent group"
        )
        yield _on_key(task, "_parallel", message)


def _retry_options(task: Task) -> Iterator[Problem]:
    retry = task.retry
    if retry is None or not isinstance(retry.node, Mapping):
        return
    for entry in retry.node.entries:
        name = entry.key.text
        if name in RETRY_OPTIONS:
            continue
        close = suggest(name, RETRY_OPTIONS)
        hint = (
            f"did you mean `{close[0]}`?"
            if len(close) == 1
            else "options are " + ", ".join(f"`{o}`" for o in RETRY_OPTIONS)
        )
        message = f"`_retry` has no option `{name}`, so it is ignored; {hint}"
        yield Problem(entry.key.span, message, source=entry.key.source)
