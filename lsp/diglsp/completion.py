"""Completion while writing a workflow: keys, values, `${...}` names and file paths.

At a key: the operators (`td>`, `sh>`...), the params of the task's operator (required ones
first, never one already written), the `_` directives valid there, the top-level keys at the
top level and task snippets (`+task` with `sh>`, `py>`, `call>`, a parallel group, a
`for_each>` or `if>` with `_do`, an `_error` handler). Under `schedule:`, `sla:`, `_retry:`
and other documented mappings: their keys, with example values. At a value: enum values,
`true`/`false`, time zones, the files an operator reads (queries, scripts, `call>` targets,
`!include` paths), `require>` workflow names and `py>` module paths. Inside `${`: every
name the task can see, with where it comes from, and after a dot the members of stored
values (`td.last_job_id`), of `error`, of nested `_export` mappings and of `moment(...)`,
`Math` and `JSON`.

Everything about operators and directives comes from `schemas/`.
"""

from __future__ import annotations

import ast
import functools
import os
import zoneinfo
from collections.abc import Iterable
from collections.abc import Mapping as Mapping_
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from diglang.expr.scope import JS_GLOBALS
from diglang.nodes import Task, TaskKind
from diglang.rule import Context
from diglang.rules._file_refs import INTERPRETERS
from diglang.rules.undefined_variable import analyzer_for, base_scope, caller_scope
from diglang.schemas import (
    BuiltinVar,
    DirectiveSpec,
    FileParamSpec,
    OperatorSpec,
    ParamSpec,
    SchemaError,
    builtin_variables,
    directives_schema,
    load_directives,
    load_operators,
)
from diglang.scope import OPAQUE_OPERATORS, Analyzer, Origin, Scope, earlier_keys
from diglang.source import Span
from diglang.values import Mapping, Scalar, Template, Value
from diglsp import query
from diglsp.locate import INCLUDE_TAG, CursorContext, _lines, _parse_line, locate
from diglsp.workspace import Snapshot

__all__ = [
    "TRIGGER_CHARACTERS",
    "complete",
    "directive_doc",
    "operators_of",
    "param_doc",
    "scope_near",
    "should_complete",
]

# Characters that open a completion by themselves (identifier characters already do in
# most clients): `+` (task snippets), `_` (directives), `{` (after `$`), `.` (members and
# module paths), `/` (directories), ` ` (a value right after `key: `; see should_complete).
TRIGGER_CHARACTERS = ["+", "_", "{", ".", "/", " "]

RETRIGGER = types.Command(title="suggest", command="editor.action.triggerSuggest")
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", ".digdag"})
_EMPTY = types.CompletionList(is_incomplete=False, items=[])

# Ranking only: the files a kind of file param usually names come first.
_PREFERRED = {
    "query": (".sql",),
    "emr_query": (".sql", ".q", ".hql"),
    "workflow": (".dig",),
    "mail_body": (".txt", ".html"),
    "embulk_config": (".yml", ".yaml", ".liquid"),
    "bulk_load_config": (".yml", ".yaml"),
    "bq_schema": (".json",),
    "ruby_script": (".rb",),
    "script": (".sh", ".py", ".rb", ".pl"),
    "emr_script": (".sh", ".py"),
    "include": (".dig", ".yml", ".yaml"),
}

# A modest list of what expressions call on Digdag's JavaScript values (Moment.js 2.21,
# ECMAScript 5): (name, snippet, description).
MOMENT_METHODS: tuple[tuple[str, str, str], ...] = (
    ("format", "format('${1:YYYY-MM-DD}')", "the date as text, e.g. `format('YYYYMMDD')`"),
    ("add", "add(${1:1}, '${2:days}')", "add an amount of a unit (`days`, `hours`, `M`...)"),
    ("subtract", "subtract(${1:1}, '${2:days}')", "subtract an amount of a unit"),
    ("startOf", "startOf('${1:month}')", "the start of a unit of time (`day`, `month`...)"),
    ("endOf", "endOf('${1:month}')", "the end of a unit of time"),
    ("utc", "utc()", "switch to UTC (formatting then shows UTC)"),
    ("local", "local()", "switch back to the workflow time zone"),
    ("utcOffset", "utcOffset(${1:540})", "set (or get) the offset from UTC, in minutes"),
    ("unix", "unix()", "seconds since the epoch"),
    ("valueOf", "valueOf()", "milliseconds since the epoch"),
    ("toISOString", "toISOString()", "ISO 8601 text in UTC"),
    ("isBefore", "isBefore(${1})", "true when before another date"),
    ("isAfter", "isAfter(${1})", "true when after another date"),
    ("isSame", "isSame(${1}, '${2:day}')", "true when the same as another date (to a unit)"),
    ("diff", "diff(${1}, '${2:days}')", "the difference with another date, in a unit"),
    ("year", "year()", "the year"),
    ("month", "month()", "the month, 0-11"),
    ("date", "date()", "the day of the month, 1-31"),
    ("day", "day()", "the day of the week, 0 (Sunday) to 6"),
    ("isoWeekday", "isoWeekday()", "the ISO day of the week, 1 (Monday) to 7"),
    ("hour", "hour()", "the hour"),
    ("minute", "minute()", "the minute"),
    ("week", "week()", "the week of the year (locale)"),
    ("isoWeek", "isoWeek()", "the ISO week of the year"),
    ("dayOfYear", "dayOfYear()", "the day of the year"),
    ("daysInMonth", "daysInMonth()", "the number of days in the month"),
    ("clone", "clone()", "a copy"),
)
_MOMENT_TEXT = frozenset({"format", "toISOString"})
MATH_MEMBERS: tuple[tuple[str, str, str], ...] = (
    ("floor", "floor(${1})", "round down"),
    ("ceil", "ceil(${1})", "round up"),
    ("round", "round(${1})", "round to the nearest integer"),
    ("abs", "abs(${1})", "absolute value"),
    ("max", "max(${1})", "the largest argument"),
    ("min", "min(${1})", "the smallest argument"),
    ("pow", "pow(${1}, ${2})", "power"),
    ("sqrt", "sqrt(${1})", "square root"),
    ("random", "random()", "a random number in [0, 1)"),
    ("PI", "PI", "π"),
)
JSON_MEMBERS: tuple[tuple[str, str, str], ...] = (
    ("stringify", "stringify(${1})", "JSON text of a value"),
    ("parse", "parse(${1})", "the value of a JSON text"),
)
STRING_MEMBERS: tuple[tuple[str, str, str], ...] = (
    ("length", "length", "the number of characters"),
    ("replace", "replace(${1:'-'}, ${2:''})", "replace the first match (a /regex/g: all)"),
    ("split", "split(${1:','})", "split into an array"),
    ("substring", "substring(${1:0}, ${2})", "the characters between two indexes"),
    ("slice", "slice(${1:0}, ${2})", "a part, negative indexes count from the end"),
    ("indexOf", "indexOf(${1})", "the index of a text, or -1"),
    ("toUpperCase", "toUpperCase()", "upper case"),
    ("toLowerCase", "toLowerCase()", "lower case"),
    ("trim", "trim()", "without surrounding whitespace"),
    ("charAt", "charAt(${1:0})", "the character at an index"),
)
_JS_CLASSES = frozenset({"Math", "JSON", "Date", "Object", "Array", "String", "Number", "RegExp"})


