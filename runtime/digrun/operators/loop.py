"""`loop>: N` runs `_do` N times as `+loop-0` … `+loop-(N-1)`, each with `${i}` (0-based).

`count:` takes precedence over the command. Sequential unless the task has `_parallel`
(copied onto the generated group, `{limit: N}` included). More iterations than the task limit:
`Too many loop subtasks. Limit: L`.
"""

from __future__ import annotations

from digrun.operator import ConfigError, OperatorContext, TaskResult
from digrun.operators._common import as_long, body, generated_group, with_export


class Loop:
    name = "loop"
    retry = False
    pure = True  # no effects: a dry run runs it to see what it generates

    def run(self, ctx: OperatorContext) -> TaskResult:
        do = body(ctx)
        raw = ctx.params.get("count", ctx.command)
        if raw is None:
            raise ConfigError("Parameter 'count' is required but not set")
        count = as_long(raw, "count")
        if count > ctx.task_limit:
            raise ConfigError(f"Too many loop subtasks. Limit: {ctx.task_limit}")
        children = {f"+loop-{i}": with_export(do, {"i": i}) for i in range(max(0, count))}
        return TaskResult(subtask_config=generated_group(ctx, children))


OPERATOR = Loop()
