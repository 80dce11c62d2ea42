"""The outline of a workflow, task search across projects, and folding.

The outline is the task tree: every `+task` (with its operator, or `group`/`parallel group`),
its `_error`/`_check`/`_do`/`_else_do` tasks, its `_export` variables, the `!include`s that
bring in tasks from other files, and the workflow's `schedule` and `timezone`. Workspace
symbols find tasks of every `.dig` file by a fuzzy name query. Folding covers every
multi-line task body, `_export` block, list and block scalar (a long SQL `|` string), and runs
of comment lines; a file with broken YAML still folds by indentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lsprotocol import types

from diglang.nodes import Task, TaskKind
from diglang.project import Project
from diglang.source import LineIndex, Span
from diglang.values import Mapping, Scalar, Sequence, Value, walk_values
from diglsp import convert
from diglsp.links import include_links
from diglsp.workspace import Snapshot

MAX_WORKSPACE_SYMBOLS = 2000
_DETAIL_CHARS = 60


# -- document symbols ------------------------------------------------------------------------
def document_symbols(snap: Snapshot) -> list[types.DocumentSymbol]:
    """The task tree of this file, with variables, schedule, timezone and includes."""
    wf = snap.document.workflow
    if wf is None:
        return []
    top = _entries(snap, wf.task, root=True)
    _place_includes(snap, top)
    return top


def _entries(snap: Snapshot, task: Task, *, root: bool = False) -> list[types.DocumentSymbol]:
    """Symbols of a task's own entries, in the order they are written."""
    subtasks = {id(t.key): t for t in (*task.children, *task.special_tasks) if t.key is not None}
    found: list[types.DocumentSymbol] = []
    for entry in task.config.entries:
        key = entry.key
        if key.source is not snap.source:
            continue
        name = key.value
        sub = subtasks.get(id(key))
        if sub is not None:
            found.append(_task_symbol(snap, sub))
        elif name == "_export" and isinstance(entry.value, Mapping):
            found.extend(_variables(snap, entry.value))
        elif root and name == "schedule":
            found.append(_leaf(snap, key, entry.value, "schedule", types.SymbolKind.Event))
        elif root and name == "timezone":
            found.append(_leaf(snap, key, entry.value, "timezone", types.SymbolKind.Property))
    return found


def _task_symbol(snap: Snapshot, task: Task) -> types.DocumentSymbol:
    assert task.key is not None
    key = task.key
    body = task.body
    span = task.span if body is None or body.source is snap.source else key.span
    span = Span(span.start, trimmed_end(snap.text, span.start, span.end))
    if task.kind is TaskKind.OPERATOR:
        op = task.operator
        detail = f"{op.name}>" if op is not None and op.name is not None else "operator"
        kind = types.SymbolKind.Function
    else:
        parallel = task.parallel is not None and task.parallel.enabled is not False
        detail = "parallel group" if parallel else "group"
        kind = types.SymbolKind.Namespace
    children = _entries(snap, task)
    return types.DocumentSymbol(
        name=task.name,
        detail=detail,
        kind=kind,
        range=snap.range(span),
        selection_range=snap.range(key.span),
        children=children,
    )


def _variables(snap: Snapshot, export: Mapping) -> Iterator[types.DocumentSymbol]:
    for entry in export.entries:
        if entry.key.source is snap.source:
            yield _leaf(snap, entry.key, entry.value, entry.key.text, types.SymbolKind.Variable)


def _leaf(
    snap: Snapshot, key: Scalar, value: Value, name: str, kind: types.SymbolKind
) -> types.DocumentSymbol:
    span = key.span.cover(value.span) if value.source is snap.source else key.span
    span = Span(span.start, trimmed_end(snap.text, span.start, span.end))
    return types.DocumentSymbol(
        name=name or '""',
        detail=_short(value),
        kind=kind,
        range=snap.range(span),
        selection_range=snap.range(key.span),
    )


def _short(value: Value) -> str:
    if isinstance(value, Scalar):
        text = " ".join(value.text.split())
    elif isinstance(value, Mapping):
        text = ", ".join(f"{e.key.text}: {_short(e.value)}" for e in value.entries[:4])
        text = "{" + text + (", …" if len(value.entries) > 4 else "") + "}"
    else:
        text = f"[{len(value.items)} items]"
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


def _place_includes(snap: Snapshot, top: list[types.DocumentSymbol]) -> None:
    """Show each `!include` as a File symbol inside the innermost symbol containing it."""
    text = snap.text
    for link in include_links(snap):
        start = text.rfind("!include", 0, link.span.start)
        span = Span(start if start >= 0 else link.span.start, link.span.end)
        symbol = types.DocumentSymbol(
            name=link.target,
            detail="!include",
            kind=types.SymbolKind.File,
            range=snap.range(span),
            selection_range=snap.range(link.span),
        )
        siblings = top
        while True:
            parent = next(
                (
                    s
                    for s in siblings
                    if s.kind in (types.SymbolKind.Function, types.SymbolKind.Namespace)
                    and _within(span, snap, s.range)
                ),
                None,
            )
            if parent is None:
                break
            children = parent.children
            if not isinstance(children, list):
                children = parent.children = list(children or [])
            siblings = children
        siblings.append(symbol)
        siblings.sort(key=lambda s: (s.range.start.line, s.range.start.character))


def _within(span: Span, snap: Snapshot, rng: types.Range) -> bool:
    outer = convert.to_span(snap.source, rng)
    return outer.start <= span.start and span.end <= outer.end


