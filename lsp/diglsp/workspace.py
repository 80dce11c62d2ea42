"""The server's view of the files: open buffers over the disk, projects, configs, snapshots.

A `Snapshot` is what every feature works on: one document's parse, its project (whose loader
reads open buffers before the disk, so includes and `call>` targets see unsaved edits) and
its diglint config. Features are plain functions of a snapshot and a position.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from diglang.config import Config, ConfigError, find_config, load_config
from diglang.diagnostics import Diagnostic
from diglang.files import is_dig_file, walk_tree
from diglang.loader import read_file
from diglang.parse import Document, parse
from diglang.project import Project
from diglang.source import Source, Span
from diglang.values import Mapping
from diglsp import convert


@dataclass(eq=False)
class Snapshot:
    """One document as features see it."""

    uri: str
    version: int | None
    document: Document
    project: Project | None = None
    config: Config = field(default_factory=Config)
    fragment: bool = False  # `!include`d by another `.dig` file of the project
    memo: dict[str, object] = field(default_factory=dict, repr=False)  # per-snapshot caches

    @property
    def source(self) -> Source:
        """The document's source."""
        return self.document.source

    @property
    def text(self) -> str:
        """The document's text."""
        return self.document.source.text

    @property
    def path(self) -> str | None:
        """The document's file path (None for an unsaved buffer)."""
        return self.document.source.path

    def offset(self, pos: types.Position) -> int:
        """The character offset of an LSP position in this document."""
        return convert.offset(self.source, pos)

    def range(self, span: Span, source: Source | None = None) -> types.Range:
        """The LSP range of a span of this document (or of `source`)."""
        return convert.to_range(source or self.source, span)


def snapshot_of(
    text: str,
    path: str | None = None,
    *,
    root: str | None = None,
    config: Config | None = None,
    uri: str | None = None,
) -> Snapshot:
    """A snapshot of `text` as the file `path` (for tests and one-off use)."""
    project = Project(root or os.path.dirname(path)) if path is not None else None
    name = project.name_of(path) if project is not None and path is not None else None
    loader = project.loader if project is not None else None
    doc = parse(text, path, loader=loader, name=name)
    return Snapshot(
        uri or (convert.uri_of(path) if path else "untitled:Untitled-1"),
        None,
        doc,
        project,
        config or Config(),
    )


def project_root(path: str, folders: list[str]) -> str:
    """The Digdag project directory of a file.

    From the file's directory, go up while the parent directory holds `.dig` files too (a
    file in `common/` called by `../main.dig`), never above the workspace folder that contains
    the file. Without a workspace folder, the file's own directory.
    """
    directory = os.path.dirname(os.path.abspath(path))
    limit = max(
        (f for f in folders if directory == f or directory.startswith(f.rstrip(os.sep) + os.sep)),
        key=len,
        default=None,
    )
    if limit is None:
        return directory
    while directory != limit:
        parent = os.path.dirname(directory)
        if not _has_dig_files(parent):
            break
        directory = parent
    return directory


def _has_dig_files(directory: str) -> bool:
    try:
        return any(n.endswith(".dig") for n in os.listdir(directory))
    except OSError:
        return False


@dataclass
class _Open:
    text: str
    version: int | None
    snapshot: Snapshot | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Graveyard:
    """Replaced snapshots, freed a few pieces at a time when the server has nothing to do.

    Freeing a 10,000-line document's trees takes ~11 ms of reference counting; done when the
    snapshot is replaced, it would delay the diagnostics of the very keystroke that replaced
    it. Instead the snapshot is kept here and taken apart later, in slices that leave the
    server free to answer between them (in an editor, during the lint debounce). At most
    `MAX_WAITING` snapshots wait; beyond that the oldest is freed at once.
    """

    MAX_WAITING = 4

    def __init__(self) -> None:
        self.waiting: list[Snapshot] = []
        self.pieces: list[object] = []

    def __bool__(self) -> bool:
        return bool(self.waiting or self.pieces)

    def add(self, snap: Snapshot) -> None:
        """Keep `snap` alive until `free` gets to it."""
        self.waiting.append(snap)
        if len(self.waiting) > self.MAX_WAITING:
            self.waiting.pop(0).memo.clear()

    def free(self, budget: float = 0.001) -> bool:
        """Free pieces for about `budget` seconds; True when some are left."""
        deadline = time.perf_counter() + budget
        pieces = self.pieces
        while pieces or self.waiting:
            if not pieces:
                pieces.extend(_pieces(self.waiting.pop(0)))
            else:
                pieces.pop()
            if time.perf_counter() > deadline:
                break
        return bool(self)


