"""`pg>` against a real PostgreSQL server: queries, stores, CSV, strict transactions."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from digrun.operator import ConfigError, Poll, TaskError, TaskResult
from digrun.operators._pg_results import java_double, java_timestamp
from digrun.operators.pg import OPERATOR as PG

from .op_harness import Harness
from .op_services import Postgres

psycopg = pytest.importorskip("psycopg")
_numbers = itertools.count()


@pytest.fixture
def db(postgres: Postgres) -> Iterator[str]:
    """A fresh database for one test."""
    name = f"t{next(_numbers)}"
    with connect(postgres, "postgres") as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield name
    with connect(postgres, "postgres") as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def connect(postgres: Postgres, database: str) -> Any:
    return psycopg.connect(
        host=postgres.host,
        port=postgres.port,
        user=postgres.user,
        password=postgres.password,
        dbname=database,
        autocommit=True,
    )


def sql(postgres: Postgres, database: str, query: str) -> list[tuple[Any, ...]]:
    with connect(postgres, database) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else []


def params(postgres: Postgres, db: str, **extra: Any) -> dict[str, Any]:
    """Connection settings in the `pg` namespace, as `_export: {pg: ...}` gives them."""
    return {
        "pg": {"host": postgres.host, "port": postgres.port, "user": postgres.user, "database": db},
        **extra,
    }


SECRETS = {"pg.password": "pg-test-pass"}


def run(harness: Harness, command: Any, values: dict[str, Any], **kw: Any) -> TaskResult:
    """Run like the executor: again with the polled state after a `Poll(0)`."""
    ctx = harness.ctx("pg", command, values, secrets=kw.pop("secrets", SECRETS), **kw)
    try:
        return PG.run(ctx)
    except Poll as poll:
        assert poll.interval == 0 and set(poll.state) == {"queryId"}
        ctx.state = poll.state
        return PG.run(ctx)


def test_script_runs_every_statement(harness: Harness, postgres: Postgres, db: str) -> None:
    harness.write(
        "q/setup.sql",
        "create table users (id int, name text);\n"
        "insert into users values (1, '${first}'), (2, 'bob');",
    )
    assert run(harness, "q/setup.sql", params(postgres, db, first="ann")) == TaskResult()
    assert sql(postgres, db, "select * from users order by id") == [(1, "ann"), (2, "bob")]
    assert sql(
        postgres, db, "select count(*) from __digdag_status where completed_at is not null"
    ) == [(1,)]


def test_first_run_only_picks_a_query_id(harness: Harness, postgres: Postgres, db: str) -> None:
    ctx = harness.ctx(
        "pg", {"data": "create table x (a int)"}, params(postgres, db), secrets=SECRETS
    )
    with pytest.raises(Poll) as poll:
        PG.run(ctx)
    assert poll.value.interval == 0
    assert sql(postgres, db, "select to_regclass('x') is null") == [(True,)]


def test_retry_does_not_run_a_committed_statement_twice(
    harness: Harness, postgres: Postgres, db: str
) -> None:
    sql(postgres, db, "create table n (a int)")
    ctx = harness.ctx(
        "pg",
        {"data": "insert into n values (1)"},
        params(postgres, db),
        secrets=SECRETS,
        state={"queryId": "11111111-2222-3333-4444-555555555555"},
    )
    PG.run(ctx)
    PG.run(ctx)
    assert sql(postgres, db, "select count(*) from n") == [(1,)]
    assert "Query is already completed according to status table." in harness.lines


def test_failed_statement_is_rolled_back_with_its_status(
    harness: Harness, postgres: Postgres, db: str
) -> None:
    sql(postgres, db, "create table n (a int)")
    with pytest.raises(TaskError) as error:
        run(harness, {"data": "insert into n values (1); select * from nope"}, params(postgres, db))
    assert str(error.value) == (
        'Failed to execute given SQL script [ERROR: relation "nope" does not exist\n  Position: 41]'
    )
    assert sql(postgres, db, "select count(*) from n") == [(0,)]
    assert sql(postgres, db, "select completed_at from __digdag_status") == [(None,)]


def test_without_strict_transaction(harness: Harness, postgres: Postgres, db: str) -> None:
    values = params(postgres, db, strict_transaction=False)
    run(harness, {"data": "create table y (a int)"}, values)
    assert sql(postgres, db, "select to_regclass('__digdag_status') is null") == [(True,)]


def test_status_table_name_and_schema(harness: Harness, postgres: Postgres, db: str) -> None:
    sql(postgres, db, "create schema ops")
    values = params(postgres, db, status_table="st", status_table_schema="ops")
    run(harness, {"data": "select 1"}, values)
    assert sql(postgres, db, "select count(*) from ops.st") == [(1,)]


def test_create_table_and_insert_into(harness: Harness, postgres: Postgres, db: str) -> None:
    sql(
        postgres,
        db,
        'create schema s; create table s."Old" (v int); insert into s."Old" values (7)',
    )
    query = {"data": "select 1 as v union all select 2"}
    run(harness, query, params(postgres, db, create_table="s.Old"))
    run(harness, query, params(postgres, db, insert_into="s.Old"))
    assert sql(postgres, db, 'select v from s."Old" order by v') == [(1,), (1,), (2,), (2,)]


def test_store_first(harness: Harness, postgres: Postgres, db: str) -> None:
    query = {
        "data": "select 1 as n, 'a' as s, null as z, 1.50::numeric as d, 2.5::float8 as f,"
        " true as b, '2024-02-29 12:00:00+00'::timestamptz as ts, '12:30:01'::time as t,"
        " '{\"k\": 1}'::jsonb as j, array[1,2] as arr from generate_series(1, 3)"
    }
    result = run(harness, query, params(postgres, db, store_last_results=True))
    assert result == TaskResult(
        store_params={
            "pg": {
                "last_results": {
                    "n": 1,
                    "s": "a",
                    "z": None,
                    "d": 1.5,
                    "f": 2.5,
                    "b": True,
                    "ts": int(datetime(2024, 2, 29, 12, tzinfo=UTC).timestamp() * 1000),
                    "t": "12:30:01",
                    "j": {"type": "jsonb", "value": '{"k": 1}', "null": False},
                    "arr": [1, 2],
                }
            }
        }
    )
    assert list(result.store_params["pg"]["last_results"]) == [
        "n",
        "s",
        "z",
        "d",
        "f",
        "b",
        "ts",
        "t",
        "j",
        "arr",
    ]


def test_store_first_without_rows(harness: Harness, postgres: Postgres, db: str) -> None:
    result = run(
        harness, {"data": "select 1 where false"}, params(postgres, db, store_last_results="first")
    )
    assert result.store_params == {"pg": {"last_results": {}}}


def test_store_all(harness: Harness, postgres: Postgres, db: str) -> None:
    query = {"data": "select g as id, 'u' || g as name from generate_series(1, 3) g"}
    result = run(harness, query, params(postgres, db, store_last_results="all"))
    assert result.store_params == {
        "pg": {
            "last_results": [
                {"id": 1, "name": "u1"},
                {"id": 2, "name": "u2"},
                {"id": 3, "name": "u3"},
            ]
        }
    }


def test_store_limits(harness: Harness, postgres: Postgres, db: str) -> None:
    values = params(postgres, db, store_last_results="all")
    with pytest.raises(
        TaskError, match=r"^The number of result rows exceeded the limit: 8193 > 8192$"
    ):
        run(harness, {"data": "select g from generate_series(1, 9000) g"}, values)
    with pytest.raises(
        TaskError, match=r"^The size of result value exceeded the limit: 257 > 256$"
    ):
        run(harness, {"data": "select repeat('x', 257)"}, values)
    columns = ", ".join(f"{i} as c{i}" for i in range(65))
    with pytest.raises(
        TaskError, match=r"^The number of result columns exceeded the limit: 65 > 64$"
    ):
        run(harness, {"data": f"select {columns}"}, values)


def test_download_file(harness: Harness, postgres: Postgres, db: str) -> None:
    query = {
        "data": "select 1 as id, 'plain' as s, 'a,b' as c, 'say \"hi\"' as q,"
        " E'two\\nlines' as n, '' as e, null as z, true as b, 1e10::float8 as f,"
        " '2024-02-29 01:02:03.5'::timestamp as ts, '2024-02-29'::date as d"
        " union all select 2, 'x', 'y', 'z', 'w', 'v', 'u', false, 0.5, "
        " '2024-03-01 00:00:00', '2024-03-01'"
    }
    result = run(harness, query, params(postgres, db, download_file="out/result.csv"))
    assert result == TaskResult()
    assert (harness.project / "out/result.csv").read_bytes().decode() == (
        "id,s,c,q,n,e,z,b,f,ts,d\r\n"
        '1,plain,"a,b","say ""hi""","two\nlines","",,true,1.0E10,'
        "2024-02-29 01:02:03.5,2024-02-29\r\n"
        "2,x,y,z,w,v,u,false,0.5,2024-03-01 00:00:00.0,2024-03-01\r\n"
    )


