"""`for_range>: {from, to, step | slices}` runs `_do` once per chunk of [from, to).

Each copy is `+range-from=<a>&to=<b>` and exports `range: {from, to, index}`. Errors are
Digdag's: both or neither of step/slices, step/slices below 1, more chunks than the task limit.
"""

from __future__ import annotations

from digrun.operator import ConfigError, OperatorContext, TaskResult
from digrun.operators._common import as_long, body, generated_group, nested, with_export


class ForRange:
    name = "for_range"
    retry = False
    pure = True  # no effects: a dry run runs it to see what it generates

    def run(self, ctx: OperatorContext) -> TaskResult:
        do = body(ctx)
        config = nested(ctx)
        start = as_long(config.get("from"), "from")
        end = as_long(config.get("to"), "to")
        step = config.get("step")
        slices = config.get("slices")
        if step is not None and slices is not None:
            raise ConfigError("Setting both step and slices options to for_range is invalid")
        if step is None and slices is None:
            raise ConfigError("step or slices option is required for for_range")
        if step is not None:
            size = as_long(step, "step")
            if size <= 0:
                raise ConfigError(f"step option must be same or greater than 1 but got {size}")
        else:
            count = as_long(slices, "slices")
            if count <= 0:
                raise ConfigError(f"slices option must be same or greater than 1 but got {count}")
            size = (end - start + (count - 1)) // count
            if size <= 0:
                size = 1
        children = {}
        index = 0
        for position in range(start, end, size):
            upper = min(position + size, end)
            export = {"range": {"from": position, "to": upper, "index": index}}
            children[f"+range-from={position}&to={upper}"] = with_export(do, export)
            index += 1
        if index > ctx.task_limit:
            raise ConfigError(f"Too many for_range subtasks ({index}). Limit: {ctx.task_limit}")
        return TaskResult(subtask_config=generated_group(ctx, children))


OPERATOR = ForRange()
