"""Which `${...}` names each task can see: Digdag's parameter visibility, statically.

A task sees (§6 of the language reference): the built-in variables, parameters passed with
`-p` (declared in config), every ancestor's `_export` and its own, what earlier tasks stored
(earlier siblings of the task or of an ancestor, and everything below them — parallel
siblings see nothing of each other), loop variables in `_do` bodies, `error` in `_error`
tasks, and, inside its own keys, the keys written before. Tasks whose stores cannot be
known statically (`py>`, `rb>`, plugins...) make the scope *open*: then nothing is reported
as undefined.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from diglang.nodes import Task, TaskKind, Workflow
from diglang.values import Mapping, Scalar, Template, Value

# Operators whose stores or children's exports depend on code we cannot read.
OPAQUE_OPERATORS = frozenset({"py", "rb", "call", "http_call", "embulk", "param_get"})


@dataclass(frozen=True)
class Origin:
    """Where a visible name comes from: kind is builtin/config/export/store/loop/error/local.

    `key` is the key that defines the name (an `_export` or `for_each>` key), `value` its
    value; `task` is the task that stores it (for `store`).
    """

    kind: str
    detail: str = ""
    key: Scalar | None = None
    value: Value | None = None
    task: Task | None = None


@dataclass
class Scope:
    """Names visible at some point, and whether unseen names may exist (`open`)."""

    names: dict[str, Origin] = field(default_factory=dict)
    open: bool = False

    def child(self) -> Scope:
        """A copy to extend for a nested context."""
        return Scope(dict(self.names), self.open)

    def add(self, name: str, origin: Origin) -> None:
        """Make `name` visible (the first origin found wins, as the nearest definition)."""
        self.names[name] = origin

    def merge(self, other: Scope) -> None:
        """Add every name of `other`."""
        self.names.update(other.names)
        self.open = self.open or other.open


@dataclass
class Analyzer:
    """Computes the scope of every task of a workflow in one walk."""

    stores: dict[str, tuple[str, ...]]  # operator name -> root names it stores
    child_exports: dict[str, tuple[str, ...]]  # operator -> names its generated children see
    known_operators: frozenset[str]
    task_scopes: dict[int, Scope] = field(default_factory=dict)

    def run(self, wf: Workflow, base: Scope) -> None:
        """Compute scopes for every task, starting from `base` (builtins, config, callers).

        Scopes are shared where they are equal (a task without `_export` has its parent's),
        and `base` is one of them: treat `base` and what `scope_of` returns as read-only.
        """
        self._visit(wf.task, base)

    def scope_of(self, task: Task) -> Scope:
        """The scope at the start of `task` (ancestors' exports, upstream stores, own export)."""
        found = self.task_scopes.get(id(task))
        return found if found is not None else Scope(open=True)

    def _visit(self, task: Task, env: Scope) -> Scope:
        """Record `task`'s scope; return what it (and everything below it) stores.

        `env` is never changed: a scope that would equal it is `env` itself.
        """
        own = env
        if _adds_keys(task.export):
            own = env.child()
            _add_keys(own, task.export, "export")
        self.task_scopes[id(task)] = own
        stored = Scope()
        if task.kind is TaskKind.OPERATOR:
            self._operator_stores(task, stored)
        parallel = task.parallel is not None and task.parallel.enabled is not False
        upstream = Scope()
        for child in task.children:
            child_env = own
            if not parallel and (upstream.names or upstream.open):
                child_env = own.child()
                child_env.merge(upstream)
            result = self._visit(child, child_env)
            upstream.merge(result)
        stored.merge(upstream)
        self._special(task, own, stored)
        return stored

    def _operator_stores(self, task: Task, stored: Scope) -> None:
        op = task.operator
        name = op.name if op is not None else None
        if name is None or name in OPAQUE_OPERATORS or name not in self.known_operators:
            stored.open = True
            return
        for root in self.stores.get(name, ()):
            stored.add(
                root, Origin("store", f"stored by `{name}>` in `{task.full_name}`", task=task)
            )

    def _special(self, task: Task, own: Scope, stored: Scope) -> None:
        """Scopes of `_do`/`_else_do` (loop variables), `_check` and `_error` (`error`)."""
        if task.do is not None or task.else_do is not None:
            body_env = self.loop_scope(task, own)
            for sub in (task.do, task.else_do):
                if sub is not None:
                    stored.merge(self._visit(sub, body_env))
        if task.check is not None:
            check_env = own.child()
            check_env.merge(stored)
            self._visit(task.check, check_env)
        if task.error is not None:
            error_env = own.child()
            error_env.merge(stored)
            error_env.add("error", Origin("error", "the error of the failed task"))
            self._visit(task.error, error_env)

    def loop_scope(self, task: Task, own: Scope) -> Scope:
        """What `task`'s `_do` and `_else_do` start from: `own` and the loop variables."""
        body_env = own.child()
        op = task.operator
        if op is not None and op.name is not None:
            for name in self.child_exports.get(op.name, ()):
                body_env.add(name, Origin("loop", f"set by `{op.name}>` for each iteration"))
            if op.name == "for_each":
                self._for_each_names(op.command, body_env)
        return body_env

    @staticmethod
    def _for_each_names(command: Value | None, env: Scope) -> None:
        if isinstance(command, Mapping):
            for entry in command.entries:
                env.add(
                    entry.key.text, Origin("loop", "a `for_each>` variable", entry.key, entry.value)
                )
        else:
            env.open = True  # `for_each>: ${...}`: the variable names are only known at run time


def _adds_keys(value: Value | None) -> bool:
    """True when `_add_keys` would add a name for `value`."""
    return isinstance(value, Mapping) and any(entry.key.is_string for entry in value.entries)


def _add_keys(scope: Scope, value: Value | None, kind: str) -> None:
    if isinstance(value, Mapping):
        for entry in value.entries:
            if entry.key.is_string:
                scope.add(entry.key.text, Origin(kind, "", entry.key, entry.value))


def earlier_keys(task: Task, template: Template) -> Iterator[tuple[str, Value]]:
    """Keys of `task` (and of nested mappings on the way) written before `template`."""
    yield from _earlier(task.config, template.span.start, template)


def _earlier(mapping: Mapping, offset: int, target: Value) -> Iterator[tuple[str, Value]]:
    for entry in mapping.entries:
        value = entry.value
        if value is target or _contains(value, target):
            if isinstance(value, Mapping):
                yield from _earlier(value, offset, target)
            return
        if entry.key.is_string and entry.key.text.isidentifier():
            yield entry.key.text, value


def _contains(value: Value, target: Value) -> bool:
    from diglang.values import walk_values

    if isinstance(value, Scalar):
        return value is target
    return any(node is target for node in walk_values(value))
