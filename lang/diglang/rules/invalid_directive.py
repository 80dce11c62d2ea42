"""A directive (`_parallel`, `_after`, `_retry`...) has a value Digdag rejects.

## What it does
Checks the values of the `_` directives where Digdag reads them:
- `_parallel`: `true`, `false` or `{limit: N}`. On a group it is read when the workflow is
  compiled, so `${...}` is not evaluated there; on `loop>`, `for_each>`, `for_range>` and
  `td_for_each>` it is evaluated first.
- `_background` and `_disable`: booleans, read at compile time; `_background: true` is rejected
  under a parallel parent.
- `_after`: only under a parallel parent, a list naming *earlier* sibling tasks.
- `_retry` (on operator tasks that honour it): a number or `{limit, interval, interval_type,
  max_interval}` with integers and `interval_type` `constant` or `exponential`.
- `_env` (on `sh>`, `py>`, `rb>`, `embulk>`): a mapping whose keys are environment variable
  names; `_secrets`: a mapping of secret names to strings or `true`; `_export`: a mapping.
- `_error`, `_check`, `_do`, `_else_do`: task bodies, i.e. mappings.

## Why
Digdag stops with a compile error (`Setting "_after" option is invalid if its parent task
doesn't have "_parallel: true" option`, `Dependency task '+x' does not exist`,
`Invalid _parallel format`) or fails the task when it runs (`Invalid _retry format`,
`Invalid _env key name`, `Illegal value in _secrets`).

## Example
```yaml
+steps:
  _parallel: true
  +a:
    sh>: scripts/a.sh
  +b:
    _after: +a
    _background: true
    sh>: scripts/b.sh
```

## Fix
Use the shapes above (`_after: [+a]` naming an earlier sibling), drop `_background` in parallel
groups, and write literal values where Digdag reads them at compile time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from diglang.diagnostics import Edit, Fix, Severity
from diglang.nodes import Task, TaskKind, Workflow
from diglang.rule import Context, Fixable, Problem, rule
from diglang.rules.invalid_group_key import compiled_tasks
from diglang.rules.unknown_top_level_key import suggest
from diglang.values import Mapping, Scalar, Sequence, Template, Value, type_name

GENERATORS = frozenset({"loop", "for_each", "for_range", "td_for_each"})
DO_OPERATORS = GENERATORS | {"if"}
COMMAND_EXECUTORS = frozenset({"sh", "py", "rb", "embulk"})
_INT_TEXT = re.compile(r"\s*[-+]?[0-9]+\s*")
_ENV_NAME = re.compile(r"[a-zA-Z_][a-zA-Z_0-9]*")
_BOOL_TEXT = frozenset({"true", "false", "", "null"})
COMPILED = "is read when the workflow is compiled, before `${...}` is evaluated"


_KINDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "empty",
}


def describe(value: Value) -> str:
    """The kind of a value for a message: `a mapping`, `a list`, `a string`, `empty`..."""
    return _KINDS[type_name(value)]


def shown(value: Value) -> str:
    """A value for a message: its text for scalars (shortened), its kind otherwise."""
    if isinstance(value, Scalar) and value.value is not None:
        text = value.text if len(value.text) <= 40 else value.text[:37] + "..."
        return f"`{text}`"
    return describe(value)


def bool_like(value: Value) -> bool:
    """True when Digdag's config converts the literal to a boolean without an error."""
    if isinstance(value, Template) or not isinstance(value, Scalar):
        return False
    v = value.value
    return not isinstance(v, str) or v.strip().lower() in _BOOL_TEXT


def int_like(value: Value) -> bool:
    """True when the literal converts to an integer (templates are checked by the caller)."""
    if isinstance(value, Template) or not isinstance(value, Scalar):
        return False
    v = value.value
    if isinstance(v, str):
        return v.strip() in ("", "null") or _INT_TEXT.fullmatch(v) is not None
    return not isinstance(v, bool)


def parallel_of(task: Task) -> bool | None:
    """Whether a group runs its children in parallel; None when that is not known literally."""
    p = task.parallel
    if p is None:
        return False
    if isinstance(p.node, Mapping):
        return True
    if isinstance(p.node, Scalar) and bool_like(p.node) and not _empty(p.node):
        return to_bool(p.node)
    return None


def _at(task: Task, key: str, message: str, value: bool = True) -> Problem:
    """A problem on the value (or the key) of `key` in `task`; on the key for empty values."""
    entry = task.config.entry(key)
    assert entry is not None
    empty = isinstance(entry.value, Scalar) and entry.value.value is None
    node = entry.value if value and not empty else entry.key
    return Problem(node.span, message, source=node.source)


