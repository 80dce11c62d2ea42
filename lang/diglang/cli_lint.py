"""`diglint`: check Digdag workflows for every mistake that can be found without running them.

`diglint [PATH...]` checks files, and every `*.dig` file below directories (skipping hidden
directories such as `.digdag/` and `.git/`, and `node_modules/`); `-` reads stdin. Results
are cached (see `cache.py`), files are checked in parallel when there are many, and the
output is the same either way.

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage, configuration or
internal failure.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from diglang import render
from diglang.cache import RuleInfo, decode, default_dir, rule_infos
from diglang.config import (
    ALL,
    Config,
    ConfigError,
    check_rule_ids,
    find_config,
    load_config,
    unknown_rule,
)
from diglang.diagnostics import Diagnostic, Severity
from diglang.fix import applicable, fix_text
from diglang.lint import LintResult, describe_crash, discover, lint_paths, lint_text
from diglang.source import Source, Span

FORMATS = ("text", "json", "sarif", "github")


@dataclass(frozen=True)
class Options:
    """The command line, as click parsed it (field names are the option names)."""

    paths: tuple[str, ...]
    project: str | None
    stdin_filename: str | None
    select: str | None
    ignore: str | None
    fmt: str
    fix: bool
    unsafe_fixes: bool
    statistics: bool
    config_file: str | None
    jobs: int
    cache_dir: str | None
    no_cache: bool
    list_rules: bool
    color: bool | None

    @property
    def inputs(self) -> tuple[str, ...]:
        """The paths to check; `-` is stdin (also when only `--stdin-filename` is given)."""
        if not self.paths:
            return ("-",) if self.stdin_filename is not None else (".",)
        return self.paths

    @property
    def stdin(self) -> bool:
        """True when the workflow comes from stdin."""
        return self.inputs == ("-",)

    @property
    def fixing(self) -> bool:
        """True when fixes are applied (`--unsafe-fixes` implies `--fix`)."""
        return self.fix or self.unsafe_fixes

    @property
    def workers(self) -> int:
        """How many processes check files."""
        return self.jobs or os.cpu_count() or 1

    @property
    def cache(self) -> Path | None:
        """The cache directory, None with `--no-cache`."""
        if self.no_cache:
            return None
        return Path(self.cache_dir) if self.cache_dir else default_dir()

    @property
    def colored(self) -> bool:
        """Color on a terminal unless NO_COLOR is set; `--color/--no-color` decide otherwise."""
        if self.color is not None:
            return self.color
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def validate(self) -> None:
        """Reject combinations that make no sense."""
        if "-" in self.inputs and len(self.inputs) > 1:
            raise click.UsageError("`-` (stdin) cannot be combined with other paths")
        if self.stdin_filename is not None and not self.stdin:
            raise click.UsageError("--stdin-filename needs `-` (stdin) as the only path")
        if self.statistics and self.fmt in ("sarif", "github"):
            raise click.UsageError(f"--statistics cannot be used with --format {self.fmt}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("digkit")
    except PackageNotFoundError:
        return "0+unknown"


def _rule_ids(option: str | None, known: set[str], name: str) -> list[str] | None:
    """The ids of a comma-separated option; a usage error for an id that does not exist."""
    if option is None:
        return None
    ids = [part.strip() for part in option.split(",") if part.strip()]
    for rule_id in ids:
        if rule_id not in known and rule_id != ALL:
            raise click.BadParameter(unknown_rule(rule_id, known), param_hint=name)
    return ids


def _config(opts: Options, rules: Sequence[RuleInfo]) -> Config:
    """The configuration file's settings (found from the first path), checked against the rules."""
    start = opts.project or opts.stdin_filename or opts.inputs[0]
    if start == "-":
        start = "."
    path = Path(opts.config_file) if opts.config_file else find_config(Path(os.path.abspath(start)))
    config = load_config(path) if path is not None else Config()
    check_rule_ids(config, (r.id for r in rules))
    return config


