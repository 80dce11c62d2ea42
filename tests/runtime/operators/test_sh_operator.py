"""`sh>`: script file, environment, shell, exit codes, secrets, streaming and cancel."""

from __future__ import annotations

import os
import threading
import time

import pytest

from digrun.operator import CommandError, ConfigError, TaskError, TaskResult
from digrun.operators.sh import OPERATOR as SH

from .op_harness import Harness


def test_runs_in_workdir_and_logs_each_line(harness: Harness) -> None:
    (harness.project / "sub").mkdir()
    result = SH.run(harness.ctx("sh", "pwd; echo one; echo two >&2", workdir="sub"))
    assert result == TaskResult()
    assert harness.lines == [str(harness.project / "sub"), "one", "two"]


def test_params_are_environment_variables(harness: Harness) -> None:
    params = {
        "name": "x y",
        "count": 3,
        "flag": True,
        "nested": {"a": "exported", "b": 1},
        "items": [1, "two"],
        "nothing": None,
        "not-valid": "skipped",
        "session_date": "2024-02-29",
    }
    script = (
        'for v in name count flag nested items nothing session_date; do eval echo "$v=\\$$v"; done'
    )
    SH.run(harness.ctx("sh", script, params))
    assert harness.lines == [
        "name=x y",
        "count=3",
        "flag=true",
        'nested={"a":"exported","b":1}',
        'items=[1,"two"]',
        "nothing=null",
        "session_date=2024-02-29",
    ]


def test_invalid_names_are_not_exported(harness: Harness) -> None:
    SH.run(harness.ctx("sh", 'env | grep -c "^not-valid=" || true', {"not-valid": "x"}))
    assert harness.lines == ["0"]


def test_env_entries_override_params_and_resolve_secrets(harness: Harness) -> None:
    params = {"A": "param", "_env": {"A": "env", "TOKEN": "t-${secret:api.token}", "N": 5}}
    ctx = harness.ctx("sh", 'echo "$A $TOKEN $N"', params, secrets={"api.token": "s3cr3t"})
    SH.run(ctx)
    assert harness.lines == ["env t-s3cr3t 5"]


def test_invalid_env_key(harness: Harness) -> None:
    with pytest.raises(ConfigError, match=r"^Invalid _env key name: 1BAD$"):
        SH.run(harness.ctx("sh", "true", {"_env": {"1BAD": "x"}}))


def test_secret_in_script(harness: Harness) -> None:
    SH.run(harness.ctx("sh", "echo '${secret:db.pass}'", secrets={"db.pass": "pw$1"}))
    assert harness.lines == ["pw$1"]


def test_missing_secret(harness: Harness) -> None:
    with pytest.raises(ConfigError) as error:
        SH.run(harness.ctx("sh", "echo ${secret:nope}"))
    assert error.value.message() == "Secret not found for key: 'nope' (config)"


def test_invalid_parametrization(harness: Harness) -> None:
    with pytest.raises(ConfigError, match=r"^Invalid parametrization: '\$\{HOME:-x\}'$"):
        SH.run(harness.ctx("sh", "echo ${HOME:-x}"))


def test_nonzero_exit_fails(harness: Harness) -> None:
    with pytest.raises(CommandError) as error:
        SH.run(harness.ctx("sh", "echo before; exit 3"))
    assert error.value.message() == "Command failed with code 3 (runtime)"
    assert harness.lines == ["before"]


def test_script_is_a_file_run_by_the_shell(harness: Harness) -> None:
    SH.run(harness.ctx("sh", 'echo "$0"'))
    (script,) = harness.lines
    assert script.startswith(".digdag/tmp/digdag-sh-") and script.endswith("/runner.sh")
    assert not (harness.project / script).exists()  # removed afterwards


def test_shell_param_and_namespace_default(harness: Harness) -> None:
    SH.run(harness.ctx("sh", 'test -n "$BASH_VERSION" && echo bash', {"shell": ["/bin/bash"]}))
    SH.run(harness.ctx("sh", "echo $0", {"sh": {"shell": ["/bin/bash", "-e"]}}))
    assert harness.lines[0] == "bash"
    assert harness.lines[1].endswith("runner.sh")


def test_local_shell_beats_namespace(harness: Harness) -> None:
    params = {"shell": ["/bin/sh", "-c", "echo local"], "sh": {"shell": ["/bin/false"]}}
    SH.run(harness.ctx("sh", "ignored", params))
    assert harness.lines == ["local"]


def test_workdir_is_appended_to_path(harness: Harness) -> None:
    harness.write("bin/hello", "#!/bin/sh\necho hello from bin\n").chmod(0o755)
    SH.run(harness.ctx("sh", "bin/hello; echo $PATH"))
    assert harness.lines[0] == "hello from bin"
    assert harness.lines[1].endswith(os.pathsep + str(harness.project))


def test_parent_environment_is_inherited(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGRUN_TEST_INHERITED", "yes")
    SH.run(harness.ctx("sh", "echo $DIGRUN_TEST_INHERITED"))
    assert harness.lines == ["yes"]


def test_dry_run_runs_nothing(harness: Harness) -> None:
    marker = harness.project / "ran"
    assert SH.run(harness.ctx("sh", f"touch {marker}", dry_run=True)) == TaskResult()
    assert not marker.exists()


def test_output_is_streamed_as_it_comes(harness: Harness) -> None:
    seen: list[tuple[str, float]] = []
    ctx = harness.ctx("sh", "echo first; sleep 0.5; echo second")
    ctx.log = lambda line: seen.append((line, time.monotonic()))
    SH.run(ctx)
    (first, t1), (second, t2) = seen
    assert (first, second) == ("first", "second")
    assert t2 - t1 >= 0.4


def test_cancel_kills_the_process_group(harness: Harness) -> None:
    marker = harness.project / "survived"
    ctx = harness.ctx("sh", f"(sleep 1; touch {marker}) & sleep 30")
    timer = threading.Timer(0.3, ctx.cancel.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(TaskError, match=r"^Task was cancelled$"):
        SH.run(ctx)
    assert time.monotonic() - started < 5
    time.sleep(1.2)
    assert not marker.exists()


def test_signal_exit_code(harness: Harness) -> None:
    with pytest.raises(CommandError, match=r"^Command failed with code 137$"):
        SH.run(harness.ctx("sh", "kill -9 $$"))


def test_invalid_utf8_output_is_replaced(harness: Harness) -> None:
    SH.run(harness.ctx("sh", r"printf 'a\377b\n'; printf 'no newline'"))
    assert harness.lines == ["a\ufffdb", "no newline"]
