"""Hover: what a key or a `${...}` variable means, from the schemas and the workflow itself.

On an operator (`td>:` or the value of `_type:`): its summary, documentation link and a
compact table of its params. On a param of an operator task: description, type, default,
whether it is required, its values, and the kind of file it names. On a directive or a
top-level key (`_retry`, `timezone`): its description, default and documentation link; on a
key under `schedule:`, `sla:`, `_retry:`...: its description. On a task key (`+load:`): the
task's full name, its operator and what it stores for later tasks. On a `${...}` variable:
where it comes from (built-in with an example value, the `_export` that defines it with the
literal, the task that stores it, a loop or `error` variable, a configured param) and, when it
can be known without running, the value the whole `${...}` renders.
"""

from __future__ import annotations

import re
from typing import Any

from lsprotocol import types

from diglang.expr.scope import JS_GLOBALS
from diglang.nodes import Task, TaskKind
from diglang.schemas import OperatorSpec, ParamSpec, builtin_variables, load_directives
from diglang.scope import Origin
from diglang.source import Span
from diglang.values import Mapping
from diglsp import query
from diglsp.completion.docs import (
    directive_doc,
    export_owners,
    first_sentence,
    js_text,
    literal_block,
    md_value,
    origin_detail,
    param_doc,
    schema_facts,
    stored_list,
    type_label,
    yaml_block,
)
from diglsp.completion.schema import operators_of, resolve_ref, schema_at
from diglsp.completion.scope import scope_near
from diglsp.locate import (
    IDENT_TAIL,
    OPERATOR_KEY,
    CursorContext,
    locate,
    operator_of,
    receiver_of,
    resolve_task,
)
from diglsp.workspace import Snapshot

__all__ = ["hover", "operator_markdown"]

MAX_PARAM_ROWS = 14
_FLOW_KEY_TAIL = re.compile(r"[^\s:,{}\[\]'\"]*")
_IDENT_HEAD = re.compile(r"[\w$]*")


def hover(snap: Snapshot, offset: int) -> types.Hover | None:
    """Markdown about the token at `offset`, with its range (None when there is nothing)."""
    try:
        return _hover(snap, offset)
    except Exception:  # features must survive any input
        return None


def _hover(snap: Snapshot, offset: int) -> types.Hover | None:
    ctx = locate(snap, offset)
    at = _expr_at(snap, ctx, offset)
    if at is not None:
        if not at.expr.exact:
            return None
        for ident in at.expr.free_variables():
            if ident.span.start <= offset <= ident.span.end:
                return _variable(snap, at, ident)
        return _member(snap, at, offset)
    if ctx.kind == "key":
        return _key(snap, ctx)
    if ctx.kind == "value" and ctx.key == "_type" and not ctx.inner:
        return _type_value(snap, ctx)
    return None


def _result(snap: Snapshot, text: str, span: Span) -> types.Hover:
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=snap.range(span),
    )


# -- variables ---------------------------------------------------------------------------


def _variable(snap: Snapshot, at: query.ExprAt, ident: Any) -> types.Hover | None:
    name: str = ident.name
    scope = scope_near(snap, at.task, at.template)
    origin = scope.names.get(name)
    parts: list[str] = []
    if origin is None:
        if scope.open:
            parts.append(f"**{name}** — may be set at run time by an earlier task")
        else:
            parts.append(f"**{name}** — not defined where this task runs")
    else:
        parts.extend(_origin_parts(snap, name, origin))
    value = _static(snap, at)
    if value is not None:
        parts.append(f"value: `{_code(value)}`")
    return _result(snap, "\n\n".join(parts), ident.span)


def _static(snap: Snapshot, at: query.ExprAt) -> str | None:
    try:
        from diglsp.static import static_value
    except ImportError:  # pragma: no cover - the module ships with diglsp
        return None
    return static_value(snap, at)


