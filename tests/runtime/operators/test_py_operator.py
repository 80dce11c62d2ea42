"""`py>`: binding, classes, `digdag.env`, errors, interpreter choice."""

from __future__ import annotations

import sys

import pytest

from digrun.operator import CommandError, ConfigError, TaskResult
from digrun.operators.py import OPERATOR as PY

from .op_harness import Harness

TASKS = """
import digdag


def plain(name, count=2):
    print(f"plain {name} {count}")
    digdag.env.store({"seen": name, "n": count})


def everything(name, **kwargs):
    digdag.env.store(keys=sorted(kwargs))


def exporting():
    digdag.env.export({"a": 1}, b=[1, 2])
    digdag.env.store(c={"d": None})


def generate(items):
    for item in items:
        digdag.env.add_subtask(step, item=item)
    digdag.env.add_subtask({"sh>": "echo done"}, extra=True)


def step(item):
    pass


class Job:
    def __init__(self, name):
        self.name = name

    def load(self, table, mode="append"):
        digdag.env.store(loaded=f"{self.name}:{table}:{mode}")

    class Inner:
        def go(self):
            digdag.env.store(inner=True)


class Runner:
    def run(self):
        digdag.env.store(ran="yes")


def needs(table):
    pass


def boom():
    raise ValueError("bad value")


def leave():
    import sys
    sys.exit(4)


def read_params():
    digdag.env.store(task=digdag.env.params["task_name"], wd=__import__("os").getcwd())
"""


@pytest.fixture
def project(harness: Harness) -> Harness:
    harness.write("tasks/__init__.py", "")
    harness.write("tasks/mod.py", TASKS)
    return harness


def test_function_arguments_bound_by_name(project: Harness) -> None:
    result = PY.run(project.ctx("py", "tasks.mod.plain", {"name": "ann", "other": 1}))
    assert result == TaskResult(store_params={"seen": "ann", "n": 2})
    assert project.lines == ["plain ann 2"]


def test_default_overridden_by_param(project: Harness) -> None:
    result = PY.run(project.ctx("py", "tasks.mod.plain", {"name": "ann", "count": 5}))
    assert result.store_params == {"seen": "ann", "n": 5}


def test_kwargs_receive_every_param(project: Harness) -> None:
    result = PY.run(project.ctx("py", "tasks.mod.everything", {"name": "x", "z": 1}))
    assert result.store_params == {"keys": ["_command", "z"]}


def test_export_and_store(project: Harness) -> None:
    result = PY.run(project.ctx("py", "tasks.mod.exporting"))
    assert result == TaskResult(
        export_params={"a": 1, "b": [1, 2]}, store_params={"c": {"d": None}}
    )


def test_add_subtask(project: Harness) -> None:
    result = PY.run(project.ctx("py", "tasks.mod.generate", {"items": ["a", "b"]}))
    assert result.subtask_config == {
        "+subtask0": {"item": "a", "py>": "tasks.mod.step"},
        "+subtask1": {"item": "b", "py>": "tasks.mod.step"},
        "+subtask2": {"sh>": "echo done", "extra": True},
    }
    assert list(result.subtask_config) == ["+subtask0", "+subtask1", "+subtask2"]


def test_class_method_instantiates_with_params(project: Harness) -> None:
    result = PY.run(project.ctx("py", "tasks.mod.Job.load", {"name": "job", "table": "t"}))
    assert result.store_params == {"loaded": "job:t:append"}


def test_nested_class_is_not_supported(project: Harness) -> None:
    # As in Digdag: only `module.Class.method`, one class level.
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "tasks.mod.Job.Inner.go", {}))
    assert str(error.value).endswith(
        "No module named 'tasks.mod.Job'; 'tasks.mod' is not a package (ModuleNotFoundError)"
    )


def test_class_runs_its_run_method(project: Harness) -> None:
    assert PY.run(project.ctx("py", "tasks.mod.Runner")).store_params == {"ran": "yes"}


def test_missing_argument(project: Harness) -> None:
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "tasks.mod.needs"))
    assert error.value.message() == (
        "Python command failed with code 1\n"
        "Error messages from python: Method 'needs' requires parameter 'table' but not set"
        " (TypeError) (runtime)"
    )


