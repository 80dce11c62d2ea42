"""Completion inside `${...}`: the names the task can see, and members after a dot.

Names come nearest first (keys of the task, loop variables, `error`), then `_export`s and
stored values, built-ins and JavaScript globals, each with where it comes from. After a dot:
what an operator stores (`td.last_job_id`), the fields of `error`, the keys of a nested
`_export` mapping, and the methods of `moment(...)`, `Math`, `JSON` and strings.
"""

from __future__ import annotations

from collections.abc import Iterable

from lsprotocol import types

from diglang.expr.scope import JS_GLOBALS
from diglang.schemas import builtin_variables, load_directives
from diglang.scope import Origin
from diglang.source import Span
from diglang.values import Mapping, Scalar, Template, Value
from diglsp.completion.docs import export_owners, js_text, literal_block, origin_detail, origin_doc
from diglsp.completion.items import Builder
from diglsp.completion.schema import operators_of
from diglsp.completion.scope import Names, names_at

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


def expression_items(b: Builder) -> None:
    """Items in an open `${...}`: visible names, or members after a dot."""
    ctx = b.ctx
    e = ctx.expr
    assert e is not None
    if e.in_string:
        return
    span = Span(e.prefix_start, ctx.offset)
    scope = names_at(b.snap, b.ctx)
    if not e.receiver:
        _variables(b, scope, span)
    else:
        _members(b, scope, e.receiver, span)


def _variables(b: Builder, scope: Names, span: Span) -> None:
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


def _members(b: Builder, scope: Names, receiver: tuple[str, ...], span: Span) -> None:
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


def _methods(b: Builder, members: Iterable[tuple[str, str, str]], span: Span) -> None:
    for name, snippet, desc in members:
        kind = (
            types.CompletionItemKind.Method
            if snippet.endswith(")")
            else types.CompletionItemKind.Property
        )
        b.add(name, kind, snippet, span, rank=0, snippet=True, detail=desc)


def _stored_members(
    b: Builder, origin: Origin, root: str, path: tuple[str, ...], span: Span
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


def _error_members(b: Builder, path: tuple[str, ...], span: Span) -> None:
    var = next((v for v in builtin_variables() if v.name == "error"), None)
    example = var.example if var is not None else None
    for part in path:
        example = example.get(part) if isinstance(example, dict) else None
    if not isinstance(example, dict):
        return
    for name, value in example.items():
        b.add(name, types.CompletionItemKind.Field, name, span, rank=0,
              detail="error of the failed task", doc=f"example: `{js_text(value)}`")  # fmt: skip


def _mapping_members(b: Builder, mapping: Mapping, path: tuple[str, ...], span: Span) -> None:
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
