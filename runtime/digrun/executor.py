"""Run an attempt: Digdag's `WorkflowExecutor` and `OperatorManager`, in one process.

The root group starts at once. A task starts when its parent is running its children and
every upstream sibling succeeded (a failed upstream leaves its downstream blocked forever).
Groups run their children; operator tasks are dispatched to worker threads: parameters are
merged and evaluated (`params.py`), the operator runs, and its result can generate a `^sub`
child (and `^check` after it). A failure is retried when `_retry` allows (the operator again
for retry-aware operators, the whole group for groups), then the task's `_error` runs as its
`^error` child with the `error` object, and the failure climbs to the parent. The attempt
succeeds when the root does.

Events go to a `Listener` (progress display, logs, state store). Nothing here prints.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from digrun import params as P
from digrun.compile import CompileError, TaskDef, compile_task, parallel_of
from digrun.failures import error_message, error_object, is_eval_error, retry_delay
from digrun.js import EvalError
from digrun.operator import (
    ConfigError,
    Operator,
    OperatorContext,
    Poll,
    Secrets,
    Session,
    TaskError,
    TaskResult,
)
from digrun.tree import RTask, State, subtree_updates, upstream_updates

JSON = Any
Render = Callable[[str, dict[str, JSON]], str]
DEFAULT_TASK_LIMIT = 1000  # Digdag's executor.task_max_run


class Listener(Protocol):
    """Receives what happens. `task_changed` is called from the executor's thread,
    `task_log` from worker threads too (and from a nested executor for `require>`): an
    implementation must be thread-safe."""

    def task_changed(self, task: RTask) -> None:
        """`task` changed state."""

    def task_log(self, task: RTask, line: str) -> None:
        """A line of `task`'s output."""


class NoSecrets:
    """No secrets at all."""

    def get(self, key: str) -> str | None:
        return None


@dataclass
class Attempt:
    """How to run: the project, the session, params, limits, and the world outside."""

    project_dir: Path
    session: Session
    operators: Callable[[str], Operator | None]
    render: Callable[[str, dict[str, JSON], str], str]  # (text, params, timezone) -> text
    params: dict[str, JSON] = field(default_factory=dict)  # -p / -P (lowest priority)
    last_session: datetime | None = None  # when the workflow has a schedule
    next_session: datetime | None = None
    secrets: Secrets = field(default_factory=NoSecrets)
    max_threads: int = 32
    task_limit: int = DEFAULT_TASK_LIMIT
    dry_run: bool = False
    listener: Listener | None = None
    # a task that already succeeded in an earlier run of this session: its recorded result
    resume: Callable[[str], TaskResult | None] = lambda full_name: None
    # `require>`: (workflow name, session time, params) -> whether that session succeeded
    require: Callable[[str, str, dict[str, JSON]], bool] | None = None
    # `sla:` — when it triggers (if the attempt still runs then) and what it runs (§11.5)
    sla_at: datetime | None = None
    sla: SlaTasks | None = None


@dataclass
class SlaTasks:
    """What a triggered `sla:` adds to the root: `^sla^alert`, `^sla^fail`, `^sla`."""

    alert: bool = True
    fail: bool = False
    tasks: dict[str, JSON] = field(default_factory=dict)  # the other keys, a group config


_SLA = -1  # the timer entry of the SLA (task ids are >= 0)


@dataclass
class Done:
    """An operator finished (in a worker thread)."""

    task: RTask
    result: TaskResult | None = None
    error: BaseException | None = None
    poll: Poll | None = None
    params: dict[str, JSON] = field(default_factory=dict)


