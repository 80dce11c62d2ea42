"""Lint files and projects: discovery, fragments, the cache and parallel runs behind `diglint`.

A file `!include`d by another `.dig` file of its project is a fragment, not a workflow, and is
checked as such; which files are fragments is only known once every file's includes are known,
so files are first checked as what they were last time (or as workflows), then the few whose
status changed are checked again. That keeps one pass over the files, in parallel or not, and
gives the same results either way.

The parser and the rules are imported only when a file has to be checked, so a run answered
from the cache does not pay for loading them.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from diglang.cache import Entry, FileReads, ProjectCache, decode, merge_deps, settings_key
from diglang.config import Config
from diglang.diagnostics import Diagnostic, Severity
from diglang.files import is_dig_file, walk_tree
from diglang.source import Source

if TYPE_CHECKING:
    from diglang.check import Batch, Task, TrackedProject

PARALLEL_THRESHOLD = 48  # below this many files, starting workers costs more than it saves
CHUNK = 16  # files per task handed to a worker


@dataclass(frozen=True)
class LintResult:
    """The diagnostics of one file, the sources they point into, and what they depend on."""

    path: str
    root: str  # the project root the file was checked in
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, Source]  # by diagnostic path ("" for unnamed text)
    fragment: bool = False
    deps: dict[str, str] = field(default_factory=dict)  # path -> digest of what was read
    includes: tuple[str, ...] = ()
    crash: str | None = None  # set when checking the file hit a bug of ours

    @property
    def errors(self) -> int:
        """How many error-severity diagnostics."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    def source_of(self, path: str | None) -> Source:
        """The source a diagnostic's path points into."""
        return self.sources[path or ""]