# -- workspace symbols -----------------------------------------------------------------------
def workspace_symbols(projects: Iterable[Project], query: str) -> list[types.WorkspaceSymbol]:
    """Tasks of every `.dig` file whose name contains the query's characters in order."""
    wanted = query.strip().lstrip("+").lower()
    found: list[types.WorkspaceSymbol] = []
    seen: set[tuple[str, int]] = set()
    for project in projects:
        for path in project.dig_files():
            wf = project.document(path).workflow
            if wf is None:
                continue
            for task in wf.walk_tasks():
                key = task.key
                if key is None or not task.name.startswith("+") or key.source.path is None:
                    continue
                if not _fuzzy(wanted, task.name.lower()):
                    continue
                where = (key.source.path, key.span.start)
                if where in seen:
                    continue
                seen.add(where)
                kind = (
                    types.SymbolKind.Function
                    if task.kind is TaskKind.OPERATOR
                    else types.SymbolKind.Namespace
                )
                location = types.Location(
                    uri=convert.uri_of(key.source.path),
                    range=convert.to_range(key.source, key.span),
                )
                found.append(
                    types.WorkspaceSymbol(
                        location=location, name=task.name, kind=kind, container_name=wf.name
                    )
                )
                if len(found) >= MAX_WORKSPACE_SYMBOLS:
                    return found
    return found


def _fuzzy(query: str, name: str) -> bool:
    """True when the characters of `query` appear in `name` in order."""
    at = 0
    for ch in query:
        at = name.find(ch, at) + 1
        if at == 0:
            return False
    return True


# -- folding ---------------------------------------------------------------------------------
def folding_ranges(snap: Snapshot) -> list[types.FoldingRange]:
    """Foldable regions: multi-line values (from the tree, or by indentation when the YAML is
    broken) and runs of two or more comment lines."""
    text = snap.text
    index = snap.source.index
    regions: dict[int, int] = {}  # start line -> end line
    blocks: list[tuple[int, int]] = []
    broken = any(d.rule == "yaml-syntax" for d in snap.document.diagnostics)
    root = snap.document.root
    if root is not None and not broken:
        for start, end, block in _tree_regions(snap, root):
            first, last = index.position(start).line, _last_line(text, index, start, end)
            if last > first:
                regions[first] = max(regions.get(first, 0), last)
                if block:
                    blocks.append((first, last))
    else:
        for first, last in _indent_regions(text):
            regions[first] = max(regions.get(first, 0), last)
    found = [types.FoldingRange(start_line=a, end_line=b) for a, b in sorted(regions.items())]
    for first, last in _comment_runs(text):
        if not any(a < first <= b for a, b in blocks) and first not in regions:
            found.append(
                types.FoldingRange(
                    start_line=first, end_line=last, kind=types.FoldingRangeKind.Comment
                )
            )
    found.sort(key=lambda r: r.start_line)
    return found


def _tree_regions(snap: Snapshot, root: Value) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is block scalar) of every multi-line value, from its key (or `-`)."""
    source = snap.source
    for node in walk_values(root):
        if node.source is not source:
            continue
        if isinstance(node, Mapping):
            for entry in node.entries:
                value = entry.value
                if entry.key.source is not source or value.source is not source:
                    continue
                if isinstance(value, Mapping | Sequence) or _multiline(snap, value):
                    yield entry.key.span.start, value.span.end, isinstance(value, Scalar)
        elif isinstance(node, Sequence):
            for item in node.items:
                if item.source is source and isinstance(item, Mapping | Sequence):
                    yield item.span.start, item.span.end, False
                elif item.source is source and _multiline(snap, item):
                    yield item.span.start, item.span.end, True


def _multiline(snap: Snapshot, value: Value) -> bool:
    return isinstance(value, Scalar) and "\n" in snap.text[value.span.start : value.span.end]


def _last_line(text: str, index: LineIndex, start: int, end: int) -> int:
    """The line of the last character of `text[start:end]` that is not blank or a comment."""
    end = trimmed_end(text, start, end)
    return index.position(max(start, end - 1)).line


def trimmed_end(text: str, start: int, end: int) -> int:
    """`end` moved back over trailing blanks and whole comment lines (but not before `start`).

    A block's span often runs to the next key, past comments that belong to what follows.
    """
    end = min(end, len(text))
    while True:
        while end > start and text[end - 1] in " \t\r\n":
            end -= 1
        line_start = text.rfind("\n", 0, end) + 1
        if line_start <= start or not text[line_start:end].lstrip().startswith("#"):
            return end
        end = line_start


def _indent_regions(text: str) -> Iterator[tuple[int, int]]:
    """Folds by indentation: a line and the following lines indented deeper (or `-` items
    at the same indentation under a `key:` line)."""
    lines = text.split("\n")
    info: list[tuple[int, bool, bool] | None] = []  # indent, is item, opens (ends with `:`)
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            info.append(None)
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        body = re.sub(r"\s+#.*$", "", stripped)
        info.append((indent, stripped.startswith("- ") or stripped == "-", body.endswith(":")))
    stack: list[tuple[int, int, bool]] = []  # start line, indent, opens
    last_content = -1

    def close(until_indent: int, is_item: bool) -> Iterator[tuple[int, int]]:
        while stack:
            start, indent, opens = stack[-1]
            if indent < until_indent or (indent == until_indent and opens and is_item):
                return
            stack.pop()
            if last_content > start:
                yield start, last_content

    for n, item in enumerate(info):
        if item is None:
            continue
        indent, is_item, opens = item
        yield from close(indent, is_item)
        stack.append((n, indent, opens))
        last_content = n
    yield from close(-1, False)


def _comment_runs(text: str) -> Iterator[tuple[int, int]]:
    start = -1
    lines = text.split("\n")
    for n, line in enumerate([*lines, ""]):
        if line.strip().startswith("#"):
            if start < 0:
                start = n
            continue
        if start >= 0 and n - 1 > start:
            yield start, n - 1
        start = -1