@functools.lru_cache(maxsize=4096)
def _shown(path: str | None) -> str:
    """A path as the user wants to read it: relative to the working directory."""
    if not path:
        return "<stdin>"
    return os.path.relpath(path) if os.path.isabs(path) else path


def _diagnostics(results: Sequence[LintResult]) -> list[Diagnostic]:
    """All diagnostics of a run, each once (an include is read by every file including it)."""
    unique = {(d.path, d.span, d.rule, d.message): d for r in results for d in r.diagnostics}
    return sorted(unique.values(), key=lambda d: (*d.sort_key(), d.message))


def _lookup(results: Sequence[LintResult]) -> render.SourceLookup:
    sources = {key: src for r in results for key, src in r.sources.items()}

    def lookup(path: str | None) -> Source:
        return sources[path or ""]

    return lookup


def _emit(results: Sequence[LintResult], opts: Options, rules: Sequence[RuleInfo]) -> str:
    """The report of a run in the chosen format; `rules` are the rules that ran."""
    diagnostics = _diagnostics(results)
    lookup = _lookup(results)
    if opts.statistics:
        rows = render.statistics(diagnostics)
        if opts.fmt == "json":
            return json.dumps(rows, indent=2) + "\n"
        return render.render_statistics(rows)
    if opts.fmt == "json":
        return render.render_json(diagnostics, lookup, _shown)
    if opts.fmt == "sarif":
        version = _version()
        return render.render_sarif(diagnostics, lookup, rules, display_path=_shown, version=version)
    if opts.fmt == "github":
        return render.render_github(diagnostics, lookup, _shown)
    text = render.render_text(
        diagnostics, lookup, color=opts.colored, display_path=_shown, spaced=True
    )
    return text + render.render_summary(
        diagnostics, len(results), unsafe=opts.unsafe_fixes, color=opts.colored
    )


def _exit_code(results: Sequence[LintResult]) -> int:
    """2 if checking any file failed, 1 if an error was found, else 0."""
    if any(r.crash is not None for r in results):
        return 2
    return 1 if any(r.errors for r in results) else 0


def _report_crashes(results: Sequence[LintResult]) -> None:
    for result in results:
        if result.crash is not None:
            where = _shown(result.path)
            click.echo(f"diglint: {where}: {_bug(result.crash)}", err=True)


def _bug(what: str) -> str:
    return f"internal error: {what}; please report this bug"


def _fix(results: Sequence[LintResult], config: Config, unsafe: bool) -> int:
    """Apply the fixes of every file that has one; returns how many were applied."""
    from diglang.check import fix_file

    applied = files = 0
    for result in results:
        if any(applicable(d, result.path, unsafe=unsafe) for d in result.diagnostics):
            count = fix_file(
                result.path, result.root, config, unsafe=unsafe, fragment=result.fragment
            )
            applied += count
            files += count > 0
    if applied:
        fixes = f"{applied} fix{'es' if applied != 1 else ''}"
        click.echo(f"diglint: applied {fixes} in {files} file{'s' if files != 1 else ''}", err=True)
    return applied


def _run_files(opts: Options, config: Config) -> list[LintResult] | None:
    """Lint the named files and directories (fixing first if asked); None if there are none."""
    missing = [p for p in opts.inputs if not os.path.lexists(p)]
    if missing:
        raise click.BadParameter(f"{missing[0]}: no such file or directory", param_hint="PATH")
    files = discover(opts.inputs, opts.project)
    if not files:
        return None
    results = lint_paths(files, config, jobs=opts.workers, cache_dir=opts.cache)
    if opts.fixing and _fix(results, config, opts.unsafe_fixes):
        results = lint_paths(files, config, jobs=opts.workers, cache_dir=opts.cache)
    return results


