"""An operator task has a key its operator does not read.

## What it does
Checks the keys of every operator task against the operator's parameters in `schemas/`
(including nested defaults such as `td: {...}`). A key counts as used when a `${...}` of the
same task reads it (`table: users` next to `echo>: ${table}`). Keys starting with `_` are
left to `unknown-directive`, and operators that hand arbitrary keys on are skipped: `py>` and
`rb>` (function arguments), `sh>` (environment variables), `param_get>`/`param_set>`, and
`call>`. For operators whose query or template file may use any key (`td>`,
`pg>`, `mail>`...), only keys one typo away from a real parameter are reported.

## Why
Digdag ignores such keys: it only logs `Parameter 'databse' is not used at task +wf+t.` after
the task ran, so a misspelled option silently does nothing (and the task may run against the
default database or engine).

## Example
```yaml
+wait:
  td_wait_table>: access_log
  databse: analytics
  rows: 10
```

## Fix
Correct the spelling (the message suggests the closest parameter), remove the key, or move it
under `_export:` if tasks below need it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from diglang.diagnostics import Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.rules._operator_params import (
    OperatorTask,
    expression_texts,
    mentions,
    operator_tasks,
)
from diglang.rules.unknown_top_level_key import rename_fix, suggest
from diglang.schemas import OperatorSpec
from diglang.values import Entry

# `call>` hands its parameters to the loader of the called file: leave its keys alone.
# (`require>` passes on only `params`, so its other keys are checked like any operator's.)
_SKIPPED = frozenset({"call"})


@rule("unknown-param", severity=Severity.WARNING, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report keys of operator tasks that their operator never reads."""
    for ot in operator_tasks(wf, ctx):
        spec = ot.spec
        if spec.name in _SKIPPED or (
            spec.passthrough_params and spec.passthrough_kind != "template"
        ):
            continue
        known, names = ctx.cached(("unknown-param", spec.name), partial(_known_sorted, spec))
        texts: list[str] | None = None  # computed for the first key not known
        for entry in ot.task.params:
            name = entry.key.value
            if not isinstance(name, str) or name in names:
                continue
            if texts is None:
                texts = expression_texts(ot.task)
            if mentions(texts, name):
                continue
            problem = _problem(ot, entry, known, set(ot.task.config.keys()))
            if problem is not None:
                yield problem


def _known_sorted(spec: OperatorSpec) -> tuple[list[str], frozenset[str]]:
    """The operator's parameters, sorted and as a set."""
    names = set(spec.params)
    names.update(ns.split(".")[0] for ns in spec.nested_defaults)
    return sorted(names), frozenset(names)


def _problem(
    ot: OperatorTask, entry: Entry, known: list[str], taken: set[object]
) -> Problem | None:
    key = entry.key
    close = [c for c in suggest(key.text, (k for k in known if not k.startswith("_")))]
    if ot.spec.passthrough_params:
        # The template file may read any key: only a near-miss of a real parameter that is not
        # set under its right name is worth a warning.
        close = [c for c in close if c not in taken]
        if len(close) != 1:
            return None
    message = f"unknown parameter `{key.text}` for `{ot.key}`"
    fix = None
    if len(close) == 1:
        message += f"; did you mean `{close[0]}`?"
        fix = rename_fix(key, close[0], taken, safe=False)
    elif close:
        message += "; did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
    else:
        message += f"; `{ot.key}` does not read it: remove it, or move it under `_export:`"
    return Problem(key.span, message, fix, source=key.source)
