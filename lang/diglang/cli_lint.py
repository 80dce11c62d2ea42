"""`diglint`: check Digdag workflows for every mistake that can be found without running them.

Exit status: 0 no errors, 1 errors found, 2 usage or internal failure.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

from diglang import render
from diglang.config import Config, ConfigError, find_config, load_config
from diglang.diagnostics import Diagnostic, Severity
from diglang.lint import LintResult, discover, fix_file, included_files, lint_file, lint_text
from diglang.project import Project
from diglang.rules import RULES

PARALLEL_THRESHOLD = 48  # below this many files, worker start-up costs more than it saves


def _version() -> str:
    try:
        return version("digkit")
    except PackageNotFoundError:
        return "0"


def _load(config_path: str | None, start: Path) -> Config:
    path = Path(config_path) if config_path else find_config(start)
    return load_config(path) if path is not None else Config()


def _with_cli(config: Config, select: str | None, ignore: str | None) -> Config:
    from dataclasses import replace

    known = {r.id for r in RULES}
    for option in (select, ignore):
        for rule_id in (option or "").split(","):
            if rule_id.strip() and rule_id.strip() not in known | {"ALL"}:
                raise click.UsageError(f"unknown rule `{rule_id.strip()}`; see `diglint --rules`")
    if select:
        ids = {s.strip() for s in select.split(",") if s.strip()}
        config = replace(config, select=None if "ALL" in ids else frozenset(ids))
    if ignore:
        config = replace(config, ignore=config.ignore | {s.strip() for s in ignore.split(",")})
    return config


def _lint_group(job: tuple[str, list[str], Config]) -> list[LintResult]:
    """Lint the files of one project (runs in a worker process for large repos)."""
    root, files, config = job
    project = Project(root)
    fragments = included_files(project)
    return [lint_file(path, project, config, fragments) for path in files]


def _run(files: list[tuple[str, str]], config: Config, jobs: int) -> list[LintResult]:
    groups: dict[str, list[str]] = {}
    for path, root in files:
        groups.setdefault(root, []).append(path)
    work = [(root, paths, config) for root, paths in groups.items()]
    if jobs > 1 and len(files) >= PARALLEL_THRESHOLD:
        # Split big projects so both cores get work; each chunk parses what it needs.
        chunks = [(root, paths[i::jobs], config) for root, paths, _ in work for i in range(jobs)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = [r for batch in pool.map(_lint_group, chunks) for r in batch]
    else:
        results = [r for job in work for r in _lint_group(job)]
    return sorted(results, key=lambda r: r.path)


def _emit(results: list[LintResult], fmt: str, color: bool) -> None:
    cwd = os.getcwd()

    def shown(path: str | None) -> str:
        return os.path.relpath(path, cwd) if path and os.path.isabs(path) else (path or "<stdin>")

    diags = [d for r in results for d in r.diagnostics]
    sources = {p: s for r in results for p, s in r.sources.items()}

    def lookup(path: str | None) -> object:
        return sources[path] if path in sources else next(iter(sources.values()))

    if fmt == "text":
        out = render.render_text(diags, lookup, color=color, display_path=shown)  # type: ignore[arg-type]
    elif fmt == "json":
        items = [
            {**render.diagnostic_json(d, lookup(d.path)), "file": shown(d.path)}  # type: ignore[arg-type]
            for d in diags
        ]
        import json

        out = json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "sarif":
        rules = [(r.id, r.doc, r.severity) for r in RULES]
        out = render.render_sarif(diags, lookup, rules, uri=shown, version=_version())  # type: ignore[arg-type]
    else:
        out = render.render_github(diags, lookup, shown)  # type: ignore[arg-type]
    click.echo(out, nl=False)


@click.command(name="diglint", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--project", "project_dir", type=click.Path(file_okay=False), help="Project root.")
@click.option("--stdin-filename", help="Path to report (and resolve files) for `-` input.")
@click.option("--select", help="Comma-separated rule ids to run (default: all).")
@click.option("--ignore", help="Comma-separated rule ids to skip.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text"
)
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that need review.")
@click.option("--statistics", is_flag=True, help="Print how often each rule fired.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--jobs", "-j", type=int, default=0, help="Worker processes (default: cores).")
@click.option("--rules", "list_rules", is_flag=True, help="List the rules and exit.")
@click.option("--color/--no-color", default=None, help="Color text output (default: on a TTY).")
def main(
    paths: tuple[str, ...],
    project_dir: str | None,
    stdin_filename: str | None,
    select: str | None,
    ignore: str | None,
    fmt: str,
    fix: bool,
    unsafe_fixes: bool,
    statistics: bool,
    config_path: str | None,
    jobs: int,
    list_rules: bool,
    color: bool | None,
) -> None:
    """Check Digdag workflow files (`*.dig`) and directories."""
    if list_rules:
        for r in RULES:
            click.echo(f"{r.id:24} {r.severity!s:8} {r.summary}")
        return
    try:
        code = _main(
            list(paths) or ["."],
            project_dir,
            stdin_filename,
            _with_cli(
                _load(config_path, Path(project_dir or (paths[0] if paths else "."))),
                select,
                ignore,
            ),
            fmt,
            fix or unsafe_fixes,
            unsafe_fixes,
            statistics,
            jobs or (os.cpu_count() or 1),
            sys.stdout.isatty() if color is None else color,
        )
    except ConfigError as exc:
        click.echo(f"diglint: {exc}", err=True)
        code = 2
    except click.UsageError:
        raise
    except Exception as exc:  # an internal error must still say what happened, not a traceback
        click.echo(f"diglint: internal error: {type(exc).__name__}: {exc}", err=True)
        code = 2
    sys.exit(code)


def _main(
    paths: list[str],
    project_dir: str | None,
    stdin_filename: str | None,
    config: Config,
    fmt: str,
    fix: bool,
    unsafe: bool,
    statistics: bool,
    jobs: int,
    color: bool,
) -> int:
    if paths == ["-"]:
        path = os.path.abspath(stdin_filename) if stdin_filename else None
        root = project_dir or (os.path.dirname(path) if path else os.getcwd())
        project = Project(root)
        results = [lint_text(sys.stdin.read(), path, project, config)]
    else:
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            click.echo(f"diglint: {missing[0]}: no such file or directory", err=True)
            return 2
        files = list(discover(paths))
        if project_dir:
            files = [(p, os.path.abspath(project_dir)) for p, _ in files]
        if fix:
            _fix(files, config, unsafe)
        results = _run(files, config, jobs)
    _emit(results, fmt, color)
    diags = [d for r in results for d in r.diagnostics]
    if statistics:
        counts = Counter(d.rule for d in diags)
        for rule_id, count in counts.most_common():
            click.echo(f"{count:6}  {rule_id}", err=True)
    return 1 if any(d.severity is Severity.ERROR for d in diags) else 0


def _fix(files: list[tuple[str, str]], config: Config, unsafe: bool) -> None:
    projects: dict[str, Project] = {}
    total = 0
    for path, root in files:
        project = projects.setdefault(root, Project(root))
        total += fix_file(path, project, config, unsafe=unsafe)
    if total:
        click.echo(f"diglint: applied {total} fix{'es' if total != 1 else ''}", err=True)


def diagnostics_of(results: list[LintResult]) -> list[Diagnostic]:
    """All diagnostics of a run, in file order."""
    return [d for r in results for d in r.diagnostics]
