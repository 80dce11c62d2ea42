"""`--start`, `--goal` and `--end`: which tasks of a rerun may be resumed, run or skipped.

Digdag's `digdag run` semantics (§12.3), from the static tasks of the workflow:

* "before T" is what a task T would see the stores of: its ancestors' upstream siblings
  (transitively) and everything below them — the same walk as parameter visibility;
* `--start +T`: tasks before T may be resumed from an earlier attempt; T and everything else
  runs again;
* `--goal +T`: tasks before T may be resumed; T and its descendants run; every other task is
  skipped (it succeeds with an empty result);
* `--end +T`: only tasks before T run (or are resumed); T and every later task are skipped.

Skips are decided on static tasks only, so with `--goal`/`--end` generated operator tasks are
skipped too (Digdag does the same). A generated task below a task before T counts as before T.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from digrun.compile import TaskDef
from digrun.subtree import find_task


class Decision(enum.Enum):
    """What happens to one operator task of the rerun."""

    RESUME = "resume"  # replay an earlier success if there is one, else run
    RUN = "run"  # run, even if it succeeded before
    SKIP = "skip"  # succeed at once with an empty result


class RangeError(Exception):
    """Options that cannot be combined (a usage error)."""


def check_options(start: str | None, goal: str | None, end: str | None, rerun_all: bool) -> None:
    """Digdag's invalid combinations."""
    if start and goal:
        raise RangeError("--start and --goal options can't be set at once")
    if goal and end:
        raise RangeError("--goal and --end options can't be set at once")
    if rerun_all and (start or goal):
        raise RangeError("--rerun, --start and --goal options can't be set at once")


def before(root: TaskDef, pattern: str) -> tuple[str, set[str]]:
    """The full name of the task `pattern` names, and the full names of the tasks before it."""
    target, _ = find_task(root, pattern)
    found: set[str] = set()
    node, full = root, root.name
    while full != target:
        child_index = next(i for i, c in enumerate(node.children) if _within(target, full + c.name))
        upstream = _closure(node.children, child_index)
        for i in upstream:
            sibling = node.children[i]
            found.update(_names(sibling, full + sibling.name))
        node = node.children[child_index]
        full += node.name
    return target, found


def _within(full_name: str, ancestor: str) -> bool:
    """True when `full_name` is `ancestor` or below it."""
    return full_name == ancestor or (
        full_name.startswith(ancestor) and full_name[len(ancestor)] in "+^"
    )


def _closure(siblings: list[TaskDef], index: int) -> set[int]:
    done: set[int] = set()
    pending = list(siblings[index].upstreams)
    while pending:
        i = pending.pop()
        if i not in done:
            done.add(i)
            pending.extend(siblings[i].upstreams)
    return done


def _names(task: TaskDef, full: str) -> set[str]:
    names = {full}
    for child in task.children:
        names |= _names(child, full + child.name)
    return names


def plan(
    root: TaskDef, *, start: str | None, goal: str | None, end: str | None
) -> Callable[[str], Decision]:
    """The decision for each operator task (by full name) of a run with these options."""
    pattern = start or goal or end
    if pattern is None:
        return lambda full_name: Decision.RESUME
    target, earlier = before(root, pattern)
    static = _names(root, root.name)

    def is_before(full_name: str) -> bool:
        return full_name.split("^", 1)[0] in earlier  # generated: its static ancestor

    def decide(full_name: str) -> Decision:
        if is_before(full_name):
            return Decision.RESUME
        if start:
            return Decision.RUN
        if goal and full_name in static and _within(full_name, target):
            return Decision.RUN
        return Decision.SKIP

    return decide
