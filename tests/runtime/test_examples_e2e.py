"""The bundled examples project runs end to end with `digrun run`, against a real PostgreSQL.

`examples/ecommerce/main.dig` calls every stage workflow: `sh>` extracts, `py>` models with
stores, `pg>` loads into the mart, `for_each>`/`if>`/`loop>` and `_error` handlers. The test
starts a PostgreSQL server (installed by `make`), points the project at it through the
`pg.*` secrets (`DIGRUN_SECRET_PG_*`), runs one session in a copy of the project, then checks
the rows in the mart, the task states and that a rerun of the same session runs nothing again.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

psycopg = pytest.importorskip("psycopg")
DIGRUN = Path(sys.executable).parent / "digrun"


def _services() -> Any:
    spec = importlib.util.spec_from_file_location(
        "op_services", ROOT / "tests" / "runtime" / "operators" / "op_services.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("op_services", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def database() -> Iterator[dict[str, str]]:
    services = _services()
    try:
        pg = services.start_postgres()
    except services.Unavailable as exc:
        pytest.skip(f"PostgreSQL cannot start here: {exc}")
    try:
        with psycopg.connect(
            host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname="postgres",
            autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute("create user digdag password 'e2e-password'")
            conn.execute("create database ecommerce owner digdag")
        yield {"host": pg.host, "port": str(pg.port), "password": "e2e-password"}
    finally:
        pg.stop()


def _digrun(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(DIGRUN), "run", "main.dig", "--project", str(project), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_the_examples_project_runs_end_to_end(tmp_path: Path, database: dict[str, str]) -> None:
    project = tmp_path / "ecommerce"
    ignore = shutil.ignore_patterns(".digdag")
    shutil.copytree(ROOT / "examples" / "ecommerce", project, ignore=ignore)
    env = dict(os.environ)
    env.update({f"DIGRUN_SECRET_PG_{k.upper()}": v for k, v in database.items()})
    data = tmp_path / "data"
    args = ("--session", "2024-06-01", "-p", f"data_root_override={data}")

    done = _digrun(project, env, *args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "+main: success" in done.stdout
    assert "e2e-password" not in done.stdout + done.stderr  # secrets are masked

    with psycopg.connect(
        host=database["host"], port=int(database["port"]), user="digdag",
        password=database["password"], dbname="ecommerce",
    ) as conn:  # fmt: skip
        tables = {
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'public'"
            )
        }
        assert {"recommendations", "item_similarity"} <= tables
        count = conn.execute("select count(*) from recommendations").fetchone()
        assert count is not None and count[0] > 0
    assert (data / "20240601").is_dir()

    again = _digrun(project, env, *args)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    # the same session again: every task succeeded, so nothing runs (no task prints anything)
    assert "[OUT]" not in again.stdout
    assert again.stdout.count("skipped (succeeded in an earlier attempt)") >= 30
