"""Per-task log files of `digrun run`.

Every line a task logs (what its operator printed: echo's message, a script's output, the
retry and error messages of the executor) is appended, secrets masked, to

    <status dir>/logs/<workflow>/<session>/attempt-<N>/<full task name>.log

where `<session>` is Digdag's session directory name (`20240229T000000+0000`) and `N` the
attempt's number within the session (1 for the first `digrun run` of it). Each line starts
with its time: `2024-02-29 10:00:00.123 +0000 hello`. A task that is not executed (resumed
from an earlier attempt) has no file. A full name longer than a file name may be (200
bytes here) is cut and ends with a hash of the whole name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from pathlib import Path
from typing import IO

from digrun.secrets import Masker

MAX_NAME_BYTES = 200


def log_file_name(full_name: str) -> str:
    """The file name of a task's log (`+wf+task.log`)."""
    name = full_name.replace("/", "%2F")
    if name in (".", ".."):
        name = name.replace(".", "%2E")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        digest = hashlib.sha1(full_name.encode("utf-8")).hexdigest()[:12]
        cut = name.encode("utf-8")[: MAX_NAME_BYTES - 13].decode("utf-8", "ignore")
        name = f"{cut}~{digest}"
    return name + ".log"


def timestamp(now: float | None = None) -> str:
    """`2024-02-29 10:00:00.123 +0000` in the local time zone."""
    local = (dt.datetime.now() if now is None else dt.datetime.fromtimestamp(now)).astimezone()
    millis = local.microsecond // 1000
    return f"{local:%Y-%m-%d %H:%M:%S}.{millis:03d} {local:%z}"


class TaskLogs:
    """The log files of one attempt (thread-safe)."""

    def __init__(self, directory: Path, masker: Masker) -> None:
        self.directory = directory
        self.masker = masker
        self._files: dict[str, IO[str]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def attempt_dir(status_dir: Path, workflow: str, session: str, attempt_number: int) -> Path:
        """Where the logs of an attempt go."""
        return status_dir / "logs" / workflow / session / f"attempt-{attempt_number}"

    def path(self, full_name: str) -> Path:
        """The log file of a task."""
        return self.directory / log_file_name(full_name)

    def write(self, full_name: str, line: str) -> None:
        """Append a line (masked, timestamped) to the task's log."""
        text = f"{timestamp()} {self.masker.mask(line)}\n"
        with self._lock:
            handle = self._files.get(full_name)
            if handle is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                handle = self.path(full_name).open("a", encoding="utf-8")
                self._files[full_name] = handle
            handle.write(text)
            handle.flush()

    def close(self, full_name: str) -> None:
        """The task is done: close its file."""
        with self._lock:
            handle = self._files.pop(full_name, None)
        if handle is not None:
            handle.close()

    def close_all(self) -> None:
        """Close every file."""
        with self._lock:
            handles = list(self._files.values())
            self._files.clear()
        for handle in handles:
            handle.close()