def complete(snap: Snapshot, offset: int) -> types.CompletionList:
    """Completion items at `offset` (an empty list when nothing fits; never raises)."""
    try:
        return _complete(snap, offset)
    except Exception:  # features must survive any input
        return types.CompletionList(is_incomplete=False, items=[])


def should_complete(snap: Snapshot, offset: int, character: str | None) -> bool:
    """Whether a completion triggered by `character` is worth computing.

    A space triggers only right after `key: ` or `!include ` (a value starts) or inside a
    `${`; other trigger characters and manual invocations always do.
    """
    if character != " ":
        return True
    text = snap.text
    before = text[max(0, offset - 2) : offset]
    if before == ": " or text[max(0, offset - 9) : offset] == "!include ":
        return True
    ctx = locate(snap, offset)
    return ctx.expr is not None


def _complete(snap: Snapshot, offset: int) -> types.CompletionList:
    ctx = locate(snap, offset)
    if ctx.kind == "none":
        return _EMPTY
    b = _Builder(snap, ctx)
    if ctx.expr is not None:
        _expression(b)
    elif ctx.kind == "key":
        _keys(b)
    else:
        _values(b)
    return types.CompletionList(is_incomplete=b.incomplete, items=b.items)


# -- building items ----------------------------------------------------------------------


class _Builder:
    def __init__(self, snap: Snapshot, ctx: CursorContext) -> None:
        self.snap = snap
        self.ctx = ctx
        self.items: list[types.CompletionItem] = []
        self.incomplete = False
        self._labels: set[str] = set()
        self._ranges: dict[tuple[int, int], types.Range] = {}

    def add(
        self,
        label: str,
        kind: types.CompletionItemKind,
        new_text: str,
        span: Span,
        *,
        rank: int = 5,
        snippet: bool = False,
        detail: str | None = None,
        doc: str | None = None,
        filter_text: str | None = None,
        retrigger: bool = False,
        label_detail: str | None = None,
    ) -> None:
        if label in self._labels:
            return
        self._labels.add(label)
        self.items.append(
            types.CompletionItem(
                label=label,
                kind=kind,
                detail=detail,
                documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc)
                if doc
                else None,
                sort_text=f"{rank}{len(self.items):05d}",
                filter_text=filter_text,
                text_edit=types.TextEdit(range=self._range(span), new_text=new_text),
                insert_text_format=types.InsertTextFormat.Snippet
                if snippet
                else types.InsertTextFormat.PlainText,
                insert_text_mode=types.InsertTextMode.AsIs if "\n" in new_text else None,
                command=RETRIGGER if retrigger else None,
                label_details=types.CompletionItemLabelDetails(description=label_detail)
                if label_detail
                else None,
            )
        )

    def _range(self, span: Span) -> types.Range:
        """The LSP range of `span` (items mostly share one: computed once)."""
        key = (span.start, span.end)
        found = self._ranges.get(key)
        if found is None:
            found = self._ranges[key] = self.snap.range(span)
        return found


def operators_of(snap: Snapshot) -> dict[str, OperatorSpec]:
    """Built-in and plugin operator specs for a snapshot (loaded once per snapshot)."""
    found = snap.memo.get("operators")
    if isinstance(found, dict):
        return found
    try:
        ops = load_operators(snap.config.plugin_schemas)
    except (SchemaError, OSError):
        ops = load_operators()
    snap.memo["operators"] = ops
    return ops


def _indent_unit(snap: Snapshot) -> int:
    """The document's indentation step (2 when nothing is indented yet)."""
    found = snap.memo.get("completion.indent")
    if isinstance(found, int):
        return found
    unit = 2
    lines = _lines(snap)
    for n in range(min(lines.count, 400)):
        indent = lines.indent(n)
        if indent > 0 and not lines.is_blank(n):
            unit = indent if indent <= 8 else 2
            break
    snap.memo["completion.indent"] = unit
    return unit


