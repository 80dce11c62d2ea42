"""Command-line entry points of diglang (`digtree`; `digfmt` lives in `cli_fmt.py`)."""

from __future__ import annotations

import os
import sys

import click

from diglang.diagnostics import Severity
from diglang.parse import Document
from diglang.project import Project
from diglang.render import render_text
from diglang.tree import render_tree


def _print_diagnostics(doc: Document, color: bool) -> None:
    if doc.diagnostics:
        cwd = os.getcwd()

        def shown(path: str | None) -> str:
            return os.path.relpath(path, cwd) if path else "<stdin>"

        text = render_text(doc.diagnostics, doc.source_of, color=color, display_path=shown)
        click.echo(text, err=True, nl=False)


@click.command(name="digtree")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def digtree_main(paths: tuple[str, ...]) -> None:
    """Parse Digdag projects or files and print each workflow's task tree."""
    color = sys.stderr.isatty()
    failed = False
    files: list[tuple[Project, str]] = []
    for path in paths or (".",):
        if os.path.isdir(path):
            project = Project(path)
            files.extend((project, p) for p in project.workflow_paths())
        else:
            files.append((Project(os.path.dirname(path) or "."), path))
    for project, path in files:
        doc = project.document(path)
        click.echo(f"# {os.path.relpath(path)}")
        if doc.workflow is not None:
            click.echo(render_tree(doc.workflow))
        _print_diagnostics(doc, color)
        failed |= any(d.severity is Severity.ERROR for d in doc.diagnostics)
    sys.exit(1 if failed else 0)
