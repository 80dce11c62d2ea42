"""`py>`: call a Python function, method or class of the project.

```yaml
+step:
  py>: tasks.etl.load          # module.function, module.Class.method or module.Class
  table: users                 # bound to a parameter named `table`
  python: [python3, -X, utf8]  # default: the interpreter running digrun
```

As Digdag's `PyOperatorFactory` and its bundled runner: every param (the `py: {...}`
defaults filled in) is written to `input.json` in `<project>/.digdag/tmp/digdag-py-*`
with a copy of the runner (`digrun/operators/py_runner.py`), which the interpreter runs
as `<python...> <runner> <command> <input.json> <output.json>` in the working directory,
with the working directory appended to `sys.path`. The function's arguments are bound by
name from the params (`**kwargs` receives them all); `module.Class.method` instantiates
the class with the params its `__init__` names, `module.Class` calls its `run` method.
The code can `import digdag` and call `digdag.env.store({...})` (params for later tasks),
`digdag.env.export({...})` (for its generated subtasks), `digdag.env.add_subtask(fn,
**params)` or `add_subtask({...config})` (generated `+subtaskN` children), and read
`digdag.env.params`.

Differences from Digdag: the default interpreter is the one running digrun
(`sys.executable`), not the `python` on `PATH`; `docker:` is not supported; output is
unbuffered (`PYTHONUNBUFFERED=1` unless set) so it is logged as it comes; the error
message leaves out the Python backtrace, which is in the task log already.

Errors:
* `Python command failed with code N` + `Error messages from python: <message> (<Class>)`
  (an exception, e.g. `Method 'load' requires parameter 'table' but not set (TypeError)`);
* `Failed to call python command with code:N ... duplicate module name with standard
  library` when the code calls `sys.exit` (often a module named like a standard one);
* `output.json does not exist. Something unexpected error happened. Please check logs.`
* `Invalid python: X` when `python` is neither a string nor a non-empty list of strings.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
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

RUNNER = Path(__file__).with_name("py_runner.py")
OUTPUT_FILE = "output.json"


def error_reason(code: int, output: Path) -> str:
    """Digdag's failure message, with the runner's `error` when it left one."""
    reason = f"Python command failed with code {code}"
    if not output.exists():
        return reason
    detail = runner_error(output)
    if detail is None:
        return (
            reason
            + "\n\tCan't parse output.json. The command failed unexpectedly. Please check logs."
        )
    return reason + "\nError messages from python" + detail


class PyOperator:
    """`py>`: the command is a dotted path to a callable."""

    name = "py"
    retry = True

    def run(self, ctx: OperatorContext) -> TaskResult:
        """Run the callable in a child interpreter and collect what it stored and exported."""
        params = with_defaults(ctx, "py")
        python = interpreter_command(params, "python", [sys.executable])
        if params.get("docker") is not None:
            raise ConfigError("`docker` is not supported by digrun: remove it to run locally")
        command = params.get("_command")
        script = None if command is not None else str(get_str(params, "script"))
        env = dict(os.environ)
        env.update(collect_env(ctx))
        env.setdefault("PYTHONUNBUFFERED", "1")
        if ctx.dry_run:
            return TaskResult()
        tmp = temp_dir(ctx, "digdag-py-")
        try:
            runner, input_path, output_path = (
                tmp / "runner.py",
                tmp / "input.json",
                tmp / OUTPUT_FILE,
            )
            input_path.write_text(json.dumps({"params": params}), encoding="utf-8")
            runner.write_text(
                RUNNER.read_text(encoding="utf-8") if script is None else script, encoding="utf-8"
            )
            paths = [os.path.relpath(p, ctx.workdir) for p in (runner, input_path, output_path)]
            args = (
                [paths[0], str(get_str(params, "_command")), *paths[1:]]
                if script is None
                else paths
            )
            code = run_process(ctx, [*python, *args], ctx.workdir, env)
            if code != 0:
                raise CommandError(error_reason(code, output_path))
            return runner_result(output_path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


OPERATOR = PyOperator()
