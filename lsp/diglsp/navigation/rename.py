"""Rename an `_export`ed variable (its definitions and every `${...}` usage, project-wide)
or a task (its `+name` key and the `_after` items naming it), refusing names Digdag or the
expression language would read differently and names that would clash.
"""

from __future__ import annotations

import os
import re

from lsprotocol import types

from diglang.expr.errors import KEYWORDS
from diglang.expr.scope import JS_GLOBALS
from diglang.nodes import Task
from diglang.rules._operator_params import value_span
from diglang.rules.invalid_task_name import MAX_LENGTH, _bad_characters
from diglang.schemas import OperatorSpec, builtin_variables, load_directives, load_operators
from diglang.source import Source, Span
from diglang.values import Mapping, Scalar
from diglang.yamlload import resolve_plain
from diglsp import convert
from diglsp.navigation.locations import View, source_uri
from diglsp.navigation.tasks import after_item_at, parents_of, task_at, task_sites
from diglsp.navigation.variables import KeyId, collect, key_group, key_id, variable_at
from diglsp.workspace import Snapshot

_NAME = re.compile(r"(?:[^\W\d]|\$)[\w$]*")
# Words ECMAScript reserves in strict mode or for the future, besides the keywords.
_RESERVED = frozenset(
    {"implements", "interface", "let", "package", "private", "protected", "public", "static",
     "yield", "await"}
)  # fmt: skip
_FLOW_INDICATORS = frozenset(",[]{}")


def prepare_rename(snap: Snapshot, offset: int) -> types.PrepareRenameResult | None:
    """The range and current name of a renamable variable or task at `offset`, else None."""
    variable = variable_at(snap, offset)
    if variable is not None:
        name, key, span = variable
        if key.source is snap.source and key.span == span:
            span = _scalar_name_span(key) or span
        return types.PrepareRenamePlaceholder(range=snap.range(span), placeholder=name)
    task = task_at(snap, offset)
    if task is not None and task.key is not None:
        item = after_item_at(snap, offset)
        node = item[0] if item is not None else task.key
        if node.source is not snap.source:
            return None
        span = _task_name_span(node) or node.span
        return types.PrepareRenamePlaceholder(range=snap.range(span), placeholder=task.name[1:])
    return None


def rename(snap: Snapshot, offset: int, new_name: str) -> types.WorkspaceEdit:
    """Rename the variable or task at `offset` everywhere in the project.

    Raises ValueError (with a message for the user) for an invalid or conflicting name.
    """
    variable = variable_at(snap, offset)
    if variable is not None:
        return _rename_variable(snap, variable[0], variable[1], new_name.strip())
    task = task_at(snap, offset)
    if task is not None and task.key is not None:
        return _rename_task(snap, task, new_name.strip())
    return types.WorkspaceEdit(changes={})


def check_variable_name(name: str) -> None:
    """Raise ValueError unless `name` can be a `${...}` variable defined by an `_export` key."""
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"`{name}` is not a valid variable name; use letters, digits, `_` and `$`, "
            "not starting with a digit"
        )
    if name in KEYWORDS or name in _RESERVED:
        raise ValueError(f"`{name}` is a JavaScript keyword; choose another variable name")
    if name in JS_GLOBALS or any(v.name == name for v in builtin_variables()):
        raise ValueError(f"`{name}` is a built-in variable of Digdag; choose another name")
    if not isinstance(resolve_plain(name), str):
        raise ValueError(f"YAML reads the key `{name}` as a non-string; choose another name")


def _rename_variable(snap: Snapshot, name: str, key: Scalar, new_name: str) -> types.WorkspaceEdit:
    check_variable_name(new_name)
    if new_name == name:
        return types.WorkspaceEdit(changes={})
    view = View(snap)
    usages = collect(view, name, new_name)
    seed = key_id(key)
    usages.keys.setdefault(seed, key)
    group = key_group(seed, usages)
    _check_definitions(view, group, name, new_name)
    for site in usages.sites.values():
        if site.conflict and site.keys & group:
            line = site.source.index.position(site.span.start).line + 1
            where = os.path.basename(site.source.path) if site.source.path else "this file"
            raise ValueError(
                f"`{new_name}` is already visible where `{name}` is used ({where}, line {line}); "
                "choose another name"
            )
    edits = _Edits(snap)
    for kid in group:
        scalar = usages.keys[kid]
        edits.add(scalar.source, _scalar_name_span(scalar) or scalar.span, new_name)
    for site in usages.sites.values():
        if site.keys & group and site.exact:
            edits.add(site.source, site.span, new_name)
    return edits.result()


