"""`rb>`: Ruby methods, argument binding, `Digdag.env`, errors (skipped without Ruby)."""

from __future__ import annotations

import shutil

import pytest

from digrun.operator import CommandError, ConfigError, TaskResult
from digrun.operators.rb import OPERATOR as RB

from .op_harness import Harness

needs_ruby = pytest.mark.skipif(shutil.which("ruby") is None, reason="ruby is not installed")

TASKS = """
def top_level(name)
  puts "top #{name}"
  Digdag.env.store(seen: name)
end

module MyTasks
  class Loader
    def initialize(table, mode: 'append')
      @table = table
      @mode = mode
    end

    def load(extra = 'x')
      Digdag.env.store(loaded: "#{@table}:#{@mode}:#{extra}")
      Digdag.env.export('a' => 1)
    end

    def self.generate(items)
      items.each { |i| Digdag.env.add_subtask(MyTasks::Loader, :load, 'table' => i) }
      Digdag.env.add_subtask('sh>' => 'echo done')
    end

    def self.kw(**all)
      Digdag.env.store(keys: all.keys.map(&:to_s).sort)
    end

    def self.fail_hard
      raise IOError, 'disk on fire'
    end
  end
end
"""


@pytest.fixture
def project(harness: Harness) -> Harness:
    harness.write("tasks/my_tasks.rb", TASKS)
    return harness


def run(project: Harness, command: str, **params: object) -> TaskResult:
    values = {"rb": {"require": "tasks/my_tasks"}, **params}
    return RB.run(project.ctx("rb", command, values))


@needs_ruby
def test_top_level_method(project: Harness) -> None:
    assert run(project, "top_level", name="ann") == TaskResult(store_params={"seen": "ann"})
    assert project.lines == ["top ann"]


@needs_ruby
def test_instance_method_with_constructor_params(project: Harness) -> None:
    result = run(project, "MyTasks::Loader.load", table="t", mode="replace")
    assert result == TaskResult(store_params={"loaded": "t:replace:x"}, export_params={"a": 1})


@needs_ruby
def test_add_subtask(project: Harness) -> None:
    result = run(project, "::MyTasks::Loader.generate", items=["a", "b"])
    assert result.subtask_config == {
        "+subtask0": {"table": "a", "rb>": "MyTasks::Loader.load"},
        "+subtask1": {"table": "b", "rb>": "MyTasks::Loader.load"},
        "+subtask2": {"sh>": "echo done"},
    }


@needs_ruby
def test_keyrest_receives_every_param(project: Harness) -> None:
    result = run(project, "MyTasks::Loader.kw", z=1)
    assert result.store_params == {"keys": ["_command", "rb", "require", "z"]}


@needs_ruby
def test_missing_parameter(project: Harness) -> None:
    with pytest.raises(CommandError) as error:
        run(project, "MyTasks::Loader.load")
    assert str(error.value) == (
        "Ruby command failed with code 1: Method 'MyTasks::Loader.new' requires parameter"
        " 'table' but not set (ArgumentError)"
    )


@needs_ruby
def test_exception(project: Harness) -> None:
    with pytest.raises(CommandError) as error:
        run(project, "MyTasks::Loader.fail_hard")
    assert error.value.message() == (
        "Ruby command failed with code 1: disk on fire (IOError) (runtime)"
    )
    assert project.lines[0] == "IOError: disk on fire"


@needs_ruby
def test_unknown_constant(project: Harness) -> None:
    with pytest.raises(CommandError, match=r"uninitialized constant Nope \(NameError\)$"):
        run(project, "Nope.run")


def test_without_ruby(harness: Harness) -> None:
    with pytest.raises(ConfigError) as error:
        RB.run(harness.ctx("rb", "x", {"ruby": "/nonexistent/ruby"}))
    assert str(error.value) == (
        "task +wf+rb: rb> needs Ruby but `/nonexistent/ruby` is not installed: install it"
        " (apt-get install ruby) or set `ruby:` to its path"
    )
