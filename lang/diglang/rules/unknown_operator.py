"""A task uses an operator Digdag does not have.

## What it does
Checks every `name>:` key (and literal `_type:` values) against Digdag's 40 built-in operators
and the operators of the project's plugin schemas. Close misspellings get a suggestion. When the
workflow declares plugins (`_export: {plugin: {repositories: ..., dependencies: ...}}`),
unknown operators are reported as information only: the plugin may provide them.

## Why
Digdag only looks operators up when the task runs: `Unknown task type: shh` fails the attempt
after every task before it has already run.

## Example
```yaml
+extract:
  shh>: scripts/extract.sh
```

## Fix
Use the right operator name (`sh>`), or describe the plugin's operators in a schema folder
listed under `plugin-schemas` in the diglint config.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from diglang.diagnostics import Edit, Fix, Severity
from diglang.nodes import Task, Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.values import Mapping

PLUGIN_NOTE = "if a plugin provides it, describe it in a `plugin-schemas` folder"


def declares_plugins(wf: Workflow) -> bool:
    """True when some `_export` of the workflow has a `plugin` mapping."""
    for task in wf.walk_tasks():
        export = task.export
        if isinstance(export, Mapping) and isinstance(export.get("plugin"), Mapping):
            return True
    return False


@rule("unknown-operator", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report operator names that are neither built in nor described by a plugin schema."""
    known = sorted(ctx.operators)
    plugins = declares_plugins(wf)
    for task in ctx.tasks(wf):
        for op in task.operators:
            if op.name is None or op.name in ctx.operators:
                continue
            yield _problem(task, op.name, known, plugins)


def _problem(task: Task, name: str, known: list[str], plugins: bool) -> Problem:
    op = next(o for o in task.operators if o.name == name)
    typed = not op.key.text.endswith(">")
    shown = name if typed else f"{name}>"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if plugins:
        message = f"operator `{shown}` is not built into Digdag; {PLUGIN_NOTE}"
        return Problem(op.span, message, source=op.key.source, severity=Severity.INFO)
    message = f"unknown operator `{shown}`"
    fix = None
    if close:
        better = close[0] if typed else f"{close[0]}>"
        message += f"; did you mean `{better}`?"
        if op.key.style == "plain" and op.key.source.slice(op.span) == op.key.text:
            fix = Fix(f"replace with `{better}`", (Edit(op.span, better),), safe=False)
    else:
        message += f"; {PLUGIN_NOTE}"
    return Problem(op.span, message, fix, source=op.key.source)