def _esc(text: str) -> str:
    """Text as literal snippet content."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _types_of(schema: dict[str, Any] | Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    found = schema.get("type")
    if isinstance(found, str):
        return [found]
    if isinstance(found, list):
        return [t for t in found if isinstance(t, str)]
    if "enum" in schema:
        return ["string"]
    return []


def type_label(schema: Mapping_[str, Any]) -> str:
    names = [t for t in _types_of(schema) if t != "null"]
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    return " | ".join(names) if names else "any"


def resolve_ref(schema: Any) -> dict[str, Any]:
    """A property schema with a local `$ref` inlined (its own keys win)."""
    if not isinstance(schema, dict):
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        target = directives_schema().get("definitions", {}).get(ref.rsplit("/", 1)[1], {})
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _value_snippet(schema: dict[str, Any], column: int, unit: int, n: int = 1) -> str:
    """What follows `key:` in a snippet for a value of this schema."""
    schema = resolve_ref(schema)
    kinds = _types_of(schema)
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, str | int | bool) for v in enum):
        choices = ",".join(_esc(str(v)).replace(",", "\\,").replace("|", "\\|") for v in enum)
        return f" ${{{n}|{choices}|}}"
    if kinds[:1] == ["boolean"] or ("boolean" in kinds and "object" in kinds):
        return f" ${{{n}|true,false|}}"
    example = example_of(schema)
    if kinds and kinds[0] == "object" and "integer" not in kinds:
        return "\n" + " " * (column + unit) + f"${n}"
    if kinds and kinds[0] == "array":
        return f" [${n}]"
    if example is not None:
        return f" ${{{n}:{_esc(str(example))}}}"
    return f" ${n}"


def example_of(schema: dict[str, Any]) -> Any:
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and not isinstance(examples[0], dict | list):
        return examples[0]
    default = schema.get("default")
    if default is not None and not isinstance(default, dict | list | bool):
        return default
    return None


def schema_facts(prop: dict[str, Any]) -> list[str]:
    """Type, default and example of a schema property, as short markdown phrases."""
    facts = [f"type: `{type_label(prop)}`"]
    if prop.get("default") is not None:
        facts.append(f"default: `{md_value(prop['default'])}`")
    example = example_of(prop)
    if example is not None and example != prop.get("default"):
        facts.append(f"example: `{md_value(example)}`")
    return facts


def md_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


# -- keys --------------------------------------------------------------------------------


def _keys(b: _Builder) -> None:
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
            _snippets(b, present)
    elif where == "export":
        _directives(b, "export", present)
        _namespaces(b, present)
    else:
        schema = schema_at(b.snap, ctx)
        if schema is not None:
            _schema_keys(b, schema, present)
        elif ctx.inner[:1] == ("_export",) and len(ctx.inner) == 2:
            _namespace_params(b, ctx.inner[1], present)


def _key_span(ctx: CursorContext) -> Span:
    return Span(ctx.start, max(ctx.end, ctx.offset))


def _key_text(b: _Builder, name: str, value: str) -> tuple[str, bool]:
    """The insert text for `name` with its value snippet; plain when the colon is there."""
    if b.ctx.has_colon or b.ctx.quote is not None:
        return _esc(name), True
    if b.ctx.flow:
        value = value if not value.startswith("\n") else " $1"
    return f"{_esc(name)}:{value}", True


def _operators(b: _Builder) -> None:
    ctx = b.ctx
    unit = _indent_unit(b.snap)
    for _name, spec in sorted(operators_of(b.snap).items()):
        command = spec.command
        if command is None:
            value = "\n" + " " * ctx.column + "$0"
        else:
            schema = dict(command.type)
            prop = spec.schema.get("properties", {}).get(spec.key, {})
            if isinstance(prop, dict) and "examples" in prop:
                schema["examples"] = prop["examples"]
            kinds = _types_of(schema)
            if kinds and kinds[0] == "object":
                value = "\n" + " " * (ctx.column + unit) + "$1"
            elif kinds and kinds[0] == "boolean":
                value = " $1"
            else:
                value = _value_snippet(schema, ctx.column, unit)
        text, snippet = _key_text(b, spec.key, value)
        retrigger = _names_file(spec, "_command") and not ctx.has_colon
        b.add(
            spec.key,
            types.CompletionItemKind.Function,
            text,
            _key_span(ctx),
            rank=1,
            snippet=snippet,
            detail=first_sentence(spec.summary),
            doc=_operator_doc(spec),
            retrigger=retrigger,
            label_detail="operator",
        )


def first_sentence(text: str) -> str:
    """The first sentence of a description (for one-line details)."""
    end = text.find(". ")
    return text[: end + 1] if end >= 0 else text


def _operator_doc(spec: OperatorSpec) -> str:
    lines = [f"**{spec.key}** — {spec.summary}"]
    required = [p for p in spec.params.values() if p.required]
    if spec.command is not None and spec.command.description:
        lines.append(f"command: {spec.command.description}")
    if required:
        lines.append("required: " + ", ".join(f"`{p.name}`" for p in required))
    if spec.docs_url:
        lines.append(f"[documentation]({spec.docs_url})")
    return "\n\n".join(lines)


def _params(b: _Builder, spec: OperatorSpec, present: set[str], defaults: bool = False) -> None:
    """Params of `spec` not written yet (`defaults`: as defaults under `_export.<ns>`)."""
    ctx = b.ctx
    unit = _indent_unit(b.snap)
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
            _key_span(ctx),
            rank=0 if required else 1,
            snippet=snippet,
            detail=_param_detail(param) if not defaults else f"{spec.key} {type_label(param.type)}",
            doc=param_doc(param),
            retrigger=_names_file(spec, param.name) and not ctx.has_colon,
            label_detail="required" if required else None,
        )


def _names_file(spec: OperatorSpec, name: str) -> bool:
    """True when the value of param `name` is itself an input file path."""
    return any(
        fp.param == name and fp.path is None and fp.direction == "input" and not fp.heuristic
        for fp in spec.file_params
    )


def _param_detail(param: ParamSpec) -> str:
    text = type_label(dict(param.type, enum=list(param.enum)) if param.enum else param.type)
    if param.default is not None:
        text += f" = {md_value(param.default)}"
    elif param.default_note:
        text += f" ({param.default_note})"
    if param.required:
        text += ", required"
    return text


def param_doc(param: ParamSpec) -> str:
    """Markdown for an operator param: description, type, default, values, file kind."""
    parts = [param.description] if param.description else []
    facts = [f"type: `{type_label(param.type)}`"]
    if param.required:
        facts.append("required")
    if param.default is not None:
        facts.append(f"default: `{md_value(param.default)}`")
    elif param.default_note:
        facts.append(f"default: {param.default_note}")
    parts.append(", ".join(facts))
    if param.enum:
        parts.append("values: " + ", ".join(f"`{md_value(v)}`" for v in param.enum))
    if param.is_file and param.file_kind:
        parts.append(f"names a file: {param.file_kind.replace('_', ' ')}")
    return "\n\n".join(parts)


def _context_allows(spec: DirectiveSpec, where: str, operator: str | None) -> bool:
    if where == "task":
        return "group" in spec.effective or ("operator" in spec.effective and not spec.operators)
    if where not in spec.effective:
        return False
    if where == "operator" and spec.operators:
        return operator in spec.operators
    return True


def _directives(b: _Builder, where: str, present: set[str]) -> None:
    ctx = b.ctx
    unit = _indent_unit(b.snap)
    for name, spec in load_directives().items():
        if name in present or not _context_allows(spec, where, ctx.operator):
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
            _key_span(ctx),
            rank=2,
            snippet=snippet,
            detail="top-level key" if not name.startswith("_") else "directive",
            doc=directive_doc(spec),
            retrigger=retrigger,
        )


def directive_doc(spec: DirectiveSpec) -> str:
    """Markdown for a directive or top-level key."""
    parts = [spec.description]
    facts = [f"type: `{type_label(spec.type)}`"]
    if spec.default is not None:
        facts.append(f"default: `{md_value(spec.default)}`")
    parts.append(", ".join(facts))
    if spec.operators:
        parts.append("on " + ", ".join(f"`{o}>`" for o in spec.operators))
    if spec.docs_url:
        parts.append(f"[documentation]({spec.docs_url})")
    return "\n\n".join(p for p in parts if p)


def _namespaces(b: _Builder, present: set[str]) -> None:
    """`td:`, `pg:`... in `_export`: defaults for every task of those operators below."""
    ctx = b.ctx
    unit = _indent_unit(b.snap)
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
            _key_span(ctx),
            rank=4,
            snippet=snippet,
            detail="defaults for " + ", ".join(users),
            doc=f"params under `{ns}:` are defaults for {', '.join(f'`{u}`' for u in users)}",
            retrigger=not ctx.has_colon,
        )


def _namespace_params(b: _Builder, namespace: str, present: set[str]) -> None:
    for spec in operators_of(b.snap).values():
        if namespace in spec.nested_defaults:
            _params(b, spec, present, defaults=True)


def schema_at(snap: Snapshot, ctx: CursorContext) -> dict[str, Any] | None:
    """The JSON schema of the mapping at the cursor (below a directive, param or command)."""
    inner = ctx.inner
    if not inner:
        return None
    head = inner[0]
    schema: dict[str, Any] | None = None
    directive = load_directives().get(head)
    if directive is not None and (ctx.task_path or head in ("schedule", "sla", "_retry")):
        schema = dict(directive.type)
    elif ctx.operator is not None:
        spec = operators_of(snap).get(ctx.operator)
        if spec is not None:
            param = spec.param(head)
            if param is not None:
                schema = dict(param.type)
    elif directive is not None:
        schema = dict(directive.type)
    for key in inner[1:]:
        if schema is None:
            return None
        if key == "-":
            schema = resolve_ref(schema.get("items"))
        else:
            schema = resolve_ref((schema.get("properties") or {}).get(key))
    return schema if schema else None


def _schema_keys(b: _Builder, schema: dict[str, Any], present: set[str]) -> None:
    ctx = b.ctx
    unit = _indent_unit(b.snap)
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
            _key_span(ctx),
            rank=0 if name.endswith(">") else 1,
            snippet=snippet,
            detail=type_label(prop),
            doc="\n\n".join(p for p in (desc, ", ".join(facts)) if p),
        )


@dataclass(frozen=True)
class _Snippet:
    label: str
    operators: tuple[str, ...]  # the operators it uses (offered only when they exist)
    detail: str
    body: str  # with {i1}, {i2} for indentation and {name} for the task name placeholder


_TASK_SNIPPETS = (
    _Snippet("+task sh>", ("sh",), "a task running a shell command",
             "+${{1:{name}}}:\n{i1}sh>: ${{2:echo hello}}"),
    _Snippet("+task py>", ("py",), "a task calling a Python function",
             "+${{1:{name}}}:\n{i1}py>: ${{2:tasks.module.function}}"),
    _Snippet("+task call>", ("call",), "a task running another workflow file",
             "+${{1:{name}}}:\n{i1}call>: ${{2:other.dig}}"),
    _Snippet("+group _parallel", (), "a group whose tasks run in parallel",
             "+${{1:{name}}}:\n{i1}_parallel: true\n{i1}+${{2:first}}:\n{i2}${{3:echo>: first}}"
             "\n{i1}+${{4:second}}:\n{i2}${{5:echo>: second}}"),
    _Snippet("+for_each _do", ("for_each",), "a loop over values",
             "+${{1:{name}}}:\n{i1}for_each>:\n{i2}${{2:item}}: [${{3:a, b}}]\n{i1}_do:"
             "\n{i2}echo>: \\${{${{2:item}}\\}}"),
    _Snippet("+if _do _else_do", ("if",), "a condition with both branches",
             "+${{1:{name}}}:\n{i1}if>: \\${{${{2:condition}}\\}}\n{i1}_do:\n{i2}${{3:echo>: yes}}"
             "\n{i1}_else_do:\n{i2}${{4:echo>: no}}"),
)  # fmt: skip


def _snippets(b: _Builder, present: set[str]) -> None:
    ctx = b.ctx
    ops = operators_of(b.snap)
    unit = _indent_unit(b.snap)
    if ctx.has_colon or ctx.flow or ctx.quote is not None:
        return
    prefix = ctx.prefix
    if prefix and not prefix.startswith(("+", "_")):
        return
    i1, i2 = " " * (ctx.column + unit), " " * (ctx.column + 2 * unit)
    if not prefix.startswith("_"):
        name = _esc(prefix[1:]) if prefix.startswith("+") and len(prefix) > 1 else "name"
        if prefix.startswith("+") and len(prefix) > 1:
            b.incomplete = True
        for snip in _TASK_SNIPPETS:
            if any(op not in ops for op in snip.operators):
                continue
            b.add(
                snip.label,
                types.CompletionItemKind.Snippet,
                snip.body.format(name=name, i1=i1, i2=i2),
                _key_span(ctx),
                rank=6,
                snippet=True,
                detail=snip.detail,
                filter_text=prefix if prefix.startswith("+") else "+" + snip.label[1:],
            )
    if "_error" in present:
        return
    for op in ("mail", "sh"):
        spec = ops.get(op)
        if spec is None:
            continue
        body = f"_error:\n{i1}{spec.key}: "
        n = 2
        if op == "sh":
            body += '${1:echo "failed: \\${error.message\\}"}'
        else:
            body += "${1:error.txt}"
            for param in spec.params.values():
                if param.required:
                    value = f"${{{n}:{_esc(param.name)}}}"
                    if "array" in _types_of(param.type):
                        value = f"[{value}]"
                    body += f"\n{i1}{param.name}: {value}"
                    n += 1
        b.add(
            f"_error {spec.key}",
            types.CompletionItemKind.Snippet,
            body,
            _key_span(ctx),
            rank=7,
            snippet=True,
            detail=f"an error handler with {spec.key}",
            filter_text="_error " + spec.key,
        )


# -- values ------------------------------------------------------------------------------


def _values(b: _Builder) -> None:
    ctx = b.ctx
    key = ctx.key
    span = Span(ctx.start, ctx.offset)
    if ctx.tag == INCLUDE_TAG:
        _paths(b, "include", ctx.start, None)
        return
    if key is None:
        return
    ops = operators_of(b.snap)
    where = ctx.where
    if where in ("top", "group", "task", "operator"):
        if key.endswith(">") and key[:-1] in ops and not ctx.sequence:
            _command_values(b, ops[key[:-1]])
            return
        directive = load_directives().get(key)
        if directive is not None and _context_allows(directive, where, ctx.operator):
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


def _schema_values(b: _Builder, schema: dict[str, Any], span: Span) -> None:
    kinds = _types_of(schema)
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


def _param_values(b: _Builder, spec: OperatorSpec, param: ParamSpec, span: Span) -> None:
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


def _command_values(b: _Builder, spec: OperatorSpec) -> None:
    command = spec.command
    if command is None:
        return
    span = Span(b.ctx.start, b.ctx.offset)
    schema = dict(command.type)
    if command.enum:
        schema["enum"] = list(command.enum)
    if "enum" in schema or _types_of(schema)[:1] == ["boolean"]:
        _schema_values(b, schema, span)
    for fp in spec.file_params:
        if fp.param == "_command" and fp.path is None:
            _file_values(b, fp)
            return


def _file_values(b: _Builder, fp: FileParamSpec) -> None:
    ctx = b.ctx
    if fp.kind == "workflow_name":
        _workflow_names(b)
    elif fp.kind == "python_module":
        _python_paths(b)
    elif fp.heuristic:
        word = b.snap.text[ctx.word_start : ctx.offset]
        before = b.snap.text[ctx.start : ctx.word_start].split()
        if "/" in word or (before and os.path.basename(before[-1]) in INTERPRETERS):
            _paths(b, fp.kind, ctx.word_start, None)
    else:
        _paths(b, fp.kind, ctx.start, fp.suffix)


def _timezones(b: _Builder, span: Span) -> None:
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


# -- paths -------------------------------------------------------------------------------


def _workdir(snap: Snapshot) -> str | None:
    path = snap.path
    return os.path.dirname(os.path.abspath(path)) if path is not None else None


def _listing(snap: Snapshot, folder: str) -> list[tuple[str, bool]]:
    """(name, is_dir) of the visible entries of a folder (cached per snapshot)."""
    cache = snap.memo.setdefault("completion.dirs", {})
    assert isinstance(cache, dict)
    found = cache.get(folder)
    if found is None:
        found = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    name = entry.name
                    if name.startswith(".") or name in SKIPPED_DIRS:
                        continue
                    try:
                        found.append((name, entry.is_dir()))
                    except OSError:
                        continue
        except OSError:
            found = []
        found.sort()
        cache[folder] = found
    return list(found)


def _paths(b: _Builder, kind: str, start: int, suffix: str | None) -> None:
    """Files and folders for the path written from `start` to the cursor."""
    workdir = _workdir(b.snap)
    if workdir is None:
        return
    typed = b.snap.text[start : b.ctx.offset]
    if "${" in typed or "://" in typed or typed.startswith(("/", "~")):
        return
    slash = typed.rfind("/")
    folder = os.path.normpath(os.path.join(workdir, typed[: slash + 1]))
    span = Span(start + slash + 1, b.ctx.offset)
    preferred = _PREFERRED.get(kind, ())
    own = os.path.abspath(b.snap.path or "")
    for name, is_dir in _listing(b.snap, folder):
        if is_dir:
            b.add(name + "/", types.CompletionItemKind.Folder, name + "/", span, rank=1,
                  retrigger=True)  # fmt: skip
            continue
        if os.path.join(folder, name) == own:
            continue
        ext = os.path.splitext(name)[1]
        if suffix is not None and ext != suffix:
            continue
        rank = 0 if ext in preferred or suffix else 2
        b.add(name, types.CompletionItemKind.File, name, span, rank=rank)
        if suffix is not None:
            bare = name[: -len(suffix)]
            b.add(bare, types.CompletionItemKind.File, bare, span, rank=rank + 1,
                  detail=f"{name} (Digdag adds `{suffix}`)")  # fmt: skip


def _workflow_names(b: _Builder) -> None:
    project = b.snap.project
    if project is None:
        return
    span = Span(b.ctx.start, b.ctx.offset)
    own = b.snap.path
    for name in project.workflow_names():
        if own is not None and os.path.basename(own) == name + ".dig":
            continue
        b.add(name, types.CompletionItemKind.Module, name, span, rank=0,
              detail=f"{name}.dig")  # fmt: skip


def _python_paths(b: _Builder) -> None:
    """`py>` targets: packages and modules under the working directory, then their names."""
    workdir = _workdir(b.snap)
    if workdir is None:
        return
    typed = b.snap.text[b.ctx.start : b.ctx.offset]
    if not all(part.isidentifier() for part in typed.split(".")[:-1]):
        return
    parts = typed.split(".")
    done = parts[:-1]
    span = Span(b.ctx.start + len(typed) - len(parts[-1]), b.ctx.offset)
    folder = workdir
    i = 0
    while i < len(done) and os.path.isdir(os.path.join(folder, done[i])):
        folder = os.path.join(folder, done[i])
        i += 1
    rest = done[i:]
    if not rest:
        for name, is_dir in _listing(b.snap, folder):
            if is_dir and name.isidentifier() and _has_python(b.snap, os.path.join(folder, name)):
                b.add(name, types.CompletionItemKind.Module, name, span, rank=0,
                      detail="package")  # fmt: skip
            elif name.endswith(".py") and name[:-3].isidentifier() and name != "__init__.py":
                b.add(name[:-3], types.CompletionItemKind.Module, name[:-3], span, rank=0,
                      detail="module")  # fmt: skip
        init = os.path.join(folder, "__init__.py")
        if done and os.path.isfile(init):
            _python_names(b, init, [], span)
        return
    module = os.path.join(folder, rest[0] + ".py")
    if os.path.isfile(module):
        _python_names(b, module, rest[1:], span)


def _has_python(snap: Snapshot, folder: str) -> bool:
    return any(
        name.endswith(".py") or (is_dir and name.isidentifier())
        for name, is_dir in _listing(snap, folder)
    )


def _python_names(b: _Builder, module: str, inside: list[str], span: Span) -> None:
    names = _module_names(module, _mtime(module))
    for part in inside:
        nested = names.get(part)
        if nested is None:
            return
        names = nested[1]
    for name, (kind, _members) in names.items():
        if name.startswith("_"):
            continue
        item_kind = {
            "class": types.CompletionItemKind.Class,
            "function": types.CompletionItemKind.Function,
            "method": types.CompletionItemKind.Method,
        }[kind]
        b.add(name, item_kind, name, span, rank=0, detail=kind)


_PyNames = dict[str, tuple[str, "_PyNames"]]


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


@functools.lru_cache(maxsize=256)
def _module_names(path: str, mtime: int) -> _PyNames:
    """Top-level classes and functions of a Python file, with the methods of classes."""
    del mtime  # part of the cache key
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return {}
    found: _PyNames = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = ("function", {})
        elif isinstance(node, ast.ClassDef):
            methods: _PyNames = {
                m.name: ("method", {})
                for m in node.body
                if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
            }
            found[node.name] = ("class", methods)
    return found


# -- expressions -------------------------------------------------------------------------


@dataclass
class _Names:
    """Names visible in a `${...}`, with origins."""

    names: dict[str, Origin]
    task: Task | None


def _scope(b: _Builder) -> _Names:
    snap, ctx = b.snap, b.ctx
    task = ctx.task
    template = _template_at(task, snap, ctx.offset) if task is not None else None
    if template is None and task is None:
        found = query.expr_at(snap, ctx.offset) if snap.document.workflow is not None else None
        if found is not None:
            task, template = found.task, found.template
    if template is not None and task is not None:
        scope = scope_near(snap, task, template, ctx.task_path)
        return _Names(dict(scope.names), task)
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
        return _Names(names, task)
    return _Names(_fallback_names(snap), None)


def _template_at(task: Task, snap: Snapshot, offset: int) -> Template | None:
    """The template of `task`'s own keys whose `${...}` holds `offset`."""
    for template in task.local_templates():
        if (
            template.source is snap.source
            and template.span.contains(offset)
            and any(e.placeholder.contains(offset) for e in template.exprs)
        ):
            return template
    return None


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
    context = Context(snap.document, snap.config, snap.project, snap.fragment)
    an = snap.memo.get("completion.analyzer")
    if not isinstance(an, Analyzer):
        an = analyzer_for(context)
        snap.memo["completion.analyzer"] = an
    base = snap.memo.get("completion.base")
    if not isinstance(base, Scope):
        base = base_scope(wf, context)
        if snap.project is not None and snap.path is not None:
            callers = caller_scope(context, snap.path, depth=0)
            if callers is not None:
                base.merge(callers)
        snap.memo["completion.base"] = base
    env = base
    own = env
    for i, node in enumerate(chain):
        own = env.child()
        _add_exports(own, node.export)
        if i == len(chain) - 1:
            break
        nxt = chain[i + 1]
        env = own.child()
        if any(c is nxt for c in node.children):
            if node.parallel is None or node.parallel.enabled is False:
                for sibling in node.children:
                    if sibling is nxt:
                        break
                    env.merge(_stored(an, sibling))
        elif nxt is node.do or nxt is node.else_do:
            op = node.operator
            if op is not None and op.name is not None:
                for name in an.child_exports.get(op.name, ()):
                    env.add(name, Origin("loop", f"set by `{op.name}>` for each iteration"))
                if op.name == "for_each":
                    Analyzer._for_each_names(op.command, env)
        else:
            env.merge(_stored(an, node))
            if nxt is node.error:
                env.add("error", Origin("error", "the error of the failed task"))
    scope = own.child()
    if template is not None:
        for name, value in earlier_keys(task, template):
            if name not in scope.names:
                scope.add(name, Origin("local", "a key of this task written before", value=value))
    return scope


