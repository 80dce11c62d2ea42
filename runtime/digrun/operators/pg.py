"""`pg>`: run SQL on PostgreSQL (needs `psycopg`: `pip install 'digkit[pg]'`).

```yaml
_export:
  pg: {host: db.example.com, database: shop, user: etl}   # password: secret pg.password

+daily:
  pg>: queries/daily.sql         # a template file, or {data: "select ..."}, or `query:`
  create_table: daily_summary    # or insert_into: schema.table
+count:
  pg>: {data: "select count(*) as n from daily_summary"}
  store_last_results: true       # first | all -> ${pg.last_results.n}
+export:
  pg>: queries/export.sql
  download_file: out/export.csv
```

As Digdag's `PgOperatorFactory` (`AbstractJdbcJobOperator`):

* connection: `host` (required), `port` (5432), `user` (required), `database` (required),
  `schema` (the search path), `ssl`, `connect_timeout` (30s); the secrets `pg.host`,
  `pg.port`, `pg.user`, `pg.database`, `pg.ssl`, `pg.schema`, `pg.connect_timeout` win
  over the params; the password is the secret `pg.password`, or the secret
  `pg.<password_override>` (which must exist) when `password_override` is set. All params
  also come from `_export: {pg: {...}}`.
* the query file is rendered as a `${...}` template with the task's params.
* `insert_into: t` runs `INSERT INTO "t"\\n<query>`; `create_table: s.t` runs
  `DROP TABLE IF EXISTS "s"."t"; CREATE TABLE "s"."t" AS \\n<query>`.
* `download_file` writes the result as CSV (header line, CRLF line ends, values quoted
  when needed, NULL as an empty field) into the working directory; `store_last_results:
  first` (or `true`) stores the first row as `pg.last_results` (a map, `{}` without rows),
  `all` a list of maps (at most 8192 rows, 64 columns, 256 characters per value). Both need
  a read-only query (`Query must be read-only if download_file is set`).
* other queries run with `strict_transaction` (default true): the first run only picks a
  query id (a `Poll` of 0 s keeps it in the task state), then the statement runs in one
  transaction with a row of the status table (`status_table`, default `__digdag_status`,
  in `status_table_schema`), so a retried task does not run a committed statement again;
  rows older than `status_table_cleanup` (24h) are deleted. A locked row polls again after
  1, 2, 4 ... 1200 s.

Values in `pg.last_results` are converted as Digdag's Jackson does: numbers, strings,
booleans and null as they are; `timestamp`/`timestamptz` and `date` as epoch milliseconds;
`time` as `HH:MM:SS`; `json`/`jsonb` as `{type, value, "null"}` (a PGobject); UUIDs as
strings; arrays as lists. In CSV files they are written as Java's `toString` would.

Errors: `Can't use both of insert_into and create_table`, `Can't use download_file with
insert_into or create_table`, `Can't use store_last_results with insert_into or
create_table`, `Can't use both download_file and store_last_results at once`,
`last_results must be either of "first" or "all": X`, `The number of result rows exceeded
the limit: N > M`, and database failures as `Failed to execute given SQL script [ERROR:
...]`, `Failed to connect to the database [...]`. Differences: `socket_timeout` is not
applied (libpq has no read timeout); the query is not pre-validated (Digdag's check only
looks at JDBC escapes); the directory of `download_file` is created when missing.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from digrun.operator import JSON, ConfigError, OperatorContext, Poll, TaskError, TaskResult
from digrun.operators._pg_results import Row, collect_results, write_csv
from digrun.operators._support import (
    get_bool,
    get_duration,
    get_int,
    get_str,
    secret,
    template_command,
    with_defaults,
)

INITIAL_POLL_INTERVAL = 1
MAX_POLL_INTERVAL = 1200


class DatabaseError(Exception):
    """A failure Digdag reports as `<what failed> [<server message>]`."""

    def __init__(self, what: str, cause: BaseException) -> None:
        super().__init__(f"{what} [{server_message(cause)}]")


class NotReadOnly(Exception):
    """The read-only query tried to write."""


class LockConflict(Exception):
    """Another run holds the status row."""


def server_message(error: BaseException) -> str:
    """The server's error as pgjdbc prints it (`ERROR: ...`, detail, hint, position)."""
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if diag is None or primary is None:
        return str(error).strip()
    text = f"{diag.severity or 'ERROR'}: {primary}"
    for label, value in (
        ("Detail", diag.message_detail),
        ("Hint", diag.message_hint),
        ("Position", diag.statement_position),
    ):
        if value:
            text += f"\n  {label}: {value}"
    return text


