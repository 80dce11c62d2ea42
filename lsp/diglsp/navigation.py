"""Go to definition, find references and rename across a Digdag project.

Definition follows `!include` targets, `call>` targets, `require>` workflows, operator files
(`td>: queries/x.sql`, `sh>: scripts/run.sh`...), `py>` callables (to the `def`/`class` line),
`${var}` usages (to the `_export` or `for_each>` key that defines them — in this file, an
included file or a workflow that `call>`s this one — or to the key written earlier in the
task) and `_after` task names. References and rename work on `_export`ed variables (every
definition a usage may resolve to and every usage resolving to them, project-wide), on task
names (the `+name` key and the `_after` lists naming it) and, for references, on files (every
place of the project naming the same file).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lsprotocol import types

from diglang.expr.errors import KEYWORDS
from diglang.expr.scope import JS_GLOBALS
from diglang.nodes import Task
from diglang.rules._operator_params import value_span
from diglang.rules.invalid_task_name import MAX_LENGTH, _bad_characters
from diglang.rules.undefined_variable import MAX_CALL_DEPTH
from diglang.schemas import OperatorSpec, builtin_variables, load_directives, load_operators
from diglang.scope import Origin
from diglang.source import Source, Span
from diglang.values import Mapping, Scalar, Sequence, Value
from diglang.yamlload import resolve_plain
from diglsp import convert, query
from diglsp.links import FileLink, file_links, link_at, python_location
from diglsp.workspace import Snapshot

KeyId = tuple[str, int]  # (file path, offset) of a defining key
_NAME = re.compile(r"(?:[^\W\d]|\$)[\w$]*")
# Words ECMAScript reserves in strict mode or for the future, besides the keywords.
_RESERVED = frozenset(
    {"implements", "interface", "let", "package", "private", "protected", "public", "static",
     "yield", "await"}
)  # fmt: skip
_FLOW_INDICATORS = frozenset(",[]{}")
_DEFINING = ("export", "loop")  # origins whose key can be renamed with its usages


# -- definition ------------------------------------------------------------------------------
def definition(snap: Snapshot, offset: int) -> list[types.Location]:
    """Where the thing at `offset` is defined (empty when nothing is there)."""
    link = link_at(snap, offset)
    if link is not None:
        return _follow(snap, link)
    found = query.identifier_at(snap, offset)
    if found is not None:
        at, ident = found
        resolved = _resolve(snap, at, ident.name)
        if resolved is None:
            return []
        rsnap, task, origin = resolved
        if origin.key is not None and origin.kind in _DEFINING and not _is_own(rsnap, origin.key):
            # defined by the workflows calling this one: each caller may define it
            usages = _Usages(ident.name)
            keys = {_key_id(origin.key), *_caller_keys(_View(snap), rsnap, ident.name, usages, 0)}
            usages.keys.setdefault(_key_id(origin.key), origin.key)
            return _sorted([_location(snap, usages.keys[k]) for k in keys])
        return _origin_locations(rsnap, task, origin)
    after = _after_item_at(snap, offset)
    if after is not None:
        target = after[1]
        return [] if target is None or target.key is None else [_location(snap, target.key)]
    return []


def _follow(snap: Snapshot, link: FileLink) -> list[types.Location]:
    if link.path is None:
        return []
    if link.kind == "python_module":
        found = python_location(snap, link.target, list(link.dirs))
        if found is not None:
            path, span, source = found
            return [types.Location(uri=convert.uri_of(path), range=convert.to_range(source, span))]
    return [_file_location(link.path)]


def _file_location(path: str) -> types.Location:
    start = types.Position(line=0, character=0)
    return types.Location(uri=convert.uri_of(path), range=types.Range(start=start, end=start))


def _resolve(snap: Snapshot, at: query.ExprAt, name: str) -> tuple[Snapshot, Task, Origin] | None:
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
    view = _View(snap)
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


def _origin_locations(snap: Snapshot, task: Task, origin: Origin) -> list[types.Location]:
    if origin.key is not None:
        return [_location(snap, origin.key)]
    if origin.kind == "local" and origin.value is not None:
        key = _key_of(task.config, origin.value)
        return [] if key is None else [_location(snap, key)]
    if origin.kind == "store" and origin.task is not None and origin.task.key is not None:
        return [_location(snap, origin.task.key)]
    return []


def _key_of(mapping: Mapping, value: Value) -> Scalar | None:
    """The key whose value is `value`, searching nested mappings."""
    for entry in mapping.entries:
        if entry.value is value:
            return entry.key
        if isinstance(entry.value, Mapping):
            found = _key_of(entry.value, value)
            if found is not None:
                return found
    return None


def _uri(snap: Snapshot, source: Source) -> str | None:
    if source is snap.source or (source.path is not None and source.path == snap.path):
        return snap.uri
    return convert.uri_of(source.path) if source.path is not None else None


def _location(snap: Snapshot, node: Scalar | Span, source: Source | None = None) -> types.Location:
    if isinstance(node, Scalar):
        source, span = node.source, node.span
    else:
        span = node
    source = source or snap.source
    return types.Location(uri=_uri(snap, source) or snap.uri, range=convert.to_range(source, span))


# -- tasks and `_after` ----------------------------------------------------------------------
def _parents(snap: Snapshot) -> dict[int, Task]:
    cached = snap.memo.get("navigation.parents")
    if isinstance(cached, dict):
        return cached
    parents: dict[int, Task] = {}
    wf = snap.document.workflow
    if wf is not None:
        for task in wf.walk_tasks():
            for child in (*task.children, *task.special_tasks):
                parents[id(child)] = task
    snap.memo["navigation.parents"] = parents
    return parents


def _after_items(task: Task) -> Iterator[Scalar]:
    after = task.after
    items = after.items if isinstance(after, Sequence) else (after,)
    for item in items:
        if isinstance(item, Scalar) and item.is_string:
            yield item


def _sibling(snap: Snapshot, task: Task, name: str) -> Task | None:
    parent = _parents(snap).get(id(task))
    if parent is None:
        return None
    return next((c for c in parent.children if c.name == name), None)


def _after_item_at(snap: Snapshot, offset: int) -> tuple[Scalar, Task | None] | None:
    """The `_after` item at `offset` and the sibling task it names."""
    for task in query.own_tasks(snap):
        if task.after is None or not task.after.span.contains(offset):
            continue
        for item in _after_items(task):
            if item.source is snap.source and item.span.contains(offset):
                return item, _sibling(snap, task, item.text.strip())
    return None


def _task_at(snap: Snapshot, offset: int) -> Task | None:
    """The `+name` task whose key (or an `_after` item naming it) is at `offset`."""
    for task in query.own_tasks(snap):
        key = task.key
        if key is not None and task.name.startswith("+") and key.span.contains(offset):
            return task
    after = _after_item_at(snap, offset)
    return after[1] if after is not None else None


def _task_sites(snap: Snapshot, task: Task) -> list[Scalar]:
    """`_after` items of the task's siblings naming it."""
    parent = _parents(snap).get(id(task))
    if parent is None:
        return []
    return [
        item
        for sibling in parent.children
        if sibling is not task
        for item in _after_items(sibling)
        if item.text.strip() == task.name
    ]