def _code(text: str) -> str:
    """Text safe inside a markdown code span (one line, no backticks)."""
    text = text.replace("`", "'").replace("\n", "⏎")
    return text if len(text) <= 200 else text[:199] + "…"


def _origin_parts(snap: Snapshot, name: str, origin: Origin) -> list[str]:
    builtins = {v.name: v for v in builtin_variables()}
    kind = origin.kind
    if kind == "builtin" and name in JS_GLOBALS and name not in builtins:
        return [f"**{name}** — JavaScript global"]
    if kind in ("builtin", "error") and name in builtins:
        var = builtins[name]
        label = "built-in variable" if kind == "builtin" else "the error of the failed task"
        parts = [f"**{name}** — {label}", var.description]
        if var.example is not None:
            parts.append(f"example: `{_code(js_text(var.example))}`")
        return parts
    if kind == "builtin":
        return [f"**{name}** — {origin.detail or 'built-in'}"]
    if kind == "export":
        return _export_parts(snap, name, origin)
    if kind == "store":
        return _store_parts(snap, name, origin)
    if kind == "loop":
        parts = [f"**{name}** — loop variable, {origin.detail}"]
        if origin.key is not None and origin.value is not None:
            parts.append(literal_block(origin.key, origin.value))
        return parts
    if kind == "config":
        return [
            f"**{name}** — parameter declared in the diglint config",
            f"passed with `digdag run -p {name}=...`",
        ]
    if kind == "local":
        parts = [f"**{name}** — a key of this task written before"]
        if origin.value is not None:
            parts.append(yaml_block(name, origin.value))
        return parts
    return [f"**{name}** — {origin.detail or kind}"]


def _export_parts(snap: Snapshot, name: str, origin: Origin) -> list[str]:
    key = origin.key
    if key is None:
        return [f"**{name}** — `_export`"]
    owners = export_owners(snap)
    task = owners.get(id(key))
    line = key.source.index.position(key.span.start).line + 1
    path = key.source.path
    if path is not None and snap.project is not None:
        where = snap.project.relpath(path)
    else:
        where = path.rsplit("/", 1)[-1] if path else "this file"
    if task is not None and task.key is not None:
        head = f"**{name}** — exported by `{task.name}` ({where}:{line})"
    else:
        head = f"**{name}** — exported at the top level of {where}:{line}"
    parts = [head]
    if origin.value is not None:
        parts.append(literal_block(key, origin.value))
    return parts


def _store_parts(snap: Snapshot, name: str, origin: Origin) -> list[str]:
    parts = [f"**{name}** — {origin.detail or 'stored by an earlier task'}"]
    stored = stored_list(snap, name, origin)
    if stored:
        parts.append(stored)
    return parts


def _expr_at(snap: Snapshot, ctx: CursorContext, offset: int) -> query.ExprAt | None:
    """The `${...}` at `offset`, looked up in the cursor's task first (cheap)."""
    if snap.document.workflow is None:
        return None
    found = query.task_expr_at(snap, ctx.task, offset) if ctx.task is not None else None
    if found is not None:
        return found
    index = snap.source.index
    line = index.position(offset).line
    if "${" not in snap.text[index.line_start(line) : index.line_end(line)] and not ctx.block:
        return None
    return query.expr_at(snap, offset)


