"""Throughput of `diglint` over the whole shared corpus, next to yamllint on the same files.

Each row is the best wall time of `--repeat` runs of a real `diglint` process (start-up
included) over both corpus folders: cold (`--no-cache`) with 1 and 2 jobs, and warm (every
result answered from a cache filled just before). yamllint (installed into this environment
on first use) checks the same files, as the familiar YAML linter to compare with.
`--profile` adds where the time of a cold serial run goes.

Usage: python bench/lint.py [--repeat N] [--no-yamllint] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BIN = Path(sys.executable).parent
# Measure the tools as users run them: with their bytecode cached.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def corpus_files() -> list[str]:
    """The `.dig` files diglint finds in the corpus (what both tools are given)."""
    from diglang.lint import discover

    return [path for path, _ in discover([str(CORPUS)])]


def best_of(repeat: int, command: Sequence[str]) -> tuple[float, float]:
    """The fastest of `repeat` runs of `command`: (wall seconds, CPU seconds of the processes).

    CPU time is shown too because wall time on a busy machine says little.
    """
    runs = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, check=False
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        runs.append((wall, cpu))
        if done.returncode not in (0, 1):
            raise SystemExit(f"{command[0]} failed: {done.stderr.decode()}")
    return min(runs)


def diglint_rows(repeat: int) -> list[tuple[str, tuple[float, float]]]:
    """(what, seconds) for cold runs with 1 and 2 jobs and a warm run."""
    diglint = [str(BIN / "diglint"), "--format", "json"]
    rows = [
        (
            f"diglint cold, {jobs} job{'s' if jobs > 1 else ''}",
            best_of(repeat, [*diglint, "--no-cache", "-j", str(jobs), str(CORPUS)]),
        )
        for jobs in (1, 2)
    ]
    with tempfile.TemporaryDirectory() as cache:
        warm = [*diglint, "--cache-dir", cache, "-j", "2", str(CORPUS)]
        best_of(1, warm)  # fills the cache
        rows.append(("diglint warm (cache)", best_of(repeat, warm)))
    return rows


def yamllint_binary() -> Path | None:
    """yamllint of this environment, installed with pip on first use."""
    if importlib.util.find_spec("yamllint") is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "yamllint"],
            check=False,
            capture_output=True,
        )
    binary = BIN / "yamllint"
    return binary if binary.exists() else None


def yamllint_row(repeat: int, files: list[str]) -> tuple[str, tuple[float, float]] | None:
    """yamllint with its default rules over the same files."""
    binary = yamllint_binary()
    if binary is None:
        return None
    return ("yamllint (default config)", best_of(repeat, [str(binary), "-f", "parsable", *files]))


def _component(filename: str) -> str:
    """Which part of the pipeline a profiled function belongs to."""
    parts = Path(filename).parts
    if "ruamel" in parts:
        return "parse: ruamel.yaml compose"
    if "lark" in parts:
        return "parse: lark (${} expressions)"
    if "rules" in parts or Path(filename).name == "scope.py":
        return f"rules: {Path(filename).stem}"
    if Path(filename).name in ("loader.py", "yamlload.py", "nodes.py", "values.py", "workflow.py"):
        return "parse: diglang AST"
    if "expr" in parts:
        return "parse: diglang expressions"
    if "diglang" in parts:
        return f"diglang: {Path(filename).stem}"
    return "builtins and stdlib"


def profile(top: int) -> str:
    """cProfile of a cold, serial, in-process lint of the corpus, by component and function."""
    from diglang.config import Config
    from diglang.lint import discover, lint_paths

    files = discover([str(CORPUS)])
    profiler = cProfile.Profile()
    profiler.enable()
    lint_paths(files, Config(), jobs=1)
    profiler.disable()
    stats = pstats.Stats(profiler)
    own: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        own[_component(filename)] = own.get(_component(filename), 0.0) + tottime
    total = sum(own.values())
    lines = [
        f"{share / total:6.1%}  {what}" for what, share in sorted(own.items(), key=lambda x: -x[1])
    ]
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return (
        "time by component (own time, profiled):\n" + "\n".join(lines[:top]) + "\n" + out.getvalue()
    )


def main() -> int:
    """Print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-yamllint", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    files = corpus_files()
    n = len(files)
    print(
        f"corpus: {n} .dig files in {', '.join(sorted(os.listdir(CORPUS)))}; cpus {os.cpu_count()}"
    )
    rows = diglint_rows(args.repeat)
    if not args.no_yamllint:
        row = yamllint_row(args.repeat, files)
        print("yamllint: not available" if row is None else "", end="" if row else "\n")
        rows += [row] if row is not None else []
    cold = rows[0][1][0]
    print(f"{'':28} {'wall':>9}  {'cpu':>7}  {'files/s':>7}  vs cold, 1 job")
    for what, (wall, cpu) in rows:
        print(f"{what:28} {wall:7.3f} s  {cpu:5.2f} s  {n / wall:7.0f}  {cold / wall:5.1f}x")
    if args.profile:
        print(profile(25))
    return 0


if __name__ == "__main__":
    sys.exit(main())
