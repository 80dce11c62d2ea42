"""A `${...}` expression uses a variable that is not defined where the task runs.

## What it does
Resolves every identifier of every `${...}` against what Digdag makes visible to that task:
built-in variables (`session_date`, `task_name`...), `_export`s of the task and its
ancestors (including `!include`d files), what earlier tasks store (`td>` → `td.last_job_id`,
`pg>` → `pg.last_results`...), `for_each>`/`loop>`/`for_range>` variables in `_do`, `error`
in `_error` tasks, keys written earlier in the same task, variables exported by the workflows
that `call>` this one, and parameters declared in the config (`params = [...]`, for values
passed with `digdag run -p`). JavaScript globals (`Math`, `JSON`, `moment`...) are known.
When an earlier task may store names we cannot see (`py>`, `rb>`, plugins), nothing is
reported there.

## Why
Digdag fails the task at run time with `ReferenceError: x is not defined` — often in the
nightly run, long after the typo was pushed.

## Example
```yaml
_export:
  target_table: items
+load:
  echo>: ${target_tabel}
```

## Fix
Fix the name (the message suggests the closest visible one), define it in an `_export`, or,
if it is passed with `-p`, declare it in `[tool.diglint] params`. For optional values, guard
with `typeof`: `${typeof x == 'undefined' ? 'default' : x}`.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Iterator

from diglang.diagnostics import Edit, Fix, Severity
from diglang.expr.nodes import Identifier, Unary, walk
from diglang.expr.scope import JS_GLOBALS
from diglang.nodes import Task, Workflow
from diglang.rule import INCLUDE_PROBLEMS, Context, Fixable, Problem, rule
from diglang.schemas import builtin_variables
from diglang.scope import Analyzer, Origin, Scope, earlier_keys
from diglang.values import Scalar, Template, TemplateExpr, Value, walk_templates


def base_scope(wf: Workflow, ctx: Context) -> Scope:
    """Built-ins, JavaScript globals and configured `-p` parameters."""
    scope = Scope()
    scheduled = wf.schedule is not None
    for var in builtin_variables():
        if var.scope is not None or (var.requires == "schedule" and not scheduled):
            continue
        scope.add(var.name, Origin("builtin", var.description))
    for name in JS_GLOBALS:
        scope.add(name, Origin("builtin", "a JavaScript global"))
    for name in ctx.config.params:
        scope.add(name, Origin("config", "declared in the diglint config"))
    return scope


def analyzer_for(ctx: Context) -> Analyzer:
    """An analyzer primed with the operators' stores and loop variables from `schemas/`."""
    stores: dict[str, tuple[str, ...]] = {}
    exports: dict[str, tuple[str, ...]] = {}
    opaque: set[str] = set()
    for name, spec in ctx.operators.items():
        roots = [s.name.split(".")[0] for s in spec.stores]
        if "*" in roots:
            opaque.add(name)  # stores names chosen at run time (scripts)
        stores[name] = tuple(r for r in roots if r != "*")
        exports[name] = tuple(
            e.name.split(".")[0] for e in spec.exports_to_children if e.name.split(".")[0] != "*"
        )
    return Analyzer(stores, exports, frozenset(ctx.operators) - opaque)


@rule("undefined-variable", severity=Severity.WARNING, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report identifiers no definition reaches."""
    # missing-param asks too (whether the workflow reads names from elsewhere)
    return iter(ctx.cached(("undefined-variable", wf), lambda: list(_problems(wf, ctx))))


def _problems(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    if ctx.fragment or any(d.rule in INCLUDE_PROBLEMS for d in ctx.document.diagnostics):
        return  # a fragment's scope is its includer's; a failed include hides definitions
    analyzer = analyzer_for(ctx)
    analyzer.run(wf, entry_scope(wf, ctx, ctx.path))
    for task in ctx.tasks(wf):
        scope = analyzer.scope_of(task)
        if scope.open:
            continue
        for entry in task.local_entries():
            if entry.key.value == "_export":
                continue  # evaluated in each consuming task's scope, not here
            value = entry.value
            if isinstance(value, Template):
                yield from _check_template(task, value, scope)
            elif not isinstance(value, Scalar):
                for template in walk_templates(value):
                    yield from _check_template(task, template, scope)


MAX_CALL_DEPTH = 4


def entry_scope(wf: Workflow, ctx: Context, path: str | None, depth: int = 0) -> Scope:
    """What every task of `wf` (the file `path`) sees before any `_export`: built-ins,
    JavaScript globals, configured params and what the workflows that `call>` it pass down."""
    base = base_scope(wf, ctx)
    if ctx.project is not None and path is not None:
        callers = caller_scope(ctx, path, depth)
        if callers is not None:
            base.merge(callers)
    return base


def caller_scope(ctx: Context, path: str, depth: int) -> Scope | None:
    """What the `call>` tasks calling `path` see (merged); None when nothing calls it."""
    project = ctx.project
    assert project is not None
    callers = project.callers(path)
    if not callers:
        return None
    merged = Scope(open=depth >= MAX_CALL_DEPTH)
    if any(os.path.dirname(c) != os.path.dirname(os.path.abspath(path)) for c, _ in callers):
        merged.add("_workdir", Origin("builtin", "set by `call>` for a workflow in another folder"))
    for caller_path, task in callers:
        wf = project.document(caller_path).workflow
        if wf is None or depth >= MAX_CALL_DEPTH:
            merged.open = True
            continue
        analyzer = analyzer_for(ctx)
        analyzer.run(wf, entry_scope(wf, ctx, caller_path, depth + 1))
        merged.merge(analyzer.scope_of(task))
    return merged


def _check_template(task: Task, template: Template, scope: Scope) -> Iterator[Problem]:
    names = scope.names
    local: dict[str, Value] | None = None  # computed when some name is not in scope
    for expr in template.exprs:
        guarded: set[str] | None = None
        for ident in expr.free_variables():
            name = ident.name
            if name in names:
                continue
            if local is None:
                local = dict(earlier_keys(task, template))
            if guarded is None:
                guarded = _typeof_guarded(expr)
            if name in local or name in guarded:
                continue
            if name in _schedule_only():
                yield Problem(
                    ident.span,
                    f"`{name}` is only defined when the workflow has a `schedule:`; add one, or "
                    f"guard it: `typeof {name} == 'undefined'`",
                    source=template.source,
                )
                continue
            yield _problem(ident, expr, [*names, *local], template)


@functools.cache
def _schedule_only() -> frozenset[str]:
    return frozenset(v.name for v in builtin_variables() if v.requires == "schedule")


def _typeof_guarded(expr: TemplateExpr) -> set[str]:
    node = expr.result.node
    if node is None:
        return set()
    return {
        n.operand.name
        for n in walk(node)
        if isinstance(n, Unary) and n.op == "typeof" and isinstance(n.operand, Identifier)
    }


def _problem(
    ident: Identifier, expr: TemplateExpr, visible: list[str], template: Template
) -> Problem:
    candidates = [n for n in visible if n.isidentifier() and n not in JS_GLOBALS]
    close = difflib.get_close_matches(ident.name, candidates, n=1, cutoff=0.75)
    message = f"`{ident.name}` is not defined here"
    fix = None
    if close:
        message += f"; did you mean `{close[0]}`?"
        if expr.exact:
            fix = Fix(f"replace with `{close[0]}`", (Edit(ident.span, close[0]),), safe=False)
    else:
        message += "; define it in an `_export` or declare `-p` params in the diglint config"
    return Problem(ident.span, message, fix, source=template.source)
