"""`digfmt`: format Digdag workflow files in place, or check / diff them.

`digfmt PATH...` formats files in place (writing only files that change); directories are
searched recursively for `*.dig` files, skipping hidden directories (`.git`, `.digdag`, ...) and
`node_modules`. `--check` and `--diff` write nothing and exit 1 when something would change;
`-` formats stdin to stdout. A file that cannot be formatted is reported on stderr as
`digfmt: PATH: cannot format: ...`, left untouched, and makes the exit status 2.
"""

from __future__ import annotations

import difflib
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from ruamel.yaml.error import YAMLWarning

from diglang.files import walk_tree
from diglang.format import FormatError, decode_source, format_text


@dataclass
class _Run:
    """What to do with each file, and the running tally."""

    check: bool
    diff: bool
    changed: int = 0
    unchanged: int = 0
    failed: int = 0

    @property
    def dry(self) -> bool:
        return self.check or self.diff


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--check", is_flag=True, help="Write nothing; list files that would change.")
@click.option("--diff", "diff", is_flag=True, help="Write nothing; print unified diffs.")
def main(paths: tuple[str, ...], check: bool, diff: bool) -> None:
    """Format Digdag workflow files (*.dig) in place; `-` formats stdin to stdout."""
    if not paths:
        click.echo("digfmt: no paths given (use `-` to read stdin)", err=True)
        sys.exit(2)
    run = _Run(check=check, diff=diff)
    # ruamel warns about re-defined anchors; that is valid YAML and not ours to report.
    warnings.simplefilter("ignore", YAMLWarning)
    for name in _expand(paths, run):
        if name == "-":
            _format_stdin(run)
        else:
            _format_file(name, run)
    click.echo(_summary(run), err=True)
    if run.failed:
        sys.exit(2)
    sys.exit(1 if run.dry and run.changed else 0)


def _expand(paths: tuple[str, ...], run: _Run) -> Iterator[str]:
    """The files to format: given files as they are, directories searched for `*.dig`."""
    seen: set[str] = set()
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            names: Iterator[str] = iter([path])
        else:
            names = _walk(path)
        for name in names:
            key = name if name == "-" else os.path.realpath(name)
            if key not in seen:
                seen.add(key)
                yield name


def _walk(root: str) -> Iterator[str]:
    for folder, names in walk_tree(root):
        for name in names:
            if name.endswith(".dig") and os.path.isfile(os.path.join(folder, name)):
                yield os.path.join(folder, name)


def _format_file(name: str, run: _Run) -> None:
    try:
        data = Path(name).read_bytes()
        result = _format(name, data, run)
        if result is not None and result != data and not run.dry:
            Path(name).write_bytes(result)
    except OSError as exc:
        _fail(name, f"cannot format: {_os_reason(exc)}", run)


def _format_stdin(run: _Run) -> None:
    data = sys.stdin.buffer.read()
    result = _format("-", data, run)
    if result is not None and not run.dry:
        sys.stdout.flush()
        sys.stdout.buffer.write(result)
        sys.stdout.buffer.flush()


def _format(name: str, data: bytes, run: _Run) -> bytes | None:
    """The formatted bytes (`data` itself if unchanged), or None on failure; reports as it goes."""
    try:
        before = decode_source(data)
        after = format_text(before)
    except FormatError as exc:
        _fail(name, str(exc), run)
        return None
    except Exception as exc:  # a bug must not end the run with a traceback
        _fail(name, f"cannot format: internal error: {exc!r}", run)
        return None
    if after == before:
        run.unchanged += 1
        return data
    run.changed += 1
    if run.check:
        click.echo(f"would reformat {name}")
    if run.diff:
        click.echo(_unified_diff(name, before, after), nl=False)
    return after.encode("utf-8")


def _fail(name: str, message: str, run: _Run) -> None:
    run.failed += 1
    click.echo(f"digfmt: {name}: {message}", err=True)


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return reason[:1].lower() + reason[1:]


def _unified_diff(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        _diff_lines(before), _diff_lines(after), f"{name}\t(original)", f"{name}\t(formatted)"
    )
    return "".join(lines)


def _diff_lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def _summary(run: _Run) -> str:
    def count(n: int, what: str) -> str:
        return f"{n} file{'s' if n != 1 else ''} {what}"

    would = run.dry
    parts = []
    if run.changed:
        parts.append(count(run.changed, "would be reformatted" if would else "reformatted"))
    if run.unchanged:
        parts.append(count(run.unchanged, "would be left unchanged" if would else "left unchanged"))
    if run.failed:
        parts.append(count(run.failed, "would fail to reformat" if would else "failed to reformat"))
    return ", ".join(parts) if parts else "no .dig files found"