def _member(snap: Snapshot, at: query.ExprAt, offset: int) -> types.Hover | None:
    """A member of a stored value or of `error` in `${...}` (`td.last_job_id`)."""
    text = snap.text
    head = _IDENT_HEAD.match(text, offset)
    end = head.end() if head is not None else offset
    tail = IDENT_TAIL.search(text, at.expr.span.start, end)
    if tail is None or tail.end() != end or tail.start() == 0:
        return None
    start = tail.start()
    dot = start - 1
    while dot > at.expr.span.start and text[dot] in " \t":
        dot -= 1
    if text[dot] != ".":
        return None
    receiver = receiver_of(text[at.expr.span.start : dot + 1], dot - at.expr.span.start)
    if not receiver or any(seg.endswith(("()", "[]", '""')) for seg in receiver):
        return None
    dotted = ".".join((*receiver, tail.group()))
    scope = scope_near(snap, at.task, at.template)
    origin = scope.names.get(receiver[0])
    if origin is None:
        return None
    span = Span(start, end)
    if origin.kind == "store":
        for spec in operators_of(snap).values():
            for store in spec.stores:
                if store.name == dotted:
                    detail = origin_detail(snap, receiver[0], origin, {})
                    body = f"**{dotted}** — {detail}\n\n{store.description}"
                    return _result(snap, body, span)
        return None
    if origin.kind == "error" or receiver[0] == "error":
        return _result(snap, f"**{dotted}** — the error of the failed task", span)
    if isinstance(origin.value, Mapping):
        node: Any = origin.value
        for part in (*receiver[1:], tail.group()):
            entry = node.entry(part) if isinstance(node, Mapping) else None
            if entry is None:
                return None
            node = entry.value
            found = entry
        body = f"**{dotted}** — `_export` value\n\n{literal_block(found.key, found.value)}"
        return _result(snap, body, span)
    return None


# -- keys --------------------------------------------------------------------------------


def _key_span(snap: Snapshot, ctx: CursorContext) -> tuple[str, Span]:
    """The whole key under the cursor and its span."""
    if ctx.flow:
        m = _FLOW_KEY_TAIL.match(snap.text, ctx.offset)
        end = m.end() if m is not None else ctx.offset
        return snap.text[ctx.start : end].strip(), Span(ctx.start, end)
    return ctx.key or "", Span(ctx.start, ctx.end)


def _key(snap: Snapshot, ctx: CursorContext) -> types.Hover | None:
    key, span = _key_span(snap, ctx)
    if not key:
        return None
    ops = operators_of(snap)
    where = ctx.where
    if where in ("top", "group", "task", "operator"):
        if OPERATOR_KEY.match(key) and key[:-1] in ops and where != "top":
            return _result(snap, operator_markdown(ops[key[:-1]]), span)
        if key.startswith("+"):
            return _task(snap, ctx, key, span)
        directive = load_directives().get(key)
        if directive is not None:
            kind = "top-level key" if not key.startswith("_") else "directive"
            return _result(snap, f"**{key}** — {kind}\n\n{directive_doc(directive)}", span)
        operator = ctx.operator or operator_of(ctx.siblings, None)
        spec = ops.get(operator) if operator else None
        param = spec.params.get(key) if spec is not None else None
        if spec is not None and param is not None:
            return _result(snap, _param_markdown(spec, param), span)
        return None
    if where == "export":
        directive = load_directives().get(key)
        if directive is not None and "export" in directive.where:
            return _result(snap, f"**{key}** — directive\n\n{directive_doc(directive)}", span)
        users = [s.key for s in ops.values() if key in s.nested_defaults]
        if users:
            text = f"**{key}** — defaults for " + ", ".join(f"`{u}`" for u in users)
            return _result(snap, text, span)
        return None
    schema = schema_at(snap, ctx)
    if schema is not None:
        prop = (schema.get("properties") or {}).get(key)
        if isinstance(prop, dict):
            return _result(snap, _property_markdown(key, ctx, resolve_ref(prop)), span)
    if ctx.inner[:1] == ("_export",) and len(ctx.inner) == 2:
        for spec in ops.values():
            if ctx.inner[1] in spec.nested_defaults and key in spec.params:
                return _result(snap, _param_markdown(spec, spec.params[key]), span)
    return None


def _type_value(snap: Snapshot, ctx: CursorContext) -> types.Hover | None:
    line_end = snap.source.index.line_end(snap.source.index.position(ctx.offset).line)
    m = _FLOW_KEY_TAIL.match(snap.text, ctx.offset)
    end = min(m.end() if m is not None else ctx.offset, line_end)
    name = snap.text[ctx.start : end].strip()
    spec = operators_of(snap).get(name)
    if spec is None:
        return None
    return _result(snap, operator_markdown(spec), Span(ctx.start, end))


