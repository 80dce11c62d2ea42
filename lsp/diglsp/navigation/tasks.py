"""Tasks named by a `+name` key or an `_after` item: the task at the cursor, the sibling an
`_after` item names and every `_after` item naming a task.
"""

from __future__ import annotations

from collections.abc import Iterator

from diglang.nodes import Task
from diglang.values import Scalar, Sequence
from diglsp import query
from diglsp.workspace import Snapshot


def parents_of(snap: Snapshot) -> dict[int, Task]:
    """The parent task of each task of the workflow, by `id` of the child (memoized)."""
    cached = snap.memo.get("navigation.parents")
    if isinstance(cached, dict):
        return cached
    parents: dict[int, Task] = {}
    wf = snap.document.workflow
    if wf is not None:
        for task in wf.walk_tasks():
            for child in (*task.children, *task.special_tasks):
                parents[id(child)] = task
    snap.memo["navigation.parents"] = parents
    return parents


def after_items(task: Task) -> Iterator[Scalar]:
    """The string items of the task's `_after` (one value or a list)."""
    after = task.after
    items = after.items if isinstance(after, Sequence) else (after,)
    for item in items:
        if isinstance(item, Scalar) and item.is_string:
            yield item


def _sibling(snap: Snapshot, task: Task, name: str) -> Task | None:
    parent = parents_of(snap).get(id(task))
    if parent is None:
        return None
    return next((c for c in parent.children if c.name == name), None)


def after_item_at(snap: Snapshot, offset: int) -> tuple[Scalar, Task | None] | None:
    """The `_after` item at `offset` and the sibling task it names."""
    for task in query.own_tasks(snap):
        if task.after is None or not task.after.span.contains(offset):
            continue
        for item in after_items(task):
            if item.source is snap.source and item.span.contains(offset):
                return item, _sibling(snap, task, item.text.strip())
    return None


def task_at(snap: Snapshot, offset: int) -> Task | None:
    """The `+name` task whose key (or an `_after` item naming it) is at `offset`."""
    for task in query.own_tasks(snap):
        key = task.key
        if key is not None and task.name.startswith("+") and key.span.contains(offset):
            return task
    after = after_item_at(snap, offset)
    return after[1] if after is not None else None


def task_sites(snap: Snapshot, task: Task) -> list[Scalar]:
    """`_after` items of the task's siblings naming it."""
    parent = parents_of(snap).get(id(task))
    if parent is None:
        return []
    return [
        item
        for sibling in parent.children
        if sibling is not task
        for item in after_items(sibling)
        if item.text.strip() == task.name
    ]