def _pieces(snap: Snapshot) -> list[object]:
    """Parts of a snapshot that can be freed one by one (the top-level entries)."""
    snap.memo.clear()  # caches may point back to the snapshot
    root = snap.document.root
    return list(root.entries) if isinstance(root, Mapping) else []


class Workspace:
    """Open buffers, the projects they belong to, and their configs."""

    def __init__(self, folders: list[str] | None = None) -> None:
        self.folders = [os.path.abspath(f) for f in folders or []]
        self.open: dict[str, _Open] = {}  # by URI
        self.projects: dict[str, Project] = {}  # by root
        self._configs: dict[str, tuple[Config, str | None]] = {}  # by directory
        self._includes: dict[str, tuple[str, ...]] = {}  # `.dig` file -> what it includes
        self.overrides: Config | None = None  # rule selection from the client settings
        self.on_config_error: Callable[[str], None] | None = None
        self._discovered = False
        self._disk: dict[str, int | None] = {}  # files read from disk -> their mtime (ns)
        self._swept = 0.0
        self.graveyard = Graveyard()

    # -- buffers -------------------------------------------------------------------------
    def set_text(self, uri: str, text: str, version: int | None) -> None:
        """Record the text of an open buffer (opened or changed)."""
        state = self.open.get(uri)
        if state is not None and state.text == text and state.version == version:
            return
        if state is not None and state.snapshot is not None:
            self.graveyard.add(state.snapshot)
        self.open[uri] = _Open(text, version, None, state.diagnostics if state else [])
        path = convert.path_of(uri)
        if path is not None:
            self._changed(path)

    def close(self, uri: str) -> None:
        """Forget an open buffer; the file on disk is what projects see again."""
        if self.open.pop(uri, None) is not None:
            path = convert.path_of(uri)
            if path is not None:
                self._changed(path)

    def file_changed(self, path: str, created_or_deleted: bool = False) -> None:
        """A file changed on disk (watched files)."""
        self._changed(os.path.abspath(path), created_or_deleted)

    def _changed(self, path: str, listing: bool = False) -> None:
        if listing:
            self._discovered = False
            self._includes.clear()  # a created file may be what an `!include` names
        else:
            for other, includes in list(self._includes.items()):
                if other == path or path in includes:
                    del self._includes[other]
        for root, project in self.projects.items():
            if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
                project.invalidate(path)
                if listing:
                    project.files_changed()

        self._forget_snapshots()
        if os.path.basename(path) in (".diglint.toml", "pyproject.toml"):
            self._configs.clear()

    def _forget_snapshots(self) -> None:
        for state in self.open.values():
            if state.snapshot is not None:
                self.graveyard.add(state.snapshot)
                state.snapshot = None

    def set_folders(self, folders: list[str]) -> None:
        """New workspace folders: projects are found again."""
        self.folders = [os.path.abspath(f) for f in folders]
        self.projects.clear()
        self._includes.clear()
        self._discovered = False
        self._forget_snapshots()

    def set_overrides(self, overrides: Config | None) -> None:
        """New rule selection from the client settings."""
        self.overrides = overrides
        self._forget_snapshots()

    def read(self, path: str) -> str:
        """The text of `path`: the open buffer if there is one, else the file."""
        state = self.open.get(convert.uri_of(path))
        if state is not None:
            return state.text
        self._disk[path] = _mtime(path)
        return read_file(path)

    def sweep(self, every: float = 1.0) -> None:
        """Notice files changed on disk behind our back (clients without file watching, or
        changes the watcher missed): at most once per `every` seconds, compare the times of
        every file read from disk."""
        now = time.monotonic()
        if now - self._swept < every:
            return
        self._swept = now
        for path, seen in list(self._disk.items()):
            current = _mtime(path)
            if current != seen:
                self._disk[path] = current
                self._changed(path, listing=current is None or seen is None)

    # -- projects and configs ---------------------------------------------------------------
    def project_for(self, path: str) -> Project:
        """The project a file belongs to (created on first use)."""
        root = project_root(path, self.folders)
        project = self.projects.get(root)
        if project is None:
            project = self.projects[root] = Project(root, loader=self.read)
        return project

    def all_projects(self) -> list[Project]:
        """Every project of the workspace folders (found once, again after files come and go)."""
        if not self._discovered:
            for folder in self.folders:
                for directory, names in walk_tree(folder):
                    if any(is_dig_file(n) for n in names):
                        self.project_for(os.path.join(directory, names[0]))
            self._discovered = True
        return list(self.projects.values())

    def config_for(self, path: str | None) -> Config:
        """The diglint config that applies to `path` (client settings override it)."""
        config = Config()
        if path is not None:
            directory = os.path.dirname(os.path.abspath(path))
            if directory not in self._configs:
                self._configs[directory] = _load(directory)
            config, error = self._configs[directory]
            if error is not None and self.on_config_error is not None:
                self.on_config_error(error)
        if self.overrides is not None:
            o = self.overrides
            config = config.with_options(
                sorted(o.select) if o.select is not None else None, sorted(o.ignore)
            )
        return config

    def is_fragment(self, project: Project, path: str) -> bool:
        """True when another `.dig` file of the project includes `path`."""
        for other in project.dig_files():
            if other == path:
                continue
            includes = self._includes.get(other)
            if includes is None:
                may = _may_include(self, other)
                includes = self._includes[other] = project.document(other).includes if may else ()
            if path in includes:
                return True
        return False

    # -- snapshots ----------------------------------------------------------------------------
    def snapshot(self, uri: str) -> Snapshot | None:
        """The snapshot of an open document (cached until something changes)."""
        state = self.open.get(uri)
        if state is None:
            return None
        if state.snapshot is None:
            state.snapshot = self._build(uri, state)
        return state.snapshot

    def _build(self, uri: str, state: _Open) -> Snapshot:
        self.sweep()
        path = convert.path_of(uri)
        if path is None:
            doc = parse(state.text, None)
            return Snapshot(uri, state.version, doc, None, self.config_for(None))
        return self._project_snapshot(uri, path, state.version)

    def file_snapshot(self, path: str) -> Snapshot:
        """A snapshot of a file (its open buffer when there is one, else the disk)."""
        path = os.path.abspath(path)
        uri = convert.uri_of(path)
        if uri in self.open:
            snap = self.snapshot(uri)
            assert snap is not None
            return snap
        return self._project_snapshot(uri, path, None)

    def _project_snapshot(self, uri: str, path: str, version: int | None) -> Snapshot:
        """The snapshot of a file of a project (read through its loader: buffer, else disk)."""
        project = self.project_for(path)
        doc = project.document(path)
        fragment = self.is_fragment(project, path)
        return Snapshot(uri, version, doc, project, self.config_for(path), fragment)


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _may_include(workspace: Workspace, path: str) -> bool:
    try:
        text = workspace.read(path)
    except (OSError, UnicodeDecodeError):
        return False
    return "include" in text or "%TAG" in text


def _load(directory: str) -> tuple[Config, str | None]:
    found = find_config(Path(directory))
    if found is None:
        return Config(), None
    try:
        return load_config(found), None
    except ConfigError as exc:
        return Config(), str(exc)
