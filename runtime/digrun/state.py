"""Session state of `digrun run`, in an embedded SQLite database, so that a rerun resumes.

The database is `<status dir>/digrun.sqlite3` (the status dir is `<project>/.digdag/digrun`
unless `--status-dir` says otherwise). A *session* is a workflow and a session time; each
`digrun run` of it is an *attempt*. For every attempt the database keeps every task's state
(with start and end times and the error object, masked), and for every operator task that
ended in SUCCESS its `TaskResult` (generated subtask config, export and store params, reset
keys) as JSON, as Digdag's `.digdag/status/<session>/<task>.yml` files do.

Resuming (Digdag's resume state): a new attempt of a session looks up the results recorded by
the session's *earlier* attempts; an operator task with a recorded success is not executed,
its result is replayed (its `^sub` is generated again, its stores reach later tasks). Results
recorded during the attempt itself are not used by it (a group retry reruns its tasks).
`digrun run -a` ignores the recorded results (and still records new ones).

Durability: the database is in WAL mode and every state change is its own transaction (a
task's SUCCESS and its result together). A task that ends is committed with
`synchronous=FULL` (synced to disk); the other changes (ready, running...) with `NORMAL`
(safe from a crash of digrun, not of the machine). So a `kill -9` (or a power loss) loses at
most the tasks that were running: a rerun executes no task whose success was recorded and
loses no stored params.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digrun.operator import TaskResult

JSON = Any
DB_NAME = "digrun.sqlite3"
DEFAULT_STATUS_DIR = Path(".digdag") / "digrun"
_DONE_STATES = frozenset({"success", "error", "group_error", "canceled"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    workflow TEXT NOT NULL,
    session_time TEXT NOT NULL,      -- yyyy-MM-ddTHH:mm:ss+hh:mm in the workflow's zone
    session_uuid TEXT NOT NULL,
    created REAL NOT NULL,
    UNIQUE (workflow, session_time)
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    started REAL NOT NULL,
    ended REAL,
    status TEXT NOT NULL,            -- running, success, error, interrupted
    params TEXT NOT NULL,            -- the -p / -P params, JSON
    pid INTEGER NOT NULL,
    dry_run INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    attempt_id INTEGER NOT NULL REFERENCES attempts (id),
    task_id INTEGER NOT NULL,        -- the executor's id: creation order
    full_name TEXT NOT NULL,
    state TEXT NOT NULL,
    started REAL,
    ended REAL,
    error TEXT,                      -- the error object, JSON, secrets masked
    resumed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (attempt_id, task_id)
);
CREATE TABLE IF NOT EXISTS results (
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    full_name TEXT NOT NULL,
    attempt_id INTEGER NOT NULL,
    result TEXT NOT NULL,            -- TaskResult, JSON
    PRIMARY KEY (session_id, full_name)
);
"""


class StateError(Exception):
    """The state database cannot be opened or written."""


def session_text(when: dt.datetime) -> str:
    """How a session time is stored and shown: `2024-02-29T00:00:00+00:00`."""
    return when.isoformat(timespec="seconds")


def session_dirname(when: dt.datetime) -> str:
    """Digdag's session directory name: `20240229T000000+0000`."""
    return when.strftime("%Y%m%dT%H%M%S%z")


def result_to_json(result: TaskResult) -> str:
    """A `TaskResult` as JSON text."""
    return json.dumps(
        {
            "subtask_config": result.subtask_config,
            "export_params": result.export_params,
            "store_params": result.store_params,
            "reset_store_params": list(result.reset_store_params),
        },
        ensure_ascii=False,
        default=str,
    )


def result_from_json(text: str) -> TaskResult:
    """The `TaskResult` of `result_to_json`."""
    data = json.loads(text)
    return TaskResult(
        subtask_config=data.get("subtask_config"),
        export_params=dict(data.get("export_params") or {}),
        store_params=dict(data.get("store_params") or {}),
        reset_store_params=list(data.get("reset_store_params") or []),
    )


@dataclass
class SessionRecord:
    """A session and the attempt that is running it."""

    session_id: int
    attempt_id: int
    session_uuid: str
    attempt_number: int  # 1 for the first attempt of the session


@dataclass
class AttemptInfo:
    """The latest attempt of a session."""

    attempt_id: int
    status: str
    started: float
    ended: float | None


