"""Lint files and projects: the API behind `diglint` (and the language server)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from diglang.check import check
from diglang.config import Config
from diglang.diagnostics import Diagnostic, Severity
from diglang.fix import fix_text
from diglang.parse import Document, parse
from diglang.project import Project
from diglang.source import Source

SKIP_DIRS = frozenset({".digdag", "node_modules", "__pycache__"})


@dataclass(frozen=True)
class LintResult:
    """The diagnostics of one file, with the sources they point into."""

    path: str
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, Source]

    @property
    def errors(self) -> int:
        """How many error-severity diagnostics."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    def source_of(self, path: str | None) -> Source:
        """The source a diagnostic's path points into."""
        return self.sources.get(path or self.path) or self.sources[self.path]


def discover(paths: list[str]) -> Iterator[tuple[str, str]]:
    """(file, project root) for every `.dig` file named or found below a directory."""
    for path in paths:
        if os.path.isdir(path):
            root = os.path.abspath(path)
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
                for name in sorted(files):
                    if name.endswith(".dig") and not name.startswith("."):
                        yield os.path.abspath(os.path.join(folder, name)), root
        else:
            yield os.path.abspath(path), os.path.dirname(os.path.abspath(path))


def included_files(project: Project) -> set[str]:
    """Every file some `.dig` below the project root includes (fragments, not workflows)."""
    found: set[str] = set()
    for path, _ in discover([project.root]):
        found.update(project.document(path).includes)
    return found


def lint_document(
    doc: Document, project: Project, config: Config, *, fragment: bool = False
) -> LintResult:
    """Check an already parsed document."""
    diagnostics = check(doc, config, project=project, fragment=fragment)
    path = doc.source.path or "<stdin>"
    sources = {**doc.sources, path: doc.source}
    return LintResult(path, tuple(diagnostics), sources)


def lint_file(path: str, project: Project, config: Config, fragments: set[str]) -> LintResult:
    """Parse (through the project cache) and check one file."""
    doc = project.document(path)
    return lint_document(doc, project, config, fragment=os.path.abspath(path) in fragments)


def lint_text(
    text: str, path: str | None, project: Project, config: Config, *, fragment: bool = False
) -> LintResult:
    """Check unsaved text (stdin, an editor buffer) as if it were `path`."""
    name = project.name_of(path) if path else None
    doc = parse(text, path, loader=project.loader, name=name)
    return lint_document(doc, project, config, fragment=fragment)


def fix_file(
    path: str, project: Project, config: Config, *, unsafe: bool, fragment: bool = False
) -> int:
    """Apply fixes to `path` in place; returns how many edits were made."""
    original = Path(path).read_text(encoding="utf-8")

    def lint(text: str) -> list[Diagnostic]:
        return list(lint_text(text, path, project, config, fragment=fragment).diagnostics)

    fixed, count = fix_text(original, lint, path, unsafe=unsafe)
    if fixed != original:
        Path(path).write_text(fixed, encoding="utf-8")
        project.invalidate(path)
    return count
