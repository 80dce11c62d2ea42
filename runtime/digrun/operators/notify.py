"""`notify>: message` sends a notification through the configured notifier; digrun has none
configured (as a local `digdag run` without `notification.type`), so it only logs the
message."""

from __future__ import annotations

from digrun.operator import OperatorContext, TaskResult


class Notify:
    name = "notify"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        ctx.log(f"notification: {ctx.command}")
        return TaskResult()


OPERATOR = Notify()
