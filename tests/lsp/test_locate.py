"""Cursor context on documents being typed: keys, values, `${...}`, paths of enclosing keys."""

from __future__ import annotations

import pytest

from conftest import corpus_files, require_corpus
from diglsp.locate import CursorContext, _locate, locate, open_expr
from diglsp.workspace import Snapshot, snapshot_of

CURSOR = "¦"


def at(marked: str, path: str = "/project/wf.dig") -> tuple[Snapshot, CursorContext]:
    """The snapshot of `marked` without its cursor mark, and the context at the mark."""
    offset = marked.index(CURSOR)
    text = marked[:offset] + marked[offset + 1 :]
    snap = snapshot_of(text, path)
    ctx = _locate(snap, offset)  # the private one: errors must surface in tests
    assert locate(snap, offset) == ctx
    return snap, ctx


# -- key positions ----------------------------------------------------------------------


def test_partial_key_in_an_operator_task_of_a_broken_document() -> None:
    snap, ctx = at("+main:\n  +load:\n    td>: q.sql\n    da¦\n")
    assert not snap.document.ok  # `da` without a colon breaks the YAML
    assert ctx.kind == "key"
    assert ctx.prefix == "da"
    assert snap.text[ctx.start : ctx.end] == "da"
    assert ctx.path == ("+main", "+load")
    assert ctx.task_path == ("+main", "+load")
    assert ctx.inner == ()
    assert ctx.siblings == ("td>",)
    assert ctx.operator == "td"
    assert ctx.where == "operator"
    assert ctx.task is not None and ctx.task.full_name == "+wf+main+load"
    assert not ctx.has_colon


def test_blank_line_inside_a_task_sees_keys_below_the_cursor_too() -> None:
    _, ctx = at("+a:\n  _retry: 2\n  ¦\n  sh>: echo hi\n+b:\n  sh>: x\n")
    assert ctx.kind == "key"
    assert ctx.prefix == ""
    assert ctx.path == ("+a",)
    assert ctx.siblings == ("_retry", "sh>")
    assert ctx.operator == "sh"


def test_blank_line_at_top_level() -> None:
    _, ctx = at("timezone: UTC\n+a:\n  sh>: x\n\n¦")
    assert ctx.kind == "key"
    assert ctx.path == ()
    assert ctx.where == "top"
    assert ctx.siblings == ("timezone", "+a")
    assert ctx.task is not None and ctx.task.key is None  # the workflow's root task


def test_empty_document() -> None:
    _, ctx = at("¦")
    assert (ctx.kind, ctx.path, ctx.where, ctx.start, ctx.end) == ("key", (), "top", 0, 0)


def test_new_task_without_operator_yet() -> None:
    _, ctx = at("+a:\n  sh>: x\n+b:\n  td¦")
    assert ctx.path == ("+b",)
    assert ctx.prefix == "td"
    assert ctx.where == "task"
    assert ctx.operator is None


def test_group_task() -> None:
    _, ctx = at("+g:\n  +a:\n    sh>: x\n  _p¦\n")
    assert ctx.path == ("+g",)
    assert ctx.where == "group"
    assert ctx.siblings == ("+a",)


def test_existing_key_being_edited_has_its_colon() -> None:
    snap, ctx = at("+a:\n  sh>: x\n  _ret¦ry: 3\n")
    assert ctx.kind == "key"
    assert ctx.key == "_retry"
    assert ctx.prefix == "_ret"
    assert snap.text[ctx.start : ctx.end] == "_retry"
    assert ctx.has_colon
    assert ctx.siblings == ("sh>",)


def test_quoted_key_being_typed() -> None:
    snap, ctx = at('+a:\n  sh>: x\n  "_ret¦"\n')
    assert ctx.kind == "key"
    assert ctx.quote == '"'
    assert ctx.prefix == "_ret"
    assert snap.text[ctx.start : ctx.end] == "_ret"


def test_operator_from_type_directive() -> None:
    _, ctx = at("+a:\n  _type: td\n  ¦\n")
    assert ctx.operator == "td"
    assert ctx.where == "operator"