def _run_stdin(opts: Options, config: Config) -> tuple[list[LintResult], str | None]:
    """Lint stdin; with `--fix`, also return the fixed text (written to stdout)."""
    path = os.path.abspath(opts.stdin_filename) if opts.stdin_filename else None
    root = os.path.abspath(opts.project or (os.path.dirname(path) if path else "."))
    data = sys.stdin.buffer.read()
    try:
        text = decode(data)
    except UnicodeDecodeError:
        diag = Diagnostic("io-error", Severity.ERROR, Span(0, 0), "stdin is not UTF-8 text", path)
        return [LintResult(path or "", root, (diag,), {path or "": Source(path, "")})], None
    if not opts.fixing:
        return [lint_text(text, path, root, config)], None

    def lint(current: str) -> list[Diagnostic]:
        return list(lint_text(current, path, root, config).diagnostics)

    fixed, _ = fix_text(text, lint, path, unsafe=opts.unsafe_fixes)
    return [lint_text(fixed, path, root, config)], fixed


def run(opts: Options, config: Config, rules: Sequence[RuleInfo]) -> int:
    """Lint, report, and return the exit status."""
    fixed = None
    if opts.stdin:
        results, fixed = _run_stdin(opts, config)
    else:
        found = _run_files(opts, config)
        if found is None:
            click.echo("diglint: no .dig files found", err=True)
            return 0
        results = found
    report = _emit(results, opts, [r for r in rules if config.enabled(r.id)])
    if fixed is not None:  # stdout carries the fixed workflow; the report goes to stderr
        click.echo(fixed, nl=False)
        click.echo(report, nl=False, err=True, color=opts.colored)
    else:
        click.echo(report, nl=False, color=opts.colored)
    _report_crashes(results)
    return _exit_code(results)


def _list_rules(rules: Sequence[RuleInfo], fmt: str) -> None:
    if fmt == "json":
        rows = [
            {"id": r.id, "severity": str(r.severity), "fixable": r.fixable, "summary": r.summary}
            for r in rules
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(r.id) for r in rules), default=0)
    for r in rules:
        click.echo(f"{r.id:<{width}}  {r.severity!s:<7}  {r.fixable:<9}  {r.summary}")


@click.command(name="diglint", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--project", type=click.Path(file_okay=False), help="Project root for all files.")
@click.option("--stdin-filename", help="Path to report (and resolve includes from) for `-`.")
@click.option("--select", help="Comma-separated rule ids to run instead of the configured ones.")
@click.option("--ignore", help="Comma-separated rule ids to skip as well.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option(
    "--unsafe-fixes", is_flag=True, help="Apply fixes that need review too (implies --fix)."
)
@click.option("--statistics", is_flag=True, help="Count diagnostics per rule, not list them.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Processes (0: cores).")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Where to cache results.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--rules", "list_rules", is_flag=True, help="List the rules and exit.")
@click.option("--color/--no-color", default=None, help="Color text output (default: on a TTY).")
@click.version_option(package_name="digkit", prog_name="diglint")
def main(**options: Any) -> None:
    """Check Digdag workflow files (`*.dig`) and directories."""
    try:
        code = _main(Options(**options))
    except ConfigError as exc:
        click.echo(f"diglint: {exc}", err=True)
        code = 2
    except click.ClickException:
        raise
    except BrokenPipeError:  # `diglint | head`: the reader is gone, and so is the point
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    except Exception as exc:  # a bug of ours: say what happened, not a traceback
        click.echo(f"diglint: {_bug(describe_crash(exc))}", err=True)
        code = 2
    sys.exit(code)


def _main(opts: Options) -> int:
    opts.validate()
    rules = rule_infos(opts.cache)
    if opts.list_rules:
        _list_rules(rules, opts.fmt)
        return 0
    known = {r.id for r in rules}
    select = _rule_ids(opts.select, known, "--select")
    ignore = _rule_ids(opts.ignore, known, "--ignore") or []
    return run(opts, _config(opts, rules).with_options(select, ignore), rules)
