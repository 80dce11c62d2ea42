"""An operator task has a `_key` that looks like a misspelled directive.

## What it does
Flags `_`-keys of operator tasks that are not directives but are one typo away from one
(`_retyr` → `_retry`, `_paralel` → `_parallel`, `_exprot` → `_export`), with a quick fix.
Other `_`-keys are left alone, since a task may pass any parameter to its operator; so is a key
that some `${...}` of the workflow reads.

## Why
On an operator task Digdag treats an unknown key as a parameter and, when the operator does not
read it, only logs `Parameter '_retyr' is not used at task +wf+t.`: the directive silently does
nothing, so the task is never retried, its error handler never runs, and so on.

## Example
```yaml
+load:
  td>: queries/load.sql
  _retyr: 3
```

## Fix
Spell the directive correctly (`_retry: 3`).
"""

from __future__ import annotations

from collections.abc import Iterator

from diglang.diagnostics import Severity
from diglang.nodes import TaskKind, Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.rules.invalid_directive import COMMAND_EXECUTORS, DO_OPERATORS
from diglang.rules.invalid_group_key import compiled_tasks, display_name
from diglang.rules.unknown_top_level_key import rename_fix, suggest

DIRECTIVES = (
    "_export",
    "_parallel",
    "_background",
    "_after",
    "_retry",
    "_error",
    "_check",
    "_do",
    "_else_do",
    "_type",
    "_command",
    "_env",
    "_secrets",
    "_workdir",
    "_disable",
)


def _candidates(op: str | None, unknown: bool) -> list[str]:
    """Directives a typo may stand for: short ones only where the operator reads them."""
    found = [d for d in DIRECTIVES if d not in ("_do", "_else_do", "_env")]
    if unknown or op in DO_OPERATORS:
        found.append("_do")
    if unknown or op == "if":
        found.append("_else_do")
    if unknown or op in COMMAND_EXECUTORS:
        found.append("_env")
    return found


def read_variables(wf: Workflow) -> set[str]:
    """Names that some `${...}` of the workflow reads."""
    names: set[str] = set()
    for _, template in wf.walk_templates():
        for expr in template.exprs:
            names.update(ident.name for ident in expr.free_variables())
    return names


@rule("unknown-directive", severity=Severity.WARNING, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report `_`-keys of operator tasks that are misspelled directives."""
    used: set[str] | None = None
    for task, _ in compiled_tasks(wf, ctx):
        if task.kind is not TaskKind.OPERATOR or not task.directives:
            continue
        op = task.operator.name if task.operator is not None else None
        spec = ctx.operators.get(op) if op is not None else None
        for entry in task.directives:
            name = entry.key.text
            if name in DIRECTIVES or (spec is not None and name in spec.params):
                continue
            close = suggest(name, _candidates(op, spec is None))
            if len(close) != 1:
                continue
            used = read_variables(wf) if used is None else used
            if name in used:
                continue
            message = (
                f"`{name}` is not a directive, so it only becomes a parameter of "
                f"`{display_name(task)}`; did you mean `{close[0]}`?"
            )
            fix = rename_fix(entry.key, close[0], set(task.config.keys()), safe=False)
            yield Problem(entry.key.span, message, fix, source=entry.key.source)
