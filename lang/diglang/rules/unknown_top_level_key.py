"""A workflow file has a top-level key Digdag does not know.

## What it does
Checks the keys at the top level of a workflow: only `timezone`, `_export`, `schedule`, `sla`,
`_error`, `_check`, `_retry`, `_parallel` and `+tasks` are allowed. Close misspellings get a
suggestion (`schedul` → `schedule`, `export` → `_export`), with a quick fix when there is exactly
one. Files that other files `!include` are fragments, not workflows, and are not checked.

## Why
Digdag refuses to load the workflow (`Workflow 'name' includes unknown keys: [k]`), and since
`digdag run`, `check` and `push` load every workflow of the project first, one bad key breaks
every command. A parameter written at the top level (instead of under `_export:`) and a task
whose `+` was forgotten are the usual causes.

## Example
```yaml
timezone: Asia/Tokyo
schedul:
  daily>: 07:00:00
target_table: users
+load:
  td>: queries/load.sql
```

## Fix
Correct the spelling, move parameters under `_export:`, and put operators (`sh>:`) into a task.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Iterable, Iterator

from diglang.diagnostics import Edit, Fix, Severity
from diglang.nodes import TOP_LEVEL_KEYS, Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.values import Entry, Scalar

# Task directives that exist, but not at the top level of a workflow.
_TASK_ONLY = {
    "_env": "set it on the tasks that need it (it is not inherited)",
    "_secrets": "move it under `_export:` to apply it to every task",
    "_workdir": "move it under `_export:`",
}
_TASK_ONLY.update(
    dict.fromkeys(
        ("_background", "_after", "_disable", "_type", "_command", "_do", "_else_do"),
        "it only works on tasks",
    )
)
_ORDER = ("timezone", "schedule", "sla", "_export", "_error", "_check", "_retry", "_parallel")


@functools.lru_cache(maxsize=8192)  # rules ask about the same names over and over
def distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbours as one edit (`_retyr` → `_retry`)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, prev2[j - 2] + 1)
            row.append(best)
        prev2, prev = prev, row
    return prev[-1]


def suggest(word: str, candidates: Iterable[str]) -> list[str]:
    """The candidates closest to `word` within a typo's distance, in sorted order."""
    scored: dict[str, int] = {}
    lowered = word.lower()
    for candidate in candidates:
        limit = 1 if len(candidate) <= 4 else 2 if len(candidate) <= 9 else 3
        if abs(len(lowered) - len(candidate.lower())) > limit:
            continue  # the distance is at least the difference in length
        d = distance(lowered, candidate.lower())
        if d <= limit and candidate != word:
            scored[candidate] = d
    if not scored:
        return []
    best = min(scored.values())
    return sorted(c for c, d in scored.items() if d == best)


def rename_fix(key: Scalar, new: str, taken: Collection[object], *, safe: bool) -> Fix | None:
    """A fix renaming `key` to `new`, unless the key's text is not plain or `new` is taken."""
    if new in taken or key.style != "plain" or key.source.slice(key.span) != key.text:
        return None
    return Fix(f"rename to `{new}`", (Edit(key.span, new),), safe=safe)


def _not_a_workflow(wf: Workflow, ctx: Context) -> bool:
    """A parameter file (`-P`) in a subdirectory: no tasks and no workflow key at all."""
    for entry in wf.root.entries:
        key = entry.key.value
        if key in TOP_LEVEL_KEYS or (isinstance(key, str) and key.startswith("+")):
            return False
    if ctx.project is None or ctx.path is None:
        return True
    return os.path.dirname(os.path.abspath(ctx.path)) != ctx.project.root


@rule("unknown-top-level-key", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report top-level keys Digdag rejects when it loads the workflow."""
    if ctx.fragment or not wf.unknown_keys or _not_a_workflow(wf, ctx):
        return
    taken = set(wf.root.keys())
    for entry in wf.unknown_keys:
        yield _problem(entry, taken)


def _problem(entry: Entry, taken: Collection[object]) -> Problem:
    key = entry.key
    name = key.text
    fix = None
    if name.endswith(">"):
        message = (
            f"a workflow cannot run `{name}` at the top level; move it into a task such as `+main:`"
        )
    elif name in _TASK_ONLY:
        message = f"`{name}` is not allowed at the top level; {_TASK_ONLY[name]}"
    else:
        close = suggest(name, _ORDER)
        message = f"unknown top-level key `{name}`"
        if len(close) == 1:
            message += f"; did you mean `{close[0]}`?"
            if close[0] in taken:
                message += " (it is already set: remove one of them)"
            fix = rename_fix(key, close[0], taken, safe=True)
        elif name.startswith("_"):
            message += f"; allowed here: {', '.join(f'`{k}`' for k in _ORDER)} and `+tasks`"
        else:
            message += "; parameters belong under `_export:` and task names start with `+`"
    return Problem(key.span, message, fix, source=key.source)