class Executor:
    """Runs one attempt of one workflow definition."""

    def __init__(self, attempt: Attempt, name: str, definition: TaskDef) -> None:
        self.attempt = attempt
        self.tasks: list[RTask] = []
        self.done: queue.Queue[Done] = queue.Queue()
        self.timers: list[tuple[float, int, RTask]] = []
        self.running = 0
        self.ready: list[tuple[int, RTask]] = []  # a heap: ready tasks go in id order
        self.pool = ThreadPoolExecutor(max_workers=max(1, attempt.max_threads))
        self.root = self._instantiate(definition, "+" + name, None)
        self.cancel = threading.Event()

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> RTask:
        """Run to the end; the root task tells how it went."""
        try:
            sla_at = self.attempt.sla_at
            if sla_at is not None and self.attempt.sla is not None:
                delay = (sla_at - datetime.now(sla_at.tzinfo)).total_seconds()
                self.timers.append((time.monotonic() + max(0.0, delay), _SLA, self.root))
            self._start(self.root)
            while not self.root.state.done:
                self._dispatch()
                timeout = None
                if self.timers:
                    timeout = max(0.0, min(t for t, _, _ in self.timers) - time.monotonic())
                try:
                    done = self.done.get(timeout=timeout)
                except queue.Empty:
                    self._fire_timers()
                    continue
                self.running -= 1
                self._finished(done)
                self._fire_timers()
        finally:
            self.cancel.set()
            self.pool.shutdown(wait=True)
        return self.root

    def _fire_timers(self) -> None:
        now = time.monotonic()
        due = [entry for entry in self.timers if entry[0] <= now]
        self.timers = [entry for entry in self.timers if entry[0] > now]
        for _, seq, task in sorted(due, key=lambda e: e[1]):
            if seq == _SLA:
                self._sla_missed()
            elif task.state is State.RETRY_WAITING:
                self._ready(task)
            elif task.state is State.GROUP_RETRY_WAITING:
                self._retry_group(task)

    def _ready(self, task: RTask) -> None:
        self._set(task, State.READY)
        heapq.heappush(self.ready, (task.id, task))

    def _dispatch(self) -> None:
        while self.ready and self.running < self.attempt.max_threads:
            _, task = heapq.heappop(self.ready)
            if task.state is not State.READY:
                continue
            self._set(task, State.RUNNING)
            self.running += 1
            self.pool.submit(self._run_operator, task)

    # -- tree -------------------------------------------------------------------------------
    def _instantiate(self, definition: TaskDef, full_name: str, parent: RTask | None) -> RTask:
        task = RTask(len(self.tasks), definition.name, full_name, parent, definition)
        self.tasks.append(task)
        self._instantiate_children(task)
        return task

    def _instantiate_children(self, task: RTask) -> None:
        """Fresh tasks for the static children of `task`, with their dependencies."""
        definitions = task.definition.children
        task.children = [
            self._instantiate(child_def, task.full_name + child_def.name, task)
            for child_def in definitions
        ]
        for child, child_def in zip(task.children, definitions, strict=True):
            child.upstreams = [task.children[i] for i in child_def.upstreams]
            for up in child.upstreams:
                up.downstreams.append(child)
            child.waiting_upstreams = len(child.upstreams)
        task.unfinished = len(task.children)

    def _add_child(
        self, parent: RTask, definition: TaskDef, after: RTask | None = None, *, limit: bool = True
    ) -> RTask:
        count = definition.count()
        if limit and len(self.tasks) + count > self.attempt.task_limit:
            raise TaskError(
                f"Too many tasks. Limit: {self.attempt.task_limit}, Current: {len(self.tasks)}, "
                f"Adding: {count}"
            )
        child = self._instantiate(definition, parent.full_name + definition.name, parent)
        if after is not None:
            child.upstreams = [after]
            after.downstreams.append(child)
            child.waiting_upstreams = 0 if after.state is State.SUCCESS else 1
        parent.children.append(child)
        parent.unfinished += 1
        return child

    def _start(self, task: RTask) -> None:
        """`task`'s turn: its parent runs its children and its upstreams succeeded."""
        if task.operator:
            resumed = self.attempt.resume(task.full_name)
            task.started = time.time()
            if resumed is not None:
                self._set(task, State.RUNNING)
                self.running += 1
                self.done.put(Done(task, result=resumed))
                return
            self._ready(task)
            return
        task.started = time.time()
        self._set(task, State.PLANNED)
        self._run_children(task)

    def _run_children(self, task: RTask) -> None:
        if task.unfinished == 0:
            self._children_done(task)
            return
        for child in list(task.children):
            if child.state is State.BLOCKED and child.waiting_upstreams == 0 and not child.dead:
                self._start(child)

    def _sla_missed(self) -> None:
        """The SLA time came while the attempt still runs: add the SLA tasks to the root."""
        sla, root = self.attempt.sla, self.root
        if sla is None or root.state is not State.PLANNED or root.failing:
            return
        added: list[TaskDef] = []
        if sla.alert:
            alert = {"_type": "notify", "_command": "SLA violation"}
            added.append(compile_task("^sla^alert", alert))
        if sla.fail:
            added.append(compile_task("^sla^fail", {"_type": "fail", "_command": "SLA violation"}))
        try:
            if sla.tasks:
                added.append(compile_task("^sla", sla.tasks, root.full_name + "^sla"))
        except CompileError as exc:
            self._log(root, f"sla: {exc}")
        for definition in added:
            self._add_child(root, definition, limit=False)
        self._run_children(root)

    # -- operator tasks -----------------------------------------------------------------------
    def _run_operator(self, task: RTask) -> None:
        """In a worker thread: evaluate params and run the operator."""
        evaluated: dict[str, JSON] = {}
        try:
            try:
                evaluated = self._evaluated_params(task)
            except EvalError as exc:
                if not self.attempt.dry_run:
                    raise
                # values stored by stubbed operators do not exist: go on without this task
                self._log(task, f"dry run: not evaluated: {exc}")
                self.done.put(Done(task, result=TaskResult()))
                return
            kind, command = _operator_of(evaluated)
            operator = self.attempt.operators(kind)
            if operator is None:
                raise ConfigError(f"Unknown task type: {kind}")
            ctx = self._context(task, kind, command, evaluated)
            if self.attempt.dry_run and not getattr(operator, "pure", False):
                result = TaskResult()  # a dry run stubs every operator with effects
            else:
                result = operator.run(ctx)
            self.done.put(Done(task, result=result, params=evaluated))
        except Poll as poll:
            self.done.put(Done(task, poll=poll, params=evaluated))
        except BaseException as exc:  # a bug in an operator fails its task, not the run
            self.done.put(Done(task, error=exc, params=evaluated))

    def _context(
        self, task: RTask, kind: str, command: JSON, evaluated: dict[str, JSON]
    ) -> OperatorContext:
        attempt = self.attempt
        workdir = attempt.project_dir
        if isinstance(evaluated.get("_workdir"), str) and evaluated["_workdir"]:
            workdir = attempt.project_dir / evaluated["_workdir"]
        tz = attempt.session.timezone

        def render(text: str) -> str:
            return attempt.render(text, evaluated, tz)

        def log(line: str) -> None:
            listener = attempt.listener
            if listener is not None:
                listener.task_log(task, line)

        secrets = attempt.secrets
        scoped = getattr(secrets, "scoped", None)
        if scoped is not None:  # `_secrets` remaps secret names for this task
            secrets = scoped(evaluated.get("_secrets"))
        return OperatorContext(
            task_name=task.full_name,
            operator=kind,
            params=evaluated,
            command=command,
            project_dir=attempt.project_dir,
            workdir=workdir,
            session=attempt.session,
            secrets=secrets,
            log=log,
            state=dict(task.poll_state),
            retry_count=task.retry_count,
            dry_run=attempt.dry_run,
            task_limit=attempt.task_limit,
            cancel=self.cancel,
            require=attempt.require,
            render=render,
        )

    def params_of(self, task: RTask) -> dict[str, JSON]:
        """The merged, not yet evaluated params of an operator task (§6.1)."""
        params = self._arriving(task)
        params = P.merge(params, self._builtins(task, params))
        local = {k: v for k, v in task.config.items() if k not in ("_export", "_check", "_error")}
        return P.merge(params, local)

    def _arriving(self, task: RTask) -> dict[str, JSON]:
        """What `task` starts from: its parent's params for children, what its upstream
        siblings (and everything below them) stored, and its own `_export`."""
        params = self._after_upstreams(task)
        export = task.config.get("_export")
        return P.merge(params, export) if isinstance(export, dict) else params

    def _after_upstreams(self, task: RTask) -> dict[str, JSON]:
        """The parent's params for children, with what the upstream siblings stored.

        In a sequential chain this is the upstream's own value plus what the upstream's
        subtree stored: each store is applied once, not once per later sibling.
        """
        if task._after_upstreams is not None:
            return task._after_upstreams
        ups = task.upstreams
        if len(ups) == 1:
            params = self._after_upstreams(ups[0])
            for store, reset in subtree_updates(ups[0]):
                params = P.apply_store(params, store, reset)
        else:
            params = self._inherited(task.parent) if task.parent is not None else self._base()
            for store, reset in upstream_updates(task):
                params = P.apply_store(params, store, reset)
        if task.state is not State.BLOCKED:
            task._after_upstreams = params  # its upstreams are done: fixed from now on
        return params

    def _evaluated_params(self, task: RTask) -> dict[str, JSON]:
        tz = self.attempt.session.timezone
        render = self.attempt.render
        return P.evaluate(self.params_of(task), lambda text, scope: render(text, scope, tz))

    def _base(self) -> dict[str, JSON]:
        base = dict(self.attempt.params)
        s = self.attempt
        if s.last_session is not None:
            base["last_session_time"] = P.time_params("last_session", s.last_session)[
                "last_session_time"
            ]
        if s.next_session is not None:
            base["next_session_time"] = P.time_params("next_session", s.next_session)[
                "next_session_time"
            ]
        return base

    def _inherited(self, task: RTask) -> dict[str, JSON]:
        """What `task`'s children start from: its ancestors' and upstreams' params, its own
        export (static and runtime) and its stores."""
        if task._inherited is not None:
            return task._inherited
        params = self._arriving(task)
        if task.export_params:
            params = P.merge(params, task.export_params)
        if task.store is not None:
            params = P.apply_store(params, *task.store)
        if task.state is not State.BLOCKED:
            task._inherited = params  # fixed once the task runs its children
        return params

    def _builtins(self, task: RTask, params: dict[str, JSON]) -> dict[str, JSON]:
        last = _parse_time(params.get("last_session_time"))
        next_ = _parse_time(params.get("next_session_time"))
        return P.builtins(self.attempt.session, task.full_name, last=last, next_=next_)

    # -- results ------------------------------------------------------------------------------
    def _finished(self, done: Done) -> None:
        task = done.task
        if task.state is not State.RUNNING:
            return
        if done.poll is not None:
            task.poll_state = done.poll.state
            self._wait(task, State.RETRY_WAITING, done.poll.interval)
            return
        if done.error is not None:
            self._operator_failed(task, done.error, done.params)
            return
        result = done.result or TaskResult()
        task.result = result
        task.params = done.params or task.params
        task.export_params = dict(result.export_params)
        if result.store_params or result.reset_store_params:
            task.store = (dict(result.store_params), tuple(result.reset_store_params))
        task.poll_state = {}
        try:
            generated = self._generate(task, result, done.params)
        except (CompileError, TaskError) as exc:
            self._operator_failed(task, exc, done.params)
            return
        if generated:
            self._set(task, State.PLANNED)
            self._run_children(task)
        else:
            self._end(task, State.SUCCESS)

    def _generate(self, task: RTask, result: TaskResult, evaluated: dict[str, JSON]) -> bool:
        """Add `^sub` (from the result) and `^check` (from `_check`); True when any."""
        sub = None
        if result.subtask_config:
            definition = compile_task("^sub", result.subtask_config, task.full_name + "^sub")
            sub = self._add_child(task, definition)
        check = task.config.get("_check")
        if isinstance(check, dict | list) and check:
            definition = compile_task("^check", check, task.full_name + "^check")
            self._add_child(task, definition, after=sub)
        return bool(task.children)

    def _operator_failed(
        self, task: RTask, error: BaseException, evaluated: dict[str, JSON]
    ) -> None:
        operator = None
        kind = evaluated.get("_type")
        if isinstance(kind, str):
            operator = self.attempt.operators(kind)
        retryable = not isinstance(error, ConfigError | CompileError) and not is_eval_error(error)
        if retryable and operator is not None and operator.retry:
            try:
                delay = retry_delay(evaluated.get("_retry"), task.retry_count)
            except CompileError as exc:
                delay, error = None, ConfigError(str(exc))
            if delay is not None:
                task.retry_count += 1
                self._log(task, f"retrying in {delay:g}s after: {error_message(error)}")
                self._wait(task, State.RETRY_WAITING, delay)
                return
        task.error = error_object(error)
        self._log(task, error_message(error))
        self._fail(task, task.error)

    def _fail(
        self,
        task: RTask,
        error: dict[str, JSON],
        stores: dict[str, JSON] | None = None,
        *,
        group: bool = False,
    ) -> None:
        """`task` failed: run its `_error` handler (as `^error`) — and for a failed attempt,
        `^failure-alert` first, as Digdag adds — then end in error."""
        final = State.ERROR if task.operator else State.GROUP_ERROR
        handlers: list[TaskDef] = []
        if group and task.parent is None:
            alert = {"_type": "notify", "_command": "Workflow session attempt failed"}
            handlers.append(compile_task("^failure-alert", alert))
        config = task.config.get("_error")
        if isinstance(config, dict | list) and config and not task.failing:
            try:
                handler = compile_task("^error", config, task.full_name + "^error")
            except CompileError as exc:
                self._log(task, f"ignoring _error: {exc}")
            else:
                export = {"error": error, **(stores or {})}
                handler.config = P.merge(handler.config, {"_export": export})
                handlers.append(handler)
        if not handlers or task.failing:
            self._end(task, final)
            return
        task.failing = True
        task.children = [c for c in task.children if c.state.done or c.dead]
        task.unfinished = 0
        for handler in handlers:
            limited = handler.name == "^error"  # the alert is added whatever the limit
            try:
                self._add_child(task, handler, limit=limited)
            except TaskError as exc:
                self._log(task, f"not running {handler.name}: {exc}")
        self._set(task, State.PLANNED)
        self._run_children(task)

    # -- groups -----------------------------------------------------------------------------
    def _children_done(self, task: RTask) -> None:
        """No child of `task` can make progress any more."""
        failed = [c for c in task.children if c.state.failed]
        if task.failing:  # the `^error` handler finished (whatever its outcome)
            self._end(task, State.ERROR if task.operator else State.GROUP_ERROR)
            return
        if not failed:
            self._end(task, State.SUCCESS)
            return
        export = task.config.get("_export")
        inherited = export.get("_retry") if isinstance(export, dict) else None
        retry = task.config.get("_retry", inherited)  # Digdag reads the merged config
        delay = retry_delay(retry, task.group_retries, group=True)
        if delay is not None:
            task.group_retries += 1
            self._wait(task, State.GROUP_RETRY_WAITING, delay)
            return
        errors: dict[str, JSON] = {}
        stores: dict[str, JSON] = {}
        for t in task.walk()[1:]:
            if t.error is not None:
                errors = P.merge(errors, t.error)
            if t.store is not None:
                stores = P.apply_store(stores, *t.store)
        task.error = errors or {"message": "a task failed"}
        self._fail(task, task.error, stores, group=True)

    def _retry_group(self, task: RTask) -> None:
        """Run `task` again: a group with fresh copies of its static children, an operator
        task from its operator."""
        task.children = []
        task.unfinished = 0
        task._inherited = None
        if task.operator:
            task.export_params, task.store, task.error = {}, None, None
            self._ready(task)
            return
        self._instantiate_children(task)
        self._set(task, State.PLANNED)
        self._run_children(task)

    def _end(self, task: RTask, state: State) -> None:
        task.ended = time.time()
        self._set(task, state)
        parent = task.parent
        if state is State.SUCCESS:
            running = parent is not None and parent.state is State.PLANNED
            for down in task.downstreams:
                down.waiting_upstreams -= 1
                ready = down.waiting_upstreams == 0 and down.state is State.BLOCKED
                if ready and not down.dead and running:
                    self._start(down)
        else:
            self._kill_downstreams(task)
        if parent is not None:
            parent.unfinished -= 1
            if parent.unfinished == 0 and parent.state is State.PLANNED:
                self._children_done(parent)

    def _kill_downstreams(self, task: RTask) -> None:
        pending = list(task.downstreams)
        while pending:
            down = pending.pop()
            if down.dead or down.state is not State.BLOCKED:
                continue
            down.dead = True
            if down.parent is not None:
                down.parent.unfinished -= 1
            pending.extend(down.downstreams)

    # -- helpers ------------------------------------------------------------------------------
    def _wait(self, task: RTask, state: State, delay: float) -> None:
        self._set(task, state)
        self.timers.append((time.monotonic() + delay, task.id, task))

    def _set(self, task: RTask, state: State) -> None:
        task.state = state
        listener = self.attempt.listener
        if listener is not None:
            listener.task_changed(task)

    def _log(self, task: RTask, line: str) -> None:
        listener = self.attempt.listener
        if listener is not None:
            listener.task_log(task, line)


def _operator_of(params: dict[str, JSON]) -> tuple[str, JSON]:
    """The operator name and command of evaluated params (`_type` wins over `name>`)."""
    kind = params.get("_type")
    command = params.get("_command")
    for key, value in params.items():
        if isinstance(key, str) and key.endswith(">") and not key.startswith("+"):
            if kind is None:
                kind = key[:-1]
                if "_command" not in params:
                    command = value
            break
    if not isinstance(kind, str) or not kind:
        raise ConfigError("Parameter '_type' is required but not set")
    params["_type"] = kind
    if command is not None:
        params["_command"] = command
    return kind, command


def _parse_time(value: JSON) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def compile_workflow(name: str, config: dict[str, JSON]) -> TaskDef:
    """The workflow's task tree (`name` without `+`); `CompileError` when it is invalid."""
    root_config = {k: v for k, v in config.items() if k not in ("timezone", "schedule", "sla")}
    definition = compile_task("+" + name, root_config, "+" + name)
    parallel_of(root_config.get("_parallel"), compile_time=True)
    return definition
