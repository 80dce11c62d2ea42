"""Clickable file references: every literal path a workflow names that exists in the project.

`!include : file` targets, `call>` targets, `require>` workflows, query/script/template files
of operators (whatever the operator schemas mark as file params: `td>: queries/x.sql`,
`sh>: scripts/run.sh`...) and the module file of a `py>` callable become links to the file.
The same machinery (`file_links`) lets go-to-definition and find-references follow files.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lsprotocol import types

from diglang.project import Project
from diglang.rule import Context
from diglang.rules._file_refs import FileRef, file_refs, script_words
from diglang.rules._operator_params import OperatorTask, nearest, operator_tasks, value_span
from diglang.source import Source, Span
from diglang.values import Scalar, Template, walk_values
from diglsp import convert
from diglsp.workspace import Snapshot

# `!include : target` as a block mapping key (possibly as the first key of a sequence item).
_INCLUDE = re.compile(r"^[ \t]*(?:-[ \t]+)*!include[ \t]*:[ \t]*(?P<value>[^\n]*)$", re.M)


@dataclass(frozen=True, slots=True)
class FileLink:
    """A literal file reference: `span` of `source` names `target` (as written).

    `kind` is `include` or the schema's file kind (`workflow`, `workflow_name`, `query`,
    `script`, `python_module`...); `candidates` are the absolute paths it may mean, most likely
    first; `path` is the first one that exists (None when none does).
    """

    span: Span
    source: Source
    target: str
    kind: str
    candidates: tuple[str, ...]
    path: str | None
    dirs: tuple[str, ...] = ()  # the directories relative paths were resolved in


def document_links(snap: Snapshot) -> list[types.DocumentLink]:
    """A link for every file this document names that exists."""
    links: list[types.DocumentLink] = []
    for link in file_links(snap):
        if link.path is None:
            continue
        links.append(
            types.DocumentLink(
                range=snap.range(link.span),
                target=convert.uri_of(link.path),
                tooltip=f"open {shown_path(snap.project, link.path)}",
            )
        )
    return links


def shown_path(project: Project | None, path: str) -> str:
    """`path` as users read it: relative to the project root when inside it."""
    if project is not None:
        rel = project.relpath(path)
        if not rel.startswith("../"):
            return rel
    return os.path.basename(path)


def link_at(snap: Snapshot, offset: int) -> FileLink | None:
    """The file reference of this document at `offset`."""
    for link in file_links(snap):
        if link.span.contains(offset):
            return link
    return None


def file_links(snap: Snapshot, *, own: bool = True) -> list[FileLink]:
    """File references of the snapshot's document, in document order.

    With `own`, only references written in this file; otherwise also those of `!include`d
    tasks (resolved in this workflow's working directory, located in their own file).
    """
    key = "links.own" if own else "links.all"
    cached = snap.memo.get(key)
    if isinstance(cached, list):
        return cached
    found = [*include_links(snap), *_operator_links(snap, own)]
    found.sort(key=lambda link: link.span.start)
    snap.memo[key] = found
    return found


def include_links(snap: Snapshot) -> Iterator[FileLink]:
    """`!include : file` targets written in this file (relative to the file's directory)."""
    text = snap.text
    if "!include" not in text or snap.path is None:
        return
    base = os.path.dirname(os.path.abspath(snap.path))
    blocks: list[Span] | None = None
    for match in _INCLUDE.finditer(text):
        found = _include_value(match.group("value"), match.start("value"))
        if found is None:
            continue
        target, span = found
        if blocks is None:
            blocks = _multiline_scalars(snap)
        if any(b.start < match.start() < b.end for b in blocks):
            continue  # text of a block scalar that merely looks like an include
        full = os.path.normpath(os.path.join(base, target))
        found_path = _existing(snap, [full])
        yield FileLink(span, snap.source, target, "include", (full,), found_path, (base,))


def _include_value(raw: str, start: int) -> tuple[str, Span] | None:
    """The target and span of an include value as written (plain or simply quoted)."""
    value = raw.rstrip("\r")
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        inner = value[1:end] if end > 0 else ""
        if end <= 0 or not inner or "\\" in inner or "''" in value[: end + 2]:
            return None
        return inner, Span(start + 1, start + 1 + len(inner))
    comment = re.search(r"\s#", value)
    if comment is not None:
        value = value[: comment.start()]
    value = value.rstrip()
    if not value or value[0] in "&*!|>{[%@`#":
        return None
    return value, Span(start, start + len(value))


def _multiline_scalars(snap: Snapshot) -> list[Span]:
    root = snap.document.root
    if root is None:
        return []
    text = snap.text
    return [
        node.span
        for node in walk_values(root)
        if isinstance(node, Scalar)
        and node.source is snap.source
        and "\n" in text[node.span.start : node.span.end]
    ]


def _operator_links(snap: Snapshot, own: bool) -> Iterator[FileLink]:
    wf = snap.document.workflow
    if wf is None or snap.path is None:
        return
    ctx = Context(snap.document, snap.config, snap.project, snap.fragment)
    for ot in operator_tasks(wf, ctx):
        dirs: list[str] | None = None
        for ref in [*file_refs(ot), *_templated_scripts(ot)]:
            node = ref.node
            if own and node.source is not snap.source:
                continue
            if dirs is None:
                dirs = workdirs(snap, ot)
            kind = ref.spec.kind
            candidates = _candidates(snap, kind, ref.target, ref.spec.suffix, dirs)
            yield FileLink(
                ref.span,
                node.source,
                ref.target,
                kind,
                tuple(candidates),
                _existing(snap, candidates),
                tuple(dirs),
            )


def _templated_scripts(ot: OperatorTask) -> Iterator[FileRef]:
    """`sh>: scripts/run.sh ${arg}`: the script of a templated command, when literal."""
    command = ot.local("_command")
    if not isinstance(command, Template):
        return
    for spec in ot.spec.file_params:
        if spec.heuristic and spec.param == "_command" and spec.direction == "input":
            text = command.text
            for start, end in script_words(text):
                if "${" not in text[start:end] and command.style in ("plain", "single", "double"):
                    span = value_span(command, start, end)
                    if span != command.span:
                        yield FileRef(command, span, text[start:end], spec)


def workdirs(snap: Snapshot, ot: OperatorTask) -> list[str]:
    """Directories the task's relative paths may be relative to, most likely first.

    The working directory is the workflow file's directory plus a literal `_workdir`; for an
    `!include`d fragment it is the including workflow's, so those directories come next.
    """
    assert snap.path is not None
    path = os.path.abspath(snap.path)
    project = snap.project
    base = project.workdir(path) if project is not None else os.path.dirname(path)
    dirs: list[str] = []
    value, certain = nearest(ot.sources(stand_ins=False), "_workdir")
    if certain and isinstance(value, Scalar) and not isinstance(value, Template):
        text = value.text if value.is_string else ""
        if text and not os.path.isabs(text):
            dirs.append(os.path.normpath(os.path.join(base, text)))
    dirs.append(base)
    if snap.fragment and project is not None:
        for other in project.dig_files():
            if other != path and path in project.document(other).includes:
                dirs.append(project.workdir(other))
        dirs.append(project.root)
    return list(dict.fromkeys(dirs))


def _candidates(
    snap: Snapshot, kind: str, target: str, suffix: str | None, dirs: list[str]
) -> list[str]:
    if kind == "python_module":
        return [p for p, _ in python_modules(target, dirs)]
    if kind == "workflow_name":
        project = snap.project
        found = [os.path.join(d, target + ".dig") for d in dirs]
        if project is not None and snap.path is not None:
            found.insert(0, project.resolve("require", target, snap.path))
        return list(dict.fromkeys(os.path.normpath(p) for p in found))
    if suffix and not target.endswith(suffix):
        target += suffix
    return [os.path.normpath(os.path.join(d, target)) for d in dirs]


def python_modules(dotted: str, dirs: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(module file, attribute names inside it) a `py>` callable may mean, likeliest first.

    `a.b.func` imports `a.b` and calls `func`; `a.b.Class.method` imports `a.b` (when `a.b.Class`
    is not a module) and calls `Class.method`.
    """
    parts = dotted.strip().split(".")
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        return
    for cut in range(len(parts) - 1, 0, -1):
        module, attrs = parts[:cut], parts[cut:]
        if len(attrs) > 2:
            break
        for directory in dirs:
            base = os.path.join(directory, *module)
            yield base + ".py", attrs
            yield os.path.join(base, "__init__.py"), attrs


def python_location(
    snap: Snapshot, dotted: str, dirs: list[str]
) -> tuple[str, Span, Source] | None:
    """The file and the name span of the `def`/`class` a `py>` callable names.

    Falls back to the start of the module file when the definition is not found.
    """
    fallback: tuple[str, Span, Source] | None = None
    for path, attrs in python_modules(dotted, dirs):
        text = read_text(snap, path)
        if text is None:
            continue
        source = Source(path, text)
        span = _python_definition(text, attrs)
        if span is not None:
            return path, span, source
        if fallback is None:
            fallback = (path, Span(0, 0), source)
    return fallback


def _python_definition(text: str, attrs: list[str]) -> Span | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    body: list[ast.stmt] = tree.body
    found: ast.stmt | None = None
    for name in attrs:
        found = None
        for stmt in body:
            definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            if isinstance(stmt, definition) and stmt.name == name:
                found = stmt  # the last definition wins, as at import time
        if found is None:
            return None
        body = found.body if isinstance(found, ast.ClassDef) else []
    assert isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    index = Source(None, text).index
    start = index.offset(found.lineno - 1, 0)
    line = text[start : index.line_end(found.lineno - 1)]
    at = re.search(rf"\b(?:def|class)\s+({re.escape(found.name)})\b", line)
    if at is None:
        return Span(start, start)
    return Span(start + at.start(1), start + at.end(1))


def read_text(snap: Snapshot, path: str) -> str | None:
    """The text of a file (through the project's loader, which sees unsaved buffers)."""
    loader = snap.project.loader if snap.project is not None else None
    try:
        if loader is not None:
            return loader(path)
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _existing(snap: Snapshot, candidates: list[str]) -> str | None:
    for path in candidates:
        if os.path.isfile(path):
            return path
    loader = snap.project.loader if snap.project is not None else None
    if loader is None:
        return None
    for path in candidates:  # an unsaved editor buffer of a new file
        try:
            loader(path)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        return path
    return None
