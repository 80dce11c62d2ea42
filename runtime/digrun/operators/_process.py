"""Running a child process for `sh>`, `py>` and `rb>`.

The child gets its own process group; stdout and stderr are merged and every line goes to
the task log as soon as it is written. When the task is cancelled (`ctx.cancel`), the whole
group gets SIGTERM, then SIGKILL after a grace period, and the task fails with
`Task was cancelled`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from digrun.operator import CommandError, ConfigError, OperatorContext, TaskError

KILL_GRACE_SECONDS = 5.0
POLL_SECONDS = 0.05


def _pump(stream: IO[bytes], log: Callable[[str], None]) -> None:
    """Forward each line of `stream` to `log` (bytes decoded as UTF-8, broken bytes replaced)."""
    pending = b""
    while True:
        chunk = stream.readline()
        if not chunk:
            break
        pending += chunk
        if pending.endswith(b"\n"):
            log(pending[:-1].decode("utf-8", "replace").removesuffix("\r"))
            pending = b""
    if pending:
        log(pending.decode("utf-8", "replace").removesuffix("\r"))


def _kill_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def run_process(
    ctx: OperatorContext, argv: Sequence[str], cwd: Path, env: Mapping[str, str]
) -> int:
    """Run `argv` in `cwd` with exactly `env`; stream its output to `ctx.log`; its exit code
    (128 + N when a signal N killed it)."""
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ConfigError(f"command not found: `{argv[0]}` (task {ctx.task_name})") from None
    except PermissionError:
        raise CommandError(f"permission denied running `{argv[0]}`") from None
    except ValueError as error:  # an environment value with a NUL byte
        raise ConfigError(f"cannot start `{argv[0]}`: {error}") from None
    assert process.stdout is not None
    pump = threading.Thread(target=_pump, args=(process.stdout, ctx.log), daemon=True)
    pump.start()
    cancelled = False
    while True:
        try:
            code = process.wait(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            if ctx.cancel.is_set() and not cancelled:
                cancelled = True
                _kill_group(process, signal.SIGTERM)
                try:
                    process.wait(timeout=KILL_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    _kill_group(process, signal.SIGKILL)
    # Like Digdag, wait for the end of the output (children left in the background keep the
    # pipe open), but a cancel still ends them.
    while pump.is_alive():
        pump.join(timeout=POLL_SECONDS)
        if ctx.cancel.is_set() and pump.is_alive():
            cancelled = True
            _kill_group(process, signal.SIGKILL)
            pump.join(timeout=1.0)
            break
    process.stdout.close()
    if cancelled:
        raise TaskError("Task was cancelled")
    # Killed by a signal: report it as a shell (and the JVM) would, 128 + signal.
    return 128 - code if code < 0 else code
