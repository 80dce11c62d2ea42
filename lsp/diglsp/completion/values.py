"""Completion at a value: what the key being written accepts.

The values of an enum, `true`/`false`, an example from the schemas, the operators for
`_type:`, time zones for `timezone:` (as Digdag accepts them), and for params that name a
file the paths, workflow names or Python modules (see `paths`).
"""

from __future__ import annotations

import functools
import os
import zoneinfo
from typing import Any

from lsprotocol import types

from diglang.rules._file_refs import INTERPRETERS
from diglang.schemas import FileParamSpec, OperatorSpec, ParamSpec, load_directives
from diglang.source import Span
from diglsp.completion.docs import first_sentence, md_value
from diglsp.completion.items import Builder
from diglsp.completion.paths import file_paths, python_paths, workflow_names
from diglsp.completion.schema import (
    context_allows,
    example_of,
    operators_of,
    resolve_ref,
    schema_at,
    types_of,
)
from diglsp.locate import INCLUDE_TAG
from diglsp.locate.context import task_chain


def value_items(b: Builder) -> None:
    """Items at a value: by the key whose value is being written."""
    ctx = b.ctx
    key = ctx.key
    span = Span(ctx.start, ctx.offset)
    if ctx.tag == INCLUDE_TAG:
        file_paths(b, "include", ctx.start, None)
        return
    if key is None:
        return
    if key == "_after":  # `_after: [+|]` or a `- +|` item below it
        _earlier_siblings(b, span)
        return
    ops = operators_of(b.snap)
    where = ctx.where
    if where in ("top", "group", "task", "operator"):
        if key.endswith(">") and key[:-1] in ops and not ctx.sequence:
            _command_values(b, ops[key[:-1]])
            return
        directive = load_directives().get(key)
        if directive is not None and context_allows(directive, where, ctx.operator):
            if key == "timezone":
                _timezones(b, span)
            elif key == "_type":
                for name in sorted(ops):
                    b.add(name, types.CompletionItemKind.Function, name, span, rank=1,
                          detail=first_sentence(ops[name].summary))  # fmt: skip
            else:
                _schema_values(b, resolve_ref(dict(directive.type)), span)
            return
        spec = ops.get(ctx.operator) if ctx.operator else None
        if spec is not None:
            param = spec.param(key)
            if param is not None:
                _param_values(b, spec, param, span)
        return
    schema = schema_at(b.snap, ctx)
    if schema is not None:
        prop = (schema.get("properties") or {}).get(key)
        if prop is not None:
            _schema_values(b, resolve_ref(prop), span)
            return
    if ctx.inner[:1] == ("_export",) and len(ctx.inner) == 2:
        for spec in ops.values():
            if ctx.inner[1] in spec.nested_defaults and key in spec.params:
                _param_values(b, spec, spec.params[key], span)
                return


def _earlier_siblings(b: Builder, span: Span) -> None:
    """`_after:` names earlier siblings of the task (Digdag rejects any other name)."""
    wf = b.snap.document.workflow
    if wf is None:
        return
    chain = task_chain(wf.task, b.ctx.task_path)
    if len(chain) != len(b.ctx.task_path) + 1 or len(chain) < 2:
        return
    parent, task = chain[-2], chain[-1]
    for sibling in parent.children:
        if sibling is task:
            break
        op = sibling.operator
        detail = op.key.text if op is not None else "group"
        b.add(sibling.name, types.CompletionItemKind.Reference, sibling.name, span, rank=1,
              detail=detail)  # fmt: skip


def _schema_values(b: Builder, schema: dict[str, Any], span: Span) -> None:
    kinds = types_of(schema)
    enum = schema.get("enum")
    if isinstance(enum, list):
        for value in enum:
            text = md_value(value)
            b.add(text, types.CompletionItemKind.EnumMember, text, span, rank=0)
    if "boolean" in kinds:
        for text in ("true", "false"):
            b.add(text, types.CompletionItemKind.Value, text, span, rank=1)
    example = example_of(schema)
    if example is not None and not isinstance(example, bool):
        text = md_value(example)
        b.add(text, types.CompletionItemKind.Value, text, span, rank=2, detail="example")


def _param_values(b: Builder, spec: OperatorSpec, param: ParamSpec, span: Span) -> None:
    schema = dict(param.type)
    if param.enum:
        schema["enum"] = list(param.enum)
    if param.default is not None and "enum" not in schema:
        schema["default"] = param.default
    _schema_values(b, schema, span)
    name = param.name
    for fp in spec.file_params:
        if fp.param == name and fp.path is None and fp.direction == "input":
            _file_values(b, fp)
            return


def _command_values(b: Builder, spec: OperatorSpec) -> None:
    command = spec.command
    if command is None:
        return
    span = Span(b.ctx.start, b.ctx.offset)
    schema = dict(command.type)
    if command.enum:
        schema["enum"] = list(command.enum)
    if "enum" in schema or types_of(schema)[:1] == ["boolean"]:
        _schema_values(b, schema, span)
    for fp in spec.file_params:
        if fp.param == "_command" and fp.path is None:
            _file_values(b, fp)
            return


def _file_values(b: Builder, fp: FileParamSpec) -> None:
    ctx = b.ctx
    if fp.kind == "workflow_name":
        workflow_names(b)
    elif fp.kind == "python_module":
        python_paths(b)
    elif fp.heuristic:
        word = b.snap.text[ctx.word_start : ctx.offset]
        before = b.snap.text[ctx.start : ctx.word_start].split()
        if "/" in word or (before and os.path.basename(before[-1]) in INTERPRETERS):
            file_paths(b, fp.kind, ctx.word_start, None)
    else:
        file_paths(b, fp.kind, ctx.start, fp.suffix)


def _timezones(b: Builder, span: Span) -> None:
    prefix = b.ctx.prefix.strip().lower()
    names = _zone_names()
    b.incomplete = True
    chosen = [z for z in names if not prefix or any(p.startswith(prefix) for p in _zone_parts(z))]
    for name in chosen[:200]:
        rank = 0 if name.lower().startswith(prefix) else 1
        b.add(name, types.CompletionItemKind.Constant, name, span, rank=rank,
              filter_text=b.ctx.prefix if rank else None)  # fmt: skip


@functools.cache
def _zone_names() -> tuple[str, ...]:
    names = set(zoneinfo.available_timezones())
    names.discard("localtime")
    # Digdag (java.time.ZoneId) rejects three-letter abbreviations such as JST or EST
    names = {n for n in names if "/" in n or n in ("UTC", "GMT") or len(n) > 4}
    return tuple(sorted(names, key=lambda n: (n not in ("UTC",), n)))


@functools.cache
def _zone_parts(name: str) -> tuple[str, ...]:
    lower = name.lower()
    return (lower, *lower.split("/")[1:])
