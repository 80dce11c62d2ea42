"""Shared by the schema-driven rules: operator tasks with their spec, and where params come from.

An operator reads a param from the task's merged parameters (§6.1 of the language reference):
its own keys, its own `_export` and every ancestor's `_export`, what earlier tasks stored, and
the CLI's `-p` params. Operators with `nested_defaults` (`td`, `aws.s3`...) also read
`td: {database: ...}` anywhere in that set as defaults. These helpers answer "may this param
be set here?" leniently: whenever the answer depends on something we cannot see (a templated
`_export`, a `for_each>` over a `${...}`), it is yes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from diglang.nodes import Operator, Task, Workflow
from diglang.rule import Context
from diglang.rules.invalid_group_key import is_disabled
from diglang.schemas import OperatorSpec
from diglang.source import Span
from diglang.values import Mapping, Scalar, Template, Value


@dataclass(frozen=True, slots=True)
class OperatorTask:
    """A task whose operator has a schema, with its ancestors (outermost first)."""

    task: Task
    spec: OperatorSpec
    operator: Operator
    ancestors: tuple[Task, ...]
    # `sources()` by `stand_ins`: rules ask for them once per param
    _sources: dict[bool, tuple[Mapping | None, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def key(self) -> str:
        """The operator as users write it: `td>`."""
        return self.spec.key

    def local(self, name: str) -> Value | None:
        """The task's own non-null value of `name` (`_command`: the operator's command)."""
        value = self.operator.command if name == "_command" else self.task.config.get(name)
        return None if is_null(value) else value

    def sources(self, *, stand_ins: bool = True) -> Iterator[Mapping | None]:
        """Where params come from, nearest first; None stands for "unknown" (templated).

        With `stand_ins`, a mapping with an `!include` that added nothing is unknown too (see
        `_known`); without, it is taken as it is, which suits questions whose answer rarely
        hides in an included file (`_workdir`).
        """
        found = self._sources.get(stand_ins)
        if found is None:
            found = self._sources[stand_ins] = tuple(self._find_sources(stand_ins))
        return iter(found)

    def _find_sources(self, stand_ins: bool) -> Iterator[Mapping | None]:
        known = _known if stand_ins else _same
        yield known(self.task.config)
        yield _export_of(self.task, known)
        inner = self.task
        for outer in reversed(self.ancestors):
            if inner in outer.special_tasks:
                # `_do`/`_error`/`_check` bodies run as children of `outer`: be lenient and
                # count its own keys too, and the variables `for_each>` exports.
                yield known(outer.config)
                yield from _loop_variables(outer, inner)
            yield _export_of(outer, known)
            inner = outer


def operator_tasks(wf: Workflow, ctx: Context) -> Iterator[OperatorTask]:
    """Every compiled task (not `_disable`d) whose operator has a schema, in document order."""
    return iter(ctx.cached(("operator_tasks", wf), lambda: list(_operator_tasks(wf, ctx))))


def _operator_tasks(wf: Workflow, ctx: Context) -> Iterator[OperatorTask]:
    stack: list[tuple[Task, tuple[Task, ...]]] = [(wf.task, ())]
    while stack:
        task, ancestors = stack.pop()
        if is_disabled(task):
            continue
        op = task.operator
        spec = ctx.operators.get(op.name) if op is not None and op.name is not None else None
        if op is not None and spec is not None:
            yield OperatorTask(task, spec, op, ancestors)
        inner = (*ancestors, task)
        stack.extend(reversed([(c, inner) for c in (*task.children, *task.special_tasks)]))


def is_null(value: Value | None) -> bool:
    """True for an absent value or a YAML null (Digdag treats both as "not set")."""
    return value is None or (isinstance(value, Scalar) and value.value is None)


def _export_of(task: Task, known: Callable[[Mapping], Mapping | None]) -> Mapping | None:
    export = task.export
    if export is None or is_null(export):
        return Mapping(Span(0, 0), task.source, ())
    return known(export) if isinstance(export, Mapping) else None


def _same(mapping: Mapping) -> Mapping | None:
    return mapping


def _known(mapping: Mapping) -> Mapping | None:
    """`mapping`, or None when one of its `!include`s added nothing.

    An included file without a single key is almost always a stand-in (a template, a test
    double) for content we cannot see, so what the mapping provides is unknown.
    """
    sites = mapping.source.text.count("!include", mapping.span.start, mapping.span.end)
    if not sites:
        return mapping
    used = {id(e.include) for e in mapping.entries if e.include is not None}
    return mapping if len(used) >= sites else None


def _loop_variables(outer: Task, inner: Task) -> Iterator[Mapping | None]:
    op = outer.operator
    if op is not None and op.name == "for_each" and inner is outer.do:
        yield op.command if isinstance(op.command, Mapping) else None


def provided(sources: Iterable[Mapping | None], name: str, namespaces: Iterable[str] = ()) -> bool:
    """True when `name` may be set: directly or in a nested default, in any source."""
    spaces = tuple(namespaces)
    return any(m is None or _has(m, name, spaces) is not False for m in sources)


def _has(mapping: Mapping, name: str, namespaces: tuple[str, ...]) -> bool | None:
    """True/False, or None when a templated value hides the answer."""
    if not is_null(mapping.get(name)):
        return True
    for namespace in namespaces:
        node: Value | None = mapping
        for part in namespace.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
            if isinstance(node, Template):
                return None
        if isinstance(node, Mapping) and not is_null(node.get(name)):
            return True
    return False


def nearest(sources: Iterable[Mapping | None], name: str) -> tuple[Value | None, bool]:
    """The nearest non-null value of `name`, and whether it is certain (no unknown source)."""
    for mapping in sources:
        if mapping is None:
            return None, False
        value = mapping.get(name)
        if not is_null(value):
            return value, True
    return None, True


def file_exists(ctx: Context, path: str) -> bool:
    """True for a file or directory on disk, or a file the project's loader can read.

    Asking the loader too lets editors serve unsaved files and tests stand in for files. The
    answer is kept for the rest of the check: several tasks name the same files.
    """
    return ctx.cached(("file_exists", path), lambda: _file_exists(ctx, path))


def _file_exists(ctx: Context, path: str) -> bool:
    if os.path.exists(path):
        return True
    loader = ctx.project.loader if ctx.project is not None else None
    if loader is None:
        return False
    try:
        loader(path)
    except OSError:
        return False
    except Exception:  # there, but not UTF-8 text
        return True
    return True


def expression_texts(task: Task) -> list[str]:
    """The text of every `${...}` in the task's own keys (not children, not `_do` bodies)."""
    return [expr.text for template in task.local_templates() for expr in template.exprs]


def mentions(texts: Iterable[str], name: str) -> bool:
    """True when `name` occurs as a word in one of `texts` (e.g. `${name}`, `this['name']`)."""
    pattern = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    return any(pattern.search(text) for text in texts)


def value_span(scalar: Scalar, start: int, end: int) -> Span:
    """The span of `scalar.text[start:end]` in the file, or the whole scalar when unsure."""
    raw = scalar.source.slice(scalar.span)
    if scalar.style == "plain" and raw == scalar.text:
        return Span(scalar.span.start + start, scalar.span.start + end)
    if scalar.style in ("single", "double") and raw[1:-1] == scalar.text:
        return Span(scalar.span.start + 1 + start, scalar.span.start + 1 + end)
    return scalar.span