def _chain(root: Task, target: Task, keys: tuple[str, ...] = ()) -> list[Task] | None:
    """The tasks from `root` down to `target` (children and special tasks)."""
    if keys:
        chain = [root]
        for key in keys:
            node = chain[-1]
            if key.startswith("+"):
                found = next((c for c in node.children if c.name == key), None)
            else:
                found = getattr(node, _SPECIAL.get(key, "error"), None)
            if found is None:
                break
            chain.append(found)
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


_SPECIAL = {"_error": "error", "_check": "check", "_do": "do", "_else_do": "else_do"}


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
        op = node.operator
        if node.kind is TaskKind.OPERATOR:
            name = op.name if op is not None else None
            if name is None or name in OPAQUE_OPERATORS or name not in an.known_operators:
                stored.open = True
            else:
                for root in an.stores.get(name, ()):
                    detail = f"stored by `{name}>` in `{node.full_name}`"
                    stored.add(root, Origin("store", detail, task=node))
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
    lines = _lines(snap)
    for n in range(lines.count):
        raw = lines.raw(n)
        if "_export" not in raw:
            continue
        line = _parse_line(raw)
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


def _expression(b: _Builder) -> None:
    ctx = b.ctx
    e = ctx.expr
    assert e is not None
    if e.in_string:
        return
    span = Span(e.prefix_start, ctx.offset)
    scope = _scope(b)
    if not e.receiver:
        _variables(b, scope, span)
    else:
        _members(b, scope, e.receiver, span)


