"""Completion at a key: what can be written at this place of the workflow.

In a task: the operators (`td>`, `sh>`...), the params of the task's operator (required ones
first, never one already written) and the `_` directives valid there; at the top level the
top-level keys (`timezone`, `schedule`...). In `_export`: directives and the namespaces of
operator defaults (`td:`, `pg:`), then their params. Under `schedule:`, `sla:`, `_retry:`,
and other documented mappings: their keys. Each key comes with a snippet for its value
(the choices of an enum, `true`/`false`, an example, an indented block for a mapping).
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from diglang.schemas import OperatorSpec, load_directives
from diglsp.completion.docs import (
    directive_doc,
    first_sentence,
    operator_doc,
    param_detail,
    param_doc,
    schema_facts,
    type_label,
)
from diglsp.completion.items import Builder, esc, indent_unit, key_span
from diglsp.completion.schema import (
    context_allows,
    example_of,
    names_file,
    operators_of,
    resolve_ref,
    schema_at,
    types_of,
)
from diglsp.completion.snippets import snippet_items


def key_items(b: Builder) -> None:
    """Items at a key: by the kind of mapping the cursor is in (`CursorContext.where`)."""
    ctx = b.ctx
    where = ctx.where
    present = set(ctx.siblings)
    if where in ("top", "group", "task", "operator"):
        if where == "operator" and ctx.operator is not None:
            spec = operators_of(b.snap).get(ctx.operator)
            if spec is not None:
                _params(b, spec, present)
        if where == "task":
            _operators(b)
        _directives(b, where, present)
        if where in ("top", "group", "task"):
            snippet_items(b, present)
    elif where == "export":
        _directives(b, "export", present)
        _namespaces(b, present)
    else:
        schema = schema_at(b.snap, ctx)
        if schema is not None:
            _schema_keys(b, schema, present)
        elif ctx.inner[:1] == ("_export",) and len(ctx.inner) == 2:
            _namespace_params(b, ctx.inner[1], present)


def _key_text(b: Builder, name: str, value: str) -> tuple[str, bool]:
    """The insert text for `name` with its value snippet; plain when the colon is there."""
    if b.ctx.has_colon or b.ctx.quote is not None:
        return esc(name), True
    if b.ctx.flow:
        value = value if not value.startswith("\n") else " $1"
    return f"{esc(name)}:{value}", True


def _value_snippet(schema: dict[str, Any], column: int, unit: int, n: int = 1) -> str:
    """What follows `key:` in a snippet for a value of this schema."""
    schema = resolve_ref(schema)
    kinds = types_of(schema)
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, str | int | bool) for v in enum):
        choices = ",".join(esc(str(v)).replace(",", "\\,").replace("|", "\\|") for v in enum)
        return f" ${{{n}|{choices}|}}"
    if kinds[:1] == ["boolean"] or ("boolean" in kinds and "object" in kinds):
        return f" ${{{n}|true,false|}}"
    example = example_of(schema)
    if kinds and kinds[0] == "object" and "integer" not in kinds:
        return "\n" + " " * (column + unit) + f"${n}"
    if kinds and kinds[0] == "array":
        return f" [${n}]"
    if example is not None:
        return f" ${{{n}:{esc(str(example))}}}"
    return f" ${n}"


def _operators(b: Builder) -> None:
    ctx = b.ctx
    unit = indent_unit(b.snap)
    for _name, spec in sorted(operators_of(b.snap).items()):
        command = spec.command
        if command is None:
            value = "\n" + " " * ctx.column + "$0"
        else:
            schema = dict(command.type)
            prop = spec.schema.get("properties", {}).get(spec.key, {})
            if isinstance(prop, dict) and "examples" in prop:
                schema["examples"] = prop["examples"]
            kinds = types_of(schema)
            if kinds and kinds[0] == "object":
                value = "\n" + " " * (ctx.column + unit) + "$1"
            elif kinds and kinds[0] == "boolean":
                value = " $1"
            else:
                value = _value_snippet(schema, ctx.column, unit)
        text, snippet = _key_text(b, spec.key, value)
        retrigger = names_file(spec, "_command") and not ctx.has_colon
        b.add(
            spec.key,
            types.CompletionItemKind.Function,
            text,
            key_span(ctx),
            rank=1,
            snippet=snippet,
            detail=first_sentence(spec.summary),
            doc=operator_doc(spec),
            retrigger=retrigger,
            label_detail="operator",
        )


def _params(b: Builder, spec: OperatorSpec, present: set[str], defaults: bool = False) -> None:
    """Params of `spec` not written yet (`defaults`: as defaults under `_export.<ns>`)."""
    ctx = b.ctx
    unit = indent_unit(b.snap)
    for param in spec.params.values():
        if param.name in present or (defaults and param.name.startswith("_")):
            continue
        required = param.required and not defaults
        schema = dict(param.type)
        if param.default is not None:
            schema.setdefault("default", param.default)
        if param.enum:
            schema["enum"] = list(param.enum)
        text, snippet = _key_text(b, param.name, _value_snippet(schema, ctx.column, unit))
        b.add(
            param.name,
            types.CompletionItemKind.Property,
            text,
            key_span(ctx),
            rank=0 if required else 1,
            snippet=snippet,
            detail=param_detail(param) if not defaults else f"{spec.key} {type_label(param.type)}",
            doc=param_doc(param),
            retrigger=names_file(spec, param.name) and not ctx.has_colon,
            label_detail="required" if required else None,
        )


def _directives(b: Builder, where: str, present: set[str]) -> None:
    ctx = b.ctx
    unit = indent_unit(b.snap)
    for name, spec in load_directives().items():
        if name in present or not context_allows(spec, where, ctx.operator):
            continue
        if where == "operator" and (
            name == "_type" or (name == "_command" and "_type" not in present)
        ):
            continue
        schema = dict(spec.type)
        for doc_key in ("examples", "default"):
            if doc_key in spec.schema:
                schema[doc_key] = spec.schema[doc_key]
        value = _value_snippet(schema, ctx.column, unit)
        if name == "timezone":
            value = " $1"
        text, snippet = _key_text(b, name, value)
        retrigger = name in ("timezone", "schedule", "sla", "_type") and not ctx.has_colon
        b.add(
            name,
            types.CompletionItemKind.Keyword,
            text,
            key_span(ctx),
            rank=2,
            snippet=snippet,
            detail="top-level key" if not name.startswith("_") else "directive",
            doc=directive_doc(spec),
            retrigger=retrigger,
        )


def _namespaces(b: Builder, present: set[str]) -> None:
    """`td:`, `pg:`... in `_export`: defaults for every task of those operators below."""
    ctx = b.ctx
    unit = indent_unit(b.snap)
    seen: dict[str, list[str]] = {}
    for spec in operators_of(b.snap).values():
        for ns in spec.nested_defaults:
            if "." not in ns:
                seen.setdefault(ns, []).append(spec.key)
    for ns, users in sorted(seen.items()):
        if ns in present:
            continue
        text, snippet = _key_text(b, ns, "\n" + " " * (ctx.column + unit) + "$1")
        b.add(
            ns,
            types.CompletionItemKind.Module,
            text,
            key_span(ctx),
            rank=4,
            snippet=snippet,
            detail="defaults for " + ", ".join(users),
            doc=f"params under `{ns}:` are defaults for {', '.join(f'`{u}`' for u in users)}",
            retrigger=not ctx.has_colon,
        )


def _namespace_params(b: Builder, namespace: str, present: set[str]) -> None:
    for spec in operators_of(b.snap).values():
        if namespace in spec.nested_defaults:
            _params(b, spec, present, defaults=True)


def _schema_keys(b: Builder, schema: dict[str, Any], present: set[str]) -> None:
    ctx = b.ctx
    unit = indent_unit(b.snap)
    props = schema.get("properties")
    if not isinstance(props, dict):
        return
    excluded: set[str] = set()
    alternatives = schema.get("oneOf")
    if isinstance(alternatives, list):
        required = [set(alt.get("required", [])) for alt in alternatives if isinstance(alt, dict)]
        if any(req & present for req in required):
            excluded = set().union(*required) - present
    for name, raw in props.items():
        if name in present or name in excluded or (name == "_command" and "_type" not in present):
            continue
        prop = resolve_ref(raw)
        text, snippet = _key_text(b, name, _value_snippet(prop, ctx.column, unit))
        desc = prop.get("description", "")
        facts = schema_facts(prop)
        b.add(
            name,
            types.CompletionItemKind.Property,
            text,
            key_span(ctx),
            rank=0 if name.endswith(">") else 1,
            snippet=snippet,
            detail=type_label(prop),
            doc="\n\n".join(p for p in (desc, ", ".join(facts)) if p),
        )
