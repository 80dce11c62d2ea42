"""`call>: other.dig` runs another workflow file of the project as this task's `^sub`.

The path is relative to the working directory (`.dig` is added when missing) and must stay in
the project. The called file is loaded with `!include`s; its `_export`, `_error`, `_check`,
`_retry`, `_parallel` and tasks become the `^sub` group (its `timezone` is ignored). A file in
a subdirectory runs there: `_workdir` is exported to its tasks.
"""

from __future__ import annotations

import os

from diglang.parse import parse_file
from diglang.values import to_plain
from digrun.operator import ConfigError, OperatorContext, TaskError, TaskResult


class Call:
    name = "call"
    retry = True
    pure = True  # no effects: a dry run runs it to see what it generates

    def run(self, ctx: OperatorContext) -> TaskResult:
        target = ctx.command
        if not isinstance(target, str) or not target:
            raise ConfigError("Parameter '_command' is required but not set")
        if not target.endswith(".dig"):
            target += ".dig"
        path = ctx.path(target)
        if not path.is_file():
            raise ConfigError(f"File not found: {target}")
        doc = parse_file(str(path))
        errors = [d for d in doc.diagnostics if d.severity.name == "ERROR"]
        if errors or doc.root is None:
            first = errors[0].message if errors else "the file is empty"
            raise TaskError(f"Failed to load {target}: {first}")
        config = to_plain(doc.root)
        if not isinstance(config, dict):
            raise TaskError(f"Failed to load {target}: the top level must be a mapping")
        config = {k: v for k, v in config.items() if k != "timezone"}
        workdir = os.path.relpath(path.parent, ctx.project_dir.resolve())
        if workdir != ".":
            export = dict(config.get("_export") or {})
            own = export.get("_workdir")
            export["_workdir"] = os.path.join(workdir, own) if isinstance(own, str) else workdir
            config["_export"] = export
        return TaskResult(subtask_config=config)


OPERATOR = Call()
