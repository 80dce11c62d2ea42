"""Static values: what Digdag will render for a `${...}` when no run is needed to know it.

`${table}` with `_export: {table: items}` renders `items` in every run, so the editor can show
it (inlay hints, hover). A value is known when every variable the expression reads resolves to
an `_export` (of the task or an ancestor, in this file or an `!include`d one) or to an earlier
key of the task, whose value is literal or is itself a template that is statically known; and
when the expression only uses an exact subset of JavaScript: literals, `+ - * / %`,
comparisons, `&& || ! ?:`, `typeof`, `void`, array/object literals, `.length`, indexing and
`JSON.stringify(x)`, evaluated by `diglang.expr.evaluate`, whose `NoValue` (a construct it
does not implement, a value known only at run time, a JavaScript error) gives None. Anything
that depends on the run (`session_date`, `moment()`, values stored by earlier tasks, `-p`
params, loop variables) gives None: nothing is guessed.

The parameter model follows Digdag's `OperatorManager#evalConfig` and
`ConfigEvalEngine.Context` (§6.1 and §7.1 of the language reference):

* the parameters (the `_export`s merged from the root down to the task, deep-merging
  mappings, the task's own last) come first, then the built-in variables (which override any
  parameter of the same name), then the task's local keys;
* keys are evaluated in that order; a template sees the raw parameters overlaid with the
  already-evaluated keys before it in the same mapping. So a local key sees every parameter
  evaluated and the local keys written before it; a parameter sees the parameters defined
  before it evaluated and the later ones raw (a raw template is not guessed: None); a value
  inside a nested mapping sees the raw parameters plus the earlier keys of that mapping;
* values keep their YAML types (numbers stay numbers), and a template's result is always a
  string. The rendered text is the string itself, `""` for null and undefined, else
  `JSON.stringify` of the value.

Only operator tasks evaluate their keys, so templates in a group's own keys (other than its
`_export`) have no value; a template in an `_export` is shown as the exporting task itself
sees it. Template literals (backticks) are not ES5 and give None. A file `!include`d by another
(a fragment) has no values: they depend on the task that includes it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from diglang.expr.evaluate import (
    JS,
    OPAQUE,
    JSArray,
    JSObject,
    NotKnown,
    NoValue,
    evaluate,
    global_value,
    js_render,
)
from diglang.expr.parse import parse_expression
from diglang.expr.scope import JS_GLOBALS
from diglang.expr.template import Literal, scan_template
from diglang.nodes import Task, TaskKind
from diglang.rule import Context
from diglang.schemas import builtin_variables
from diglang.scope import OPAQUE_OPERATORS, Scope
from diglang.values import Entry, Mapping, Scalar, Sequence, Template, Value
from diglsp import query
from diglsp.workspace import Snapshot

__all__ = ["static_value"]

MAX_DEPTH = 24  # nested variable resolutions before giving up
NO_EVALUATE = frozenset({"_do", "_else_do"})  # never evaluated, at any depth
NOT_LOCAL = frozenset({"_export", "_error", "_check"})  # not part of a task's local config


# --------------------------------------------------------------- Digdag's parameters


@dataclass
class _Definition:
    task: Task
    entry: Entry


@dataclass
class _Params:
    """The parameters one operator task sees: where each comes from and its value."""

    snap: Snapshot
    task: Task
    scope: Scope
    definitions: dict[str, list[_Definition]]
    order: dict[str, int]  # first insertion of each exported name, root first
    stores: dict[str, list[str]]  # root name -> stored sub-paths (`td` -> [`last_job_id`])
    opaque_stores: bool
    called: bool  # other workflows `call>` this one: their parameters come first
    cache: dict[tuple[str, bool], JS | NoValue] = field(default_factory=dict)
    active: set[int] = field(default_factory=set)
    depth: int = 0

    def is_param(self, name: str) -> bool:
        """True when `name` is a parameter or built-in (not a JavaScript global)."""
        origin = self.scope.names.get(name)
        if origin is None:
            return False
        return not (origin.kind == "builtin" and name in JS_GLOBALS)

    def position(self, name: str) -> int | None:
        """Where `name` first enters the parameters (None: unknown or not exported here)."""
        if name in self.snap.config.params:
            return None
        return self.order.get(name)

    def value(self, name: str, evaluated: bool) -> JS:
        """The parameter `name`, evaluated (as local keys see it) or raw."""
        key = (name, evaluated)
        if key not in self.cache:
            try:
                self.cache[key] = self._value(name, evaluated)
            except NoValue as exc:
                self.cache[key] = exc
        found = self.cache[key]
        if isinstance(found, NoValue):
            raise found
        return found

    def _value(self, name: str, evaluated: bool) -> JS:
        origin = self.scope.names.get(name)
        if origin is None:
            raise NotKnown(f"`{name}` is not defined statically")
        if name in _builtin_names():
            raise NotKnown("a built-in variable")
        if origin.kind == "builtin":
            return global_value(name)
        definitions = self.definitions.get(name)
        if not definitions:
            raise NotKnown(f"`{name}` comes from {origin.kind}")
        last = definitions[-1]
        if origin.kind == "export" and origin.key is last.entry.key:
            stored = False
        elif origin.kind == "store":
            stored = True
        else:
            raise NotKnown(f"`{name}` comes from {origin.kind}")
        if self.scope.open and last.task is not self.task:
            raise NotKnown("an earlier task may store it")
        if not isinstance(last.entry.value, Mapping):
            if stored:
                raise NotKnown("stored by an earlier task")
            return self._export_value(name, last, evaluated)
        return self._merged(name, definitions, evaluated)

    def _export_value(self, name: str, definition: _Definition, evaluated: bool) -> JS:
        value = definition.entry.value
        if not evaluated:
            return raw(value)
        limit = self.position(name)
        return self.evaluate_value(value, functools.partial(self.params_lookup, limit=limit))

    def _merged(self, name: str, definitions: list[_Definition], evaluated: bool) -> JS:
        """Deep merge of the mapping `_export`s of `name` (Digdag's `Config.merge`)."""
        start = len(definitions) - 1
        while start > 0 and isinstance(definitions[start - 1].entry.value, Mapping):
            start -= 1
        parts = definitions[start:]
        if len(parts) > 1 and any(_has_dollar(d.entry.value) for d in parts):
            raise NotKnown("merged mappings with templates")
        merged = JSObject()
        for part in parts:
            value = self._export_value(name, part, evaluated)
            assert isinstance(value, JSObject)
            _deep_merge(merged, value)
        if name in self.snap.config.params or self.opaque_stores or self.scope.open:
            merged.open = True
        if start > 0 or self.called:
            merged.open = True  # an earlier non-mapping value, or callers' values, may merge
        for path in self.stores.get(name, []):
            if not path:
                raise NotKnown("stored by an earlier task")
            _mark_opaque(merged, path)
        return merged

    # -- lookups -----------------------------------------------------------------------
    def params_lookup(self, name: str, limit: int | None) -> JS:
        """A name seen from a parameter at position `limit`: earlier ones evaluated."""
        if not self.is_param(name):
            return _global_or_unknown(self, name)
        position = self.position(name)
        earlier = limit is not None and position is not None and position < limit
        return self.value(name, evaluated=earlier)

    def raw_lookup(self, name: str) -> JS:
        """A name seen from inside a nested mapping: parameters are raw."""
        if not self.is_param(name):
            return _global_or_unknown(self, name)
        return self.value(name, evaluated=False)

    def evaluated_lookup(self, name: str) -> JS:
        """A name seen by a local key: every parameter is evaluated."""
        if not self.is_param(name):
            return _global_or_unknown(self, name)
        return self.value(name, evaluated=True)

    # -- evaluating values ---------------------------------------------------------------
    def evaluate_value(self, value: Value, lookup: Callable[[str], JS]) -> JS:
        """What `ConfigEvalEngine` makes of `value`; `lookup` serves its strings."""
        if isinstance(value, Mapping):
            return self.evaluate_mapping(value)
        if isinstance(value, Sequence):
            return JSArray([self.evaluate_value(item, lookup) for item in value.items])
        if isinstance(value.value, str) and "$" in value.value:
            return self.evaluate_string(value, value.value, lookup)
        return raw(value)

    def evaluate_mapping(self, mapping: Mapping) -> JSObject:
        """A nested mapping: each value sees the raw parameters and the keys before it."""
        result = JSObject()
        for i, entry in enumerate(mapping.entries):
            key = entry.key.text
            if key in NO_EVALUATE:
                result.props[key] = raw(entry.value)
            else:
                lookup = self.nested_lookup(mapping, i)
                result.props[key] = self.evaluate_value(entry.value, lookup)
        return result

    def nested_lookup(self, mapping: Mapping, index: int) -> Callable[[str], JS]:
        """Names seen by the value of `mapping.entries[index]` (a nested mapping)."""

        def lookup(name: str) -> JS:
            for j in range(index - 1, -1, -1):
                entry = mapping.entries[j]
                if entry.key.text == name:
                    if name in NO_EVALUATE:
                        return raw(entry.value)
                    return self.evaluate_value(entry.value, self.nested_lookup(mapping, j))
            return self.raw_lookup(name)

        return lookup

    def local_lookup(self, index: int) -> Callable[[str], JS]:
        """Names seen by the task's top-level local key number `index`."""
        entries = self.task.config.entries

        def lookup(name: str) -> JS:
            for j, entry in enumerate(entries):
                if j == index or entry.key.text != name or entry.key.text in NOT_LOCAL:
                    continue
                if name.startswith("+"):
                    continue
                shadows = self.is_param(name)
                if shadows:
                    # Merged into the parameter's own position: only literals are safe.
                    if _has_dollar(entry.value) or isinstance(entry.value, Mapping):
                        raise NotKnown("a local key shadowing a parameter")
                    return raw(entry.value)
                if j > index:
                    break
                if name in NO_EVALUATE:
                    return raw(entry.value)
                return self.evaluate_value(entry.value, self.local_lookup(j))
            return self.evaluated_lookup(name)

        return lookup

    def guarded(self, node: Value, compute: Callable[[], JS]) -> JS:
        """Run `compute` for `node` unless it is already being computed (a cycle)."""
        if id(node) in self.active or self.depth >= MAX_DEPTH:
            raise NotKnown("a cycle")
        self.active.add(id(node))
        self.depth += 1
        try:
            return compute()
        finally:
            self.depth -= 1
            self.active.discard(id(node))

    def evaluate_string(self, node: Value, text: str, lookup: Callable[[str], JS]) -> str:
        """A string containing `$`: Digdag's template, rendered."""

        def compute() -> JS:
            out: list[str] = []
            for part in scan_template(text):
                if isinstance(part, Literal):
                    out.append(part.value)
                    continue
                if not part.expr.strip():
                    continue
                result = parse_expression(part.expr)
                if result.node is None or result.errors:
                    raise NotKnown("a syntax error")
                out.append(js_render(evaluate(result.node, lookup)))
            return "".join(out)

        value = self.guarded(node, compute)
        assert isinstance(value, str)
        return value


def _global_or_unknown(params: _Params, name: str) -> JS:
    origin = params.scope.names.get(name)
    if origin is not None and origin.kind == "builtin" and name in JS_GLOBALS:
        return global_value(name)
    raise NotKnown(f"`{name}` is not defined statically")


_BUILTINS: frozenset[str] | None = None


def _builtin_names() -> frozenset[str]:
    global _BUILTINS
    if _BUILTINS is None:
        _BUILTINS = frozenset(v.name for v in builtin_variables()) | {"_workdir"}
    return _BUILTINS


def raw(value: Value) -> JS:
    """A value as Digdag holds it before evaluation (strings with `$` are not guessed)."""
    if isinstance(value, Mapping):
        return JSObject({e.key.text: raw(e.value) for e in value.entries})
    if isinstance(value, Sequence):
        return JSArray([raw(item) for item in value.items])
    v = value.value
    if isinstance(v, str):
        if "$" in v:
            raise NotKnown("an unevaluated template")
        return v
    if isinstance(v, bool) or v is None:
        return v
    try:
        number = float(v)
    except OverflowError:
        raise NotKnown("a huge number") from None
    if not math.isfinite(number):
        raise NotKnown("a non-finite number")
    return number


def _has_dollar(value: Value) -> bool:
    if isinstance(value, Mapping):
        return any(_has_dollar(e.value) for e in value.entries)
    if isinstance(value, Sequence):
        return any(_has_dollar(item) for item in value.items)
    return isinstance(value.value, str) and "$" in value.value


def _deep_merge(into: JSObject, other: JSObject) -> None:
    for key, value in other.props.items():
        current = into.props.get(key)
        if isinstance(current, JSObject) and isinstance(value, JSObject):
            _deep_merge(current, value)
        else:
            into.props[key] = value


def _mark_opaque(obj: JSObject, path: str) -> None:
    head, _, rest = path.partition(".")
    if not head or head == "*":
        obj.open = True
        return
    if not rest:
        obj.props[head] = OPAQUE
        return
    child = obj.props.get(head)
    if not isinstance(child, JSObject):
        child = obj.props[head] = JSObject()
    _mark_opaque(child, rest)


# ------------------------------------------------------------------- building the model


def _chain(snap: Snapshot, root: Task, target: Task) -> list[Task] | None:
    """Tasks from `root` down to `target` (children and `_error`/`_check`/`_do` tasks)."""
    cached = snap.memo.get("static.parents")
    parents: dict[int, Task] = {}
    if isinstance(cached, dict):
        parents = cached
    else:
        stack = [root]
        while stack:
            task = stack.pop()
            for child in (*task.children, *task.special_tasks):
                parents[id(child)] = task
                stack.append(child)
        snap.memo["static.parents"] = parents
    chain = [target]
    while chain[-1] is not root:
        parent = parents.get(id(chain[-1]))
        if parent is None:
            return None
        chain.append(parent)
    chain.reverse()
    return chain


def _params(snap: Snapshot, task: Task) -> _Params:
    memo = snap.memo.setdefault("static.params", {})
    assert isinstance(memo, dict)
    cached = memo.get(id(task))
    if isinstance(cached, _Params) and cached.task is task:
        return cached
    wf = snap.document.workflow
    if wf is None:
        raise NotKnown("no workflow")
    chain = _chain(snap, wf.task, task)
    if chain is None:
        raise NotKnown("the task is not in the workflow")
    definitions: dict[str, list[_Definition]] = {}
    order: dict[str, int] = {}
    for owner in chain:
        export = owner.export
        if not isinstance(export, Mapping):
            continue
        for entry in export.entries:
            if not entry.key.is_string:
                continue
            name = entry.key.text
            definitions.setdefault(name, []).append(_Definition(owner, entry))
            order.setdefault(name, len(order))
    stores, opaque = _stores(snap)
    scope = query.scope_at(snap, task)
    called = False
    if snap.project is not None and snap.path is not None:
        called = bool(snap.project.callers(snap.path))
    result = _Params(snap, task, scope, definitions, order, stores, opaque, called)
    memo[id(task)] = result
    return result


def _stores(snap: Snapshot) -> tuple[dict[str, list[str]], bool]:
    """Sub-paths every operator of the workflow stores, by root name; True if any is opaque."""
    cached = snap.memo.get("static.stores")
    if isinstance(cached, tuple):
        return cached
    wf = snap.document.workflow
    ctx = Context(snap.document, snap.config, snap.project, snap.fragment)
    operators = ctx.operators
    found: dict[str, set[str]] = {}
    opaque = False
    if wf is not None:
        for task in wf.walk_tasks():
            op = task.operator
            if task.kind is not TaskKind.OPERATOR or op is None:
                continue
            spec = operators.get(op.name or "")
            if spec is None or op.name in OPAQUE_OPERATORS:
                opaque = True
                continue
            for store in spec.stores:
                root, _, rest = store.name.partition(".")
                if root == "*":
                    opaque = True
                else:
                    found.setdefault(root, set()).add(rest)
    stores = {root: sorted(paths) for root, paths in found.items()}
    result = (stores, opaque)
    snap.memo["static.stores"] = result
    return result


def _path_to(mapping: Mapping, target: Value) -> list[tuple[Mapping | Sequence, int]] | None:
    """The containers (and indices) from `mapping` down to `target`."""
    stack: list[tuple[Value, list[tuple[Mapping | Sequence, int]]]] = [(mapping, [])]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if isinstance(node, Scalar):
            continue
        outside = node.span.start > target.span.start or node.span.end < target.span.end
        if node.source is target.source and outside:
            continue
        if isinstance(node, Mapping):
            stack.extend((e.value, [*path, (node, i)]) for i, e in enumerate(node.entries))
        else:
            stack.extend((item, [*path, (node, i)]) for i, item in enumerate(node.items))
    return None


def _lookup_for(params: _Params, template: Template) -> Callable[[str], JS]:
    """The names a template of the task sees, from where it is written."""
    task = params.task
    path = _path_to(task.config, template)
    if not path:
        raise NotKnown("the template is not in the task")
    for container, i in path:
        if isinstance(container, Mapping) and container.entries[i].key.text in NO_EVALUATE:
            raise NotKnown("`_do` is evaluated per generated task")
    top_index = path[0][1]
    top_key = task.config.entries[top_index].key.text
    innermost = max((k for k, (c, _) in enumerate(path) if isinstance(c, Mapping)), default=0)
    mapping, index = path[innermost]
    assert isinstance(mapping, Mapping)
    if top_key == "_export":
        export = task.config.entries[top_index].value
        if len(path) < 2 or path[1][0] is not export:
            raise NotKnown("not inside the export mapping")
        name = mapping.entries[index].key.text
        if innermost == 1:
            if name in _builtin_names():
                raise NotKnown("replaced by a built-in variable")
            definitions = params.definitions.get(name, [])
            if not definitions or definitions[-1].entry is not mapping.entries[index]:
                raise NotKnown("not the parameter's own definition")
            limit = params.position(name)
            return functools.partial(params.params_lookup, limit=limit)
        name = export.entries[path[1][1]].key.text if isinstance(export, Mapping) else ""
        if len(params.definitions.get(name, [])) > 1:
            raise NotKnown("a mapping merged with an ancestor's")
        return params.nested_lookup(mapping, index)
    if task.kind is not TaskKind.OPERATOR or top_key in NOT_LOCAL:
        raise NotKnown("a group's keys are not evaluated")
    if innermost == 0:
        if params.is_param(top_key):
            raise NotKnown("a local key shadowing a parameter")
        return params.local_lookup(top_index)
    return params.nested_lookup(mapping, index)


def static_value(snap: Snapshot, at: query.ExprAt) -> str | None:
    """The text Digdag renders for the `${...}` at `at`, or None when it is not static."""
    try:
        node = at.expr.result.node
        if node is None or at.expr.result.errors or snap.fragment:
            return None  # a fragment's values depend on the task that includes it
        params = _params(snap, at.task)
        lookup = _lookup_for(params, at.template)
        return js_render(evaluate(node, lookup))
    except (NoValue, RecursionError):
        return None
    except Exception:  # never fail a request over a value hint
        return None
