"""`if>: condition` runs `_do` when the condition is true, else `_else_do`.

The condition is a boolean or the string `true`/`false` (usually `${...}`); the chosen body
becomes the `^sub` task itself (an operator task or a group), evaluated only when it runs.
Errors: `Both _do and _else_do are not specified.`, `Expected 'true' or 'false' for key
'_command' but got ...`.
"""

from __future__ import annotations

import json

from digrun.operator import ConfigError, OperatorContext, TaskResult
from digrun.operators._common import body


class If:
    name = "if"
    retry = False
    pure = True  # no effects: a dry run runs it to see what it generates

    def run(self, ctx: OperatorContext) -> TaskResult:
        value = ctx.required("_command")
        if isinstance(value, str) and value.lower() in ("true", "false"):
            condition = value.lower() == "true"
        elif isinstance(value, bool):
            condition = value
        else:
            kind = "string" if isinstance(value, str) else type(value).__name__
            shown = f"{json.dumps(value)} ({kind})"
            raise ConfigError(f"Expected 'true' or 'false' for key '_command' but got {shown}")
        do = body(ctx, "_do", required=False)
        else_do = body(ctx, "_else_do", required=False)
        if not do and not else_do and "_do" not in ctx.params and "_else_do" not in ctx.params:
            raise ConfigError("Both _do and _else_do are not specified.")
        chosen = do if condition else else_do
        return TaskResult(subtask_config=chosen or None)


OPERATOR = If()
