"""The `${...}` names visible at the cursor, with where each comes from.

The same rules as the linter (`diglang.scope`), computed for the cursor's task only: each
keystroke makes a new snapshot, and analysing the whole workflow each time would be slow.
When the text is too broken to name the task, the built-ins and every `_export` key of the
document are offered.
"""

from __future__ import annotations

from dataclasses import dataclass

from diglang.expr.scope import JS_GLOBALS
from diglang.nodes import Task, TaskKind
from diglang.rule import Context
from diglang.rules.undefined_variable import analyzer_for
from diglang.schemas import builtin_variables
from diglang.scope import Analyzer, Origin, Scope
from diglang.values import Mapping, Template, Value
from diglsp import query
from diglsp.locate import CursorContext
from diglsp.locate.context import task_chain
from diglsp.locate.lines import lines_of, parse_line
from diglsp.workspace import Snapshot


@dataclass
class Names:
    """Names visible in a `${...}`, with origins."""

    names: dict[str, Origin]
    task: Task | None


def names_at(snap: Snapshot, ctx: CursorContext) -> Names:
    """The names visible in the `${...}` at the cursor (the document's, without a task)."""
    task = ctx.task
    found_here = query.task_expr_at(snap, task, ctx.offset) if task is not None else None
    template = found_here.template if found_here is not None else None
    if template is None and task is None:
        found = query.expr_at(snap, ctx.offset) if snap.document.workflow is not None else None
        if found is not None:
            task, template = found.task, found.template
    if template is not None and task is not None:
        scope = scope_near(snap, task, template, ctx.task_path)
        return Names(dict(scope.names), task)
    if task is not None and snap.document.workflow is not None:
        scope = scope_near(snap, task, None, ctx.task_path)
        names = dict(scope.names)
        for entry in task.local_entries():
            key = entry.key
            if key.span.end <= ctx.start and key.is_string and key.text.isidentifier():
                names.setdefault(
                    key.text,
                    Origin("local", "a key of this task written before", value=entry.value),
                )
        return Names(names, task)
    return Names(_fallback_names(snap), None)


def scope_near(
    snap: Snapshot,
    task: Task,
    template: Template | None = None,
    path: tuple[str, ...] = (),
) -> Scope:
    """What `query.scope_at` gives, computed for this task only (not the whole workflow).

    Each keystroke makes a new snapshot, so the whole-workflow analysis would run on every
    completion; this walks the path from the root to `task` and collects the stores of the
    earlier siblings on the way, with the same rules (`diglang.scope.Analyzer`). `path`, the
    task keys from the top (`CursorContext.task_path`), saves searching for the task.
    """
    wf = snap.document.workflow
    cached = snap.memo.get("analyzer")
    if wf is None or isinstance(cached, Analyzer):
        return query.scope_at(snap, task, template)
    chain = _chain(wf.task, task, path)
    if chain is None:
        return query.scope_at(snap, task, template)
    an = snap.memo.get("completion.analyzer")
    if not isinstance(an, Analyzer):
        an = analyzer_for(Context(snap.document, snap.config, snap.project, snap.fragment))
        snap.memo["completion.analyzer"] = an
    env = query.base_scope_of(snap)
    own = env
    for i, node in enumerate(chain):
        own = env.child()
        _add_exports(own, node.export)
        if i == len(chain) - 1:
            break
        nxt = chain[i + 1]
        if nxt is node.do or nxt is node.else_do:
            env = an.loop_scope(node, own)
            continue
        env = own.child()
        if any(c is nxt for c in node.children):
            if node.parallel is None or node.parallel.enabled is False:
                for sibling in node.children:
                    if sibling is nxt:
                        break
                    env.merge(_stored(an, sibling))
        else:
            env.merge(_stored(an, node))
            if nxt is node.error:
                env.add("error", Origin("error", "the error of the failed task"))
    return query.with_keys_before(own, task, template)


def _chain(root: Task, target: Task, keys: tuple[str, ...] = ()) -> list[Task] | None:
    """The tasks from `root` down to `target` (children and special tasks)."""
    if keys:
        chain = task_chain(root, keys)
        if chain[-1] is target:
            return chain
    stack: list[tuple[Task, int]] = [(root, 0)]
    path: list[Task] = []
    while stack:
        task, depth = stack.pop()
        del path[depth:]
        path.append(task)
        if task is target:
            return path
        below = (*task.children, *task.special_tasks)
        stack.extend((t, depth + 1) for t in reversed(below))
    return None


def _add_exports(scope: Scope, export: Value | None) -> None:
    if isinstance(export, Mapping):
        for entry in export.entries:
            if entry.key.is_string:
                scope.add(entry.key.text, Origin("export", "", entry.key, entry.value))


def _stored(an: Analyzer, task: Task) -> Scope:
    """What `task` and everything below it store for later tasks (not `_check`/`_error`)."""
    stored = Scope()
    stack = [task]
    while stack:
        node = stack.pop()
        if node.kind is TaskKind.OPERATOR:
            an._operator_stores(node, stored)  # the analyzer's own rule
        below = [*node.children, *(t for t in (node.do, node.else_do) if t is not None)]
        stack.extend(reversed(below))
    return stored


def _fallback_names(snap: Snapshot) -> dict[str, Origin]:
    """Built-ins and every `_export` key of the document (when no task is known)."""
    names: dict[str, Origin] = {}
    for var in builtin_variables():
        if var.scope is None:
            names[var.name] = Origin("builtin", var.description)
    for name in JS_GLOBALS:
        names.setdefault(name, Origin("builtin", "a JavaScript global"))
    lines = lines_of(snap)
    for n in range(lines.count):
        raw = lines.raw(n)
        if "_export" not in raw:
            continue
        line = parse_line(raw)
        if line.key != "_export":
            continue
        m = n + 1
        body = None
        while m < lines.count:
            if not lines.is_blank(m):
                nxt = lines.get(m)
                if nxt.indent <= line.indent:
                    break
                body = nxt.content if body is None else body
                if nxt.content == body and nxt.key is not None:
                    names.setdefault(nxt.key, Origin("export", "an `_export` of this file"))
            m += 1
    return names