# -- variables -------------------------------------------------------------------------------
def _key_id(key: Scalar) -> KeyId:
    path = key.source.path
    return (os.path.normpath(os.path.abspath(path)) if path else "", key.span.start)


@dataclass
class _Site:
    """A `${...}` usage of the variable and the definitions it may resolve to."""

    source: Source
    span: Span
    exact: bool
    keys: set[KeyId]
    conflict: bool = False  # the new name of a rename is already visible here


@dataclass
class _Usages:
    """Every usage of one variable name in a project, resolved to defining keys."""

    name: str
    sites: dict[tuple[str, int, int], _Site] = field(default_factory=dict)
    keys: dict[KeyId, Scalar] = field(default_factory=dict)


class _View:
    """Snapshots of the project's files for one request (the current one as it is)."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.snaps: dict[str, Snapshot] = {}

    def of(self, path: str) -> Snapshot:
        """A snapshot of the project's document of `path`."""
        path = os.path.normpath(os.path.abspath(path))
        found = self.snaps.get(path)
        if found is None:
            snap = self.snap
            assert snap.project is not None
            doc = snap.project.document(path)
            if doc is snap.document:
                found = snap
            else:
                found = Snapshot(convert.uri_of(path), None, doc, snap.project, snap.config)
            self.snaps[path] = found
        return found

    def files(self) -> list[Snapshot]:
        """The current document, then every other `.dig` file of the project."""
        snap = self.snap
        found = [snap]
        if snap.project is None:
            return found
        own = os.path.normpath(os.path.abspath(snap.path)) if snap.path else None
        for path in snap.project.dig_files():
            if os.path.normpath(path) != own:
                found.append(self.of(path))
        return found


def _variable_at(snap: Snapshot, offset: int) -> tuple[str, Scalar, Span] | None:
    """The variable at `offset`: its name, a defining key and the span under the cursor."""
    found = query.identifier_at(snap, offset)
    if found is not None:
        at, ident = found
        resolved = _resolve(snap, at, ident.name)
        origin = resolved[2] if resolved is not None else None
        if origin is None or origin.key is None or origin.kind not in _DEFINING:
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


def _collect(view: _View, name: str, new_name: str | None = None) -> _Usages:
    usages = _Usages(name)
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
                if origin is None or origin.key is None or origin.kind not in _DEFINING:
                    continue
                keys = {_key_id(origin.key)}
                usages.keys.setdefault(_key_id(origin.key), origin.key)
                if not _is_own(fsnap, origin.key):
                    keys |= _caller_keys(view, fsnap, name, usages, 0)
                conflict = new_name is not None and new_name in scope.names
                for ident in idents:
                    where = (_key_id_path(template.source), ident.span.start, ident.span.end)
                    site = usages.sites.get(where)
                    if site is None:
                        site = usages.sites[where] = _Site(
                            template.source, ident.span, expr.exact, set()
                        )
                    site.keys |= keys
                    site.conflict = site.conflict or conflict
    return usages