def table_reference(params: Mapping[str, JSON], key: str) -> str | None:
    """`schema.table` or `table`, quoted: `"schema"."table"`."""
    text = get_str(params, key, None)
    if text is None:
        return None
    schema, dot, name = str(text).partition(".")
    parts = [schema, name] if dot else [schema]
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def store_option(params: Mapping[str, JSON]) -> str:
    """`store_last_results`: false, first (also `true`) or all."""
    value = params.get("store_last_results", False)
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if text == "false":
        return "false"
    if text in ("true", "first"):
        return "first"
    if text == "all":
        return "all"
    raise ConfigError(f'last_results must be either of "first" or "all": {text}')


def connection_settings(ctx: OperatorContext, params: Mapping[str, JSON]) -> dict[str, Any]:
    """psycopg connection arguments: the `pg.*` secrets first, then the params."""

    def pick(key: str, default: Any = None, *, kind: str = "str") -> Any:
        value = ctx.secrets.get(f"pg.{key}")
        if value is not None:
            return value
        getter = {"str": get_str, "int": get_int, "bool": get_bool}[kind]
        return getter(params, key) if default is None else getter(params, key, default)

    host = pick("host")
    port = int(pick("port", 5432, kind="int"))
    user = pick("user")
    override = get_str(params, "password_override", None)
    password = (
        secret(ctx, f"pg.{override}") if override is not None else ctx.secrets.get("pg.password")
    )
    database = pick("database")
    ssl_value = pick("ssl", False, kind="bool")
    ssl = ssl_value.lower() == "true" if isinstance(ssl_value, str) else bool(ssl_value)
    timeout_secret = ctx.secrets.get("pg.connect_timeout")
    connect_timeout = get_duration(
        {"connect_timeout": timeout_secret} if timeout_secret else params, "connect_timeout", 30.0
    )
    schema = ctx.secrets.get("pg.schema") or get_str(params, "schema", None)
    settings: dict[str, Any] = {
        "host": host,
        "port": port,
        "user": user,
        "dbname": database,
        "connect_timeout": max(1, int(connect_timeout or 30)),
        "sslmode": "require" if ssl else "prefer",
        "application_name": "digdag",
        "keepalives": 1,
    }
    if password is not None:
        settings["password"] = password
    if schema is not None:
        settings["options"] = "-c search_path=" + str(schema).replace(" ", "\\ ")
    return settings


class Connection:
    """A psycopg connection in autocommit mode with Digdag's statement helpers."""

    def __init__(self, settings: dict[str, Any]) -> None:
        try:
            import psycopg  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise ConfigError(
                "pg> needs the `psycopg` package: install it with `pip install 'digkit[pg]'`"
            ) from None
        self.errors = psycopg.Error
        try:
            self.conn = psycopg.connect(autocommit=True, **settings)
        except psycopg.Error as error:
            raise DatabaseError("Failed to connect to the database", error) from None

    def close(self) -> None:
        self.conn.close()

    def execute(self, sql: str) -> None:
        """Run `sql` (one or more statements), skipping every result."""
        with self.conn.cursor() as cursor:
            cursor.execute(sql.encode())
            while cursor.nextset():
                pass

    def statement(self, what: str, sql: str) -> None:
        """Run `sql`; a failure is `Failed to <what> [<server message>]`."""
        try:
            self.execute(sql)
        except self.errors as error:
            raise DatabaseError(f"Failed to {what}", error) from None

    def read_only_rows(self, sql: str) -> tuple[list[str], list[int | None], Iterator[Row]]:
        """Column names, type oids and rows of a query run in a read-only transaction.

        The caller must consume the rows and then call `end_read_only`."""
        cursor = self.conn.cursor()
        try:
            self.execute("BEGIN READ ONLY")
            cursor.execute(sql.encode())
        except self.errors as error:
            self._rollback()
            if getattr(error, "sqlstate", None) == "25006":
                raise NotReadOnly() from None
            raise DatabaseError("Failed to execute given SELECT statement", error) from None
        description = cursor.description or []
        names = [column.name for column in description]
        oids: list[int | None] = [column.type_code for column in description]
        return names, oids, iter(cursor)

    def end_read_only(self) -> None:
        self._rollback()

    def _rollback(self) -> None:
        with contextlib.suppress(self.errors):
            self.execute("ROLLBACK")


