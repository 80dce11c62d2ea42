"""Latency of the language server as an editor sees it: a real `diglsp` process on stdio.

For generated workflows of about 200, 2,000 and 10,000 lines, it opens the file, then types:
each round sends one incremental `didChange` in the middle of the file and waits for the
`publishDiagnostics` of that version (the server's debounce is set to 0, so the number is
the server's own work: parse, every diglint rule, publish). Completion latency is measured
inside a `${...}` and at a task key in the middle of the file. Prints p50/p95 in ms.

Targets (issue #4): diagnostics p95 ≤ 50 ms at 2,000 lines and ≤ 150 ms at 10,000; completion
p95 ≤ 20 ms.

Usage: python bench/lsp_latency.py [--rounds N] [--sizes 200,2000,10000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from diglsp.convert import uri_of
from diglsp.stdio_client import StdioClient

TASK = """\
+step_{n}:
  _export:
    part_{n}: p{n}
  +extract_{n}:
    sh>: echo ${{table}}_${{part_{n}}} ${{session_date}}
  +load_{n}:
    pg>: queries/load.sql
    database: warehouse
    host: ${{db_host}}
    create_table: t_{n}
"""


def workflow(lines: int) -> str:
    """A workflow of about `lines` lines: exports, groups, `sh>` and `pg>` tasks, `${}`s."""
    head = "timezone: Asia/Tokyo\nschedule:\n  daily>: 07:00:00\n_export:\n"
    head += "  table: items\n  db_host: db.internal\n"
    tasks = []
    n = 0
    count = head.count("\n")
    while count < lines:
        tasks.append(TASK.format(n=n))
        count += tasks[-1].count("\n")
        n += 1
    return head + "".join(tasks)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def measure(lines: int, rounds: int) -> dict[str, list[float]]:
    """Diagnostics and completion latencies (ms) on one generated workflow."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "queries").mkdir()
        (root / "queries" / "load.sql").write_text("select 1\n")
        text = workflow(lines)
        path = root / "wf.dig"
        path.write_text(text)
        uri = uri_of(str(path))
        client = StdioClient()
        try:
            client.initialize(uri_of(str(root)), {"lint": {"debounceMs": 0}})
            client.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "digdag",
                        "version": 1,
                        "text": text,
                    }
                },
            )
            client.diagnostics(uri, 1, timeout=120)
            return _rounds(client, uri, text, rounds)
        finally:
            client.close()


def _rounds(client: StdioClient, uri: str, text: str, rounds: int) -> dict[str, list[float]]:
    lines = text.split("\n")
    middle = next(i for i in range(len(lines) // 2, len(lines)) if "sh>: echo" in lines[i])
    column = lines[middle].index("${table}") + len("${ta")
    key_line = middle - 1  # `+extract_N:`
    diagnostics, completion, key_completion = [], [], []
    for version in range(2, rounds + 2):
        # type one character at the end of the `sh>` line, alternately adding and removing it
        end = len(lines[middle])
        change = (
            {"range": _range(middle, end, middle, end), "text": "x"}
            if version % 2 == 0
            else {"range": _range(middle, end, middle, end + 1), "text": ""}
        )
        started = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )
        client.diagnostics(uri, version, timeout=120)
        diagnostics.append((time.perf_counter() - started) * 1000)
        for position, into in (((middle, column), completion), ((key_line, 2), key_completion)):
            started = time.perf_counter()
            reply = client.request(
                "textDocument/completion",
                {
                    "textDocument": {"uri": uri},
                    "position": {"line": position[0], "character": position[1]},
                },
            )
            into.append((time.perf_counter() - started) * 1000)
            if "error" in reply:
                raise SystemExit(f"completion failed: {reply['error']}")
    return {
        "diagnostics": diagnostics,
        "completion ${}": completion,
        "completion key": key_completion,
    }


def _range(l1: int, c1: int, l2: int, c2: int) -> dict[str, dict[str, int]]:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--sizes", default="200,2000,10000")
    args = parser.parse_args()
    print(f"{'lines':>6}  {'measure':<16} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        results = measure(size, args.rounds)
        for name, values in results.items():
            print(
                f"{size:>6}  {name:<16} {statistics.median(values):>8.1f} "
                f"{percentile(values, 95):>8.1f} {max(values):>8.1f}"
            )


if __name__ == "__main__":
    main()
