"""What `digrun run` shows while it runs.

Not a terminal (a pipe, a file, CI): one line per event, stable and greppable:

    2024-02-29 10:00:00.123 +0000 [INFO] +wf+step: started
    2024-02-29 10:00:00.130 +0000 [OUT] +wf+step: hello
    2024-02-29 10:00:00.131 +0000 [INFO] +wf+step: success (0.0s)
    2024-02-29 10:00:00.140 +0000 [ERROR] +wf+bad: error (0.0s)
    2024-02-29 10:00:00.141 +0000 [WARN] +wf+old: skipped (succeeded in an earlier attempt)

(local time; `[OUT]` lines are what the task printed, secrets masked; lifecycle lines are
`started`, `retrying` (a group again), `running generated tasks`, `running _error tasks`,
`retry waiting`, `group retry waiting`, `success`, `error`, `group error`, `canceled`,
`skipped`.)

A terminal: the task tree, redrawn in place at most `FPS` times a second, each task with its
state and duration (finished successful groups folded to one line; when the tree is taller
than the terminal, running and failed tasks and their ancestors are kept first). What tasks
print scrolls above the tree, prefixed by the task name. `NO_COLOR` turns colours off.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import Protocol, TextIO

from digrun.logs import timestamp
from digrun.tree import RTask, State

FPS = 10


class Progress(Protocol):
    """A progress display (thread-safe: `output` comes from worker threads)."""

    def changed(self, task: RTask, *, resumed: bool = False, skipped: bool = False) -> None:
        """`task` changed state (`resumed`: it was replayed from an earlier attempt;
        `skipped`: `--goal`/`--end` leave it out)."""

    def output(self, task: RTask, line: str) -> None:
        """A line `task` printed (already masked)."""

    def message(self, level: str, text: str) -> None:
        """A message of digrun itself (`INFO`, `WARN`, `ERROR`)."""

    def close(self) -> None:
        """The run is over: leave the final picture."""


def duration(task: RTask, now: float | None = None) -> str:
    """`1.2s`, `3m04s`, `1h02m`: how long the task ran (so far)."""
    if task.started is None:
        return ""
    end = task.ended if task.ended is not None else (now or time.time())
    seconds = max(0.0, end - task.started)
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def lifecycle(
    task: RTask, resumed: bool, first: bool, skipped: bool = False
) -> tuple[str, str] | None:
    """The (level, text) of a state change worth a line, or None (`first`: the task's first
    change that is not BLOCKED or READY)."""
    state = task.state
    if skipped:
        return ("WARN", "skipped (out of the --goal/--end range)") if state.done else None
    if resumed and state is State.SUCCESS:
        return "WARN", "skipped (succeeded in an earlier attempt)"
    if state is State.RUNNING:
        return None if resumed else ("INFO", "started")
    if state is State.PLANNED:
        if task.failing:
            return "INFO", "running _error tasks"
        if task.operator:
            return "INFO", "running generated tasks"
        return ("INFO", "started") if first else ("INFO", "retrying")
    if state is State.RETRY_WAITING:
        return "WARN", "retry waiting"
    if state is State.GROUP_RETRY_WAITING:
        return "WARN", "group retry waiting"
    if state is State.SUCCESS:
        return "INFO", f"success ({duration(task)})"
    if state is State.ERROR:
        return "ERROR", f"error ({duration(task)})"
    if state is State.GROUP_ERROR:
        return "ERROR", f"group error ({duration(task)})"
    if state is State.CANCELED:
        return "WARN", "canceled"
    return None


class PlainProgress:
    """Timestamped lines (not a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.seen: set[int] = set()  # id() of the tasks that started

    def _line(self, level: str, text: str) -> None:
        with self.lock:
            self.stream.write(f"{timestamp()} [{level}] {text}\n")
            self.stream.flush()

    def changed(self, task: RTask, *, resumed: bool = False, skipped: bool = False) -> None:
        first = False
        if task.state not in (State.BLOCKED, State.READY) and id(task) not in self.seen:
            self.seen.add(id(task))
            first = True
        event = lifecycle(task, resumed, first, skipped)
        if event is not None:
            self._line(event[0], f"{task.full_name}: {event[1]}")

    def output(self, task: RTask, line: str) -> None:
        self._line("OUT", f"{task.full_name}: {line}")

    def message(self, level: str, text: str) -> None:
        self._line(level, text)

    def close(self) -> None:
        with self.lock:
            self.stream.flush()


# -- the terminal display -------------------------------------------------------------------

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_SYMBOLS = {
    State.BLOCKED: "·",
    State.READY: "○",
    State.RETRY_WAITING: "↻",
    State.GROUP_RETRY_WAITING: "↻",
    State.SUCCESS: "✓",
    State.ERROR: "✗",
    State.GROUP_ERROR: "✗",
    State.CANCELED: "⊘",
}
_ASCII = {
    State.BLOCKED: ".",
    State.READY: "o",
    State.RETRY_WAITING: "r",
    State.GROUP_RETRY_WAITING: "r",
    State.SUCCESS: "+",
    State.ERROR: "x",
    State.GROUP_ERROR: "x",
    State.CANCELED: "-",
}
_COLORS = {
    State.SUCCESS: "32",
    State.ERROR: "31",
    State.GROUP_ERROR: "31",
    State.RUNNING: "33",
    State.PLANNED: "36",
    State.RETRY_WAITING: "35",
    State.GROUP_RETRY_WAITING: "35",
    State.CANCELED: "90",
    State.BLOCKED: "90",
}
_ACTIVE = frozenset(
    {State.READY, State.RUNNING, State.PLANNED, State.RETRY_WAITING, State.GROUP_RETRY_WAITING}
)


class TreeProgress:
    """The task tree, redrawn in place (a terminal)."""

    def __init__(self, stream: TextIO, *, color: bool | None = None) -> None:
        self.stream = stream
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self.unicode = encoding.startswith("utf")
        self.color = ("NO_COLOR" not in os.environ) if color is None else color
        self.lock = threading.Lock()
        self.roots: list[RTask] = []
        self.resumed: set[int] = set()
        self.pending: list[str] = []
        self.height = 0  # lines of the last picture
        self.dirty = threading.Event()
        self.stop = threading.Event()
        self.frame = 0
        self.thread = threading.Thread(target=self._loop, name="digrun-progress", daemon=True)
        self.thread.start()

    # -- events -----------------------------------------------------------------------------
    def changed(self, task: RTask, *, resumed: bool = False, skipped: bool = False) -> None:
        with self.lock:
            if task.parent is None and all(task is not r for r in self.roots):
                self.roots.append(task)
            if (resumed or skipped) and task.state is State.SUCCESS:
                self.resumed.add(id(task))
        self.dirty.set()

    def output(self, task: RTask, line: str) -> None:
        with self.lock:
            self.pending.append(f"{task.full_name}: {line}")
        self.dirty.set()

    def message(self, level: str, text: str) -> None:
        with self.lock:
            self.pending.append(f"{level.lower()}: {text}" if level != "INFO" else text)
        self.dirty.set()

    def close(self) -> None:
        self.stop.set()
        self.dirty.set()
        self.thread.join()
        self._draw(final=True)

    # -- drawing ----------------------------------------------------------------------------
    def _loop(self) -> None:
        interval = 1.0 / FPS
        while not self.stop.is_set():
            self.dirty.wait(timeout=interval * 5)
            if self.stop.is_set():
                break
            self.dirty.clear()
            self._draw()
            self.frame += 1
            time.sleep(interval)

    def _paint(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text

    def _symbol(self, task: RTask) -> str:
        if id(task) in self.resumed:
            return "↷" if self.unicode else ">"
        if task.state in (State.RUNNING, State.PLANNED):
            return _SPINNER[self.frame % len(_SPINNER)] if self.unicode else "*"
        table = _SYMBOLS if self.unicode else _ASCII
        return table.get(task.state, "?")

    def _rows(self, final: bool) -> list[tuple[int, RTask, int]]:
        """(depth, task, priority) in tree order; priority 0 = must show. While running,
        finished successful subtrees are folded; the final picture shows everything."""
        rows: list[tuple[int, RTask, int]] = []

        def visit(task: RTask, depth: int) -> None:
            important = task.state in _ACTIVE or task.state.failed
            rows.append((depth, task, 0 if important or depth == 0 else 1))
            folded = (task.state is State.SUCCESS and not final) or (
                task.state is State.BLOCKED and task.parent is not None
            )
            if not folded:
                for child in task.children:
                    if not child.dead or child.state is not State.BLOCKED:
                        visit(child, depth + 1)

        for root in self.roots:
            visit(root, 0)
        return rows

    def _tree(self, width: int, room: int, now: float, final: bool = False) -> list[str]:
        rows = self._rows(final)
        if len(rows) > room:
            keep: set[int] = set()
            musts = [i for i, row in enumerate(rows) if row[2] == 0]
            for i in musts[-(room - 1) :]:
                keep.add(i)
            # ancestors of kept rows
            index = {id(row[1]): i for i, row in enumerate(rows)}
            for i in list(keep):
                for ancestor in rows[i][1].ancestors():
                    if id(ancestor) in index:
                        keep.add(index[id(ancestor)])
            for i in range(len(rows)):
                if len(keep) >= room - 1:
                    break
                keep.add(i)
            hidden = len(rows) - len(keep)
            rows = [row for i, row in enumerate(rows) if i in keep]
        else:
            hidden = 0
        lines = []
        for depth, task, _ in rows:
            name = task.full_name if depth == 0 else task.name
            state = "skipped" if id(task) in self.resumed else task.state.value
            if task.failing and task.state is State.PLANNED:
                state = "running _error"
            text = f"{'  ' * depth}{self._symbol(task)} {name}  {state} {duration(task, now)}"
            text = text.rstrip()[:width]
            code = "90" if id(task) in self.resumed else _COLORS.get(task.state, "")
            lines.append(self._paint(code, text))
        if hidden:
            lines.append(f"… {hidden} more tasks" if self.unicode else f"... {hidden} more tasks")
        return lines

    def _draw(self, *, final: bool = False) -> None:
        size = shutil.get_terminal_size((100, 30))
        width = max(20, size.columns - 1)
        room = max(3, size.lines - 2)
        with self.lock:
            pending, self.pending = self.pending, []
            tree = self._tree(width, room, time.time(), final)
        out: list[str] = []
        if self.height:
            out.append(f"\x1b[{self.height}F\x1b[J")
        out.extend(line + "\n" for line in pending)
        out.extend(line + "\n" for line in tree)
        self.height = 0 if final else len(tree)
        self.stream.write("".join(out))
        self.stream.flush()


def make_progress(stream: TextIO, *, tty: bool | None = None) -> Progress:
    """`TreeProgress` when `stream` is a terminal (or `tty`), else `PlainProgress`."""
    interactive = stream.isatty() if tty is None else tty
    if interactive and os.environ.get("TERM") != "dumb":
        return TreeProgress(stream)
    return PlainProgress(stream)
