"""The script `py>` runs in the child interpreter: `python runner.py COMMAND IN OUT`.

It is copied next to `input.json` (so `sys.path[0]` is a scratch directory, as in Digdag)
and must run on any Python 3 the project chooses, so it imports nothing from digrun.

It installs a `digdag` module (and `digdag_env`) before importing the user's code:

* `digdag.env.params`: every param of the task (a dict);
* `digdag.env.store(dict={}, **kw)`: store params for later tasks;
* `digdag.env.export(dict={}, **kw)`: params for the generated subtasks;
* `digdag.env.add_subtask(fn_or_dict=None, **params)`: a `+subtaskN` child, `py>` of the
  function's `module.qualname`;
* `digdag.env.set_state(dict={}, **kw)`: accepted, not persisted (as in Digdag).

`COMMAND` is `module.function`, `module.Class.method` or `module.Class` (method `run`).
Arguments are bound by name from the params (`**kwargs` receives them all); a missing
required one fails with `Method 'X' requires parameter 'p' but not set`. The result goes
to `OUT` as JSON; a failure also writes `error: {class, message, backtrace}` there and
exits with code 1.
"""

from __future__ import annotations

import collections
import inspect
import json
import os
import sys
import traceback
import types
from typing import Any


class Env:
    """`digdag.env`: what the user's code sees of the task."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.subtask_config: dict[str, Any] = collections.OrderedDict()
        self.export_params: dict[str, Any] = {}
        self.store_params: dict[str, Any] = {}
        self.state_params: dict[str, Any] = {}
        self.subtask_index = 0

    def set_state(self, params: dict[str, Any] | None = None, **kwds: Any) -> None:
        """Remember state for a retry (kept for compatibility; digrun does not persist it)."""
        self.state_params.update(params or {})
        self.state_params.update(kwds)

    def export(self, params: dict[str, Any] | None = None, **kwds: Any) -> None:
        """Params visible to this task's generated subtasks."""
        self.export_params.update(params or {})
        self.export_params.update(kwds)

    def store(self, params: dict[str, Any] | None = None, **kwds: Any) -> None:
        """Params visible to every later task."""
        self.store_params.update(params or {})
        self.store_params.update(kwds)

    def add_subtask(self, function: Any = None, **params: Any) -> None:
        """Add `+subtaskN`: a `py>` task calling `function`, or the task config `function`."""
        if function is not None and not isinstance(function, dict):
            config = params
            config["py>"] = ".".join([function.__module__, function.__qualname__])
        elif isinstance(function, dict):
            config = function.copy()
            config.update(params)
        else:
            config = params
        try:
            json.dumps(config)
        except Exception as error:
            raise TypeError(f"Parameters must be serializable using JSON: {error}") from None
        self.subtask_config["+subtask" + str(self.subtask_index)] = config
        self.subtask_index += 1


def install_modules(params: dict[str, Any]) -> Env:
    """Register `digdag` and `digdag_env` in `sys.modules` for the user's imports."""
    env = Env(params)
    env_module = types.ModuleType("digdag_env")
    env_module.__dict__.update(
        params=params,
        subtask_config=env.subtask_config,
        export_params=env.export_params,
        store_params=env.store_params,
        state_params=env.state_params,
    )
    digdag_module = types.ModuleType("digdag")
    digdag_module.__dict__["env"] = env
    sys.modules["digdag_env"] = env_module
    sys.modules["digdag"] = digdag_module
    return env


def import_attribute(module_name: str, attribute: str, shown: str) -> Any:
    """`module_name.attribute`; when the module lacks it, Digdag's AttributeError, which
    names `shown` (the command's last part, also when a class is what is missing)."""
    module = __import__(module_name, fromlist=[attribute])
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise AttributeError(f"Module '{module_name}' has no attribute '{shown}'") from None


def inspect_command(command: str) -> tuple[Any, str | None]:
    """`(callable, None)` for a function, `(class, method name)` for a method or class."""
    fragments = command.split(".")
    method_name = fragments.pop()
    class_type = None
    callable_type = None
    try:
        callable_type = import_attribute(".".join(fragments), method_name, method_name)
    except ImportError:
        class_name = fragments.pop()
        class_type = import_attribute(".".join(fragments), class_name, method_name)
    if type(callable_type) is type:
        class_type = callable_type
        method_name = "run"
    if class_type is not None:
        return class_type, method_name
    return callable_type, None


def bind_arguments(function: Any, exclude_self: bool, params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments for `function` taken by name from `params`."""
    if function is object.__init__:
        return {}
    spec = inspect.getfullargspec(function)
    args: dict[str, Any] = {}
    required = len(spec.args) - len(spec.defaults or ())
    for index, key in enumerate(spec.args):
        if exclude_self and index == 0:
            continue
        if key in params:
            args[key] = params[key]
        elif index < required:
            name = getattr(function, "__qualname__", getattr(function, "__name__", "?"))
            raise TypeError(f"Method '{name}' requires parameter '{key}' but not set")
    return params if spec.varkw else args


def call(command: str, params: dict[str, Any]) -> Any:
    """Import and call the command with its arguments bound from `params`."""
    callable_type, method_name = inspect_command(command)
    if method_name:
        instance = callable_type(**bind_arguments(callable_type.__init__, True, params))
        method = getattr(instance, method_name)
        return method(**bind_arguments(method, True, params))
    return callable_type(**bind_arguments(callable_type, False, params))


def main(argv: list[str]) -> int:
    """Run `argv = [command, in_file, out_file]`; 0 on success, 1 after writing the error."""
    command, in_file, out_file = argv
    with open(in_file, encoding="utf-8") as handle:
        params = json.load(handle)["params"]
    env = install_modules(params)
    sys.path.append(os.path.abspath(os.getcwd()))
    error: dict[str, Any] | None = None
    try:
        call(command, params)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
        error = {
            "class": "Exception",
            "message": f"Failed to call python command with code:{code} Possible cause: "
            "Invalid python module call, duplicate module name with standard library",
            "backtrace": traceback.format_exc().splitlines(),
        }
    except Exception as exc:
        error = {
            "class": type(exc).__name__,
            "message": str(exc),
            "backtrace": traceback.format_exc().splitlines(),
        }
        traceback.print_exc()
    out: dict[str, Any] = {
        "subtask_config": env.subtask_config,
        "export_params": env.export_params,
        "store_params": env.store_params,
    }
    if error is not None:
        out["error"] = error
    with open(out_file, "w", encoding="utf-8") as handle:
        json.dump(out, handle)
    return 1 if error is not None else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
