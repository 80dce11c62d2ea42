"""Completion: keys, values, `${...}` names and members, file paths, snippets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lsprotocol import types

from conftest import corpus_files, require_corpus
from diglsp import query
from diglsp.completion import (
    TRIGGER_CHARACTERS,
    _complete,
    complete,
    scope_near,
    should_complete,
)
from diglsp.workspace import Snapshot, snapshot_of

CURSOR = "¦"
PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "lsp" / "completion" / "project"


def run(marked: str, path: str | Path = "/project/wf.dig") -> tuple[Snapshot, types.CompletionList]:
    offset = marked.index(CURSOR)
    text = marked[:offset] + marked[offset + 1 :]
    snap = snapshot_of(text, str(path))
    result = _complete(snap, offset)  # the private one: errors must surface in tests
    for item in result.items:
        assert item.text_edit is not None
        rng = item.text_edit.range  # type: ignore[union-attr]
        assert rng.start.line == rng.end.line
        assert snap.offset(rng.start) <= offset <= snap.offset(rng.end)
    return snap, result


def labels(result: types.CompletionList) -> list[str]:
    return [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")]


def item(result: types.CompletionList, label: str) -> types.CompletionItem:
    found = [i for i in result.items if i.label == label]
    assert found, f"{label!r} not in {labels(result)}"
    return found[0]


def apply(snap: Snapshot, it: types.CompletionItem) -> str:
    """The document text after accepting `it` (snippet syntax left as is)."""
    edit = it.text_edit
    assert isinstance(edit, types.TextEdit)
    start, end = snap.offset(edit.range.start), snap.offset(edit.range.end)
    return snap.text[:start] + edit.new_text + snap.text[end:]


def replaced(snap: Snapshot, it: types.CompletionItem) -> str:
    edit = it.text_edit
    assert isinstance(edit, types.TextEdit)
    return snap.text[snap.offset(edit.range.start) : snap.offset(edit.range.end)]


# -- keys in tasks ----------------------------------------------------------------------


def test_params_of_the_operator_required_first_and_not_repeated() -> None:
    snap, result = run("+main:\n  +load:\n    td>: q.sql\n    engine: presto\n    da¦\n")
    names = labels(result)
    assert names[0] == "database"  # the only required param of td>
    assert "engine" not in names  # already written
    assert "td>" not in names and "sh>" not in names  # the task has its operator
    assert "_do" not in names and "_env" not in names  # not for td>
    assert "_parallel" not in names  # only for loop-like operators
    assert "_retry" in names and "_error" in names and "_export" in names
    assert "timezone" not in names and "schedule" not in names
    db = item(result, "database")
    assert db.kind == types.CompletionItemKind.Property
    assert db.detail == "string, required"
    assert replaced(snap, db) == "da"
    assert apply(snap, db).endswith("    database: $1\n")
    assert db.insert_text_format == types.InsertTextFormat.Snippet
    engine_doc = item(run("+a:\n  td>: q.sql\n  ¦\n")[1], "engine").documentation
    assert isinstance(engine_doc, types.MarkupContent)
    assert "values: `presto`, `hive`" in engine_doc.value


def test_enum_and_boolean_params_insert_choices() -> None:
    _, result = run("+a:\n  td>: q.sql\n  ¦\n")
    assert item(result, "engine").text_edit.new_text == "engine: ${1|presto,hive|}"  # type: ignore[union-attr]
    preview = item(result, "preview")
    assert preview.text_edit.new_text == "preview: ${1|true,false|}"  # type: ignore[union-attr]
    assert preview.detail == "boolean = false"


def test_file_param_retriggers_suggest() -> None:
    _, result = run("+a:\n  mail>: body.txt\n  ¦\n")
    attach = item(result, "attach_files")
    assert attach.command is None  # a list of mappings, not a path
    schema = item(run("+a:\n  bq_load>: gs://b/x.csv\n  ¦\n")[1], "schema")
    assert schema.command is not None and schema.command.command == "editor.action.triggerSuggest"


def test_operators_in_a_task_without_one() -> None:
    snap, result = run("+a:\n  sh>: x\n+b:\n  t¦")
    names = labels(result)
    assert names.index("td>") < names.index("_retry")  # an operator is what a new task needs
    td = item(result, "td>")
    assert td.kind == types.CompletionItemKind.Function
    assert td.detail == "Runs a Presto or Hive query on Treasure Data and waits for it."
    assert apply(snap, td) == "+a:\n  sh>: x\n+b:\n  td>: $1"
    assert td.command is not None and td.command.command == "editor.action.triggerSuggest"
    doc = td.documentation
    assert isinstance(doc, types.MarkupContent)
    assert doc.value.startswith("**td>** — ")
    assert "required: `database`" in doc.value
    sh = item(result, "sh>")
    assert sh.command is None
    emr = item(result, "emr>")  # no command: its params follow on the next lines
    assert emr.text_edit.new_text == "emr>:\n  $0"  # type: ignore[union-attr]
    for_range = item(result, "for_range>")  # a mapping command
    assert for_range.text_edit.new_text == "for_range>:\n    $1"  # type: ignore[union-attr]
    assert "+task sh>" not in names  # snippets only for an empty prefix or `+...`


def test_group_keys() -> None:
    _, result = run("+g:\n  +a:\n    sh>: x\n  ¦\n")
    names = labels(result)
    assert "_parallel" in names and "_background" in names and "_after" in names
    assert "sh>" not in names
    assert "_check" not in names  # groups never run it
    assert "timezone" not in names  # only effective at the top level
    assert "+task sh>" in names


def test_top_level_keys() -> None:
    snap, result = run("+a:\n  sh>: x\n¦")
    names = labels(result)
    for key in ("timezone", "schedule", "sla", "_export", "_error", "_retry", "_parallel"):
        assert key in names
    for key in ("_background", "_after", "_check", "_type", "sh>", "_do"):
        assert key not in names
    schedule = item(result, "schedule")
    assert apply(snap, schedule).endswith("schedule:\n  $1")
    assert schedule.insert_text_mode == types.InsertTextMode.AsIs
    assert schedule.command is not None
    tz = item(result, "timezone")
    assert tz.text_edit.new_text == "timezone: $1"  # type: ignore[union-attr]
    assert tz.detail == "top-level key"
    doc = tz.documentation
    assert isinstance(doc, types.MarkupContent) and "default: `UTC`" in doc.value


def test_keys_already_written_are_not_offered() -> None:
    _, result = run(
        "timezone: UTC\n_export:\n  a: 1\n¦\n+a:\n  sh>: x\nschedule:\n  daily>: 1:0:0\n"
    )
    names = labels(result)
    assert "timezone" not in names and "_export" not in names and "schedule" not in names
    assert "sla" in names


def test_editing_an_existing_key_replaces_it_without_a_second_colon() -> None:
    snap, result = run("+a:\n  sh>: x\n  _ret¦ry: 3\n")
    retry = item(result, "_retry")
    assert retry.text_edit.new_text == "_retry"  # type: ignore[union-attr]
    assert replaced(snap, retry) == "_retry"
    assert retry.command is None


def test_type_directive_makes_command_available() -> None:
    _, result = run("+a:\n  _type: sh\n  ¦\n")
    names = labels(result)
    assert "_command" in names and "_type" not in names
    assert "_env" in names  # `_type: sh` is an sh> task
    _, result = run("+a:\n  sh>: x\n  ¦\n")
    assert "_command" not in labels(result) and "_type" not in labels(result)


def test_loop_operators_accept_do_and_parallel() -> None:
    _, result = run("+a:\n  for_each>:\n    x: [1, 2]\n  ¦\n")
    names = labels(result)
    assert "_do" in names and "_parallel" in names and "_else_do" not in names
    _, result = run("+a:\n  if>: true\n  _do:\n    echo>: y\n  ¦\n")
    assert "_else_do" in labels(result) and "_do" not in labels(result)


def test_flow_mapping_keys() -> None:
    snap, result = run("+a: {sh>: echo, _re¦}\n")
    retry = item(result, "_retry")
    assert replaced(snap, retry) == "_re"
    assert retry.text_edit.new_text == "_retry: $1"  # type: ignore[union-attr]
    assert "+task sh>" not in labels(result)


# -- snippets ---------------------------------------------------------------------------


def test_task_snippets_keep_the_typed_name_and_indent_exactly() -> None:
    snap, result = run("+g:\n  +a:\n    sh>: x\n  +lo¦\n")
    assert result.is_incomplete
    sh = item(result, "+task sh>")
    assert sh.kind == types.CompletionItemKind.Snippet
    assert sh.insert_text_format == types.InsertTextFormat.Snippet
    assert sh.filter_text == "+lo"
    assert apply(snap, sh).endswith("  +${1:lo}:\n    sh>: ${2:echo hello}\n")
    group = item(result, "+group _parallel")
    assert group.text_edit.new_text == (  # type: ignore[union-attr]
        "+${1:lo}:\n    _parallel: true\n    +${2:first}:\n      ${3:echo>: first}"
        "\n    +${4:second}:\n      ${5:echo>: second}"
    )
    loop = item(result, "+for_each _do")
    assert loop.text_edit.new_text == (  # type: ignore[union-attr]
        "+${1:lo}:\n    for_each>:\n      ${2:item}: [${3:a, b}]\n    _do:"
        "\n      echo>: \\${${2:item}\\}"
    )
    cond = item(result, "+if _do _else_do")
    assert "if>: \\${${2:condition}\\}" in cond.text_edit.new_text  # type: ignore[union-attr]


def test_error_handler_snippets_use_the_schema() -> None:
    _, result = run("+a:\n  sh>: x\n_¦\n")
    mail = item(result, "_error mail>")
    text = mail.text_edit.new_text  # type: ignore[union-attr]
    assert text.startswith("_error:\n  mail>: ${1:error.txt}\n")
    for param in ("subject", "to", "from"):  # mail> requires them
        assert f"\n  {param}: " in text
    assert "to: [${3:to}]" in text
    sh = item(result, "_error sh>")
    assert sh.text_edit.new_text == '_error:\n  sh>: ${1:echo "failed: \\${error.message\\}"}'  # type: ignore[union-attr]
    _, result = run("_error:\n  sh>: x\n_¦\n")
    assert "_error sh>" not in labels(result)


def test_no_snippets_when_typing_an_operator() -> None:
    _, result = run("+a:\n  sh¦\n")
    assert not any(i.kind == types.CompletionItemKind.Snippet for i in result.items)


# -- nested mappings --------------------------------------------------------------------


def test_schedule_kinds_with_examples() -> None:
    _, result = run("timezone: UTC\nschedule:\n  ¦\n+a:\n  sh>: x\n")
    names = labels(result)
    assert names[:7] == [
        "hourly>", "daily>", "weekly>", "monthly>", "minutes_interval>", "cron>",
        "seconds_interval>",
    ]  # fmt: skip
    assert item(result, "daily>").text_edit.new_text == "daily>: ${1:07:00:00}"  # type: ignore[union-attr]
    assert item(result, "cron>").text_edit.new_text == "cron>: ${1:42 4 1 * *}"  # type: ignore[union-attr]
    assert item(result, "start").text_edit.new_text == "start: ${1:2024-01-01}"  # type: ignore[union-attr]
    assert "_command" not in names
    doc = item(result, "daily>").documentation
    assert isinstance(doc, types.MarkupContent) and "HH:MM:SS" in doc.value
    _, result = run("schedule:\n  daily>: 07:00:00\n  ¦\n")
    names = labels(result)
    assert "hourly>" not in names and "daily>" not in names and "_type" not in names
    assert "skip_on_overtime" in names


def test_retry_and_sla_keys() -> None:
    _, result = run("+a:\n  sh>: x\n  _retry:\n    limit: 3\n    ¦\n")
    assert labels(result) == ["interval", "interval_type", "max_interval"]
    _, result = run("sla:\n  ¦\n")
    assert {"time", "duration", "alert", "fail"} <= set(labels(result))


def test_export_keys_and_operator_defaults() -> None:
    _, result = run("_export:\n  ¦\n+a:\n  sh>: x\n")
    names = labels(result)
    assert "_workdir" in names and "td" in names and "_retry" not in names
    assert item(result, "td").detail is not None
    _, result = run("_export:\n  td:\n    ¦\n+a:\n  td>: q.sql\n")
    names = labels(result)
    assert "database" in names and "engine" in names and "_do" not in names
    assert (
        item(result, "database").sort_text
        == item(result, "engine").sort_text[:1] + (item(result, "database").sort_text or "")[1:]
    )  # no "required" ranking for defaults


# -- values -----------------------------------------------------------------------------


def test_enum_values() -> None:
    snap, result = run("+a:\n  td>: q.sql\n  engine: pr¦\n")
    assert labels(result) == ["presto", "hive"]
    assert replaced(snap, item(result, "presto")) == "pr"


def test_directive_values() -> None:
    _, result = run("+a:\n  loop>: 3\n  _parallel: ¦\n  _do:\n    echo>: x\n")
    assert labels(result) == ["true", "false"]
    _, result = run("+a:\n  sh>: x\n  _retry:\n    interval_type: ¦\n")
    assert labels(result) == ["constant", "exponential"]
    _, result = run("+a:\n  _type: t¦\n")
    assert "td" in labels(result) and item(result, "td").kind == types.CompletionItemKind.Function


def test_schedule_values() -> None:
    _, result = run("schedule:\n  daily>: ¦\n")
    assert labels(result) == ["07:00:00"]
    _, result = run("schedule:\n  skip_on_overtime: ¦\n")
    assert labels(result) == ["true", "false"]


def test_timezones_filtered_by_prefix() -> None:
    snap, result = run("timezone: Asia/To¦\n+a:\n  sh>: x\n")
    assert result.is_incomplete
    assert labels(result) == ["Asia/Tokyo", "Asia/Tomsk"]
    assert replaced(snap, item(result, "Asia/Tokyo")) == "Asia/To"
    _, result = run("timezone: tok¦\n")
    assert labels(result) == ["Asia/Tokyo"]
    assert item(result, "Asia/Tokyo").filter_text == "tok"
    _, result = run("timezone: ¦\n")
    names = labels(result)
    assert names[0] == "UTC" and "JST" not in names and "EST" not in names


# -- file paths -------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "daily.sql").write_text("select 1")
    (tmp_path / "queries" / "notes.txt").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.dig").write_text("+a:\n  sh>: x\n")
    (tmp_path / "other.dig").write_text("+a:\n  sh>: x\n")
    (tmp_path / "wf.dig").write_text("")
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "__init__.py").write_text("")
    (tmp_path / "tasks" / "ingest.py").write_text(
        "def main():\n    pass\n\n\ndef _private():\n    pass\n\n\n"
        "class Job:\n    def run(self):\n        pass\n\n    def __init__(self):\n        pass\n"
    )
    (tmp_path / "tasks" / "broken.py").write_text("def (:\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "run.sh").write_text("echo")
    return tmp_path


def test_query_files_relative_to_the_workflow(project: Path) -> None:
    snap, result = run("+a:\n  td>: ¦\n", project / "wf.dig")
    names = labels(result)
    assert ".hidden/" not in names and "node_modules/" not in names
    assert "wf.dig" not in names  # the file itself
    assert {"queries/", "sub/", "tasks/", "scripts/", "other.dig"} <= set(names)
    folder = item(result, "queries/")
    assert folder.kind == types.CompletionItemKind.Folder
    assert folder.text_edit.new_text == "queries/"  # type: ignore[union-attr]
    assert folder.command is not None and folder.command.command == "editor.action.triggerSuggest"
    snap, result = run("+a:\n  td>: queries/da¦\n", project / "wf.dig")
    assert labels(result) == ["daily.sql", "notes.txt"]  # .sql first for a query
    daily = item(result, "daily.sql")
    assert daily.kind == types.CompletionItemKind.File
    assert replaced(snap, daily) == "da"
    assert apply(snap, daily) == "+a:\n  td>: queries/daily.sql\n"


def test_quoted_path(project: Path) -> None:
    snap, result = run('+a:\n  td>: "queries/¦"\n', project / "wf.dig")
    assert "daily.sql" in labels(result)
    assert replaced(snap, item(result, "daily.sql")) == ""


def test_call_targets_with_and_without_suffix(project: Path) -> None:
    _, result = run("+a:\n  call>: ¦\n", project / "wf.dig")
    names = labels(result)
    assert names[:2] == ["other.dig", "other"]
    assert "queries/" in names
    bare = item(result, "other")
    assert bare.detail == "other.dig (Digdag adds `.dig`)"
    _, result = run("+a:\n  call>: sub/¦\n", project / "wf.dig")
    assert labels(result) == ["child.dig", "child"]


def test_require_offers_workflow_names(project: Path) -> None:
    snap, result = run("+a:\n  require>: o¦\n", project / "wf.dig")
    assert labels(result) == ["other"]  # top-level workflows, not this one, not sub/child
    assert replaced(snap, item(result, "other")) == "o"


def test_python_modules_and_names(project: Path) -> None:
    _, result = run("+a:\n  py>: ¦\n", project / "wf.dig")
    assert "tasks" in labels(result)
    assert "queries" not in labels(result)  # no Python inside
    _, result = run("+a:\n  py>: tasks.¦\n", project / "wf.dig")
    assert labels(result) == ["broken", "ingest"]
    snap, result = run("+a:\n  py>: tasks.ingest.¦\n", project / "wf.dig")
    assert labels(result) == ["main", "Job"]
    assert item(result, "Job").kind == types.CompletionItemKind.Class
    assert replaced(snap, item(result, "Job")) == ""
    snap, result = run("+a:\n  py>: tasks.ingest.Job.r¦\n", project / "wf.dig")
    assert labels(result) == ["run"]
    assert replaced(snap, item(result, "run")) == "r"
    _, result = run("+a:\n  py>: tasks.broken.¦\n", project / "wf.dig")
    assert labels(result) == []


def test_include_paths(project: Path) -> None:
    snap, result = run("+a:\n  !include : sub/¦\n", project / "wf.dig")
    assert labels(result) == ["child.dig"]
    assert apply(snap, item(result, "child.dig")) == "+a:\n  !include : sub/child.dig\n"


def test_shell_command_paths_only_where_a_file_is_run(project: Path) -> None:
    _, result = run("+a:\n  sh>: bash scripts/¦\n", project / "wf.dig")
    assert labels(result) == ["run.sh"]
    _, result = run("+a:\n  sh>: bash ¦\n", project / "wf.dig")
    assert "scripts/" in labels(result)
    _, result = run("+a:\n  sh>: echo hello ¦\n", project / "wf.dig")
    assert labels(result) == []
    _, result = run("+a:\n  sh>: |\n    set -e\n    ./scripts/¦\n", project / "wf.dig")
    assert labels(result) == ["run.sh"]


def test_no_paths_for_templates_uris_and_unsaved_buffers(project: Path) -> None:
    _, result = run("+a:\n  td>: ${dir}/¦\n", project / "wf.dig")
    assert labels(result) == []
    _, result = run("+a:\n  td>: s3://bucket/¦\n", project / "wf.dig")
    assert labels(result) == []
    offset = len("+a:\n  td>: ")
    snap = snapshot_of("+a:\n  td>: \n", None)
    assert complete(snap, offset).items == []


def test_fixture_project() -> None:
    _, result = run("+a:\n  td>: queries/¦\n", PROJECT / "main.dig")
    assert labels(result) == ["daily_sales.sql"]


# -- expressions ------------------------------------------------------------------------

WORKFLOW = """\
timezone: UTC
_export:
  db:
    host: localhost
    port: 5432
  target: items