class StatusTable:
    """Digdag's strict transaction: a status row per query id, locked while it runs."""

    def __init__(self, conn: Connection, reference: str, cleanup_seconds: float) -> None:
        self.conn = conn
        self.ref = reference
        self.cleanup_seconds = int(cleanup_seconds)

    def prepare(self) -> None:
        sql = (
            f"CREATE TABLE IF NOT EXISTS {self.ref} (query_id text NOT NULL UNIQUE,"
            " created_at timestamptz NOT NULL, completed_at timestamptz)"
        )
        self.conn.statement(
            f"create a status table {self.ref}.\n"
            "hint: if you don't have permission to create tables, please try one of these "
            "options:\n1. add 'strict_transaction: false' option to disable exactly-once "
            "transaction control that depends on this table.\n2. ask system administrator to "
            "create this table using the following command and grant INSERT privilege to this "
            f"user: {sql};\n3. ask system administrator to create a schema that this user can "
            "create a table and set 'status_table_schema' option to it\n",
            sql,
        )

    def _lock(self, query_id: str) -> str:
        """`completed`, `running` or `missing`, with the row locked in an open transaction."""
        sql = f"SELECT completed_at FROM {self.ref} WHERE query_id = '{query_id}' FOR UPDATE NOWAIT"
        try:
            with self.conn.conn.cursor() as cursor:
                cursor.execute(sql.encode())
                row = cursor.fetchone()
        except self.conn.errors as error:
            if getattr(error, "sqlstate", None) == "55P03":
                self.conn.statement("rollback a transaction", "ROLLBACK")
                raise LockConflict() from None
            raise DatabaseError("Failed to lock a status row", error) from None
        if row is None:
            return "missing"
        return "running" if row[0] is None else "completed"

    def run_once(self, query_id: str, statement: str, update: bool) -> bool:
        """Run `statement` unless the status row says it completed; whether it ran."""
        while True:
            self.conn.statement("begin a transaction", "BEGIN")
            status = self._lock(query_id)
            if status == "completed":
                self.conn.statement("rollback a transaction", "ROLLBACK")
                return False
            if status == "running":
                break
            try:
                self.conn.execute(
                    f"INSERT INTO {self.ref} (query_id, created_at)"
                    f" VALUES ('{query_id}', CURRENT_TIMESTAMP)"
                )
                self.conn.execute("COMMIT")
            except self.conn.errors as error:
                if getattr(error, "sqlstate", None) != "23505":
                    raise DatabaseError("Failed to insert a status row", error) from None
                self.conn.statement("rollback a transaction", "ROLLBACK")
        run_statement(self.conn, statement, update)
        self.conn.statement(
            "update status row",
            f"UPDATE {self.ref} SET completed_at = CURRENT_TIMESTAMP WHERE query_id = '{query_id}'",
        )
        self.conn.statement("commit updated status row", "COMMIT")
        return True

    def cleanup(self) -> None:
        self.conn.statement(
            f"delete old query status rows from {self.ref} table",
            f"DELETE FROM {self.ref} WHERE query_id = ANY(SELECT query_id FROM {self.ref}"
            f" WHERE completed_at < now() - interval '{self.cleanup_seconds}' second)",
        )


