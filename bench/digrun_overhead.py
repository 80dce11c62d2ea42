"""digrun's scheduling overhead: generated workflows of no-op `echo>` tasks.

Each workflow has sequential groups of 10 tasks, parallel groups (`_parallel: true` and
`{limit: 4}`) and a `loop>` whose body is a small group, to about N tasks in all. It is
loaded, compiled and run in process (one worker thread, no output); the time per task covers
everything but the operator's own work: merging and evaluating params, dependencies, state
changes. Peak memory is the Python heap's peak during the run (tracemalloc). Growth should be
linear: the time per task and the memory per task stay flat as N grows.

Target (issue #5): ≤ 1 ms per task, linear growth.

Usage: python bench/digrun_overhead.py [--sizes 1000,5000,10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from digrun.run import attempt_for, load, run
from digrun.tree import State


def workflow(tasks: int) -> str:
    """A workflow of about `tasks` tasks (groups included)."""
    parts = ["_export:\n  greeting: hello\n"]
    count = 1
    n = 0
    while count < tasks:
        kind = n % 4
        if kind == 0:
            body = "".join(f"  +t{i}:\n    echo>: step {i}\n" for i in range(10))
            parts.append(f"+seq{n}:\n{body}")
        elif kind == 1:
            body = "".join(f"  +t{i}:\n    echo>: par {i}\n" for i in range(10))
            parts.append(f"+par{n}:\n  _parallel: true\n{body}")
        elif kind == 2:
            body = "".join(f"  +t{i}:\n    echo>: lim {i}\n" for i in range(10))
            parts.append(f"+lim{n}:\n  _parallel:\n    limit: 4\n{body}")
        else:
            parts.append(
                f"+loop{n}:\n  loop>: 3\n  _do:\n    +a:\n      echo>: a\n    +b:\n      echo>: b\n"
            )
        count += 11 if kind < 3 else 1 + 1 + 3 * 3
        n += 1
    return "".join(parts)


def measure(tasks: int) -> tuple[int, float, float]:
    """(tasks run, seconds, peak MiB) for one generated workflow."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wf.dig").write_text(workflow(tasks))
        when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        tracemalloc.start()
        started = time.perf_counter()
        loaded = load(root, "wf")
        attempt = attempt_for(root, loaded, when, max_threads=1, task_limit=tasks * 2)
        result = run(loaded, attempt)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        if result.state is not State.SUCCESS:
            raise SystemExit(f"the run failed: {result.state}")
        return len(result.walk()), elapsed, peak


def measure_cli(tasks: int) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of `digrun run` on the same workflow, output to a pipe."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wf.dig").write_text(workflow(tasks))
        digrun = Path(sys.executable).parent / "digrun"
        command = [str(digrun), "run", "wf", "--project", tmp, "--session", "2024-01-01"]
        command += ["--max-task-threads", "1", "--task-limit", str(tasks * 2)]
        # a fresh measuring process, so that the peak is this run's alone
        probe = (
            "import resource, subprocess, sys; "
            "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            "done.returncode and sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
            "sys.exit(done.returncode)"
        )
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", probe, *command], capture_output=True, text=True, check=False
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"digrun run failed:\n{done.stderr}")
        peak = int(done.stdout.split()[-1])
        return elapsed, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    args = parser.parse_args()
    print(f"{'tasks':>7} {'seconds':>8} {'ms/task':>8} {'peak MiB':>9} {'KiB/task':>9}")
    sizes = [int(s) for s in args.sizes.split(",")]
    counts = {}
    for size in sizes:
        count, seconds, peak = measure(size)
        counts[size] = count
        print(
            f"{count:>7} {seconds:>8.2f} {seconds / count * 1000:>8.3f} {peak:>9.1f} "
            f"{peak * 1024 / count:>9.2f}"
        )
    print("\n`digrun run` (process start, SQLite state, task logs, progress to a pipe):")
    print(f"{'tasks':>7} {'seconds':>8} {'ms/task':>8} {'RSS MiB':>9}")
    for size in sizes:
        seconds, rss = measure_cli(size)
        count = counts[size]
        print(f"{count:>7} {seconds:>8.2f} {seconds / count * 1000:>8.3f} {rss:>9.1f}")


if __name__ == "__main__":
    main()
