"""Hover: operators, params, directives, tasks, schedule keys and `${...}` variables."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lsprotocol import types

from conftest import corpus_files, require_corpus
from diglsp.hover import _hover, hover
from diglsp.workspace import Snapshot, snapshot_of

CURSOR = "¦"
PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "lsp" / "hover" / "project"


def at(marked: str, path: str | Path = "/project/wf.dig") -> tuple[Snapshot, types.Hover | None]:
    offset = marked.index(CURSOR)
    text = marked[:offset] + marked[offset + 1 :]
    snap = snapshot_of(text, str(path))
    result = _hover(snap, offset)  # the private one: errors must surface in tests
    if result is not None:
        assert result.range is not None
        start, end = snap.offset(result.range.start), snap.offset(result.range.end)
        assert start <= offset <= end
    return snap, result


def markdown(result: types.Hover | None) -> str:
    assert result is not None
    contents = result.contents
    assert isinstance(contents, types.MarkupContent)
    assert contents.kind == types.MarkupKind.Markdown
    return contents.value


def covered(snap: Snapshot, result: types.Hover | None) -> str:
    assert result is not None and result.range is not None
    return snap.text[snap.offset(result.range.start) : snap.offset(result.range.end)]


# -- operators, params, directives ------------------------------------------------------


def test_operator_key() -> None:
    snap, result = at("+a:\n  t¦d>: queries/x.sql\n  database: db\n")
    text = markdown(result)
    assert covered(snap, result) == "td>"
    assert text.startswith(
        "**td>** — Runs a Presto or Hive query on Treasure Data and waits for it.\n\n"
    )
    assert "[documentation](https://docs.digdag.io/operators/td.html)" in text
    assert "| param | type | required | default |" in text
    assert "| `database` | string | yes |  |" in text
    assert "| `engine` | presto \\| hive |  | `presto` |" in text
    assert "more | | | |" in text  # long tables are cut
    assert "stores: `td.last_job_id`" in text


def test_operator_from_type_value() -> None:
    snap, result = at("+a:\n  _type: s¦h\n  _command: echo hi\n")
    assert covered(snap, result) == "sh"
    assert markdown(result).startswith("**sh>** — ")


def test_param_key() -> None:
    snap, result = at("+a:\n  td>: q.sql\n  eng¦ine: hive\n")
    text = markdown(result)
    assert covered(snap, result) == "engine"
    assert text.startswith("**engine** — param of `td>`\n\n")
    assert "type: `presto | hive`, default: `presto`" in text
    assert "values: `presto`, `hive`" in text


def test_required_param_and_file_param() -> None:
    _, result = at("+a:\n  td>: q.sql\n  data¦base: x\n")
    assert "type: `string`, required" in markdown(result)
    _, result = at("+a:\n  bq_load>: gs://b/x.csv\n  sche¦ma: schema.json\n")
    assert "names a file: bq schema" in markdown(result)


def test_param_of_type_operator_task() -> None:
    _, result = at("+a:\n  _type: td\n  _command: q.sql\n  eng¦ine: hive\n")
    assert markdown(result).startswith("**engine** — param of `td>`")


def test_directive_and_top_level_key() -> None:
    snap, result = at("+a:\n  sh>: x\n  _re¦try: 3\n")
    text = markdown(result)
    assert covered(snap, result) == "_retry"
    assert text.startswith("**_retry** — directive\n\nRetry on failure")
    assert "[documentation](https://docs.digdag.io/workflow_definition.html" in text
    snap, result = at("time¦zone: UTC\n+a:\n  sh>: x\n")
    text = markdown(result)
    assert text.startswith("**timezone** — top-level key")
    assert "default: `UTC`" in text


def test_schedule_keys() -> None:
    snap, result = at("schedule:\n  dai¦ly>: 07:00:00\n  skip_on_overtime: true\n")
    text = markdown(result)
    assert covered(snap, result) == "daily>"
    assert text.startswith("**daily>** — schedule kind\n\nEvery day at `HH:MM:SS`.")
    assert "example: `07:00:00`" in text
    _, result = at("schedule:\n  daily>: 07:00:00\n  skip_on_ov¦ertime: true\n")
    assert markdown(result).startswith("**skip_on_overtime** — `schedule` key")


def test_nested_directive_keys() -> None:
    _, result = at("+a:\n  sh>: x\n  _retry:\n    limit: 3\n    interval_t¦ype: exponential\n")
    text = markdown(result)
    assert text.startswith("**interval_type** — `_retry` key")
    assert "default: `constant`" in text


def test_export_keys() -> None:
    _, result = at("_export:\n  t¦d:\n    database: x\n+a:\n  td>: q.sql\n")
    assert markdown(result).startswith("**td** — defaults for `td>`")
    _, result = at("_export:\n  td:\n    data¦base: x\n+a:\n  td>: q.sql\n")
    assert "**database** — param of" in markdown(result)
    _, result = at("_export:\n  _work¦dir: sub\n+a:\n  sh>: x\n")
    assert markdown(result).startswith("**_workdir** — directive")


def test_flow_mapping_key() -> None:
    snap, result = at("+a: {s¦h>: echo hi, _retry: 2}\n")
    assert covered(snap, result) == "sh>"
    assert markdown(result).startswith("**sh>** — ")


# -- tasks ------------------------------------------------------------------------------


def test_operator_task_key() -> None:
    snap, result = at("+main:\n  +lo¦ad:\n    td>: q.sql\n")
    text = markdown(result)
    assert covered(snap, result) == "+load"
    assert text.startswith("**+wf+main+load** — task\n\nruns `td>`: Runs a Presto or Hive query")
    assert "stores `td.last_job_id`, `td.last_job.id`" in text


def test_group_task_key() -> None:
    _, result = at("+ma¦in:\n  _parallel:\n    limit: 2\n  +a:\n    sh>: x\n  +b:\n    sh>: y\n")
    assert (
        markdown(result) == "**+wf+main** — task\n\ngroup of 2 tasks, run in parallel, 2 at a time"
    )
    _, result = at("+g¦:\n  _export:\n    a: 1\n    b: 2\n  +a:\n    sh>: x\n")
    text = markdown(result)
    assert "group of 1 task, run one after another" in text
    assert "exports `a`, `b` to the tasks below" in text


def test_task_name_uses_the_file_name() -> None:
    _, result = at("+lo¦ad:\n  sh>: x\n", "/project/daily_sales.dig")
    assert markdown(result).startswith("**+daily_sales+load** — task")


# -- variables --------------------------------------------------------------------------


def test_builtin_variable() -> None:
    snap, result = at("+a:\n  echo>: ${session_d¦ate}\n")
    assert covered(snap, result) == "session_date"
    assert markdown(result) == (
        "**session_date** — built-in variable\n\nDate of the session time, `yyyy-MM-dd`."
        "\n\nexample: `2016-01-02`"
    )


def test_export_variable_with_static_value() -> None:
    text = "timezone: UTC\n_export:\n  target: items\n+a:\n  echo>: ${tar¦get}_copy\n"
    snap, result = at(text)
    assert covered(snap, result) == "target"
    assert markdown(result) == (
        "**target** — exported at the top level of wf.dig:3"
        "\n\n```yaml\ntarget: items\n```\n\nvalue: `items`"
    )


def test_export_of_a_task() -> None:
    _, result = at("+x:\n  _export:\n    n: 3\n  +a:\n    echo>: ${n¦ + 1}\n")
    assert markdown(result) == (
        "**n** — exported by `+x` (wf.dig:3)\n\n```yaml\nn: 3\n```\n\nvalue: `4`"
    )


def test_stored_variable_and_member() -> None:
    base = "+load:\n  td>: q.sql\n+use:\n  echo>: ${td.last_job_id}\n"
    i = base.index("td.last") + 1
    snap, result = at(base[:i] + CURSOR + base[i:])
    text = markdown(result)
    assert covered(snap, result) == "td"
    assert text.startswith("**td** — stored by `td>` in `+wf+load`")
    assert "- `td.last_job.num_records`: " in text
    i = base.index("last_job_id") + 4
    snap, result = at(base[:i] + CURSOR + base[i:])
    assert covered(snap, result) == "last_job_id"
    assert markdown(result).startswith("**td.last_job_id** — stored by `td>` in `+wf+load`\n\n")


def test_nested_export_member() -> None:
    text = "_export:\n  db:\n    host: localhost\n+a:\n  echo>: ${db.ho¦st}\n"
    snap, result = at(text)
    assert covered(snap, result) == "host"
    assert markdown(result).startswith("**db.host** — `_export` value\n\n```yaml\nhost: localhost")


def test_loop_error_local_and_config_variables() -> None:
    _, result = at("+a:\n  for_each>:\n    fruit: [a, b]\n  _do:\n    echo>: ${fru¦it}\n")
    assert markdown(result).startswith("**fruit** — loop variable")
    assert "```yaml\nfruit: [a, b]\n```" in markdown(result)
    _, result = at("+a:\n  sh>: x\n  _error:\n    echo>: ${err¦or.message}\n")
    assert markdown(result).startswith("**error** — the error of the failed task")
    _, result = at("+a:\n  v: 1\n  echo>: ${v¦}\n")
    assert markdown(result).startswith("**v** — a key of this task written before")
    assert "value: `1`" in markdown(result)
    from diglang.config import Config

    text = "+a:\n  echo>: ${env}\n"
    snap = snapshot_of(text, "/project/wf.dig", config=Config(params=frozenset({"env"})))
    result = hover(snap, text.index("env"))
    assert markdown(result).startswith("**env** — parameter declared in the diglint config")


def test_undefined_and_javascript_names() -> None:
    _, result = at("+a:\n  echo>: ${nop¦e}\n")
    assert markdown(result) == "**nope** — not defined where this task runs"
    _, result = at("+a:\n  py>: tasks.x\n+b:\n  echo>: ${nop¦e}\n")
    assert markdown(result) == "**nope** — may be set at run time by an earlier task"
    _, result = at("+a:\n  echo>: ${Ma¦th.floor(1.5)}\n")
    assert markdown(result) == "**Math** — JavaScript global"


def test_variable_in_an_included_file(tmp_path: Path) -> None:
    (tmp_path / "common.yml").write_text("# shared\nregion: us\n")
    text = "_export:\n  !include : common.yml\n+a:\n  echo>: ${region}\n"
    (tmp_path / "wf.dig").write_text(text)
    snap = snapshot_of(text, str(tmp_path / "wf.dig"))
    result = hover(snap, text.index("region}"))
    assert markdown(result) == (
        "**region** — exported at the top level of common.yml:2"
        "\n\n```yaml\nregion: us\n```\n\nvalue: `us`"
    )


def test_fixture_project() -> None:
    path = PROJECT / "main.dig"
    text = path.read_text()
    snap = snapshot_of(text, str(path))
    result = hover(snap, text.index("table}"))
    assert markdown(result).startswith("**table** — exported at the top level of main.dig:")
    assert markdown(result).endswith("value: `daily_sales`")


# -- nothing to say ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "marked",
    [
        "+a:\n  sh>: echo hel¦lo\n",
        "# comm¦ent\n",
        "¦",
        "+a:\n  unknown_ke¦y: 1\n  sh>: x\n",
        "+a:\n  echo>: ${secret:x¦}\n",
    ],
)
def test_nothing(marked: str) -> None:
    assert at(marked)[1] is None


@pytest.mark.parametrize("text", ["", "\x00", "- a", "+a: [", "+a:\n  echo>: ${", "a: {b: ${c}"])
def test_never_raises(text: str) -> None:
    snap = snapshot_of(text, "/project/wf.dig")
    for offset in range(len(text) + 1):
        _hover(snap, offset)


def test_corpus_invariants() -> None:
    require_corpus()
    start = time.perf_counter()
    count = 0
    for path in corpus_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        snap = snapshot_of(text, str(path))
        n_lines = text.count("\n") + 1
        for offset in range(0, len(text) + 1, 53):
            result = _hover(snap, offset)
            if result is None:
                continue
            count += 1
            assert result.range is not None
            assert result.range.end.line < n_lines
            assert snap.offset(result.range.start) <= offset <= snap.offset(result.range.end)
            assert markdown(result).startswith("**")
    assert count > 1000
    assert time.perf_counter() - start < 60
