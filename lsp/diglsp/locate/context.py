"""What is being written at the cursor (`CursorContext`), and the task it belongs to.

The context names the enclosing keys, splits them into the task's keys and the keys inside
the task, and says what kind of mapping the cursor is in (`where`). The task itself is taken
from the parse tree when it has it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from diglang.nodes import TASK_DIRECTIVES, Task
from diglsp.locate.expr import ExprContext
from diglsp.locate.lines import unquote
from diglsp.workspace import Snapshot

Kind = Literal["key", "value", "none"]

OPERATOR_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*>$")

_SPECIAL_ATTR = {"_error": "error", "_check": "check", "_do": "do", "_else_do": "else_do"}


@dataclass(frozen=True, slots=True)
class CursorContext:
    """What is being written at a cursor offset.

    `kind` is `key` (a mapping key, possibly partial) or `value` (a scalar, possibly inside a
    `${...}`: see `expr`), or `none` (a comment, an indicator...). `path` holds the enclosing
    keys from the top level, `-` standing for a sequence item; it splits into `task_path`
    (the keys naming the enclosing task: `+x`, `_error`, `_check`, `_do`, `_else_do`) and
    `inner` (the keys below the task: `("_export",)`, `("schedule",)`).

    `prefix` is the text from `start` to the cursor: the partial key (key position) or the
    value written so far, without its quote or tag (value position); `end` is the end of the
    word under the cursor. `key` is the key being edited (key position) or the key whose
    value is being written.
    """

    offset: int
    kind: Kind
    path: tuple[str, ...] = ()
    key: str | None = None
    prefix: str = ""
    start: int = 0
    end: int = 0
    column: int = 0  # column of the key (key position) or of the key owning the value
    siblings: tuple[str, ...] = ()  # other keys of the mapping the key belongs to
    has_colon: bool = False  # key position: the key is already followed by `:`
    task: Task | None = None
    task_path: tuple[str, ...] = ()
    inner: tuple[str, ...] = ()
    task_keys: tuple[str, ...] = ()  # keys of the enclosing task's own mapping (from the text)
    operator: str | None = None  # the enclosing task's operator name
    tag: str | None = None  # `!include` when an include path is being written
    expr: ExprContext | None = None
    block: bool = False  # in a multi-line scalar (`|`, `>` or a continued plain scalar)
    quote: str | None = None  # the opening quote of the value
    flow: bool = False  # inside a `{...}` or `[...]` collection
    sequence: bool = False  # the value is an item of a sequence
    word_start: int = 0  # value position: where the last whitespace-separated word starts

    @property
    def where(self) -> str:
        """The kind of mapping the cursor's key belongs to.

        `top` (the workflow's root), `operator` (an operator task), `group` (a task with
        `+children`), `task` (a task whose kind is not written yet), `export`, `schedule`,
        `sla`, or `other` (inside a param, a nested mapping...).
        """
        if self.inner:
            if self.inner == ("_export",):
                return "export"
            if self.inner == ("schedule",) and not self.task_path:
                return "schedule"
            if self.inner == ("sla",) and not self.task_path:
                return "sla"
            return "other"
        if not self.task_path:
            return "top"
        if self.operator is not None:
            return "operator"
        if any(k.startswith("+") for k in self.task_keys):
            return "group"
        return "task"


def split_path(path: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(task path, inner path): task keys from the top, then the rest."""
    i = 0
    while i < len(path) and (path[i].startswith("+") or path[i] in TASK_DIRECTIVES):
        i += 1
    return path[:i], path[i:]


def resolve_task(snap: Snapshot, task_path: tuple[str, ...]) -> Task | None:
    """The task named by a chain of task keys from the top level (None if not in the tree)."""
    wf = snap.document.workflow
    if wf is None:
        return None
    chain = task_chain(wf.task, task_path)
    return chain[-1] if len(chain) == len(task_path) + 1 else None


def task_chain(root: Task, task_path: tuple[str, ...]) -> list[Task]:
    """`root` and the tasks a chain of task keys names below it, as far as they exist."""
    chain = [root]
    for key in task_path:
        task = chain[-1]
        if key.startswith("+"):
            found = next((c for c in task.children if c.name == key), None)
        else:
            attr = _SPECIAL_ATTR.get(key)
            found = getattr(task, attr) if attr is not None else None
        if found is None:
            break
        chain.append(found)
    return chain


def operator_of(keys: tuple[str, ...] | list[str], type_value: str | None) -> str | None:
    """The operator a task mapping names with `op>:` or `_type:`."""
    if type_value:
        return unquote(type_value)
    for key in keys:
        if OPERATOR_KEY.match(key):
            return key[:-1]
    return None


def with_changes(ctx: CursorContext, **changes: object) -> CursorContext:
    """`ctx` with some fields changed."""
    return replace(ctx, **changes)  # type: ignore[arg-type]
