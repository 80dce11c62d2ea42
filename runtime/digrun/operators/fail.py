"""`fail>: message` fails the task with exactly that message (the `error.message` an `_error`
handler sees). `_retry` on the task itself has no effect; retry a parent group instead."""

from __future__ import annotations

import json

from digrun.operator import OperatorContext, TaskError, TaskResult


class Fail:
    name = "fail"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        message = ctx.command
        if message is None:
            message = ""
        raise TaskError(message if isinstance(message, str) else json.dumps(message))


OPERATOR = Fail()
