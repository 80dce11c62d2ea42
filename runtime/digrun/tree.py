"""The running task tree: task states, dependencies and who may see whose stored params.

`RTask` is one task of an attempt (Digdag's task row): states follow Digdag's
`TaskStateCode`. Tasks are numbered in creation order, like Digdag's ids: the static tree in
pre-order, generated tasks after. `upstream_updates` and `subtree_updates` give the
visibility walk of §6.2: a task sees what its upstream siblings (transitively) and everything
below them stored, in id order, and the same for each of its ancestors.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from digrun.compile import TaskDef
from digrun.operator import TaskResult

JSON = Any
Update = tuple[dict[str, JSON], tuple[str, ...]]  # (store params, reset keys)


class State(enum.Enum):
    """Digdag's task states."""

    BLOCKED = "blocked"
    READY = "ready"
    RUNNING = "running"
    PLANNED = "planned"  # a group (or an operator task) running its children
    RETRY_WAITING = "retry_waiting"
    GROUP_RETRY_WAITING = "group_retry_waiting"
    SUCCESS = "success"
    ERROR = "error"
    GROUP_ERROR = "group_error"
    CANCELED = "canceled"

    @property
    def done(self) -> bool:
        """No further change will happen."""
        return self in _DONE

    @property
    def failed(self) -> bool:
        """Ended in an error."""
        return self in (State.ERROR, State.GROUP_ERROR)


_DONE = frozenset({State.SUCCESS, State.ERROR, State.GROUP_ERROR, State.CANCELED})


@dataclass(eq=False)
class RTask:
    """One task of the attempt."""

    id: int
    name: str
    full_name: str
    parent: RTask | None
    definition: TaskDef
    state: State = State.BLOCKED
    upstreams: list[RTask] = field(default_factory=list)
    downstreams: list[RTask] = field(default_factory=list)
    children: list[RTask] = field(default_factory=list)
    # set by the executor
    result: TaskResult | None = None  # what the operator returned (operator tasks)
    params: dict[str, JSON] | None = None  # the evaluated params of its last run
    export_params: dict[str, JSON] = field(default_factory=dict)  # for descendants
    store: Update | None = None
    error: dict[str, JSON] | None = None
    failing: bool = False  # failed; its `^error` handler runs, then it ends in error
    retry_count: int = 0  # operator-level retries done
    group_retries: int = 0  # group-level retries done
    poll_state: dict[str, JSON] = field(default_factory=dict)
    waiting_upstreams: int = 0
    unfinished: int = 0  # children not done and not blocked forever
    dead: bool = False  # blocked forever (an upstream failed)
    started: float | None = None
    ended: float | None = None
    _after_upstreams: dict[str, JSON] | None = None
    _inherited: dict[str, JSON] | None = None

    @property
    def config(self) -> dict[str, JSON]:
        """The task's own config (no children)."""
        return self.definition.config

    @property
    def operator(self) -> bool:
        """An operator task (not a group)."""
        return self.definition.operator

    def walk(self) -> list[RTask]:
        """This task and every task below it, in id order."""
        found: list[RTask] = []
        stack = [self]
        while stack:
            task = stack.pop()
            found.append(task)
            stack.extend(reversed(task.children))
        return sorted(found, key=lambda t: t.id)

    def ancestors(self) -> list[RTask]:
        """Root first, not including this task."""
        chain: list[RTask] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


def subtree_updates(task: RTask) -> list[Update]:
    """What `task` and everything below it stored, in id order."""
    return [t.store for t in task.walk() if t.store is not None]


def upstream_updates(task: RTask) -> list[Update]:
    """What the upstream siblings of `task` (transitively) and their subtrees stored, in id
    order of the siblings (the executor applies a sequential chain incrementally instead)."""
    closure: dict[int, RTask] = {}
    pending = list(task.upstreams)
    while pending:
        up = pending.pop()
        if up.id not in closure:
            closure[up.id] = up
            pending.extend(up.upstreams)
    found: list[Update] = []
    for up in sorted(closure.values(), key=lambda t: t.id):
        found.extend(subtree_updates(up))
    return found