def _variables(b: _Builder, scope: _Names, span: Span) -> None:
    builtins = {v.name: v for v in builtin_variables()}
    order = {name: i for i, name in enumerate(builtins)}
    # the scope lists outer definitions first: show the nearest first
    nearest = {name: -i for i, name in enumerate(scope.names)}
    owners = export_owners(b.snap)
    ordered = sorted(
        scope.names.items(),
        key=lambda item: (
            _origin_rank(item[1]),
            order.get(item[0], nearest[item[0]] if item[1].kind != "builtin" else len(order)),
            item[0],
        ),
    )
    directives = load_directives()
    for name, origin in ordered:
        if name == "this" or (origin.kind == "local" and name in directives):
            continue
        js = origin.kind == "builtin" and name in JS_GLOBALS and name not in builtins
        if js:
            kind = (
                types.CompletionItemKind.Class
                if name in _JS_CLASSES
                else types.CompletionItemKind.Function
                if name[0].islower() and name not in ("undefined",)
                else types.CompletionItemKind.Constant
            )
        else:
            kind = types.CompletionItemKind.Variable
        b.add(
            name,
            kind,
            name,
            span,
            rank=_origin_rank(origin),
            detail=origin_detail(b.snap, name, origin, owners),
            doc=origin_doc(b.snap, name, origin, builtins, owners),
        )


