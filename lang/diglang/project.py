"""The project model: which files are workflows and where `call>`/`require>`/includes lead.

Digdag treats only the regular `*.dig` files directly in the project directory as workflows;
files in subdirectories are reached through `call>` (which switches the working directory to
the called file's directory) or `!include`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from diglang.files import is_dig_file, walk_tree
from diglang.loader import FileReader, read_file
from diglang.nodes import Task, Workflow
from diglang.parse import Document, parse_file
from diglang.values import Scalar, Template


@dataclass(frozen=True, slots=True)
class Reference:
    """A task's reference to another workflow file (`call>`) or workflow (`require>`)."""

    task: Task
    kind: str  # "call" or "require"
    target: str  # as written
    path: str | None  # resolved absolute path; None when templated


class Project:
    """A Digdag project directory, with parsed documents cached by path."""

    def __init__(self, root: str, loader: FileReader | None = None) -> None:
        self.root = os.path.abspath(root)
        self.loader = loader or read_file
        self._docs: dict[str, Document] = {}
        # documents of files invalidated since: the next parse may reuse their unedited parts
        self._previous: dict[str, Document] = {}
        self._cycles: list[list[str]] | None = None
        self._files: list[str] | None = None
        self._refs: list[tuple[str, Reference]] | None = None
        self._calls: dict[str, list[tuple[str, Task]]] | None = None

    def workflow_paths(self) -> list[str]:
        """Top-level `*.dig` regular files, sorted: the project's workflows."""
        try:
            names = os.listdir(self.root)
        except OSError:
            return []
        paths = [os.path.join(self.root, n) for n in names if n.endswith(".dig")]
        return sorted(p for p in paths if os.path.isfile(p))

    def dig_files(self) -> list[str]:
        """Every `*.dig` file below the root (workflows, called files, fragments), sorted.

        Hidden directories, `.digdag/` and `node_modules/` are skipped.
        """
        if self._files is None:
            found = [
                os.path.join(folder, name)
                for folder, names in walk_tree(self.root)
                for name in names
                if is_dig_file(name)
            ]
            self._files = sorted(p for p in found if os.path.isfile(p))
        return self._files

    def workflow_names(self) -> list[str]:
        """Names of the project's workflows (file names without `.dig`)."""
        return [os.path.basename(p)[:-4] for p in self.workflow_paths()]

    def relpath(self, path: str) -> str:
        """`path` relative to the project root, with `/` separators."""
        return os.path.relpath(path, self.root).replace(os.sep, "/")

    def name_of(self, path: str) -> str:
        """Digdag's workflow name for a file: relative path without `.dig` (`sub/child`)."""
        rel = self.relpath(path)
        return rel[:-4] if rel.endswith(".dig") else rel

    def document(self, path: str) -> Document:
        """The parsed document of `path` (cached)."""
        path = os.path.abspath(path)
        doc = self._docs.get(path)
        if doc is None:
            previous = self._previous.pop(path, None)
            doc = parse_file(path, loader=self.loader, name=self.name_of(path), previous=previous)
            self._docs[path] = doc
        return doc

    def invalidate(self, path: str) -> None:
        """Forget the cached document of `path` (and of files including it)."""
        path = os.path.abspath(path)
        self._cycles = None
        self._calls = None
        self._refs = None
        edited = self._docs.pop(path, None)
        if edited is not None:
            self._previous[path] = edited
        for other, doc in list(self._docs.items()):
            if path in doc.includes:
                self._docs.pop(other, None)

    def files_changed(self) -> None:
        """Forget everything derived from the file listing (a file was created or deleted)."""
        self._files = None
        self._cycles = None
        self._calls = None
        self._refs = None

    def workdir(self, path: str) -> str:
        """The working directory of the tasks of a workflow file: its own directory."""
        return os.path.dirname(os.path.abspath(path))

    def references(self, path: str) -> Iterator[Reference]:
        """Every `call>` and `require>` of the workflow in `path`."""
        doc = self.document(path)
        if doc.workflow is None:
            return
        yield from self._references(doc.workflow, path)

    def _references(self, workflow: Workflow, path: str) -> Iterator[Reference]:
        for task in workflow.walk_tasks():
            op = task.operator
            if op is None or op.name not in ("call", "require"):
                continue
            cmd = op.command
            if not isinstance(cmd, Scalar) or cmd.value is None:
                continue
            target = cmd.text
            resolved = None
            if not isinstance(cmd, Template):
                resolved = self.resolve(op.name, target, path)
            yield Reference(task, op.name, target, resolved)

    def resolve(self, kind: str, target: str, from_path: str) -> str:
        """Resolve a `call>` target (relative to the caller's workdir) or `require>` name."""
        if kind == "require":
            return os.path.join(self.root, target + ".dig")
        name = target if target.endswith(".dig") else target + ".dig"
        return os.path.normpath(os.path.join(self.workdir(from_path), name))

    def all_references(self) -> list[tuple[str, Reference]]:
        """(file, reference) for every `call>`/`require>` of every `.dig` below the root."""
        if self._refs is None:
            self._refs = [(f, ref) for f in self.dig_files() for ref in self.references(f)]
        return self._refs

    def callers(self, path: str) -> list[tuple[str, Task]]:
        """(file, `call>` task) of every call of `path` from a `.dig` file below the root."""
        if self._calls is None:
            self._calls = self._find_calls()
        return self._calls.get(os.path.abspath(path), [])

    def _find_calls(self) -> dict[str, list[tuple[str, Task]]]:
        # Every file below the root may call: a repository often holds several projects.
        calls: dict[str, list[tuple[str, Task]]] = {}
        pending = list(self.dig_files())
        seen: set[str] = set()
        while pending:
            path = pending.pop()
            if path in seen:
                continue
            seen.add(path)
            for ref in self.references(path):
                if ref.kind == "call" and ref.path is not None and os.path.isfile(ref.path):
                    calls.setdefault(ref.path, []).append((path, ref.task))
                    pending.append(ref.path)
        return calls

    def call_cycles(self) -> list[list[str]]:
        """Cycles in the `call>` graph between files, each as a list of paths (cached)."""
        if self._cycles is None:
            self._cycles = self._find_cycles()
        return self._cycles

    def _find_cycles(self) -> list[list[str]]:
        graph: dict[str, list[str]] = {}
        pending = list(self.dig_files())
        while pending:
            path = pending.pop()
            if path in graph:
                continue
            targets = [
                r.path for r in self.references(path) if r.kind == "call" and r.path is not None
            ]
            graph[path] = [t for t in targets if os.path.isfile(t)]
            pending.extend(graph[path])
        return _cycles(graph)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Elementary cycles found by depth-first search (one per back edge)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found