def test_keys_inside_export() -> None:
    _, ctx = at("+a:\n  _export:\n    foo: 1\n    ¦\n  td>: x\n")
    assert ctx.path == ("+a", "_export")
    assert ctx.inner == ("_export",)
    assert ctx.where == "export"
    assert ctx.siblings == ("foo",)
    assert ctx.operator == "td"  # the task's operator, written after `_export`


def test_top_level_export_and_schedule() -> None:
    _, ctx = at("_export:\n  ¦\n+a:\n  sh>: x\n")
    assert ctx.where == "export"
    assert ctx.task_path == ()
    _, ctx = at("timezone: UTC\nschedule:\n  dai¦\n+a:\n  sh>: x\n")
    assert ctx.path == ("schedule",)
    assert ctx.where == "schedule"
    assert ctx.prefix == "dai"


def test_special_tasks_are_part_of_the_task_path() -> None:
    _, ctx = at("+a:\n  for_each>:\n    x: [1, 2]\n  _do:\n    echo>: ${x}\n    ¦\n")
    assert ctx.task_path == ("+a", "_do")
    assert ctx.task is not None and ctx.task.full_name == "+wf+a^sub"
    assert ctx.operator == "echo"
    _, ctx = at("_error:\n  ¦\n+a:\n  sh>: x\n")
    assert ctx.task_path == ("_error",)
    assert ctx.where == "task"


def test_sequence_of_mappings() -> None:
    _, ctx = at("+a:\n  emr>:\n  steps:\n    - type: script\n      scr¦\n")
    assert ctx.path == ("+a", "steps", "-")
    assert ctx.inner == ("steps", "-")
    assert ctx.siblings == ("type",)
    assert ctx.operator == "emr"
    assert ctx.where == "other"


def test_sequence_item_at_the_parent_keys_column() -> None:
    _, ctx = at("+a:\n  emr>:\n  steps:\n  - type: script\n    scr¦\n")
    assert ctx.path == ("+a", "steps", "-")


def test_nested_directive_mapping() -> None:
    _, ctx = at("+a:\n  sh>: x\n  _retry:\n    lim¦\n")
    assert ctx.inner == ("_retry",)
    assert ctx.operator == "sh"


def test_deep_nesting() -> None:
    text = "+a:\n  +b:\n    +c:\n      +d:\n        sh>: x\n        ¦\n    +e:\n      sh>: y\n"
    _, ctx = at(text)
    assert ctx.path == ("+a", "+b", "+c", "+d")
    assert ctx.task is not None and ctx.task.full_name == "+wf+a+b+c+d"


def test_comments_between_keys_are_skipped() -> None:
    _, ctx = at("+a:\n  # a comment\n\n  sh>: x\n  # another\n  ¦\n")
    assert ctx.path == ("+a",)
    assert ctx.siblings == ("sh>",)


# -- value positions --------------------------------------------------------------------


def test_value_of_a_param() -> None:
    snap, ctx = at("+a:\n  http>: https://x\n  method: P¦\n")
    assert ctx.kind == "value"
    assert ctx.key == "method"
    assert ctx.prefix == "P"
    assert snap.text[ctx.start : ctx.offset] == "P"
    assert ctx.operator == "http"
    assert ctx.path == ("+a",)


def test_empty_value_after_colon_and_space() -> None:
    _, ctx = at("+a:\n  td>: ¦\n")
    assert ctx.kind == "value"
    assert ctx.key == "td>"
    assert ctx.prefix == ""
    assert ctx.operator == "td"


def test_quoted_value() -> None:
    snap, ctx = at('+a:\n  td>:\n  query: "abc¦\n')
    assert ctx.kind == "value"
    assert ctx.quote == '"'
    assert ctx.prefix == "abc"
    assert snap.text[ctx.start : ctx.offset] == "abc"


def test_after_a_closing_quote_is_nothing() -> None:
    _, ctx = at('+a:\n  td>: "q.sql" ¦\n')
    assert ctx.kind == "none"


def test_top_level_timezone_value() -> None:
    _, ctx = at("timezone: Asia/To¦\n")
    assert (ctx.kind, ctx.key, ctx.prefix, ctx.where) == ("value", "timezone", "Asia/To", "top")


def test_last_word_of_a_command() -> None:
    snap, ctx = at("+a:\n  sh>: bash scripts/ru¦\n")
    assert snap.text[ctx.word_start : ctx.offset] == "scripts/ru"