class StateStore:
    """The state database of a status dir (thread-safe: one connection, one lock)."""

    def __init__(self, status_dir: Path) -> None:
        self.status_dir = status_dir
        try:
            status_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(
                status_dir / DB_NAME, check_same_thread=False, isolation_level=None, timeout=30
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the state database in `{status_dir}`: {exc}") from None
        self.lock = threading.RLock()
        self._durable = True

    # -- sessions and attempts --------------------------------------------------------------
    def start_attempt(
        self,
        workflow: str,
        when: dt.datetime,
        session_uuid: str,
        params: dict[str, JSON],
        *,
        dry_run: bool = False,
    ) -> SessionRecord:
        """Create (or find) the session and start a new attempt of it."""
        text = session_text(when)
        with self.lock:
            cur = self.db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                row = cur.execute(
                    "SELECT id, session_uuid FROM sessions WHERE workflow = ? AND session_time = ?",
                    (workflow, text),
                ).fetchone()
                if row is None:
                    cur.execute(
                        "INSERT INTO sessions (workflow, session_time, session_uuid, created) "
                        "VALUES (?, ?, ?, ?)",
                        (workflow, text, session_uuid, time.time()),
                    )
                    session_id, uuid = int(cur.lastrowid or 0), session_uuid
                else:
                    session_id, uuid = int(row[0]), str(row[1])
                cur.execute(
                    "INSERT INTO attempts (session_id, started, status, params, pid, dry_run) "
                    "VALUES (?, ?, 'running', ?, ?, ?)",
                    (
                        session_id,
                        time.time(),
                        json.dumps(params, default=str),
                        os.getpid(),
                        int(dry_run),
                    ),
                )
                attempt_id = int(cur.lastrowid or 0)
                (number,) = cur.execute(
                    "SELECT COUNT(*) FROM attempts WHERE session_id = ?", (session_id,)
                ).fetchone()
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return SessionRecord(session_id, attempt_id, uuid, int(number))

    def end_attempt(self, attempt_id: int, status: str) -> None:
        """Mark the attempt finished (`success`, `error`, `interrupted`)."""
        with self.lock:
            self.db.execute(
                "UPDATE attempts SET ended = ?, status = ? WHERE id = ?",
                (time.time(), status, attempt_id),
            )

    def latest_attempt(self, workflow: str, when: dt.datetime) -> AttemptInfo | None:
        """The newest attempt of the session, if any."""
        with self.lock:
            row = self.db.execute(
                "SELECT a.id, a.status, a.started, a.ended FROM attempts a "
                "JOIN sessions s ON s.id = a.session_id "
                "WHERE s.workflow = ? AND s.session_time = ? AND a.dry_run = 0 "
                "ORDER BY a.id DESC LIMIT 1",
                (workflow, session_text(when)),
            ).fetchone()
        if row is None:
            return None
        return AttemptInfo(int(row[0]), str(row[1]), float(row[2]), row[3])

    def last_session_time(self, workflow: str) -> dt.datetime | None:
        """The newest session time of `workflow` that has an attempt (`--session last`)."""
        with self.lock:
            rows = self.db.execute(
                "SELECT DISTINCT s.session_time FROM sessions s "
                "JOIN attempts a ON a.session_id = s.id "
                "WHERE s.workflow = ? AND a.dry_run = 0",
                (workflow,),
            ).fetchall()
        times = [dt.datetime.fromisoformat(r[0]) for r in rows]
        return max(times) if times else None

    # -- tasks ------------------------------------------------------------------------------
    def results(self, session_id: int) -> dict[str, TaskResult]:
        """The recorded successes of the session's operator tasks, by full name."""
        with self.lock:
            rows = self.db.execute(
                "SELECT full_name, result FROM results WHERE session_id = ?", (session_id,)
            ).fetchall()
        return {str(name): result_from_json(text) for name, text in rows}

    def task_state(
        self,
        attempt_id: int,
        task_id: int,
        full_name: str,
        state: str,
        started: float | None,
        ended: float | None,
        error: dict[str, JSON] | None,
        *,
        resumed: bool = False,
        result: TaskResult | None = None,
        session_id: int = 0,
    ) -> None:
        """Record a task's state and, for a successful operator task, its result (one
        committed transaction)."""
        error_text = None if error is None else json.dumps(error, ensure_ascii=False, default=str)
        durable = state in _DONE_STATES
        with self.lock:
            if durable != self._durable:
                self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                self._durable = durable
            self.db.execute("BEGIN")
            try:
                self.db.execute(
                    "INSERT INTO tasks (attempt_id, task_id, full_name, state, started, ended, "
                    "error, resumed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (attempt_id, task_id) DO UPDATE SET state = excluded.state, "
                    "started = excluded.started, ended = excluded.ended, "
                    "error = excluded.error, resumed = excluded.resumed",
                    (attempt_id, task_id, full_name, state, started, ended, error_text, resumed),
                )
                if result is not None:
                    self.db.execute(
                        "INSERT INTO results (session_id, full_name, attempt_id, result) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (session_id, full_name) DO UPDATE "
                        "SET attempt_id = excluded.attempt_id, result = excluded.result",
                        (session_id, full_name, attempt_id, result_to_json(result)),
                    )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def tasks(self, attempt_id: int) -> list[tuple[str, str]]:
        """(full name, state) of every task of the attempt, in creation order."""
        with self.lock:
            rows = self.db.execute(
                "SELECT full_name, state FROM tasks WHERE attempt_id = ? ORDER BY task_id",
                (attempt_id,),
            ).fetchall()
        return [(str(a), str(b)) for a, b in rows]

    def close(self) -> None:
        """Close the database."""
        with self.lock:
            self.db.close()
