"""Throughput of parse() and format_text() over the shared corpus, next to their floors.

Prints files/s for: a bare ruamel.yaml compose of each file (the pure-Python floor), the
same with ruamel's libyaml composer (what `parse` uses when the `fast` extra is installed),
diglang's parse() (compose + AST + includes + expressions), digfmt's format_text(), and the
wall time of `prettier --parser yaml` formatting the same files (when node/npm are present;
it is installed into bench/node_modules on first use).

Usage: python bench/parse_format.py [--repeat N] [--no-prettier]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ruamel.yaml import YAML

from diglang.format import FormatError, format_text
from diglang.parse import parse
from diglang.yamlload import compose

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"


def load_corpus() -> list[tuple[str, str]]:
    """(path, text) of every UTF-8 `.dig` file in the corpus."""
    files = []
    for path in sorted(CORPUS.rglob("*.dig")):
        try:
            files.append((str(path), path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return files


def best_of(repeat: int, run: Callable[[], None]) -> float:
    """The fastest of `repeat` timed runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_compose(files: list[tuple[str, str]]) -> None:
    yaml = YAML(typ="safe", pure=True)
    for _, text in files:
        with contextlib.suppress(Exception):  # the floor also pays for errors
            yaml.compose(text)


def c_compose(files: list[tuple[str, str]]) -> None:
    for _, text in files:
        compose(text, fast=True)


def run_parse(files: list[tuple[str, str]]) -> None:
    for path, text in files:
        parse(text, path)


def run_format(files: list[tuple[str, str]]) -> None:
    for _, text in files:
        with contextlib.suppress(FormatError):
            format_text(text)


def prettier_seconds(files: list[tuple[str, str]]) -> float | None:
    """Wall time of one `prettier --parser yaml --write` over copies of the files."""
    if shutil.which("npm") is None:
        return None
    binary = HERE / "node_modules" / ".bin" / "prettier"
    if not binary.exists():
        subprocess.run(
            ["npm", "install", "--silent", "--no-save", "--prefix", str(HERE), "prettier@3"],
            check=False,
            capture_output=True,
        )
    if not binary.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        for i, (_, text) in enumerate(files):
            Path(tmp, f"{i}.dig").write_text(text, encoding="utf-8")
        start = time.perf_counter()
        subprocess.run(
            [str(binary), "--parser", "yaml", "--write", "--log-level", "silent", tmp],
            check=False,
            capture_output=True,
        )
        return time.perf_counter() - start


def main() -> int:
    """Print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-prettier", action="store_true")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    files = load_corpus()
    size = sum(len(t) for _, t in files)
    print(f"corpus: {len(files)} files, {size / 1024:.0f} KiB, cpu count {os.cpu_count()}")
    compose = best_of(args.repeat, lambda: bare_compose(files))
    compose_c = best_of(args.repeat, lambda: c_compose(files))
    parsed = best_of(args.repeat, lambda: run_parse(files))
    formatted = best_of(args.repeat, lambda: run_format(files))
    n = len(files)
    print(f"{'ruamel compose (floor)':28} {compose:7.3f} s  {n / compose:8.0f} files/s")
    print(f"{'compose with libyaml':28} {compose_c:7.3f} s  {n / compose_c:8.0f} files/s")
    print(
        f"{'diglang parse':28} {parsed:7.3f} s  {n / parsed:8.0f} files/s"
        f"  ({parsed / compose:.2f}x the pure floor, {parsed / compose_c:.2f}x libyaml's)"
    )
    print(f"{'digfmt format_text':28} {formatted:7.3f} s  {n / formatted:8.0f} files/s")
    if not args.no_prettier:
        seconds = prettier_seconds(files)
        if seconds is None:
            print("prettier: not available (needs npm)")
        else:
            print(
                f"{'prettier --parser yaml':28} {seconds:7.3f} s  {n / seconds:8.0f} files/s"
                f"  (digfmt is {seconds / formatted:.1f}x faster)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
