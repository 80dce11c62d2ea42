"""`${...}` variables defined by `_export` and `for_each>` keys, project-wide.

What a name in a `${...}` resolves to (in this workflow, in a workflow `!include`ing it, or
in the workflows `call>`ing it), the variable at the cursor, and every usage of a name in
the project with the definitions each usage may mean, grouped into the definitions that
must be renamed together.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from diglang.nodes import Task
from diglang.rules.undefined_variable import MAX_CALL_DEPTH
from diglang.scope import Origin
from diglang.source import Source, Span
from diglang.values import Mapping, Scalar
from diglsp import query
from diglsp.navigation.locations import View
from diglsp.workspace import Snapshot

KeyId = tuple[str, int]  # (file path, offset) of a defining key
DEFINING = ("export", "loop")  # origins whose key can be renamed with its usages


def resolve(snap: Snapshot, at: query.ExprAt, name: str) -> tuple[Snapshot, Task, Origin] | None:
    """What `name` in the `${...}` `at` means: in this workflow, else in a workflow including it.

    A file `!include`d by others (a fragment) sees what its includer sees at the include.
    """
    origin = query.scope_at(snap, at.task, at.template).names.get(name)
    if origin is not None:
        return snap, at.task, origin
    project, path = snap.project, snap.path
    if project is None or path is None:
        return None
    path = os.path.normpath(os.path.abspath(path))
    view = View(snap)
    for other in project.dig_files():
        if os.path.normpath(other) == path or path not in project.document(other).includes:
            continue
        osnap = view.of(other)
        wf = osnap.document.workflow
        if wf is None:
            continue
        for task, template in wf.walk_templates():
            if template.span == at.template.span and template.source.path == path:
                origin = query.scope_at(osnap, task, template).names.get(name)
                if origin is not None:
                    return osnap, task, origin
    return None


def key_id(key: Scalar) -> KeyId:
    """The identity of a defining key across snapshots: its absolute file path and offset."""
    path = key.source.path
    return (os.path.normpath(os.path.abspath(path)) if path else "", key.span.start)


@dataclass
class Site:
    """A `${...}` usage of the variable and the definitions it may resolve to."""

    source: Source
    span: Span
    exact: bool
    keys: set[KeyId]
    conflict: bool = False  # the new name of a rename is already visible here


@dataclass
class Usages:
    """Every usage of one variable name in a project, resolved to defining keys."""

    name: str
    sites: dict[tuple[str, int, int], Site] = field(default_factory=dict)
    keys: dict[KeyId, Scalar] = field(default_factory=dict)


def variable_at(snap: Snapshot, offset: int) -> tuple[str, Scalar, Span] | None:
    """The variable at `offset`: its name, a defining key and the span under the cursor."""
    found = query.identifier_at(snap, offset)
    if found is not None:
        at, ident = found
        resolved = resolve(snap, at, ident.name)
        origin = resolved[2] if resolved is not None else None
        if origin is None or origin.key is None or origin.kind not in DEFINING:
            return None
        return ident.name, origin.key, ident.span
    for key in _defining_keys(snap):
        if key.source is snap.source and key.span.contains(offset):
            return key.text, key, key.span
    return None


def _defining_keys(snap: Snapshot) -> Iterator[Scalar]:
    """`_export` keys and `for_each>` variable keys of the workflow (including included)."""
    wf = snap.document.workflow
    if wf is None:
        return
    for task in wf.walk_tasks():
        mappings = [task.export]
        op = task.operator
        if op is not None and op.name == "for_each":
            mappings.append(op.command)
        for mapping in mappings:
            if isinstance(mapping, Mapping):
                for entry in mapping.entries:
                    if entry.key.is_string:
                        yield entry.key


def collect(view: View, name: str, new_name: str | None = None) -> Usages:
    usages = Usages(name)
    for fsnap in view.files():
        if not any(name in s.text for s in fsnap.document.sources.values()):
            continue
        wf = fsnap.document.workflow
        if wf is None:
            continue
        for task, template in wf.walk_templates():
            for expr in template.exprs:
                idents = [i for i in expr.free_variables() if i.name == name]
                if not idents:
                    continue
                scope = query.scope_at(fsnap, task, template)
                origin = scope.names.get(name)
                if origin is None or origin.key is None or origin.kind not in DEFINING:
                    continue
                keys = {key_id(origin.key)}
                usages.keys.setdefault(key_id(origin.key), origin.key)
                if not is_own(fsnap, origin.key):
                    keys |= caller_keys(view, fsnap, name, usages, 0)
                conflict = new_name is not None and new_name in scope.names
                for ident in idents:
                    where = (_key_id_path(template.source), ident.span.start, ident.span.end)
                    site = usages.sites.get(where)
                    if site is None:
                        site = usages.sites[where] = Site(
                            template.source, ident.span, expr.exact, set()
                        )
                    site.keys |= keys
                    site.conflict = site.conflict or conflict
    return usages


def is_own(snap: Snapshot, key: Scalar) -> bool:
    """True when `key` is written in the snapshot's file or a file it includes."""
    own = {os.path.normpath(p) for p in snap.document.sources if p}
    return key_id(key)[0] in own or key.source is snap.source


def _key_id_path(source: Source) -> str:
    return os.path.normpath(os.path.abspath(source.path)) if source.path else ""


def caller_keys(view: View, fsnap: Snapshot, name: str, usages: Usages, depth: int) -> set[KeyId]:
    """Keys defining `name` for the `call>` tasks that call `fsnap`'s workflow."""
    project = fsnap.project
    if project is None or fsnap.path is None or depth >= MAX_CALL_DEPTH:
        return set()
    found: set[KeyId] = set()
    for caller_path, task in project.callers(fsnap.path):
        csnap = view.of(caller_path)
        origin = query.analyzer(csnap).scope_of(task).names.get(name)
        if origin is None or origin.key is None or origin.kind not in DEFINING:
            continue
        kid = key_id(origin.key)
        found.add(kid)
        usages.keys.setdefault(kid, origin.key)
        if not is_own(csnap, origin.key):
            found |= caller_keys(view, csnap, name, usages, depth + 1)
    return found


def key_group(seed: KeyId, usages: Usages) -> set[KeyId]:
    """The definitions that must change together: linked through usages that may mean either."""
    group = {seed}
    changed = True
    while changed:
        changed = False
        for site in usages.sites.values():
            if site.keys & group and not site.keys <= group:
                group |= site.keys
                changed = True
    return group