def _origin_rank(origin: Origin) -> int:
    if origin.kind in ("local", "loop", "error"):
        return 0
    if origin.kind in ("export", "store", "config"):
        return 1
    if origin.kind == "builtin" and origin.detail == "a JavaScript global":
        return 3
    return 2


def export_owners(snap: Snapshot) -> dict[int, Task]:
    """The task whose `_export` holds each key, by the key node's id (once per snapshot)."""
    found = snap.memo.get("completion.export_owners")
    if isinstance(found, dict):
        return found
    owners: dict[int, Task] = {}
    wf = snap.document.workflow
    if wf is not None:
        for task in wf.walk_tasks():
            if isinstance(task.export, Mapping):
                for entry in task.export.entries:
                    owners[id(entry.key)] = task
    snap.memo["completion.export_owners"] = owners
    return owners


def _where_file(snap: Snapshot, node: Scalar) -> str:
    path = node.source.path
    if path is None or path == snap.path:
        return ""
    project = snap.project
    rel = project.relpath(path) if project is not None else os.path.basename(path)
    return f" in `{rel}`"


def origin_detail(snap: Snapshot, name: str, origin: Origin, owners: dict[int, Task]) -> str:
    """One line saying where a visible name comes from."""
    kind = origin.kind
    if kind == "builtin":
        return "JavaScript global" if origin.detail == "a JavaScript global" else "built-in"
    if kind == "export":
        key = origin.key
        if key is None:
            return "`_export`"
        task = owners.get(id(key))
        where = _where_file(snap, key)
        if task is None or task.key is None:
            return f"`_export` at the top level{where}"
        return f"`_export` of `{task.name}`{where}"
    if kind == "store":
        return origin.detail or "stored by an earlier task"
    if kind == "loop":
        return "loop variable"
    if kind == "error":
        return "error of the failed task"
    if kind == "config":
        return "parameter declared in the diglint config"
    if kind == "local":
        return "a key of this task"
    return origin.detail or kind


