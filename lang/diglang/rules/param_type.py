"""An operator parameter has a value of the wrong type, or parameters that exclude each other.

## What it does
Checks the literal values of an operator task's own keys (and of its command) against the
operator's schema: `priority: high` where an integer is expected, `preview: yes` where a
boolean is expected (`yes` is a string in Digdag's YAML), `engine: hvie` where only `presto`
or `hive` exist, `interval: 30` where a duration such as `30s` is expected. Values Digdag
converts are accepted: `"3"` for an integer, `"true"` for a boolean, any scalar for a string,
and every `${...}` (it is only known at run time). Also flags parameters the operator refuses
to combine, such as `insert_into` with `create_table`.

## Why
Digdag converts parameters only when the task runs, so the attempt fails halfway with
`Expected integer for key 'priority' but got "high" (string)`, or
`Unknown 'engine:' option (available options are: hive and presto): hvie`.

## Example
```yaml
+report:
  td>: queries/report.sql
  engine: hvie
  priority: high
  insert_into: daily_report
  create_table: daily_report
```

## Fix
Write a value of the expected type (the message says which), pick one of the listed words, and
keep only one of two exclusive parameters.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from collections.abc import Mapping as JsonMapping
from typing import Any

from diglang.diagnostics import Edit, Fix, Severity
from diglang.nodes import Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.rules._literal_types import Mismatch, describe, mismatches, yaml11_boolean
from diglang.rules._operator_params import OperatorTask, operator_tasks
from diglang.values import Scalar, Value


@rule("param-type", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report literal values that Digdag cannot convert, and exclusive params used together."""
    for ot in operator_tasks(wf, ctx):
        props: JsonMapping[str, Any] = ot.spec.schema.get("properties") or {}
        if ot.spec.command is not None:
            yield from _check(ot, "_command", ot.local("_command"), props.get(ot.key))
        for entry in ot.task.params:
            name = entry.key.value
            if isinstance(name, str) and name in ot.spec.params:
                yield from _check(ot, name, entry.value, props.get(name))
        yield from _exclusive(ot)


def _check(
    ot: OperatorTask, name: str, value: Value | None, schema: JsonMapping[str, Any] | None
) -> Iterator[Problem]:
    if value is None or not schema:
        return
    for found in mismatches(value, schema):
        yield _problem(ot, name, found)


def _problem(ot: OperatorTask, name: str, found: Mismatch) -> Problem:
    where = _where(ot, name, found.path)
    node = found.node
    fix = None
    if isinstance(node, Scalar) and yaml11_boolean(node) and "`true`" in found.expected:
        word = "true" if node.text.lower() in ("yes", "on", "y") else "false"
        message = (
            f"invalid {where}: `{node.text}` is a string for Digdag, not a boolean; write `{word}`"
        )
        return Problem(node.span, message, _replace(node, word), source=node.source)
    message = f"invalid {where}: {describe(node)} is not {found.expected}"
    if found.enum and isinstance(node, Scalar) and isinstance(node.value, str):
        close = difflib.get_close_matches(node.value, found.enum, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean `{close[0]}`?"
            fix = _replace(node, close[0])
    return Problem(node.span, message, fix, source=node.source)


def _where(ot: OperatorTask, name: str, path: tuple[str, ...]) -> str:
    if name == "_command":
        if path:
            return f"`{'.'.join(path)}` in the command of `{ot.key}`"
        return f"command for `{ot.key}`"
    return f"`{'.'.join((name, *path))}` for `{ot.key}`"


def _replace(node: Scalar, text: str) -> Fix | None:
    if node.style != "plain" or node.source.slice(node.span) != node.text:
        return None
    return Fix(f"replace with `{text}`", (Edit(node.span, text),), safe=False)


def _exclusive(ot: OperatorTask) -> Iterator[Problem]:
    for group in ot.spec.mutually_exclusive:
        given = [(name, node) for name in group if (node := _given(ot, name)) is not None]
        if len(given) < 2:
            continue
        given.sort(key=lambda pair: (pair[1][0].source.path or "", pair[1][0].span.start))
        (first, _), (second, (key, _)) = given[0], given[1]
        message = f"{_shown(ot, second)} cannot be combined with {_shown(ot, first)}"
        if "_command" not in (first, second):
            message += f" in `{ot.key}`"
        yield Problem(key.span, message + "; keep only one of them", source=key.source)


def _given(ot: OperatorTask, name: str) -> tuple[Scalar, Value] | None:
    """(key, value) of a param the task sets; a literal `false` does not count as set."""
    if name == "_command":
        value = ot.local("_command")
        return (ot.operator.key, value) if value is not None else None
    entry = ot.task.config.entry(name)
    if entry is None:
        return None
    value = ot.local(name)
    if value is None:
        return None
    if isinstance(value, Scalar) and value.value is False:
        return None
    return entry.key, value


def _shown(ot: OperatorTask, name: str) -> str:
    return f"the `{ot.key}` command" if name == "_command" else f"`{name}`"
