"""`rb>`: call a Ruby method of the project (needs `ruby`).

```yaml
_export:
  rb:
    require: tasks/my_tasks      # loads tasks/my_tasks.rb (the working directory is on -I)
+step:
  rb>: MyTasks::Loader.load      # `method`, `Class.method` or `::Mod::Class.method`
  table: users                   # bound to a parameter (or keyword) named `table`
  ruby: [ruby, -W0]              # default: ruby
```

As Digdag's `RbOperatorFactory`: every param (the `rb: {...}` defaults filled in) is
written to `input.json` in `<project>/.digdag/tmp/digdag-rb-*` next to a copy of the
runner (`digrun/operators/rb_runner.rb`), which runs as `<ruby...> -I <workdir> [-r
<require>] -- <runner> <command> <input.json> <output.json>` in the working directory.
`Class.method` calls an instance method when the class has a public one of that name (the
class is created with the params its `initialize` names), else the singleton method;
arguments are bound by name, `**kwargs` receives every param. The code can call
`Digdag.env.store(k: v)` (params for later tasks), `Digdag.env.export(...)` (for the
generated subtasks), `Digdag.env.add_subtask({...})` or `add_subtask(Klass, :method,
params)` (`+subtaskN` children) and read `Digdag.env.params`. `_env` entries (secrets
allowed) are added to the environment.

Errors: `Ruby command failed with code N: <message> (<Class>)`, e.g. `Method
'Loader.load' requires parameter 'table' but not set (ArgumentError)`; without Ruby the
task fails with a message naming it. `docker:` is not supported.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from digrun.operator import CommandError, ConfigError, OperatorContext, TaskResult
from digrun.operators._process import run_process
from digrun.operators._support import (
    collect_env,
    get_str,
    interpreter_command,
    runner_error,
    runner_result,
    temp_dir,
    with_defaults,
)

RUNNER = Path(__file__).with_name("rb_runner.rb")
OUTPUT_FILE = "output.json"


def error_reason(code: int, output: Path) -> str:
    """`Ruby command failed with code N: <message> (<Class>)`."""
    return f"Ruby command failed with code {code}" + (runner_error(output) or "")


class RbOperator:
    """`rb>`: the command names a Ruby method."""

    name = "rb"
    retry = True

    def run(self, ctx: OperatorContext) -> TaskResult:
        """Run the method in a Ruby process and collect what it stored and exported."""
        params = with_defaults(ctx, "rb")
        ruby = interpreter_command(params, "ruby", ["ruby"])
        if params.get("docker") is not None:
            raise ConfigError("`docker` is not supported by digrun: remove it to run locally")
        command = str(get_str(params, "_command"))
        feature = get_str(params, "require", None)
        env = dict(os.environ)
        env.update(collect_env(ctx))
        if shutil.which(ruby[0]) is None:
            raise ConfigError(
                f"task {ctx.task_name}: rb> needs Ruby but `{ruby[0]}` is not installed:"
                " install it (apt-get install ruby) or set `ruby:` to its path"
            )
        if ctx.dry_run:
            return TaskResult()
        tmp = temp_dir(ctx, "digdag-rb-")
        try:
            runner, input_path, output = tmp / "runner.rb", tmp / "input.json", tmp / OUTPUT_FILE
            input_path.write_text(json.dumps({"params": params}), encoding="utf-8")
            shutil.copyfile(RUNNER, runner)
            argv = [*ruby, "-I", str(ctx.workdir)]
            if feature is not None:
                argv += ["-r", str(feature)]
            rel = [os.path.relpath(p, ctx.workdir) for p in (runner, input_path, output)]
            argv += ["--", rel[0], command, rel[1], rel[2]]
            code = run_process(ctx, argv, ctx.workdir, env)
            if code != 0:
                raise CommandError(error_reason(code, output))
            return runner_result(output)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


OPERATOR = RbOperator()