def describe_crash(exc: BaseException) -> str:
    """`Type: message (at file:line)`: enough to report a bug of ours without a traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def discover(paths: Iterable[str], project: str | None = None) -> list[tuple[str, str]]:
    """(file, project root) for every file named and every `.dig` file below a directory."""
    found: dict[str, str] = {}
    for path in paths:
        if os.path.isdir(path):
            root = os.path.abspath(project or path)
            for folder, names in walk_tree(path):
                for name in names:
                    if is_dig_file(name):
                        found.setdefault(os.path.abspath(os.path.join(folder, name)), root)
        else:
            file = os.path.abspath(path)
            found.setdefault(file, os.path.abspath(project or os.path.dirname(file)))
    return list(found.items())


def project_files(root: str) -> tuple[list[str], str]:
    """The `.dig` files below `root`, and a digest of the names of all files there."""
    digs: list[str] = []
    listing = hashlib.blake2b(digest_size=16)
    for folder, names in walk_tree(root):
        for name in names:
            path = os.path.join(folder, name)
            listing.update(path.encode("utf-8", "surrogateescape") + b"\0")
            if is_dig_file(name):
                digs.append(path)
    return digs, listing.hexdigest()


def lint_paths(
    files: Sequence[tuple[str, str]],
    config: Config,
    *,
    jobs: int = 1,
    cache_dir: Path | None = None,
) -> list[LintResult]:
    """Lint (file, project root) pairs; results are sorted by path and independent of `jobs`."""
    reads = FileReads()
    key = settings_key(config) if cache_dir is not None else ""
    roots: dict[str, list[str]] = {}
    for path, root in files:
        roots.setdefault(root, []).append(path)
    projects = {root: _Project(root, paths, reads, cache_dir, key) for root, paths in roots.items()}
    local: dict[str, TrackedProject] = {}
    tasks = [task for project in projects.values() for task in project.tasks(config)]
    for batch in _run(tasks, jobs, local):
        projects[batch.root].add(batch)
    for project in projects.values():
        project.settle(config, local)
        project.save()
    return sorted((r for p in projects.values() for r in p.results.values()), key=lambda r: r.path)


def _run(tasks: list[Task], jobs: int, local: dict[str, TrackedProject]) -> Iterator[Batch]:
    """Run tasks here, or in `jobs` worker processes when there is enough work."""
    if not tasks:
        return
    from diglang.check import adopt_projects, run_task, run_worker_task

    if jobs < 2 or sum(len(t.files) for t in tasks) < PARALLEL_THRESHOLD:
        for task in tasks:
            yield run_task(task, local)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Rules compute project-wide data (the `call>` graph) on first use: do the first task
    # here, so that forked workers inherit it instead of each computing it again.
    yield run_task(tasks[0], local)
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else None)
    inherited = local if fork else {}  # anything else would be pickled: not worth it
    with ProcessPoolExecutor(jobs, context, adopt_projects, (inherited,)) as pool:
        yield from pool.map(run_worker_task, tasks[1:])


class _Project:
    """One project root of a run: its cache, its results and which files are fragments."""

    def __init__(
        self, root: str, wanted: list[str], reads: FileReads, cache_dir: Path | None, key: str
    ) -> None:
        self.root = root
        self.wanted = wanted
        self.reads = reads
        self.digs, listing = project_files(root)
        self.cache = None
        if cache_dir is not None:
            self.cache = ProjectCache.open(cache_dir, root, key, listing, reads)
        self.results: dict[str, LintResult] = {}
        self.fresh: set[str] = set()
        self.shared: dict[str, str] = {}

    def tasks(self, config: Config) -> list[Task]:
        """Take what the cache holds; split the rest into tasks."""
        todo = []
        for path in self.wanted:
            entry = self.cache.get(path, self.reads) if self.cache is not None else None
            if entry is not None and entry.fragment is not None:
                self.results[path] = self._from_cache(path, entry)
            else:
                todo.append(path)
        if not todo:
            return []
        from diglang.check import Task

        known = {i for r in self.results.values() for i in r.includes}
        files = [(path, path in known) for path in todo]
        chunks = [tuple(files[i : i + CHUNK]) for i in range(0, len(files), CHUNK)]
        return [Task(self.root, chunk, config) for chunk in chunks]

    def _from_cache(self, path: str, entry: Entry) -> LintResult:
        sources = {}
        for where in {d.path or "" for d in entry.diagnostics}:
            data = self.reads.data(where)
            try:
                text = decode(data) if data is not None else ""
            except UnicodeDecodeError:
                text = ""  # what the parser saw of a file that is not UTF-8
            sources[where] = Source(where, text)
        return LintResult(
            path,
            self.root,
            entry.diagnostics,
            sources,
            bool(entry.fragment),
            entry.deps,
            entry.includes,
        )

    def add(self, batch: Batch) -> None:
        """Take the results of a task."""
        for result in batch.results:
            self.results[result.path] = result
            self.fresh.add(result.path)
        merge_deps(self.shared, batch.shared)

    def settle(self, config: Config, local: dict[str, TrackedProject]) -> None:
        """Check again the files whose fragment status turned out different."""
        fragments = self.fragments(local)
        redo = tuple(
            (path, path in fragments)
            for path, result in self.results.items()
            if result.crash is None and result.fragment != (path in fragments)
        )
        if redo:
            from diglang.check import Task, run_task

            self.add(run_task(Task(self.root, redo, config), local))

    def fragments(self, local: dict[str, TrackedProject]) -> set[str]:
        """Every file some `.dig` file of the project includes."""
        found: set[str] = set()
        for path in dict.fromkeys([*self.digs, *self.wanted]):
            found.update(self._includes(path, local))
        return found

    def _includes(self, path: str, local: dict[str, TrackedProject]) -> tuple[str, ...]:
        result = self.results.get(path)
        if result is not None and result.crash is None:
            return result.includes
        entry = self.cache.get(path, self.reads) if self.cache is not None else None
        if entry is not None:
            return entry.includes
        data = self.reads.data(path)
        # Only a file that spells `include` (or redefines tags) can include anything.
        if data is None or not (b"include" in data or b"%TAG" in data):
            return ()
        from diglang.check import TrackedProject, includes_of

        project = local.get(self.root) or local.setdefault(
            self.root, TrackedProject(self.root, self.reads)
        )
        try:
            includes, deps = includes_of(project, path)
        except Exception:  # a bug of ours; the file's own check reports it if it is linted
            return ()
        if self.cache is not None:
            self.cache.put(path, Entry(deps, includes))
        return includes

    def save(self) -> None:
        """Store the fresh results."""
        if self.cache is None:
            return
        for path in sorted(self.fresh):
            r = self.results[path]
            if r.crash is None:
                self.cache.put(path, Entry(r.deps, r.includes, r.fragment, r.diagnostics))
        self.cache.share(self.shared)
        self.cache.save()


def lint_text(text: str, path: str | None, root: str, config: Config) -> LintResult:
    """Lint unsaved text (stdin, an editor buffer) as the file `path` of the project `root`."""
    from diglang.check import check_text

    fragment = False
    if path is not None:
        fragment = path in _Project(root, [], FileReads(), None, "").fragments({})
    return check_text(text, path, root, config, fragment=fragment)
