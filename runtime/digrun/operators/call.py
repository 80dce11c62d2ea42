"""`call>: other.dig` runs another workflow file of the project as this task's `^sub`.

The path is relative to the working directory (`.dig` is added when missing) and must stay in
the project. The called file is loaded with `!include`s; its `_export`, `_error`, `_check`,
`_retry`, `_parallel` and tasks become the `^sub` group (its `timezone` is ignored). A file in
a subdirectory runs there: `_workdir` is exported to its tasks.
"""

from __future__ import annotations

import os

from digrun.operator import ConfigError, OperatorContext, TaskError, TaskResult
from digrun.workflow_file import WorkflowFileError, read_workflow


class Call:
    name = "call"
    retry = True
    pure = True  # no effects: a dry run runs it to see what it generates

    def run(self, ctx: OperatorContext) -> TaskResult:
        target = ctx.command  # http_call> hands over its downloaded file this way
        if target is None:
            raise ConfigError("Parameter '_command' is required but not set")
        if not isinstance(target, str) or not target:
            raise ConfigError("Parameter '_command' must be a workflow file name")
        if not target.endswith(".dig"):
            target += ".dig"
        path = ctx.path(target)
        if not path.is_file():
            raise ConfigError(f"File not found: {target}")
        try:
            _, config = read_workflow(path, target)
        except WorkflowFileError as exc:
            raise TaskError(f"Failed to load {exc}") from None
        config = {k: v for k, v in config.items() if k != "timezone"}
        workdir = os.path.relpath(path.parent, ctx.project_dir.resolve())
        if workdir != ".":
            export = dict(config.get("_export") or {})
            own = export.get("_workdir")
            export["_workdir"] = os.path.join(workdir, own) if isinstance(own, str) else workdir
            config["_export"] = export
        return TaskResult(subtask_config=config)


OPERATOR = Call()
