"""`digrun run` as a real process: kill -9 and resume, SIGTERM, terminal and pipe output."""

from __future__ import annotations

import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .cli_helpers import normalize, write

DIGRUN = [sys.executable, "-c", "from digrun.cli import main; main()"]

TASKS_PY = """\
import time
import digdag


def step(name, log_file, pause):
    with open(log_file, "a") as handle:
        handle.write(name + "\\n")
    digdag.env.store({"seen_" + name: name.upper()})
    time.sleep(float(pause))


def check(seen_a, seen_b, seen_c, log_file):
    with open(log_file, "a") as handle:
        handle.write("check " + seen_a + seen_b + seen_c + "\\n")
"""

KILL_DIG = """\
_export:
  log_file: ran.txt
  pause: "0.5"
+a:
  py>: tasks.step
  name: a
+b:
  py>: tasks.step
  name: b
+c:
  py>: tasks.step
  name: c
+d:
  py>: tasks.step
  name: d
+check:
  py>: tasks.check
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGRUN_SECRET_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config-home")
    env.pop("DIGDAG_CONFIG_HOME", None)
    return env


def _wait_for(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_kill_9_then_rerun_executes_no_succeeded_task_and_keeps_stores(
    project: Path, tmp_path: Path
) -> None:
    write(project, {"kill.dig": KILL_DIG, "tasks.py": TASKS_PY})
    ran = project / "ran.txt"
    args = [*DIGRUN, "run", "kill", "--session", "2024-02-29"]
    first = subprocess.Popen(
        args, cwd=project, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # `c` writes its name first, then sleeps: a and b have succeeded, c is running
    _wait_for(lambda: ran.exists() and "c\n" in ran.read_text())
    first.send_signal(signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    db = sqlite3.connect(project / ".digdag/digrun/digrun.sqlite3")
    recorded = db.execute("SELECT full_name FROM results ORDER BY full_name").fetchall()
    assert recorded == [("+kill+a",), ("+kill+b",)]
    assert db.execute("SELECT status, ended FROM attempts").fetchall() == [("running", None)]
    db.close()
    second = subprocess.run(
        args, cwd=project, env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 0, second.stdout + second.stderr
    # c was running when killed: it runs again; a and b never do
    assert ran.read_text() == "a\nb\nc\nc\nd\ncheck ABC\n"
    assert "(session 2024-02-29T00:00:00+00:00, attempt 2)." in second.stderr
    skipped = re.findall(r"\[WARN\] (\S+): skipped", second.stdout)
    assert skipped == ["+kill+a", "+kill+b"]


def test_sigterm_cancels_running_tasks_and_exits_130(project: Path, tmp_path: Path) -> None:
    write(project, {"wf.dig": "+long:\n  sh>: echo begun; sleep 30; echo never >> after.txt\n"})
    process = subprocess.Popen(
        [*DIGRUN, "run", "wf", "--session", "2024-02-29"],
        cwd=project,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "[OUT] +wf+long: begun" in line:
            break
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 130
    assert time.monotonic() - started < 10
    assert process.stderr is not None
    assert "error: interrupted (running tasks were cancelled)" in process.stderr.read()
    assert not (project / "after.txt").exists()
    db = sqlite3.connect(project / ".digdag/digrun/digrun.sqlite3")
    assert db.execute("SELECT status FROM attempts").fetchall() == [("interrupted",)]


def test_pipe_output_is_plain_timestamped_lines(project: Path, tmp_path: Path) -> None:
    write(project, {"wf.dig": "+a:\n  echo>: hello\n+b:\n  sh>: echo from sh\n"})
    done = subprocess.run(
        [*DIGRUN, "run", "wf", "--session", "2024-02-29"],
        cwd=project,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert normalize(done.stdout) == (
        "TS [INFO] +wf: started\n"
        "TS [INFO] +wf+a: started\n"
        "TS [OUT] +wf+a: hello\n"
        "TS [INFO] +wf+a: success (T)\n"
        "TS [INFO] +wf+b: started\n"
        "TS [OUT] +wf+b: from sh\n"
        "TS [INFO] +wf+b: success (T)\n"
        "TS [INFO] +wf: success (T)\n"
    )
    assert "\x1b" not in done.stdout
    assert done.stderr.startswith(
        "Success. Task state is saved at .digdag/digrun (session 2024-02-29T00:00:00+00:00, "
        "attempt 1).\n"
    )


def _run_in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    leader, follower = os.openpty()
    process = subprocess.Popen(
        args, cwd=cwd, env={**env, "TERM": "xterm", "COLUMNS": "80", "LINES": "24"},
        stdin=follower, stdout=follower, stderr=follower, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(30), b"".join(chunks).decode("utf-8", "replace")


def test_terminal_output_redraws_the_tree_in_place(project: Path, tmp_path: Path) -> None:
    write(
        project,
        {
            "wf.dig": (
                "+a:\n  sh>: sleep 0.4; echo hello\n"
                "+g:\n  +b:\n    sh>: sleep 0.3\n  +c:\n    echo>: c\n"
            )
        },
    )
    env = {**_env(tmp_path), "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    code, output = _run_in_terminal([*DIGRUN, "run", "wf", "--session", "2024-02-29"], project, env)
    assert code == 0, output
    assert "\x1b[" in output and "F\x1b[J" in output  # cursor up, clear: redrawn in place
    assert not re.search(r"\x1b\[\d+m", output)  # NO_COLOR: no colours
    assert "+wf+a: hello" in output
    assert re.search(r"  [⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \+a  running \d+\.\ds\r\n", output)
    final = output[output.rindex("\x1b[J") + 3 :].replace("\r\n", "\n")
    final = re.sub(r"\d+\.\ds", "T", final)
    assert final.startswith(
        "+wf+g+c: c\n"
        "✓ +wf  success T\n"
        "  ✓ +a  success T\n"
        "  ✓ +g  success T\n"
        "    ✓ +b  success T\n"
        "    ✓ +c  success T\n"
        "Success. Task state is saved at .digdag/digrun"
    ), final
