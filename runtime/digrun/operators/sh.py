"""`sh>`: run a shell script.

```yaml
+hello:
  sh>: echo "hello ${session_date}" && ./bin/report.sh
  shell: [/bin/bash, -e]      # default: [/bin/sh]; also `_export: {sh: {shell: [...]}}`
  _env:
    TOKEN: ${secret:api.token}
```

As Digdag's `ShOperatorFactory`: the command text (its `${secret:key}` references replaced)
is written to `<project>/.digdag/tmp/digdag-sh-*/runner.sh` and run as
`<shell...> <path of runner.sh relative to the working directory>`, in the working
directory (project + `_workdir`), so `sh>: tasks/x.sh` runs the *line* `tasks/x.sh` (the
file must be executable). The process inherits digrun's environment, plus:

* every param whose name is a valid variable name (`[a-zA-Z_][a-zA-Z_0-9]*`), including
  the `sh: {...}` defaults and built-ins such as `session_date`: strings verbatim, other
  values as compact JSON (`my_params={"a":"x","b":1}`);
* the `_env` entries (secrets allowed; `Invalid _env key name: X`);
* `PATH` with the working directory appended (Digdag computes this but, by a bug, does not
  pass it on; digrun does, as Digdag documents).

Standard output and error are merged and logged line by line as they come. A non-zero
exit fails the task with `Command failed with code N`. `docker:` is not supported (the
task fails with a message saying so). A cancelled task kills the whole process group.
With `--dry-run` nothing runs.
"""

from __future__ import annotations

import os
import shutil

from digrun.operator import CommandError, ConfigError, OperatorContext, TaskResult
from digrun.operators._process import run_process
from digrun.operators._support import (
    collect_env,
    format_secrets,
    get_str,
    get_str_list,
    is_valid_env_key,
    param_env_value,
    temp_dir,
    with_defaults,
)


class ShOperator:
    """`sh>`: the command text as a shell script."""

    name = "sh"
    retry = True

    def run(self, ctx: OperatorContext) -> TaskResult:
        """Run the script; fail with `Command failed with code N` on a non-zero exit."""
        params = with_defaults(ctx, "sh")
        shell = get_str_list(params, "shell") if "shell" in params else ["/bin/sh"]
        if not shell:
            raise ConfigError("Parameter 'shell' must not be empty")
        script = format_secrets(ctx, str(get_str(params, "_command")))
        if params.get("docker") is not None:
            raise ConfigError("`docker` is not supported by digrun: remove it to run locally")
        env = dict(os.environ)
        for key, value in params.items():
            if is_valid_env_key(key):
                env[key] = param_env_value(value)
        env.update(collect_env(ctx))
        if ctx.dry_run:
            return TaskResult()
        env["PATH"] = (
            f"{env['PATH']}{os.pathsep}{ctx.workdir}" if env.get("PATH") else str(ctx.workdir)
        )
        tmp = temp_dir(ctx, "digdag-sh-")
        try:
            runner = tmp / "runner.sh"
            runner.write_text(script, encoding="utf-8")
            relative = os.path.relpath(runner, ctx.workdir)
            code = run_process(ctx, [*shell, relative], ctx.workdir, env)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if code != 0:
            raise CommandError(f"Command failed with code {code}")
        return TaskResult()


OPERATOR = ShOperator()