+load:
  td>: queries/load.sql
  database: ${target}
+use:
  _export:
    local_var: 1
  echo>: ${¦}
"""


def test_names_visible_in_a_task_with_their_origin() -> None:
    snap, result = run(WORKFLOW)
    names = labels(result)
    assert names[:4] == ["local_var", "td", "target", "db"]  # the nearest first
    assert item(result, "local_var").detail == "`_export` of `+use`"
    assert item(result, "target").detail == "`_export` at the top level"
    td = item(result, "td")
    assert td.detail == "stored by `td>` in `+wf+load`"
    td_doc = td.documentation
    assert isinstance(td_doc, types.MarkupContent) and "`td.last_job_id`" in td_doc.value
    target_doc = item(result, "target").documentation
    assert isinstance(target_doc, types.MarkupContent)
    assert target_doc.value == "```yaml\ntarget: items\n```"
    session = item(result, "session_date")
    assert session.kind == types.CompletionItemKind.Variable
    assert session.detail == "built-in"
    doc = session.documentation
    assert isinstance(doc, types.MarkupContent) and "example: `2016-01-02`" in doc.value
    assert names.index("session_time") < names.index("attempt_id")  # reference order
    assert "last_session_time" not in names  # no schedule
    assert "error" not in names  # only in `_error` tasks
    math = item(result, "Math")
    assert (math.kind, math.detail) == (types.CompletionItemKind.Class, "JavaScript global")
    assert names.index("Math") > names.index("task_name")
    assert "this" not in names
    assert replaced(snap, session) == ""


def test_identifier_prefix_is_replaced_exactly() -> None:
    snap, result = run("+a:\n  echo>: a ${ses¦ + 'b'} c\n")
    session = item(result, "session_date")
    assert replaced(snap, session) == "ses"
    assert apply(snap, session) == "+a:\n  echo>: a ${session_date + 'b'} c\n"


def test_unclosed_expression_in_broken_yaml() -> None:
    snap, result = run("timezone: UTC\n+a:\n  sh>: echo ${ses¦\n  _retry: 1\n  x\n+b: [\n")
    assert not snap.document.ok
    assert "session_time" in labels(result)
    assert replaced(snap, item(result, "session_time")) == "ses"


def test_earlier_keys_of_the_task() -> None:
    _, result = run("+a:\n  val: 1\n  echo>: ${¦}\n  later: 2\n")
    names = labels(result)
    assert names[0] == "val" and "later" not in names
    assert item(result, "val").detail == "a key of this task"


def test_loop_and_error_variables() -> None:
    _, result = run("+a:\n  for_each>:\n    fruit: [apple]\n  _do:\n    echo>: ${¦}\n")
    assert labels(result)[0] == "fruit"
    assert item(result, "fruit").detail == "loop variable"
    _, result = run("+a:\n  sh>: x\n  _error:\n    echo>: ${¦}\n")
    assert item(result, "error").detail == "error of the failed task"
    _, result = run("+a:\n  loop>: 2\n  _do:\n    echo>: ${i¦}\n")
    assert item(result, "i").detail == "loop variable"


def test_config_params() -> None:
    from diglang.config import Config

    text = "+a:\n  echo>: ${}\n"
    snap = snapshot_of(text, "/project/wf.dig", config=Config(params=frozenset({"env"})))
    result = complete(snap, text.index("}"))
    env = item(result, "env")
    assert env.detail == "parameter declared in the diglint config"


def test_members_of_stored_values() -> None:
    _, result = run("+a:\n  td>: q.sql\n+b:\n  echo>: ${td.¦}\n")
    assert labels(result) == ["last_job_id", "last_job", "last_results"]
    assert item(result, "last_job_id").detail == "stored by `td>`"
    _, result = run("+a:\n  td>: q.sql\n+b:\n  echo>: ${td.last_job.n¦}\n")
    assert labels(result) == ["id", "num_records"]
    _, result = run("+a:\n  pg>: q.sql\n  store_last_results: true\n+b:\n  echo>: ${pg.¦}\n")
    assert labels(result) == ["last_results"]


def test_members_of_error_and_exports() -> None:
    _, result = run("_error:\n  echo>: ${error.¦}\n+a:\n  sh>: x\n")
    assert labels(result) == ["message", "stacktrace"]
    snap, result = run(WORKFLOW.replace("${¦}", "${ db.h¦ }"))
    assert labels(result) == ["host", "port"]
    assert replaced(snap, item(result, "host")) == "h"
    doc = item(result, "port").documentation
    assert isinstance(doc, types.MarkupContent) and doc.value == "```yaml\nport: 5432\n```"


def test_javascript_members() -> None:
    _, result = run("+a:\n  echo>: ${moment(session_time).add(1, 'days').¦}\n")
    names = labels(result)
    assert names[:5] == ["format", "add", "subtract", "startOf", "endOf"]
    fmt = item(result, "format")
    assert fmt.kind == types.CompletionItemKind.Method
    assert fmt.text_edit.new_text == "format('${1:YYYY-MM-DD}')"  # type: ignore[union-attr]
    assert fmt.insert_text_format == types.InsertTextFormat.Snippet
    assert "tz" not in names  # Digdag ships Moment.js without moment-timezone
    _, result = run("+a:\n  echo>: ${moment().format('YYYY').¦}\n")
    assert "replace" in labels(result) and "add" not in labels(result)
    _, result = run("+a:\n  echo>: ${Math.¦}\n")
    assert "floor" in labels(result) and "PI" in labels(result)
    _, result = run("+a:\n  echo>: ${JSON.¦}\n")
    assert labels(result) == ["stringify", "parse"]
    _, result = run("+a:\n  echo>: ${session_date.¦}\n")
    assert "replace" in labels(result)
    _, result = run("+a:\n  echo>: ${unknown.¦}\n")
    assert labels(result) == []


def test_nothing_inside_a_javascript_string_or_a_comment() -> None:
    _, result = run("+a:\n  echo>: ${moment().format('YY¦')}\n")
    assert labels(result) == []
    _, result = run("+a:\n  echo>: x # ${¦}\n")
    assert labels(result) == []


def test_fallback_without_a_workflow() -> None:
    text = "- not a mapping\n- ${¦}\n_export:\n  foo: 1\n"
    _, result = run(text)
    names = labels(result)
    assert "session_date" in names and "foo" in names


def test_utf16_ranges() -> None:
    snap, result = run("+a:\n  echo>: 😀 ${ses¦}\n")
    session = item(result, "session_time")
    edit = session.text_edit
    assert isinstance(edit, types.TextEdit)
    # 😀 counts two UTF-16 units: `  echo>: ` (9) + 2 + ` ${` (3)
    assert (edit.range.start.character, edit.range.end.character) == (14, 17)
    assert apply(snap, session) == "+a:\n  echo>: 😀 ${session_time}\n"


# -- triggers, robustness, speed --------------------------------------------------------


def test_trigger_characters_and_space_filter() -> None:
    assert TRIGGER_CHARACTERS == ["+", "_", "{", ".", "/", " "]
    text = "+a:\n  td>: x\n  engine: \n  sh>: echo a b\n"
    snap = snapshot_of(text, "/project/wf.dig")
    assert should_complete(snap, text.index("engine: ") + 8, " ")
    assert not should_complete(snap, text.index("a b") + 2, " ")
    assert should_complete(snap, 0, None)
    assert should_complete(snap, 5, "+")


@pytest.mark.parametrize(
    "text",
    ["", "\x00\xff", "- a\n- b", "+a: [", "key: {a: ${", "+a:\n  sh>: ${ { ${ }}", "\t+a:\n"],
)
def test_never_raises(text: str) -> None:
    snap = snapshot_of(text, "/project/wf.dig")
    for offset in range(len(text) + 1):
        _complete(snap, offset)


def test_corpus_invariants() -> None:
    require_corpus()
    start = time.perf_counter()
    for path in corpus_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        snap = snapshot_of(text, str(path))
        n_lines = text.count("\n") + 1
        for offset in range(0, len(text) + 1, 97):
            result = _complete(snap, offset)
            for it in result.items:
                edit = it.text_edit
                assert isinstance(edit, types.TextEdit), (path, offset)
                assert edit.range.start.line < n_lines and edit.range.end.line < n_lines
                assert snap.offset(edit.range.start) <= offset <= snap.offset(edit.range.end)
                assert it.sort_text is not None
    assert time.perf_counter() - start < 60


def test_scope_near_equals_the_whole_workflow_analysis() -> None:
    require_corpus()
    checked = 0
    for path in corpus_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        fast = snapshot_of(text, str(path))
        # the same document and project, without the per-task shortcut
        full = Snapshot(fast.uri, None, fast.document, fast.project, fast.config)
        wf = fast.document.workflow
        if wf is None:
            continue
        for task in wf.walk_tasks():
            for template in [None, *task.local_templates()][:2]:
                near = scope_near(fast, task, template)
                assert "analyzer" not in fast.memo
                expected = query.scope_at(full, task, template)
                assert near.open == expected.open, (path, task.full_name)
                assert near.names.keys() == expected.names.keys(), (path, task.full_name)
                for name, origin in near.names.items():
                    want = expected.names[name]
                    assert (origin.kind, origin.detail) == (want.kind, want.detail), (path, name)
                    assert (origin.key, origin.value, origin.task) == (
                        want.key,
                        want.value,
                        want.task,
                    ), (path, task.full_name, name)
                checked += 1
    assert checked > 1000


AFTER = """\
+load:
  _parallel: true
  +users:
    td>: users.sql
  +items:
    echo>: items
  +join:
    _after: {after}
    echo>: join
  +later:
    echo>: later
"""


@pytest.mark.parametrize("after", ["[+¦]", "[+users, ¦]", "\n      - +it¦"])
def test_after_offers_earlier_siblings(after: str) -> None:
    _, result = run(AFTER.format(after=after))
    assert labels(result) == ["+users", "+items"]  # not itself, not later ones
    assert item(result, "+users").detail == "td>"
    assert item(result, "+items").detail == "echo>"