def origin_doc(
    snap: Snapshot,
    name: str,
    origin: Origin,
    builtins: dict[str, BuiltinVar],
    owners: dict[int, Task],
) -> str | None:
    """Markdown about a visible name: description and example, or its defining literal."""
    var = builtins.get(name)
    if origin.kind in ("builtin", "error") and var is not None:
        text: str = var.description
        if var.example is not None:
            text += f"\n\nexample: `{_js_text(var.example)}`"
        return text
    if origin.kind == "store":
        task = origin.task
        op = task.operator if task is not None else None
        spec = operators_of(snap).get(op.name) if op is not None and op.name else None
        if spec is None:
            return origin.detail or None
        stored = [s for s in spec.stores if s.name.split(".")[0] == name]
        lines = [origin.detail] + [f"- `{s.name}`: {s.description}" for s in stored]
        return "\n".join(lines)
    if origin.key is not None and origin.value is not None:
        return literal_block(origin.key, origin.value)
    if origin.kind == "local" and origin.value is not None:
        return f"```yaml\n{name}: {_short(origin.value)}\n```"
    return origin.detail or None


def literal_block(key: Scalar, value: Value) -> str:
    """A YAML block showing `key: value` as written (long values shortened)."""
    return f"```yaml\n{key.text}: {_short(value)}\n```"


