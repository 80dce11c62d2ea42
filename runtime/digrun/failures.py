"""How a task failure is described and when it is retried (Digdag's `RetryControl`).

`retry_delay` reads `_retry`: `N` or `{limit, interval, interval_type: constant|exponential,
max_interval}`; an invalid value fails an operator task but is ignored on a group, as Digdag
does. `error_object` is the task's `error` (`${error.message}` in `_error` handlers):
Digdag's message with its class hint (` (config)`, ` (runtime)`), and a stack trace for
errors that are not expected task failures.
"""

from __future__ import annotations

import traceback
from typing import Any

from digrun.compile import CompileError, as_int
from digrun.js import EvalError
from digrun.operator import TaskError

JSON = Any


def retry_delay(value: JSON, done: int, *, group: bool = False) -> float | None:
    """Seconds to wait before retry number `done + 1`, or None when no retry is left."""
    if value is None:
        return None
    try:
        if isinstance(value, dict):
            limit = as_int(value.get("limit"), "limit")
            interval = as_int(value.get("interval", 0), "interval")
            kind = value.get("interval_type", "constant")
            if kind not in ("constant", "exponential"):
                raise CompileError(f"Invalid retry_interval_type: {kind}")
            max_interval = value.get("max_interval")
        else:
            limit, interval, kind, max_interval = as_int(value, "_retry"), 0, "constant", None
    except CompileError:
        if group:
            return None  # Digdag ignores an invalid `_retry` on a group (with a warning)
        raise
    if done >= limit:
        return None
    delay = float(interval * (2**done if kind == "exponential" else 1))
    if max_interval is not None:
        delay = min(delay, float(as_int(max_interval, "max_interval")))
    return delay


def is_eval_error(error: BaseException) -> bool:
    """A `${...}` that could not be evaluated (fails the task at once, never retried)."""
    return isinstance(error, EvalError)


def error_message(error: BaseException) -> str:
    """The `error.message` of a failure, with Digdag's class hint."""
    if isinstance(error, TaskError):
        return error.message()
    if is_eval_error(error):
        return f"{error} (config)"
    if isinstance(error, CompileError):
        return f"{error} (config)"
    return f"{error} ({type(error).__name__})"


def error_object(error: BaseException) -> dict[str, JSON]:
    """The task's `error` object: the message, and a stack trace for unexpected errors."""
    found: dict[str, JSON] = {"message": error_message(error)}
    if not isinstance(error, TaskError | CompileError) and not is_eval_error(error):
        found["stacktrace"] = "".join(traceback.format_exception(error))
    return found