@rule("invalid-directive", severity=Severity.ERROR, fixable=Fixable.SOMETIMES)
def check(wf: Workflow, ctx: Context) -> Iterator[Problem]:
    """Report directive values that Digdag rejects at compile time or when the task runs."""
    for task, parent in compiled_tasks(wf, ctx):
        if not task.directives:
            continue  # every check below reads a `_` key of the task
        op = task.operator.name if task.operator is not None else None
        yield from _parallel(task, op)
        yield from _disable(task)
        if parent is not None:
            yield from _background(task, parent)
            yield from _after(task, parent)
        if task.kind is TaskKind.OPERATOR:
            yield from _retry(task, op, ctx)
            yield from _env(task, op)
            yield from _secrets(task.secrets)
        if isinstance(task.export, Mapping):
            yield from _secrets(task.export.get("_secrets"))
        yield from _bodies(task, op)


def _parallel(task: Task, op: str | None) -> Iterator[Problem]:
    p = task.parallel
    group = task.kind is TaskKind.GROUP
    if p is None or not (group or op in GENERATORS):
        return
    node = p.node
    if isinstance(node, Template):
        if group:
            message = f"`_parallel` of a group {COMPILED}; write `true` or `false`"
            yield _at(task, "_parallel", message)
    elif isinstance(node, Mapping):
        yield from _limit(task, node, group)
    elif not bool_like(node) or _empty(node):
        what = f"invalid `_parallel` value {shown(node)}"
        what = "`_parallel` is empty" if _empty(node) else what
        yield _at(task, "_parallel", f"{what}; use `true`, `false` or `{{limit: N}}`")


def _limit(task: Task, node: Mapping, group: bool) -> Iterator[Problem]:
    limit = node.get("limit")
    if limit is None or _empty(limit):
        entry = task.config.entry("_parallel")
        assert entry is not None
        message = "`_parallel` needs `limit: N` (the number of children running at a time)"
        yield Problem(entry.key.span, message, source=entry.key.source)
    elif isinstance(limit, Template):
        if group:
            yield Problem(limit.span, f"`limit` of a group {COMPILED}", source=limit.source)
    elif not int_like(limit):
        message = f"`_parallel` `limit` must be an integer, not {shown(limit)}"
        yield Problem(limit.span, message, source=limit.source)


def _disable(task: Task) -> Iterator[Problem]:
    value = task.disable
    if value is None or bool_like(value):
        return
    if isinstance(value, Template):
        message = f"`_disable` {COMPILED}; write `true` or `false`"
    else:
        message = f"invalid `_disable` value {shown(value)}; write `true` or `false`"
    yield _at(task, "_disable", message)


def _background(task: Task, parent: Task) -> Iterator[Problem]:
    value = task.background
    if value is None:
        return
    if isinstance(value, Template):
        yield _at(task, "_background", f"`_background` {COMPILED}; write `true` or `false`")
    elif not isinstance(value, Scalar) or not bool_like(value):
        message = f"`_background` must be `true` or `false`, not {shown(value)}"
        yield _at(task, "_background", message)
    elif parallel_of(parent) is True and to_bool(value):
        message = (
            "`_background: true` is rejected in a parallel group: "
            "its children already run at the same time"
        )
        yield _at(task, "_background", message, value=False)


def to_bool(value: Scalar) -> bool:
    """The boolean a bool-like literal stands for."""
    v = value.value
    if isinstance(v, str):
        return v.strip().lower() == "true"
    return bool(v)


def _after(task: Task, parent: Task) -> Iterator[Problem]:
    value = task.after
    parallel = parallel_of(parent)
    if value is None or parallel is None:
        return
    index = parent.children.index(task)
    earlier = [c.name for c in parent.children[:index]]
    if not parallel:
        message = (
            "`_after` only works in a group with `_parallel: true`; "
            "in a sequential group tasks already run in order"
        )
        yield _at(task, "_after", message, value=False)
    elif isinstance(value, Sequence):
        later = [c.name for c in parent.children[index:]]
        for item in value.items:
            yield from _after_item(item, earlier, later)
    elif not _empty(value):
        yield _after_not_list(value, earlier)


def _after_not_list(value: Value, earlier: list[str]) -> Problem:
    message = f"`_after` must be a list of earlier sibling tasks, not {describe(value)}"
    fix = None
    if isinstance(value, Scalar) and value.style == "plain" and not isinstance(value, Template):
        text = value.text
        name = text if text.startswith("+") else "+" + text
        if name in earlier and value.source.slice(value.span) == text:
            message += f"; write `[{name}]`"
            fix = Fix(f"write `[{name}]`", (Edit(value.span, f"[{name}]"),))
    return Problem(value.span, message, fix, source=value.source)


def _after_item(item: Value, earlier: list[str], later: list[str]) -> Iterator[Problem]:
    if isinstance(item, Template):
        yield Problem(item.span, f"`_after` {COMPILED}", source=item.source)
        return
    if not isinstance(item, Scalar) or item.value is None:
        message = f"`_after` items must be task names, not {describe(item)}"
        yield Problem(item.span, message, source=item.source)
        return
    name = item.text
    if name in earlier:
        return
    fix = None
    if name in later:
        message = f"`{name}` is defined after this task; `_after` can only name earlier siblings"
    elif "+" + name in earlier:
        message = f"no earlier sibling named `{name}`; task names start with `+`: `+{name}`"
        if item.style == "plain" and item.source.slice(item.span) == name:
            fix = Fix(f"write `+{name}`", (Edit(item.span, "+" + name),))
    else:
        close = suggest(name, earlier)
        message = f"no earlier sibling task named `{name}`"
        if len(close) == 1:
            message += f"; did you mean `{close[0]}`?"
    yield Problem(item.span, message, fix, source=item.source)


