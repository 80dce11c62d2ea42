"""Completion of the files a workflow names, as Digdag resolves them.

Paths relative to the workflow's folder for queries, scripts, `call>` targets and `!include`
(one folder at a time; the files an operator usually reads first), `require>` workflow names
of the project, and `py>` targets: packages and modules under the working directory, then
the classes, functions and methods they define.
"""

from __future__ import annotations

import ast
import functools
import os

from lsprotocol import types

from diglang.source import Span
from diglsp.completion.items import Builder
from diglsp.workspace import Snapshot

SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", ".digdag"})

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


def file_paths(b: Builder, kind: str, start: int, suffix: str | None) -> None:
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


def workflow_names(b: Builder) -> None:
    """`require>` targets: the project's workflow names, without this one."""
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


def python_paths(b: Builder) -> None:
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


def _python_names(b: Builder, module: str, inside: list[str], span: Span) -> None:
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