def test_missing_constructor_argument(project: Harness) -> None:
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "tasks.mod.Job.load", {"table": "t"}))
    assert str(error.value).endswith(
        "Method 'Job.__init__' requires parameter 'name' but not set (TypeError)"
    )


def test_exception_message_and_traceback_in_log(project: Harness) -> None:
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "tasks.mod.boom"))
    assert str(error.value) == (
        "Python command failed with code 1\nError messages from python: bad value (ValueError)"
    )
    assert project.lines[0] == "Traceback (most recent call last):"
    assert project.lines[-1] == "ValueError: bad value"


def test_missing_module(project: Harness) -> None:
    # Digdag retries `tasks.nothere` as a class of `tasks` and reports that attempt.
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "tasks.nothere.fn"))
    assert str(error.value).endswith("Module 'tasks' has no attribute 'fn' (AttributeError)")
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "nothere.fn"))
    assert str(error.value).endswith("Empty module name (ValueError)")


def test_missing_attribute(project: Harness) -> None:
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "tasks.mod.nothing"))
    assert str(error.value).endswith(
        "Error messages from python: Module 'tasks.mod' has no attribute 'nothing' (AttributeError)"
    )


def test_sys_exit(project: Harness) -> None:
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "tasks.mod.leave"))
    assert str(error.value) == (
        "Python command failed with code 1\nError messages from python: Failed to call python"
        " command with code:4 Possible cause: Invalid python module call, duplicate module"
        " name with standard library (Exception)"
    )


def test_params_and_working_directory(project: Harness) -> None:
    (project.project / "sub").mkdir()
    project.write("sub/local.py", "import digdag, os\ndef f(): digdag.env.store(wd=os.getcwd())")
    result = PY.run(project.ctx("py", "local.f", {"task_name": "+wf+t"}, workdir="sub"))
    assert result.store_params == {"wd": str(project.project / "sub")}
    result = PY.run(project.ctx("py", "tasks.mod.read_params", {"task_name": "+wf+t"}))
    assert result.store_params == {"task": "+wf+t", "wd": str(project.project)}


def test_python_param_and_namespace(project: Harness) -> None:
    project.write("who.py", "import digdag, sys\ndef f(): digdag.env.store(x=sys.flags.optimize)")
    params = {"py": {"python": [sys.executable, "-O"]}}
    assert PY.run(project.ctx("py", "who.f", params)).store_params == {"x": 1}
    params = {"python": sys.executable, "py": {"python": "/nonexistent/python"}}
    assert PY.run(project.ctx("py", "who.f", params)).store_params == {"x": 0}


def test_invalid_python(project: Harness) -> None:
    with pytest.raises(ConfigError, match=r"^Invalid python: 3$"):
        PY.run(project.ctx("py", "who.f", {"python": 3}))


def test_env_and_secrets(project: Harness) -> None:
    project.write("envy.py", "import digdag, os\ndef f():\n    digdag.env.store(v=os.environ['K'])")
    ctx = project.ctx("py", "envy.f", {"_env": {"K": "${secret:k}"}}, secrets={"k": "val"})
    assert PY.run(ctx).store_params == {"v": "val"}


def test_no_output_file(project: Harness) -> None:
    project.write("quit.py", "import os\ndef f():\n    os._exit(0)\n")
    with pytest.raises(CommandError) as error:
        PY.run(project.ctx("py", "quit.f"))
    assert str(error.value) == (
        "output.json does not exist. Something unexpected error happened. Please check logs."
    )


def test_killed_interpreter(project: Harness) -> None:
    project.write("die.py", "import os, signal\ndef f():\n    os.kill(os.getpid(), signal.SIGKILL)")
    with pytest.raises(CommandError, match=r"^Python command failed with code 137$"):
        PY.run(project.ctx("py", "die.f"))


def test_script_param(project: Harness) -> None:
    script = "import json, sys\njson.dump({'store_params': {'s': True}}, open(sys.argv[2], 'w'))"
    assert PY.run(project.ctx("py", None, {"script": script})).store_params == {"s": True}


def test_dry_run(project: Harness) -> None:
    assert PY.run(project.ctx("py", "tasks.mod.boom", dry_run=True)) == TaskResult()