def operator_markdown(spec: OperatorSpec) -> str:
    """`**td>** — summary`, a documentation link and a compact table of params."""
    head = first_sentence(spec.summary)
    parts = [f"**{spec.key}** — {head}"]
    rest = spec.summary[len(head) :].strip()
    if rest:
        parts.append(rest)
    if spec.docs_url:
        parts.append(f"[documentation]({spec.docs_url})")
    if spec.command is not None and spec.command.description:
        required = " (required)" if spec.command.required else ""
        parts.append(f"command{required}: {first_sentence(spec.command.description)}")
    params = sorted(spec.params.values(), key=lambda p: (not p.required, p.name.startswith("_")))
    if params:
        rows = ["| param | type | required | default |", "|---|---|---|---|"]
        for param in params[:MAX_PARAM_ROWS]:
            default = _default_text(param)
            rows.append(
                f"| `{param.name}` | {_cell(type_label(param.type))} | "
                f"{'yes' if param.required else ''} | {default} |"
            )
        if len(params) > MAX_PARAM_ROWS:
            rows.append(f"| … {len(params) - MAX_PARAM_ROWS} more | | | |")
        parts.append("\n".join(rows))
    if spec.stores:
        parts.append("stores: " + ", ".join(f"`{s.name}`" for s in spec.stores))
    return "\n\n".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _default_text(param: ParamSpec) -> str:
    if param.default is not None:
        return f"`{_cell(md_value(param.default))}`"
    return _cell(param.default_note) if param.default_note else ""


def _param_markdown(spec: OperatorSpec, param: ParamSpec) -> str:
    return f"**{param.name}** — param of `{spec.key}`\n\n{param_doc(param)}"


def _property_markdown(key: str, ctx: CursorContext, prop: dict[str, Any]) -> str:
    where = ctx.inner[0] if ctx.inner else ""
    head = f"**{key}** — `{where}` key" if where else f"**{key}**"
    if where == "schedule" and key.endswith(">"):
        head = f"**{key}** — schedule kind"
    parts = [head]
    if prop.get("description"):
        parts.append(str(prop["description"]))
    parts.append(", ".join(schema_facts(prop)))
    return "\n\n".join(parts)


def _task(snap: Snapshot, ctx: CursorContext, key: str, span: Span) -> types.Hover | None:
    task = resolve_task(snap, (*ctx.task_path, key)) if not ctx.inner else None
    if task is None:
        return None
    parts = [f"**{task.full_name}** — task"]
    op = task.operator
    if task.kind is TaskKind.OPERATOR and op is not None:
        spec = operators_of(snap).get(op.name) if op.name else None
        if spec is not None:
            parts.append(f"runs `{spec.key}`: {first_sentence(spec.summary)}")
            if spec.stores:
                names = ", ".join(f"`{s.name}`" for s in spec.stores)
                parts.append(f"stores {names} for later tasks")
        elif op.name is not None:
            parts.append(f"runs `{op.name}>` (no schema)")
        else:
            parts.append("the operator is chosen at run time (`_type` is a template)")
    else:
        parts.append(_group_text(task))
    if isinstance(task.export, Mapping) and task.export.entries:
        names = ", ".join(f"`{e.key.text}`" for e in task.export.entries[:8])
        more = " …" if len(task.export.entries) > 8 else ""
        parts.append(f"exports {names}{more} to the tasks below")
    return _result(snap, "\n\n".join(parts), span)


def _group_text(task: Task) -> str:
    count = len(task.children)
    noun = "task" if count == 1 else "tasks"
    parallel = task.parallel is not None and task.parallel.enabled is not False
    if parallel and task.parallel is not None and task.parallel.limit is not None:
        mode = f"in parallel, {task.parallel.limit} at a time"
    else:
        mode = "in parallel" if parallel else "one after another"
    return f"group of {count} {noun}, run {mode}"
