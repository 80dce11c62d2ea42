"""`require>: workflow` makes sure another workflow of the project ran for a session and waits
for it: an attempt of that session that already succeeded is reused (`rerun_on: none`), else it
runs now, in this process. Its failure fails this task unless `ignore_failure: true`.

`session_time` (default: this session's), `params` and `rerun_on` (`none`, `failed`, `all`) are
Digdag's; other projects (`project_id`, `project_name`) do not exist locally.
"""

from __future__ import annotations

from digrun.operator import ConfigError, OperatorContext, TaskError, TaskResult


class Require:
    name = "require"
    retry = True

    def run(self, ctx: OperatorContext) -> TaskResult:
        name = ctx.required("_command")
        if not isinstance(name, str) or not name:
            raise ConfigError("Parameter '_command' must be a workflow name")
        # `project_id` is also a built-in (this project's id, 1): only another one is refused
        if "project_name" in ctx.params or ctx.params.get("project_id", 1) not in (1, "1"):
            raise ConfigError(
                "digrun runs one project: project_id and project_name are not supported"
            )
        rerun_on = ctx.params.get("rerun_on", "none")
        if rerun_on not in ("none", "failed", "all"):
            raise ConfigError(f"invalid rerun_on option:{rerun_on}")
        if ctx.require is None:
            raise ConfigError("require> needs a project to run workflows from")
        session_time = ctx.params.get("session_time")
        params = ctx.params.get("params") or {}
        if not isinstance(params, dict):
            raise ConfigError("Parameter 'params' must be an object")
        ok = ctx.require(name, str(session_time), {"rerun_on": rerun_on, **params})
        if not ok and ctx.params.get("ignore_failure") not in (True, "true"):
            raise TaskError(f"Dependent workflow failed: {name}")
        return TaskResult()


OPERATOR = Require()
