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

Everything about operators and directives comes from `schemas/`. The modules: `keys`,
`snippets`, `values`, `paths`, `expressions` (the items of each kind of place), `scope` (the
visible `${...}` names), `schema` and `docs` (schema look-ups and markdown, shared with
hover), `items` (the item builder).
"""

from __future__ import annotations

from lsprotocol import types

from diglsp.completion.docs import (
    directive_doc,
    export_owners,
    first_sentence,
    literal_block,
    md_value,
    origin_detail,
    param_doc,
    schema_facts,
    type_label,
)
from diglsp.completion.expressions import expression_items
from diglsp.completion.items import Builder
from diglsp.completion.keys import key_items
from diglsp.completion.schema import operators_of, resolve_ref, schema_at
from diglsp.completion.scope import scope_near
from diglsp.completion.values import value_items
from diglsp.locate import locate
from diglsp.workspace import Snapshot

__all__ = [
    "TRIGGER_CHARACTERS",
    "complete",
    "directive_doc",
    "export_owners",
    "first_sentence",
    "literal_block",
    "md_value",
    "operators_of",
    "origin_detail",
    "param_doc",
    "resolve_ref",
    "schema_at",
    "schema_facts",
    "scope_near",
    "should_complete",
    "type_label",
]

# Characters that open a completion by themselves (identifier characters already do in
# most clients): `+` (task snippets), `_` (directives), `{` (after `$`), `.` (members and
# module paths), `/` (directories), ` ` (a value right after `key: `; see should_complete).
TRIGGER_CHARACTERS = ["+", "_", "{", ".", "/", " "]

_EMPTY = types.CompletionList(is_incomplete=False, items=[])


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
    b = Builder(snap, ctx)
    if ctx.expr is not None:
        expression_items(b)
    elif ctx.kind == "key":
        key_items(b)
    else:
        value_items(b)
    return types.CompletionList(is_incomplete=b.incomplete, items=b.items)