def test_read_only_required(harness: Harness, postgres: Postgres, db: str) -> None:
    sql(postgres, db, "create table w (a int)")
    with pytest.raises(ConfigError) as error:
        run(
            harness,
            {"data": "insert into w values (1) returning a"},
            params(postgres, db, download_file="x.csv"),
        )
    assert error.value.message() == "Query must be read-only if download_file is set (config)"
    assert sql(postgres, db, "select count(*) from w") == [(0,)]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"insert_into": "a", "create_table": "b"},
            "Can't use both of insert_into and create_table",
        ),
        (
            {"insert_into": "a", "download_file": "x"},
            "Can't use download_file with insert_into or create_table",
        ),
        (
            {"create_table": "a", "store_last_results": "all"},
            "Can't use store_last_results with insert_into or create_table",
        ),
        (
            {"download_file": "x", "store_last_results": "first"},
            "Can't use both download_file and store_last_results at once",
        ),
        ({"store_last_results": "some"}, 'last_results must be either of "first" or "all": some'),
    ],
)
def test_option_conflicts(harness: Harness, extra: dict[str, Any], message: str) -> None:
    values = {"host": "h", "user": "u", "database": "d", **extra}
    with pytest.raises(ConfigError) as error:
        PG.run(harness.ctx("pg", {"data": "select 1"}, values))
    assert str(error.value) == message