def run_statement(conn: Connection, statement: str, update: bool) -> None:
    """The user's statement: a script (results skipped) or a built INSERT/CREATE."""
    what = "execute an update statement" if update else "execute given SQL script"
    try:
        conn.execute(statement)
    except conn.errors as error:
        raise DatabaseError(f"Failed to {what}", error) from None


class PgOperator:
    """`pg>`: the command names the SQL template."""

    name = "pg"
    retry = True

    def run(self, ctx: OperatorContext) -> TaskResult:
        """Run the query as the params ask; see the module doc."""
        params = with_defaults(ctx, "pg")
        settings = connection_settings(ctx, params)
        query = template_command(ctx, params, "query")
        insert_into = table_reference(params, "insert_into")
        create_table = table_reference(params, "create_table")
        modifiers = (insert_into is not None) + (create_table is not None)
        if modifiers > 1:
            raise ConfigError("Can't use both of insert_into and create_table")
        download_file = get_str(params, "download_file", None)
        if download_file is not None and modifiers:
            raise ConfigError("Can't use download_file with insert_into or create_table")
        option = store_option(params)
        if option != "false" and modifiers:
            raise ConfigError("Can't use store_last_results with insert_into or create_table")
        if download_file is not None and option != "false":
            raise ConfigError("Can't use both download_file and store_last_results at once")
        strict = bool(get_bool(params, "strict_transaction", True))
        schema = get_str(params, "status_table_schema", None)
        name = str(get_str(params, "status_table", "__digdag_status"))
        status_table = table_reference({"t": f"{schema}.{name}" if schema else name}, "t")
        cleanup = get_duration(params, "status_table_cleanup", 24 * 3600.0) or 0.0
        read_only = download_file is not None or option != "false"
        output = ctx.path(str(download_file)) if download_file is not None else None
        if ctx.dry_run:
            return TaskResult()
        state = dict(ctx.state)
        if not read_only and "queryId" not in state:
            state["queryId"] = str(uuid.uuid4())
            raise Poll(0, state)
        try:
            conn = Connection(settings)
            try:
                if read_only:
                    return self._read_only(conn, query, output, option)
                if insert_into is not None:
                    statement, update = f"INSERT INTO {insert_into}\n{query}", True
                elif create_table is not None:
                    statement = (
                        f"DROP TABLE IF EXISTS {create_table}; CREATE TABLE {create_table} AS "
                        f"\n{query}"
                    )
                    update = True
                else:
                    statement, update = query, False
                if strict:
                    assert status_table is not None
                    helper = StatusTable(conn, status_table, cleanup)
                    helper.prepare()
                    if not helper.run_once(str(state["queryId"]), statement, update):
                        ctx.log("Query is already completed according to status table.")
                    try:
                        helper.cleanup()
                    except DatabaseError as error:
                        ctx.log(f"Error during cleaning up status table. Ignoring. {error}")
                else:
                    run_statement(conn, statement, update)
                return TaskResult()
            finally:
                conn.close()
        except NotReadOnly:
            raise ConfigError("Query must be read-only if download_file is set") from None
        except LockConflict:
            interval = int(state.get("pollInterval", INITIAL_POLL_INTERVAL))
            state["pollInterval"] = min(interval * 2, MAX_POLL_INTERVAL)
            raise Poll(interval, state) from None
        except DatabaseError as error:
            raise TaskError(str(error)) from None

    @staticmethod
    def _read_only(conn: Connection, query: str, output: Any, option: str) -> TaskResult:
        names, oids, rows = conn.read_only_rows(query)
        try:
            if output is not None:
                output.parent.mkdir(parents=True, exist_ok=True)
                write_csv(output, names, oids, rows)
                return TaskResult()
            if option != "false":
                results = collect_results(names, oids, rows, option)
                return TaskResult(store_params={"pg": {"last_results": results}})
            return TaskResult()
        except conn.errors as error:
            raise DatabaseError("Failed to execute given SELECT statement", error) from None
        finally:
            conn.end_read_only()


OPERATOR = PgOperator()
