"""Run lint rules: enable, stamp severity, suppress, sort and dedupe; lint files of a project.

`check()` is pure: a parsed document in, diagnostics out. The rest lints files through a
`TrackedProject`, which records every file each result was computed from, so that `lint.py`
can cache results without ever returning a stale one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from diglang.cache import NO_REFERENCES, FileReads, decode, merge_deps
from diglang.config import Config
from diglang.diagnostics import Diagnostic, Severity
from diglang.fix import fix_text
from diglang.lint import LintResult, describe_crash
from diglang.nodes import Workflow
from diglang.parse import Document, parse
from diglang.perf import without_gc
from diglang.project import Project, Reference
from diglang.rule import Check, Context, Rule
from diglang.source import Source

_SUPPRESS = re.compile(r"#\s*diglint:\s*(disable|disable-file|disable-next-line)=([\w\-, ]+)")


@without_gc
def check(
    doc: Document,
    config: Config | None = None,
    *,
    project: Project | None = None,
    rules: Sequence[Rule] | None = None,
    fragment: bool = False,
) -> list[Diagnostic]:
    """Every enabled diagnostic of `doc`: the parser's first, then the rules'."""
    from diglang.rules import RULES

    config = config or Config()
    path = doc.source.path
    # With an explicit rule list, parser diagnostics of other rules are not wanted.
    wanted = None if rules is None else {r.id for r in rules}
    found = [
        _with_severity(diag, config.severity_of(diag.rule, diag.severity))
        for diag in doc.diagnostics
        if (wanted is None or diag.rule in wanted) and config.enabled(diag.rule, diag.path or path)
    ]
    # After a YAML error the tree is what the lines before it give (for editors): rules would
    # report the cut-off part as problems, so only the syntax error is reported.
    broken = any(d.rule == "yaml-syntax" for d in doc.diagnostics)
    if doc.workflow is not None and not broken:
        ctx = Context(doc, config, project, fragment)
        for rule in RULES if rules is None else rules:
            if rule.check is not None and config.enabled(rule.id, path):
                found.extend(_run_rule(rule, rule.check, doc.workflow, ctx))
    return finish(found, doc)


def _run_rule(rule: Rule, run: Check, workflow: Workflow, ctx: Context) -> Iterator[Diagnostic]:
    for problem in run(workflow, ctx):
        # A rule may rate one problem differently from its default; configuration wins.
        severity = ctx.config.severity_of(rule.id, problem.severity or rule.severity)
        where = problem.source.path if problem.source is not None else ctx.path
        # A problem inside an included file obeys that file's per-file-ignores.
        if where == ctx.path or ctx.config.enabled(rule.id, where):
            yield Diagnostic(rule.id, severity, problem.span, problem.message, where, problem.fix)


def _with_severity(diag: Diagnostic, severity: Severity) -> Diagnostic:
    if severity is diag.severity:
        return diag
    return Diagnostic(diag.rule, severity, diag.span, diag.message, diag.path, diag.fix)


def finish(found: Iterable[Diagnostic], doc: Document) -> list[Diagnostic]:
    """Drop suppressed and duplicate diagnostics and sort by position."""
    ordered = sorted(found, key=Diagnostic.sort_key)
    suppressed = {path: suppressions(doc.source_of(path)) for path in {d.path for d in ordered}}
    seen: set[tuple[object, ...]] = set()
    result = []
    for diag in ordered:
        key = (diag.path, diag.span, diag.rule, diag.message)
        if key in seen or _is_suppressed(diag, doc.source_of(diag.path), suppressed[diag.path]):
            continue
        seen.add(key)
        result.append(diag)
    return result


Suppressions = tuple[frozenset[str], dict[int, frozenset[str]]]


def suppressions(source: Source) -> Suppressions:
    """Rules disabled for the whole file, and per line (0-based)."""
    if "diglint:" not in source.text:
        return frozenset(), {}
    whole: set[str] = set()
    lines: dict[int, set[str]] = {}
    for match in _SUPPRESS.finditer(source.text):
        ids = {part.strip() for part in match.group(2).split(",") if part.strip()}
        line = source.index.position(match.start()).line
        if match.group(1) == "disable-file":
            whole |= ids
        elif match.group(1) == "disable-next-line":
            lines.setdefault(line + 1, set()).update(ids)
        else:
            lines.setdefault(line, set()).update(ids)
    return frozenset(whole), {k: frozenset(v) for k, v in lines.items()}


def _is_suppressed(diag: Diagnostic, source: Source, rules: Suppressions) -> bool:
    whole, lines = rules
    if diag.rule in whole or "all" in whole:
        return True
    if not lines:
        return False
    ids = lines.get(source.index.position(diag.span.start).line, frozenset())
    return diag.rule in ids or "all" in ids


class TrackedProject(Project):
    """A project that records the files behind each document, and the files rules read.

    A document depends on its file and its includes. While `checking`, every document a rule
    asks for (other workflows, for the `call>` graph; memoized by `Project`) is recorded in
    `shared`: a dependency of every result of the project.
    """

    def __init__(self, root: str, reads: FileReads | None = None) -> None:
        super().__init__(root, loader=self._read)
        self._reads = reads or FileReads()
        self._reading: dict[str, str] = {}
        self._deps: dict[str, dict[str, str]] = {}
        self.checking = False
        self.shared: dict[str, str] = {}

    def _read(self, path: str) -> str:
        self._reading[path] = self._reads.digest(path)
        return self._reads.text(path)

    def document(self, path: str) -> Document:
        """The parsed document of `path`, recording what it was read from."""
        path = os.path.abspath(path)
        self._reading = {}
        doc = super().document(path)
        if self._reading:  # parsed now, not taken from the project's memo
            self._deps[path] = self._reading
        if self.checking:
            merge_deps(self.shared, self._deps.get(path, {}))
        return doc

    def references(self, path: str) -> Iterator[Reference]:
        """As `Project.references`, without parsing a file whose text cannot refer to another.

        Rules build the project's `call>` graph from every file below the root, and most files
        refer to none: for those, only that fact is recorded (`NO_REFERENCES`), not the text.
        """
        path = os.path.abspath(path)
        if self._reads.may_refer(path):
            return super().references(path)  # `document` records what it reads
        if self.checking:
            merge_deps(self.shared, {path: NO_REFERENCES})
        return iter(())

    def sources(self, doc: Document, diagnostics: Iterable[Diagnostic]) -> dict[str, Source]:
        """The sources the diagnostics point into, by path ("" for unnamed text)."""
        found: dict[str, Source] = {}
        for path in {d.path for d in diagnostics}:
            if path is None or path == doc.source.path or path in doc.sources:
                found[path or ""] = doc.source_of(path)
            else:  # an include the document does not list (read while recovering from an error)
                try:
                    found[path] = Source(path, self._reads.text(path))
                except (OSError, UnicodeDecodeError):
                    found[path] = Source(path, "")
        return found

    def deps(self, path: str) -> dict[str, str]:
        """Digests of the files the document of `path` was read from."""
        return dict(self._deps.get(os.path.abspath(path), {}))


def check_file(project: TrackedProject, path: str, config: Config, fragment: bool) -> LintResult:
    """Lint one file of `project`; a failure of ours becomes the result's `crash`."""
    try:
        doc = project.document(path)
        project.checking = True
        try:
            diagnostics = check(doc, config, project=project, fragment=fragment)
        finally:
            project.checking = False
    except Exception as exc:  # one file's bug must not hide the other files' results
        return LintResult(path, project.root, (), {}, fragment, crash=describe_crash(exc))
    return LintResult(
        path,
        project.root,
        tuple(diagnostics),
        project.sources(doc, diagnostics),
        fragment,
        project.deps(path),
        doc.includes,
    )