def test_required_connection_params(harness: Harness) -> None:
    with pytest.raises(ConfigError, match=r"^Parameter 'host' is required but not set$"):
        PG.run(harness.ctx("pg", {"data": "select 1"}, {"user": "u", "database": "d"}))
    with pytest.raises(ConfigError, match=r"^Parameter 'database' is required but not set$"):
        PG.run(harness.ctx("pg", {"data": "select 1"}, {"host": "h", "user": "u"}))


def test_secrets_override_params(harness: Harness, postgres: Postgres, db: str) -> None:
    values = {
        "host": "nowhere.invalid",
        "port": 1,
        "user": "nobody",
        "database": "none",
        "store_last_results": True,
    }
    secrets = {
        "pg.host": postgres.host,
        "pg.port": str(postgres.port),
        "pg.user": "postgres",
        "pg.database": db,
        "pg.password": postgres.password,
    }
    result = run(harness, {"data": "select current_database() as d"}, values, secrets=secrets)
    assert result.store_params == {"pg": {"last_results": {"d": db}}}


def test_password_override(harness: Harness, postgres: Postgres, db: str) -> None:
    values = params(postgres, db, password_override="other", store_last_results=True)
    secrets = {"pg.other": postgres.password, "pg.password": "wrong"}
    result = run(harness, {"data": "select 1 as one"}, values, secrets=secrets)
    assert result.store_params == {"pg": {"last_results": {"one": 1}}}
    with pytest.raises(ConfigError, match=r"^Secret not found for key: 'pg.other'$"):
        run(harness, {"data": "select 1"}, values, secrets={})


def test_wrong_password(harness: Harness, postgres: Postgres, db: str) -> None:
    with pytest.raises(TaskError) as error:
        run(harness, {"data": "select 1"}, params(postgres, db), secrets={"pg.password": "x"})
    assert str(error.value).startswith("Failed to connect to the database [connection failed:")
    assert 'password authentication failed for user "postgres"' in str(error.value)


def test_schema_param(harness: Harness, postgres: Postgres, db: str) -> None:
    sql(
        postgres,
        db,
        "create schema app; create table app.t (v text); insert into app.t values ('in app')",
    )
    result = run(
        harness,
        {"data": "select v from t"},
        params(postgres, db, schema="app", store_last_results=True),
    )
    assert result.store_params == {"pg": {"last_results": {"v": "in app"}}}


def test_query_param_and_template_file(harness: Harness, postgres: Postgres, db: str) -> None:
    values = params(postgres, db, store_last_results=True, query="select 'inline' as q")
    assert run(harness, None, values).store_params == {"pg": {"last_results": {"q": "inline"}}}
    harness.write("sub/q.sql", "select '${word}' as q")
    values = params(postgres, db, store_last_results=True, word="templated")
    result = run(harness, "q.sql", values, workdir="sub")
    assert result.store_params == {"pg": {"last_results": {"q": "templated"}}}


def test_lock_conflict_polls(harness: Harness, postgres: Postgres, db: str) -> None:
    query_id = "99999999-2222-3333-4444-555555555555"
    run(harness, {"data": "select 1"}, params(postgres, db))  # creates the status table
    with connect(postgres, db) as holder:
        holder.execute(f"insert into __digdag_status values ('{query_id}', now(), null)")
        holder.autocommit = False
        holder.execute(f"select * from __digdag_status where query_id = '{query_id}' for update")
        ctx = harness.ctx(
            "pg",
            {"data": "select 1"},
            params(postgres, db),
            secrets=SECRETS,
            state={"queryId": query_id, "pollInterval": 4},
        )
        with pytest.raises(Poll) as poll:
            PG.run(ctx)
        holder.rollback()
    assert (poll.value.interval, poll.value.state) == (4, {"queryId": query_id, "pollInterval": 8})


def test_dry_run(harness: Harness, postgres: Postgres, db: str) -> None:
    ctx = harness.ctx(
        "pg",
        {"data": "create table z (a int)"},
        params(postgres, db),
        secrets=SECRETS,
        dry_run=True,
    )
    assert PG.run(ctx) == TaskResult()
    assert sql(postgres, db, "select to_regclass('z') is null") == [(True,)]


def test_java_text_forms() -> None:
    assert [java_double(v) for v in (1.0, 0.5, 1e7, 1.2345678e7, 1e-4, -2.5e20, 0.0)] == [
        "1.0",
        "0.5",
        "1.0E7",
        "1.2345678E7",
        "1.0E-4",
        "-2.5E20",
        "0.0",
    ]
    assert java_timestamp(datetime(2024, 1, 2, 3, 4, 5, 120000)) == "2024-01-02 03:04:05.12"
