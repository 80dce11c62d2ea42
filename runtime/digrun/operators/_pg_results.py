"""How `pg>` turns result rows into `pg.last_results` and CSV files, as Digdag does.

Digdag reads rows through JDBC and writes them with Jackson (stores) or `toString` (CSV);
these functions give the same text and JSON for the values psycopg returns: see the
conversion table in `pg.py`'s documentation.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from digrun.operator import JSON, TaskError

Row = tuple[Any, ...]
MAX_ROWS = 8192
MAX_COLUMNS = 64
MAX_VALUE_SIZE = 256
JSON_OIDS = {114: "json", 3802: "jsonb"}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_millis(value: datetime) -> int:
    """Milliseconds since the epoch; a naive time is local time (the JVM's zone)."""
    aware = value if value.tzinfo is not None else value.astimezone()
    return (aware - EPOCH) // timedelta(milliseconds=1)


def java_double(value: float) -> str:
    """`Double.toString`: plain between 1e-3 and 1e7, else `1.0E10` style."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    shown = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) - 1 + exponent
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"


def java_timestamp(value: datetime) -> str:
    """`java.sql.Timestamp.toString`: `2024-02-29 12:00:00.5` (`.0` without a fraction)."""
    local = value.astimezone().replace(tzinfo=None) if value.tzinfo is not None else value
    fraction = f"{local.microsecond:06d}".rstrip("0") or "0"
    return f"{local:%Y-%m-%d %H:%M:%S}.{fraction}"


def pg_array(values: list[Any]) -> str:
    """PostgreSQL's text form of an array (`{1,2}`), as pgjdbc's `PgArray.toString`."""
    return "{" + ",".join("NULL" if v is None else csv_text(v, None) or "" for v in values) + "}"


def csv_text(value: Any, oid: int | None) -> str | None:
    """A value as Digdag's CSV writer sees it (Java's `toString`)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, datetime):
        return java_timestamp(value)
    if isinstance(value, date | time | Decimal | int | uuid.UUID):
        return str(value) if not isinstance(value, time) else f"{value:%H:%M:%S}"
    if oid in JSON_OIDS:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return pg_array(value)
    return str(value)


def json_value(value: Any, oid: int | None) -> JSON:
    """A value as Digdag's Jackson serializes the JDBC object (see the module doc)."""
    if value is None or isinstance(value, bool | str | int | float):
        return value
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        integral = isinstance(exponent, int) and exponent >= 0
        return int(value) if integral else float(value)
    if isinstance(value, datetime):
        return epoch_millis(value)
    if isinstance(value, date):
        return epoch_millis(datetime(value.year, value.month, value.day))
    if isinstance(value, time):
        return f"{value:%H:%M:%S}"
    if oid in JSON_OIDS:
        return {"type": JSON_OIDS[oid], "value": json.dumps(value), "null": False}
    if isinstance(value, list):
        return [json_value(item, None) for item in value]
    return str(value)


def write_csv(path: Path, names: list[str], oids: list[int | None], rows: Iterator[Row]) -> None:
    """Digdag's CSV: header, CRLF, minimal quoting, `\\r` and `\\r\\n` in values become `\\n`."""

    def cell(text: str | None) -> str:
        if text is None:
            return ""
        if text == "":
            return '""'
        escaped = text.replace("\r\n", "\n").replace("\r", "\n")
        if any(c in escaped for c in '",\n'):
            return '"' + escaped.replace('"', '""') + '"'
        return escaped

    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(cell(n) for n in names) + "\r\n")
        for row in rows:
            out.write(",".join(cell(csv_text(v, o)) for v, o in zip(row, oids, strict=True)))
            out.write("\r\n")


def collect_results(
    names: list[str], oids: list[int | None], rows: Iterator[Row], option: str
) -> JSON:
    """`pg.last_results`: the first row as a map, or all rows (with Digdag's limits)."""
    if len(names) > MAX_COLUMNS:
        raise TaskError(
            f"The number of result columns exceeded the limit: {len(names)} > {MAX_COLUMNS}"
        )

    def as_map(row: Row) -> dict[str, JSON]:
        mapped: dict[str, JSON] = {}
        for name, value, oid in zip(names, row, oids, strict=True):
            if isinstance(value, str) and len(value) > MAX_VALUE_SIZE:
                raise TaskError(
                    f"The size of result value exceeded the limit: {len(value)} > {MAX_VALUE_SIZE}"
                )
            mapped[name] = json_value(value, oid)
        return mapped

    if option == "first":
        first = next(rows, None)
        for _ in rows:
            pass
        return {} if first is None else as_map(first)
    results = []
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise TaskError(f"The number of result rows exceeded the limit: {count} > {MAX_ROWS}")
        results.append(as_map(row))
    return results