def test_block_scalar_continuation() -> None:
    snap, ctx = at("+a:\n  sh>: |\n    echo one\n    python3 tasks/x¦\n  _retry: 1\n")
    assert ctx.kind == "value"
    assert ctx.block
    assert ctx.key == "sh>"
    assert ctx.path == ("+a",)
    assert ctx.prefix == "python3 tasks/x"
    assert snap.text[ctx.word_start : ctx.offset] == "tasks/x"
    assert ctx.siblings == ("_retry",)
    assert ctx.operator == "sh"


def test_block_scalar_indicator_line_is_nothing() -> None:
    _, ctx = at("+a:\n  sh>: >-¦\n    echo\n")
    assert ctx.kind == "none"


def test_plain_scalar_continuation_is_a_value() -> None:
    _, ctx = at("+a:\n  echo>: one\n    two¦\n")
    assert (ctx.kind, ctx.key, ctx.block) == ("value", "echo>", True)


def test_include_key_value() -> None:
    snap, ctx = at("+a:\n  !include : sub/¦\n")
    assert ctx.kind == "value"
    assert ctx.tag == "!include"
    assert ctx.prefix == "sub/"
    assert snap.text[ctx.start : ctx.offset] == "sub/"
    assert ctx.task_keys == ()


def test_include_tag_value() -> None:
    snap, ctx = at("+a:\n  _export: !include con¦\n")
    assert ctx.tag == "!include"
    assert ctx.key == "_export"
    assert ctx.prefix == "con"
    assert snap.text[ctx.start : ctx.offset] == "con"


def test_sequence_item_value() -> None:
    _, ctx = at("+a:\n  sh>: x\n  _after:\n    - +¦\n")
    assert (ctx.kind, ctx.key, ctx.sequence, ctx.prefix) == ("value", "_after", True, "+")
    assert ctx.path == ("+a", "_after")


def test_comment_is_nothing() -> None:
    _, ctx = at("+a:\n  sh>: echo # ${x¦\n")
    assert ctx.kind == "none"
    _, ctx = at("# +a:¦\n")
    assert ctx.kind == "none"


# -- flow collections -------------------------------------------------------------------


def test_flow_mapping_key() -> None:
    snap, ctx = at("+a: {sh>: echo, _re¦}\n")
    assert ctx.kind == "key"
    assert ctx.flow
    assert ctx.path == ("+a",)
    assert ctx.prefix == "_re"
    assert snap.text[ctx.start : ctx.offset] == "_re"
    assert ctx.siblings == ("sh>",)
    assert ctx.operator == "sh"


def test_flow_mapping_value() -> None:
    _, ctx = at("+a: {sh>: echo, _retry: ¦}\n")
    assert (ctx.kind, ctx.key, ctx.path, ctx.operator) == ("value", "_retry", ("+a",), "sh")


def test_nested_flow_mapping() -> None:
    _, ctx = at("+a:\n  sh>: x\n  _env: {A: ¦\n")
    assert ctx.path == ("+a", "_env")
    assert ctx.key == "A"
    assert ctx.inner == ("_env",)


def test_flow_sequence_item() -> None:
    _, ctx = at("+a:\n  sh>: x\n  _after: [+b, +¦]\n")
    assert (ctx.kind, ctx.key, ctx.sequence, ctx.prefix) == ("value", "_after", True, "+")
    assert (ctx.path, ctx.operator, ctx.siblings) == (("+a",), "sh", ("sh>",))


# -- expressions ------------------------------------------------------------------------


def test_unclosed_expression_at_end_of_line() -> None:
    snap, ctx = at("timezone: UTC\n+a:\n  sh>: echo ${ses¦\n+b:\n  echo>: hi\n")
    assert ctx.expr is not None
    e = ctx.expr
    assert e.prefix == "ses"
    assert snap.text[e.prefix_start : ctx.offset] == "ses"
    assert e.receiver == ()
    assert not e.closed
    assert ctx.operator == "sh"
    assert ctx.task is not None and ctx.task.full_name == "+wf+a"


def test_member_after_a_dot() -> None:
    snap, ctx = at("+a:\n  sh>: echo ${td.last_¦}\n")
    assert ctx.expr is not None
    assert ctx.expr.receiver == ("td",)
    assert ctx.expr.prefix == "last_"
    assert ctx.expr.closed
    assert snap.text[ctx.expr.prefix_start : ctx.offset] == "last_"


