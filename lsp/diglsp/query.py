"""Questions features ask about a snapshot: which task, template or variable is at a position,
and which `${...}` names a task can see (with where each comes from)."""

from __future__ import annotations

from dataclasses import dataclass

from diglang.expr.nodes import Identifier
from diglang.nodes import Task
from diglang.rule import Context
from diglang.rules.undefined_variable import analyzer_for, entry_scope
from diglang.scope import Analyzer, Origin, Scope, earlier_keys
from diglang.values import Template, TemplateExpr
from diglsp.workspace import Snapshot


def own_tasks(snap: Snapshot) -> list[Task]:
    """Every task whose key is written in this document (not in an included file)."""
    wf = snap.document.workflow
    if wf is None:
        return []
    return [t for t in wf.walk_tasks() if t.key is not None and t.source is snap.source]


@dataclass(frozen=True)
class ExprAt:
    """A `${...}` expression at a position, with its template and the task that owns it."""

    task: Task
    template: Template
    expr: TemplateExpr


def expr_at(snap: Snapshot, offset: int) -> ExprAt | None:
    """The `${...}` of this document whose placeholder contains `offset`."""
    wf = snap.document.workflow
    if wf is None:
        return None
    for task, template in wf.walk_templates():
        if template.source is not snap.source or not template.span.contains(offset):
            continue
        for expr in template.exprs:
            if expr.placeholder.contains(offset):
                return ExprAt(task, template, expr)
    return None


def identifier_at(snap: Snapshot, offset: int) -> tuple[ExprAt, Identifier] | None:
    """The free variable of a `${...}` at `offset` (exact templates only)."""
    found = expr_at(snap, offset)
    if found is None or not found.expr.exact:
        return None
    for ident in found.expr.free_variables():
        if ident.span.start <= offset <= ident.span.end:
            return found, ident
    return None


def analyzer(snap: Snapshot) -> Analyzer:
    """Scopes of every task of the snapshot's workflow (computed once per snapshot)."""
    cached = snap.memo.get("analyzer")
    if isinstance(cached, Analyzer):
        return cached
    wf = snap.document.workflow
    ctx = Context(snap.document, snap.config, snap.project, snap.fragment)
    result = analyzer_for(ctx)
    if wf is not None:
        result.run(wf, base_scope_of(snap))
    snap.memo["analyzer"] = result
    return result


def scope_at(snap: Snapshot, task: Task, template: Template | None = None) -> Scope:
    """The names `task` sees; with `template`, also the task's keys written before it."""
    return with_keys_before(analyzer(snap).scope_of(task), task, template)


def task_expr_at(snap: Snapshot, task: Task, offset: int) -> ExprAt | None:
    """The `${...}` at `offset` in one of `task`'s own keys (cheaper than `expr_at`)."""
    for template in task.local_templates():
        if template.source is snap.source and template.span.contains(offset):
            for expr in template.exprs:
                if expr.placeholder.contains(offset):
                    return ExprAt(task, template, expr)
    return None


def base_scope_of(snap: Snapshot) -> Scope:
    """What every task of the workflow sees before any `_export`: built-ins, JavaScript
    globals, configured params and what the workflows that `call>` this one pass down.

    Computed once per snapshot and shared: treat it as read-only.
    """
    cached = snap.memo.get("query.base_scope")
    if isinstance(cached, Scope):
        return cached
    wf = snap.document.workflow
    if wf is None:
        return Scope()
    ctx = Context(snap.document, snap.config, snap.project, snap.fragment)
    base = entry_scope(wf, ctx, snap.path)
    snap.memo["query.base_scope"] = base
    return base


def with_keys_before(scope: Scope, task: Task, template: Template | None) -> Scope:
    """A copy of `scope` (the scope of `task`) with, given one of the task's templates, the
    keys of the task written before it (`local` names; a name already visible wins)."""
    scope = scope.child()
    if template is not None:
        for name, value in earlier_keys(task, template):
            if name not in scope.names:
                scope.add(name, Origin("local", "a key of this task written before", value=value))
    return scope
