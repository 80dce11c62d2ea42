"""A task name uses characters Digdag does not allow.

## What it does
Checks every `+name` key: after the `+`, only letters, digits, `_` and
`` - = [ ] { } % & @ , . `` are allowed (no spaces, `/`, `:`, `*`, `?`, quotes, `<`, `>`, `|`,
`+`, `!`, `#`, `$`, `(`, `)`, `;`, `^` or non-ASCII), and names are at most 255 characters.

## Why
Digdag rejects the workflow (`Validating workflow failed ... must not contain character ' '`).

## Example
```yaml
+load items:
  echo>: hi
```

## Fix
Replace the offending characters, e.g. with `_`: `+load_items`. The quick fix does exactly that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from diglang.diagnostics import Edit, Fix, Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Fixable, Problem, rule

_ALLOWED = re.compile(r"[A-Za-z0-9_\-=\[\]{}%&@,.]")
_ALL_ALLOWED = re.compile(r"[A-Za-z0-9_\-=\[\]{}%&@,.]*")
MAX_LENGTH = 255


def _task_names(wf: Workflow, ctx: Context) -> frozenset[str]:
    return ctx.cached(("task_names", wf), lambda: frozenset(t.name for t in ctx.tasks(wf)))


def _bad_characters(name: str) -> list[str]:
    if _ALL_ALLOWED.fullmatch(name, 1):
        return []
    seen: list[str] = []
    for ch in name[1:]:
        if not _ALLOWED.fullmatch(ch) and ch not in seen:
            seen.append(ch)
    return seen


@rule("invalid-task-name", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report task names Digdag's validator rejects."""
    for task in ctx.tasks(wf):
        key = task.key
        if key is None or not task.name.startswith("+"):
            continue
        if len(task.name) > MAX_LENGTH:
            yield Problem(
                key.span,
                f"task name is {len(task.name)} characters long; "
                f"Digdag allows at most {MAX_LENGTH}",
                source=key.source,
            )
        bad = _bad_characters(task.name)
        if not bad:
            continue
        shown = ", ".join(f"`{ch}`" if ch != "`" else "backtick" for ch in bad)
        fixed = "+" + "".join(ch if _ALLOWED.fullmatch(ch) else "_" for ch in task.name[1:])
        fix = None
        exact = key.style == "plain" and key.source.slice(key.span) == task.name
        readable = fixed.strip("+_")
        if exact and readable and fixed not in _task_names(wf, ctx):
            fix = Fix(f"rename to `{fixed}`", (Edit(key.span, fixed),), safe=False)
        yield Problem(
            key.span,
            f"task name `{task.name}` contains {shown}; use letters, digits and `_-=[]{{}}%&@,.`"
            + (f", e.g. `{fixed}`" if fix else ""),
            fix,
            source=key.source,
        )