def _retry(task: Task, op: str | None, ctx: Context) -> Iterator[Problem]:
    spec = ctx.operators.get(op) if op is not None else None
    if spec is None or spec.supports_retry:
        yield from retry_problems(task, evaluated=True)


def retry_problems(task: Task, *, evaluated: bool, note: str = "") -> Iterator[Problem]:
    """Problems of the task's `_retry` value; `evaluated`: whether `${...}` is evaluated first."""
    retry = task.retry
    if retry is None:
        return
    node = retry.node
    if isinstance(node, Template):
        if not evaluated:
            yield _at(task, "_retry", f"`_retry` is read here without evaluating `${{...}}`{note}")
    elif isinstance(node, Mapping):
        yield from _retry_mapping(task, node, evaluated, note)
    elif not int_like(node) or _empty(node):
        what = "`_retry` is empty" if _empty(node) else f"invalid `_retry` value {shown(node)}"
        message = (
            f"{what}; write a number of retries "
            f"or `{{limit: N, interval: S, interval_type: constant|exponential}}`{note}"
        )
        yield _at(task, "_retry", message)


def _retry_mapping(task: Task, node: Mapping, evaluated: bool, note: str) -> Iterator[Problem]:
    if _empty(node.get("limit")) or "limit" not in node:
        yield _at(task, "_retry", f"`_retry` needs `limit: N` (the number of retries){note}", False)
    for key in ("limit", "interval", "max_interval"):
        value = node.get(key)
        if value is None or (isinstance(value, Template) and evaluated) or int_like(value):
            continue
        what = "an integer" if key == "limit" else "a number of seconds"
        message = f"`_retry` `{key}` must be {what}, not {shown(value)}{note}"
        yield Problem(value.span, message, source=value.source)
    kind = node.get("interval_type")
    if kind is None or (isinstance(kind, Template) and evaluated):
        return
    if not (isinstance(kind, Scalar) and kind.text.lower() in ("constant", "exponential", "")):
        message = f"invalid `interval_type` {shown(kind)}; use `constant` or `exponential`{note}"
        yield Problem(kind.span, message, source=kind.source)


def _env(task: Task, op: str | None) -> Iterator[Problem]:
    env = task.env
    if env is None or op not in COMMAND_EXECUTORS:
        return
    if isinstance(env, Mapping):
        for entry in env.entries:
            name = entry.key.text
            if not (isinstance(entry.key.value, str) and _ENV_NAME.fullmatch(name)):
                message = (
                    f"`{name}` is not a valid environment variable name; "
                    "use letters, digits and `_`, not starting with a digit"
                )
                yield Problem(entry.key.span, message, source=entry.key.source)
    elif not (isinstance(env, Scalar) and env.value is None):
        message = f"`_env` must be a mapping of variable names to values, not {describe(env)}"
        yield _at(task, "_env", message)


def _secrets(value: Value | None) -> Iterator[Problem]:
    if value is None or _empty(value):
        return
    if not isinstance(value, Mapping):
        message = f"`_secrets` must be a mapping of secret names, not {describe(value)}"
        yield Problem(value.span, message, source=value.source)
        return
    for entry in value.entries:
        leaf = entry.value
        if isinstance(leaf, Mapping):
            yield from _secrets(leaf)
        elif not (isinstance(leaf, Scalar) and (leaf.is_string or leaf.value is True)):
            message = (
                f"invalid `_secrets` value {shown(leaf)} for `{entry.key.text}`; "
                "write the secret key to use instead (a string)"
            )
            yield Problem(leaf.span, message, source=leaf.source)


def _empty(value: Value | None) -> bool:
    return isinstance(value, Scalar) and value.value is None


def _bodies(task: Task, op: str | None) -> Iterator[Problem]:
    # Digdag reads these with getNestedOrGetEmpty, which takes an empty value for `{}`.
    export = task.export
    if export is not None and not isinstance(export, Mapping) and not _empty(export):
        message = f"`_export` must be a mapping of parameters, not {describe(export)}"
        yield _at(task, "_export", message)
    keys = ["_error"]
    if task.kind is TaskKind.OPERATOR:
        keys.append("_check")
    if op in DO_OPERATORS:
        keys += ["_do", "_else_do"] if op == "if" else ["_do"]
    for key in keys:
        value = task.config.get(key)
        bad = isinstance(value, Scalar) or (key == "_error" and isinstance(value, Sequence))
        if value is not None and bad and not _empty(value):
            message = f"`{key}` must be a task body (a mapping), not {describe(value)}"
            yield _at(task, key, message)
