"""`echo>: message` prints the message to the task log (and digrun's output). Always succeeds.

Numbers and booleans are printed as their JSON text; a missing message fails with
`Parameter '_command' is required but not set`.
"""

from __future__ import annotations

import json

from digrun.operator import OperatorContext, TaskResult


class Echo:
    name = "echo"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        message = ctx.required("_command")
        ctx.log(message if isinstance(message, str) else json.dumps(message))
        return TaskResult()


OPERATOR = Echo()