def _check_definitions(view: View, group: set[KeyId], name: str, new_name: str) -> None:
    """A definition may not take a name its mapping already has, nor be an operator param."""
    if name in load_directives():
        raise ValueError(f"`{name}` is a Digdag directive; it cannot be renamed")
    operators = _operators(view.snap)
    for fsnap in view.files():
        wf = fsnap.document.workflow
        if wf is None:
            continue
        for task in wf.walk_tasks():
            op = task.operator
            for mapping in (task.export, op.command if op is not None else None):
                if not isinstance(mapping, Mapping):
                    continue
                if not any(key_id(e.key) in group for e in mapping.entries):
                    continue
                if new_name in mapping:
                    raise ValueError(
                        f"`{new_name}` is already defined next to it; choose another name"
                    )
                if mapping is task.export:
                    _check_params(task, name, operators)


def _check_params(task: Task, name: str, operators: dict[str, OperatorSpec]) -> None:
    """Operators below an `_export` read its keys as params too: renaming would change them."""
    for sub in task.walk():
        op = sub.operator
        spec = operators.get(op.name) if op is not None and op.name is not None else None
        if spec is not None and (name in spec.params or name in spec.nested_defaults):
            raise ValueError(
                f"`{name}` is also a parameter of `{spec.key}` (task `{sub.full_name}`); "
                "renaming it would change that task's configuration"
            )


def _operators(snap: Snapshot) -> dict[str, OperatorSpec]:
    try:
        return load_operators(snap.config.plugin_schemas)
    except Exception:  # a broken plugin schema: lint reports it
        return load_operators()


def _scalar_name_span(scalar: Scalar | None, skip: int = 0) -> Span | None:
    """The span of the scalar's text after `skip` characters, when it maps 1:1 to the file."""
    if scalar is None:
        return None
    span = value_span(scalar, skip, len(scalar.text))
    if span == scalar.span and (skip or scalar.style != "plain"):
        return None
    return span


def _task_name_span(key: Scalar) -> Span | None:
    """The span of a task name after its `+` (None when the text is not the name as written)."""
    text = key.text
    if not text.startswith("+"):
        lead = len(text) - len(text.lstrip())
        if not text[lead:].startswith("+"):
            return None
        return _scalar_name_span(key, lead + 1)
    return _scalar_name_span(key, 1)


def check_task_name(name: str) -> str:
    """The task name `+name` for `name` (with or without `+`); ValueError when Digdag rejects it."""
    bare = name[1:] if name.startswith("+") else name
    if not bare:
        raise ValueError("a task name needs at least one character after `+`")
    full = "+" + bare
    bad = _bad_characters(full)
    if bad:
        shown = ", ".join(f"`{ch}`" if ch != "`" else "backtick" for ch in bad)
        raise ValueError(
            f"task name `{full}` contains {shown}; use letters, digits and `_-=[]{{}}%&@,.`"
        )
    if len(full) > MAX_LENGTH:
        raise ValueError(f"task name is {len(full)} characters long; Digdag allows {MAX_LENGTH}")
    return full


def _rename_task(snap: Snapshot, task: Task, new_name: str) -> types.WorkspaceEdit:
    full = check_task_name(new_name)
    if full == task.name:
        return types.WorkspaceEdit(changes={})
    parent = parents_of(snap).get(id(task))
    if parent is not None and any(c.name == full for c in parent.children if c is not task):
        raise ValueError(f"a sibling task is already named `{full}`; choose another name")
    edits = _Edits(snap)
    assert task.key is not None
    quote = bool(_FLOW_INDICATORS & set(full))  # `,[]{}` would break `_after: [+a]`
    for node in (task.key, *task_sites(snap, task)):
        span = _task_name_span(node)
        if span is not None and not (quote and node.style == "plain"):
            edits.add(node.source, span, full[1:])
        else:
            edits.add(node.source, node.span, f'"{full}"')
    return edits.result()


class _Edits:
    """Text edits by document URI."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.edits: dict[str, dict[tuple[int, int], types.TextEdit]] = {}

    def add(self, source: Source, span: Span, text: str) -> None:
        uri = source_uri(self.snap, source)
        if uri is None:
            return
        edit = types.TextEdit(range=convert.to_range(source, span), new_text=text)
        self.edits.setdefault(uri, {})[(span.start, span.end)] = edit

    def result(self) -> types.WorkspaceEdit:
        return types.WorkspaceEdit(
            changes={
                uri: [by_span[k] for k in sorted(by_span)] for uri, by_span in self.edits.items()
            }
        )