@dataclass(frozen=True)
class Task:
    """Files of one project to lint, each with whether it is a fragment."""

    root: str
    files: tuple[tuple[str, bool], ...]
    config: Config


@dataclass(frozen=True)
class Batch:
    """The results of a task, and the files rules read across workflows."""

    root: str
    results: tuple[LintResult, ...]
    shared: dict[str, str] = field(default_factory=dict)


def run_task(task: Task, projects: dict[str, TrackedProject]) -> Batch:
    """Lint the files of `task`, reusing (and filling) the parsed projects in `projects`."""
    project = projects.get(task.root)
    if project is None:
        project = projects[task.root] = TrackedProject(task.root)
    results = tuple(check_file(project, p, task.config, frag) for p, frag in task.files)
    return Batch(task.root, results, dict(project.shared))


_WORKER_PROJECTS: dict[str, TrackedProject] = {}


def adopt_projects(projects: dict[str, TrackedProject]) -> None:
    """Process pool initializer: start from the parent's parsed projects (free with fork)."""
    _WORKER_PROJECTS.clear()
    _WORKER_PROJECTS.update(projects)


def run_worker_task(task: Task) -> Batch:
    """`run_task` in a worker process, keeping parsed projects between its tasks."""
    return run_task(task, _WORKER_PROJECTS)


def includes_of(project: TrackedProject, path: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The files `path` includes, and the files that answer depends on."""
    doc = project.document(path)
    return doc.includes, project.deps(path)


def check_text(
    text: str, path: str | None, root: str, config: Config, *, fragment: bool = False
) -> LintResult:
    """Lint unsaved text (stdin, an editor buffer) as if it were the file `path`."""
    project = TrackedProject(root)
    name = project.name_of(path) if path is not None else None
    doc = parse(text, path, loader=project.loader, name=name)
    diagnostics = check(doc, config, project=project, fragment=fragment)
    sources = project.sources(doc, diagnostics)
    return LintResult(path or "", root, tuple(diagnostics), sources, fragment)


def fix_file(path: str, root: str, config: Config, *, unsafe: bool, fragment: bool) -> int:
    """Apply fixes to the file `path` in place, keeping its line endings; returns how many."""
    with open(path, "rb") as source:
        raw = source.read()
    original = decode(raw)

    def lint(text: str) -> list[Diagnostic]:
        return list(check_text(text, path, root, config, fragment=fragment).diagnostics)

    fixed, count = fix_text(original, lint, path, unsafe=unsafe)
    if fixed != original:
        newline = "\r\n" if b"\r\n" in raw else "\r" if b"\r" in raw else "\n"
        with open(path, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(fixed)
    return count