def _is_own(snap: Snapshot, key: Scalar) -> bool:
    """True when `key` is written in the snapshot's file or a file it includes."""
    own = {os.path.normpath(p) for p in snap.document.sources if p}
    return _key_id(key)[0] in own or key.source is snap.source


def _key_id_path(source: Source) -> str:
    return os.path.normpath(os.path.abspath(source.path)) if source.path else ""


def _caller_keys(
    view: _View, fsnap: Snapshot, name: str, usages: _Usages, depth: int
) -> set[KeyId]:
    """Keys defining `name` for the `call>` tasks that call `fsnap`'s workflow."""
    project = fsnap.project
    if project is None or fsnap.path is None or depth >= MAX_CALL_DEPTH:
        return set()
    found: set[KeyId] = set()
    for caller_path, task in project.callers(fsnap.path):
        csnap = view.of(caller_path)
        origin = query.analyzer(csnap).scope_of(task).names.get(name)
        if origin is None or origin.key is None or origin.kind not in _DEFINING:
            continue
        kid = _key_id(origin.key)
        found.add(kid)
        usages.keys.setdefault(kid, origin.key)
        if not _is_own(csnap, origin.key):
            found |= _caller_keys(view, csnap, name, usages, depth + 1)
    return found


def _group(seed: KeyId, usages: _Usages) -> set[KeyId]:
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


# -- references ------------------------------------------------------------------------------
def references(snap: Snapshot, offset: int, include_declaration: bool) -> list[types.Location]:
    """Every place of the project that refers to the variable, task or file at `offset`."""
    link = link_at(snap, offset)
    if link is not None:
        return _file_references(snap, link, include_declaration)
    variable = _variable_at(snap, offset)
    if variable is not None:
        name, key, _ = variable
        usages = _collect(_View(snap), name)
        usages.keys.setdefault(_key_id(key), key)
        group = _group(_key_id(key), usages)
        found: list[types.Location] = []
        if include_declaration:
            found.extend(_location(snap, usages.keys[k]) for k in sorted(group))
        for site in usages.sites.values():
            if site.keys & group:
                found.append(_location(snap, site.span, site.source))
        return _sorted(found)
    task = _task_at(snap, offset)
    if task is not None and task.key is not None:
        sites = [_location(snap, item) for item in _task_sites(snap, task)]
        if include_declaration:
            sites.insert(0, _location(snap, task.key))
        return _sorted(sites)
    return []


def _file_references(
    snap: Snapshot, link: FileLink, include_declaration: bool
) -> list[types.Location]:
    target = link.path or (link.candidates[0] if link.candidates else None)
    if target is None:
        return []
    view = _View(snap)
    found: list[types.Location] = []
    for fsnap in view.files() if snap.project is not None else [snap]:
        for other in file_links(fsnap, own=False):
            if other.path == target or (other.path is None and other.candidates[:1] == (target,)):
                found.append(_location(fsnap, other.span, other.source))
    if include_declaration and link.path is not None:
        found.insert(0, _file_location(link.path))
    return _sorted(found)


def _sorted(locations: list[types.Location]) -> list[types.Location]:
    unique = {
        (loc.uri, loc.range.start.line, loc.range.start.character, loc.range.end.line,
         loc.range.end.character): loc
        for loc in locations
    }  # fmt: skip
    return [unique[k] for k in sorted(unique)]


# -- rename ----------------------------------------------------------------------------------
def prepare_rename(snap: Snapshot, offset: int) -> types.PrepareRenameResult | None:
    """The range and current name of a renamable variable or task at `offset`, else None."""
    variable = _variable_at(snap, offset)
    if variable is not None:
        name, key, span = variable
        if key.source is snap.source and key.span == span:
            span = _scalar_name_span(key) or span
        return types.PrepareRenamePlaceholder(range=snap.range(span), placeholder=name)
    task = _task_at(snap, offset)
    if task is not None and task.key is not None:
        item = _after_item_at(snap, offset)
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
    variable = _variable_at(snap, offset)
    if variable is not None:
        return _rename_variable(snap, variable[0], variable[1], new_name.strip())
    task = _task_at(snap, offset)
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
    view = _View(snap)
    usages = _collect(view, name, new_name)
    seed = _key_id(key)
    usages.keys.setdefault(seed, key)
    group = _group(seed, usages)
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


def _check_definitions(view: _View, group: set[KeyId], name: str, new_name: str) -> None:
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
                if not any(_key_id(e.key) in group for e in mapping.entries):
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
    parent = _parents(snap).get(id(task))
    if parent is not None and any(c.name == full for c in parent.children if c is not task):
        raise ValueError(f"a sibling task is already named `{full}`; choose another name")
    edits = _Edits(snap)
    assert task.key is not None
    quote = bool(_FLOW_INDICATORS & set(full))  # `,[]{}` would break `_after: [+a]`
    for node in (task.key, *_task_sites(snap, task)):
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
        uri = _uri(self.snap, source)
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