def _short(value: Value) -> str:
    text = value.source.slice(value.span)
    if "\n" in text or len(text) > 120:
        lines = text.splitlines()
        text = lines[0][:117] + " …" if lines else ""
    return text


def _js_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value)
    return str(value)


def _members(b: _Builder, scope: _Names, receiver: tuple[str, ...], span: Span) -> None:
    root = receiver[0]
    origin = scope.names.get(root)
    if root == "moment()" or (root.endswith("()") and root[:-2] == "moment"):
        if all(seg.endswith("()") and seg[:-2] not in _MOMENT_TEXT for seg in receiver[1:]):
            _methods(b, MOMENT_METHODS, span)
        elif receiver[-1][:-2] in _MOMENT_TEXT:
            _methods(b, STRING_MEMBERS, span)
        return
    if root == '""':
        _methods(b, STRING_MEMBERS, span)
        return
    if root == "Math" and len(receiver) == 1 and _js_global(origin):
        _methods(b, MATH_MEMBERS, span)
        return
    if root == "JSON" and len(receiver) == 1 and _js_global(origin):
        _methods(b, JSON_MEMBERS, span)
        return
    if origin is None:
        return
    path = receiver[1:]
    if any(seg.endswith(("()", "[]")) for seg in path) or root.endswith(("()", "[]")):
        return
    if origin.kind == "store":
        _stored_members(b, origin, root, path, span)
    elif origin.kind == "error" or root == "error":
        _error_members(b, path, span)
    elif isinstance(origin.value, Mapping):
        _mapping_members(b, origin.value, path, span)
    elif origin.kind == "builtin" and not path:
        var = next((v for v in builtin_variables() if v.name == root), None)
        if var is not None and var.type == "string":
            _methods(b, STRING_MEMBERS, span)
    elif isinstance(origin.value, Scalar) and origin.value.is_string and not path:
        _methods(b, STRING_MEMBERS, span)


def _js_global(origin: Origin | None) -> bool:
    return origin is None or (origin.kind == "builtin" and origin.detail == "a JavaScript global")


def _methods(b: _Builder, members: Iterable[tuple[str, str, str]], span: Span) -> None:
    for name, snippet, desc in members:
        kind = (
            types.CompletionItemKind.Method
            if snippet.endswith(")")
            else types.CompletionItemKind.Property
        )
        b.add(name, kind, snippet, span, rank=0, snippet=True, detail=desc)


def _stored_members(
    b: _Builder, origin: Origin, root: str, path: tuple[str, ...], span: Span
) -> None:
    ops = operators_of(b.snap)
    task = origin.task
    op = task.operator if task is not None else None
    specs = [ops[op.name]] if op is not None and op.name in ops else list(ops.values())
    prefix = ".".join((root, *path)) + "."
    for spec in specs:
        for store in spec.stores:
            if not store.name.startswith(prefix):
                continue
            rest = store.name[len(prefix) :].split(".")
            name = rest[0]
            if name == "*" or not name:
                continue
            leaf = len(rest) == 1
            b.add(
                name,
                types.CompletionItemKind.Field,
                name,
                span,
                rank=0,
                detail=f"stored by `{spec.key}`",
                doc=f"`{store.name}`: {store.description}" if leaf else None,
            )


def _error_members(b: _Builder, path: tuple[str, ...], span: Span) -> None:
    var = next((v for v in builtin_variables() if v.name == "error"), None)
    example = var.example if var is not None else None
    for part in path:
        example = example.get(part) if isinstance(example, dict) else None
    if not isinstance(example, dict):
        return
    for name, value in example.items():
        b.add(name, types.CompletionItemKind.Field, name, span, rank=0,
              detail="error of the failed task", doc=f"example: `{_js_text(value)}`")  # fmt: skip


def _mapping_members(b: _Builder, mapping: Mapping, path: tuple[str, ...], span: Span) -> None:
    node: Value | None = mapping
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        return
    for entry in node.entries:
        if not entry.key.is_string or isinstance(entry.key, Template):
            continue
        name = entry.key.text
        b.add(name, types.CompletionItemKind.Field, name, span, rank=0,
              detail="`_export` value", doc=literal_block(entry.key, entry.value))  # fmt: skip
