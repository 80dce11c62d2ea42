"""Fixtures of the `digrun` command tests: a project folder and test operators."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from digrun import run as run_mod
from digrun.cli import main
from digrun.operator import OperatorContext, TaskError, TaskResult
from digrun.operators import operators

JSON = Any
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4} ", re.MULTILINE)
DURATION = re.compile(r"\(\d+\.\ds\)")


def normalize(text: str) -> str:
    """Output with timestamps and durations replaced (stable for exact comparisons)."""
    return DURATION.sub("(T)", TIMESTAMP.sub("TS ", text))


class Count:
    """`count>: FILE` appends the task's name to FILE (in the project)."""

    name = "count"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        with ctx.path(str(ctx.command)).open("a") as handle:
            handle.write(ctx.task_name + "\n")
        return TaskResult()


class Store:
    """`store>: {k: v}` stores its command."""

    name = "store"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        return TaskResult(store_params=dict(ctx.command))


class Show:
    """`show>: [k1, k2]` logs the JSON of those params (dotted names allowed)."""

    name = "show"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        ctx.log(json.dumps({k: ctx.param(k) for k in ctx.command}, sort_keys=True))
        return TaskResult()


class FailUnless:
    """`fail_unless>: FILE` fails until FILE exists in the project."""

    name = "fail_unless"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        if not ctx.path(str(ctx.command)).exists():
            raise TaskError(f"{ctx.command} is missing")
        return TaskResult()


class Leak:
    """`leak>: KEY` reads the secret KEY, prints it and fails with it in the message."""

    name = "leak"
    retry = False

    def run(self, ctx: OperatorContext) -> TaskResult:
        value = ctx.secrets.get(str(ctx.command))
        ctx.log(f"the secret is {value}")
        raise TaskError(f"refused token {value}")


TEST_OPERATORS = [Count(), Store(), Show(), FailUnless(), Leak()]


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Test operators and no user configuration."""
    known = {**operators(), **{op.name: op for op in TEST_OPERATORS}}
    monkeypatch.setattr(run_mod, "operators", lambda: known)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.delenv("DIGDAG_CONFIG_HOME", raising=False)
    for name in list(__import__("os").environ):
        if name.startswith("DIGRUN_SECRET_"):
            monkeypatch.delenv(name)
    yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder."""
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


Write = Callable[..., Path]


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write `files` (name -> text) into `folder`."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def digrun(project: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """`digrun run ARGS --project PROJECT --session 2024-02-29` in-process."""
    command = list(args)
    if command and command[0] == "run":
        command += ["--project", str(project)]
        if not any(a in ("--session", "-t") for a in command):
            command += ["--session", "2024-02-29"]
    return CliRunner().invoke(main, command, env=env, catch_exceptions=False)
