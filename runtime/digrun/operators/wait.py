"""`wait>: 10s` waits for a duration (`[Nd][Nh][Nm][Ns]`, spaces allowed) counted from the
task's first run.

By default the task is re-scheduled until the time is up (`poll_interval`, default: the
remaining time), leaving the worker free; `blocking: true` sleeps in the worker instead.
Errors: an unparseable duration, `poll_interval can't be specified with blocking:true`.
"""

from __future__ import annotations

import re
import time

from digrun.operator import ConfigError, OperatorContext, Poll, TaskResult

_DURATION = re.compile(r"\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*")


def parse_duration(text: object, key: str) -> float:
    """Seconds of a Digdag duration string (`1h 30m`, `10s`; a bare number is seconds)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    match = _DURATION.fullmatch(text) if isinstance(text, str) and text.strip() else None
    if match is None or not any(match.groups()):
        raise ConfigError(f"Invalid configuration: {key} must be a duration like 10s or 1h 30m")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


class Wait:
    name = "wait"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        duration = parse_duration(ctx.command, "_command")
        blocking = ctx.params.get("blocking") in (True, "true")
        if blocking and "poll_interval" in ctx.params:
            raise ConfigError("poll_interval can't be specified with blocking:true")
        if blocking:
            ctx.cancel.wait(duration)
            return TaskResult()
        started = ctx.state.get("wait_start")
        now = time.time()
        if not isinstance(started, int | float):
            started = now
        remaining = started + duration - now
        if remaining <= 0:
            return TaskResult()
        interval = remaining
        if "poll_interval" in ctx.params:
            interval = min(remaining, parse_duration(ctx.params["poll_interval"], "poll_interval"))
        raise Poll(max(interval, 0.0), {"wait_start": started})


OPERATOR = Wait()