def test_member_of_a_call_chain() -> None:
    text = "+a:\n  sh>: |\n    echo ${moment(session_time).add(1, 'd').¦}\n"
    _, ctx = at(text)
    assert ctx.block
    assert ctx.expr is not None
    assert ctx.expr.receiver == ("moment()", "add()")
    assert ctx.expr.prefix == ""


def test_nested_member_chain_and_spaces() -> None:
    _, ctx = at("+a:\n  echo>: ${ db.host . na¦ }\n")
    assert ctx.expr is not None
    assert ctx.expr.receiver == ("db", "host")
    assert ctx.expr.prefix == "na"


def test_empty_expression_right_after_the_brace() -> None:
    _, ctx = at("+a:\n  echo>: x ${¦}\n")
    assert ctx.expr is not None
    assert (ctx.expr.prefix, ctx.expr.receiver, ctx.expr.text) == ("", (), "")


def test_secret_placeholder_is_not_an_expression() -> None:
    _, ctx = at("+a:\n  sh>: echo ${secret:pg.pass¦}\n")
    assert ctx.expr is None
    _, ctx = at('+a:\n  sh>: echo ${secret:x} ${ "a" + ¦ }\n')
    assert ctx.expr is not None and ctx.expr.text == ' "a" + '


def test_closed_expression_before_the_cursor_is_not_open() -> None:
    _, ctx = at("+a:\n  sh>: echo ${x} ¦\n")
    assert ctx.expr is None


def test_inside_a_javascript_string() -> None:
    _, ctx = at("+a:\n  echo>: ${moment().format('YYYY¦')}\n")
    assert ctx.expr is not None and ctx.expr.in_string


def test_expression_in_a_quoted_value_and_in_an_error_task() -> None:
    _, ctx = at('_error:\n  mail>: body.txt\n  subject: "failed: ${error.¦"\n')
    assert ctx.expr is not None
    assert ctx.expr.receiver == ("error",)
    assert ctx.task_path == ("_error",)
    assert ctx.key == "subject"


def test_number_before_a_dot_is_not_a_receiver() -> None:
    _, ctx = at("+a:\n  echo>: ${1.¦}\n")
    assert ctx.expr is not None
    assert ctx.expr.receiver == ("?",)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("${a", 0),
        ("${a} ${b", 5),
        ("${a}", None),
        ("${ {a:1}.", 0),
        ("${secret:x", None),
        ("$${a", 1),
        ("no", None),
    ],
)
def test_open_expr(segment: str, expected: int | None) -> None:
    assert open_expr(segment) == expected


# -- robustness -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "- a\n- b\n",
        "\x00\x01binary\xff",
        "key: [unclosed\n  - x: {\n",
        "+a:\n\t sh>: x\n",
        "   \r\n+a:\r\n  sh>: x\r\n",
        '"unterminated: \n',
        "? complex\n: value\n",
        "a: |\n b\n  c\n d: e\n",
        "+a: {b: [c, {d: ",
        "- - - x: y\n      - z",
    ],
)
def test_never_raises(text: str) -> None:
    snap = snapshot_of(text, "/project/wf.dig")
    for offset in range(len(text) + 1):
        ctx = _locate(snap, offset)
        assert 0 <= ctx.start <= len(text)
        assert ctx.start <= max(ctx.end, ctx.offset)


def test_indentation_before_a_key_is_nothing() -> None:
    _, ctx = at("+a:\n ¦ sh>: x\n")
    assert ctx.kind == "none"


def test_crlf_line_endings() -> None:
    _, ctx = at("+a:\r\n  sh>: x\r\n  _ret¦\r\n")
    assert (ctx.kind, ctx.prefix, ctx.path) == ("key", "_ret", ("+a",))


def test_corpus_never_raises() -> None:
    require_corpus()
    files = corpus_files()
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        snap = snapshot_of(text, str(path))
        for offset in range(0, len(text) + 1, 61):
            ctx = _locate(snap, offset)
            assert 0 <= ctx.start <= len(text), (path, offset)
            if ctx.kind == "key":
                assert text[ctx.start : ctx.offset] == ctx.prefix, (path, offset)
