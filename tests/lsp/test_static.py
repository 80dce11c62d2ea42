"""Static values of `${...}`: Digdag's parameter visibility and JavaScript's exact semantics."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from diglsp import query
from diglsp.static import js_render, number_to_string, static_value
from diglsp.workspace import Snapshot, snapshot_of


def values(snap: Snapshot, task: str | None = None) -> list[tuple[str, str | None]]:
    """(expression text, static value) of every `${...}` of the document, in order."""
    wf = snap.document.workflow
    assert wf is not None
    found = []
    for owner, template in wf.walk_templates():
        if template.source is not snap.source:
            continue
        if task is not None and owner.full_name != task:
            continue
        for expr in template.exprs:
            found.append((expr.text, static_value(snap, query.ExprAt(owner, template, expr))))
    return found


def value_map(text: str, task: str | None = None) -> dict[str, str | None]:
    return dict(values(snapshot_of(text, None), task))


def test_exported_literals_keep_their_yaml_types() -> None:
    got = value_map(
        """\
_export:
  table: items
  n: 1
  big: 10000000000000000000000
  ratio: 1.5
  zero_lead: 0.5
  flag: true
  none: null
  list: [1, two, 3.0]
  obj: {a: 1, b: [x]}
+t:
  echo>: ${table}
  a: ${n + 1}
  b: ${big}
  c: ${ratio * 2}
  d: ${zero_lead + 1}
  e: ${flag}
  f: ${none}
  g: ${list}
  h: ${obj}
  i: ${obj.b[0]}
  j: ${list.length}
  k: ${obj.missing}
"""
    )
    assert got == {
        "table": "items",
        "n + 1": "2",
        "big": "1e+22",
        "ratio * 2": "3",
        "zero_lead + 1": "0.51",  # `0.5` is a string in Digdag's YAML
        "flag": "true",
        "none": "",
        "list": '[1,"two",3]',
        "obj": '{"a":1,"b":["x"]}',
        "obj.b[0]": "x",
        "list.length": "3",
        "obj.missing": "",
    }


def test_runtime_values_are_never_guessed() -> None:
    got = value_map(
        """\
schedule:
  daily>: 07:00:00
_export:
  d: ${session_date}
  timezone: Asia/Tokyo
+a:
  td>: q.sql
+b:
  echo>: ${session_date} ${moment(session_time).format('YYYY')} ${d} ${td.last_job_id}
  x: ${timezone} ${next_session_time} ${nope} ${Math.max(1, 2)} ${"ab".toUpperCase()}
  y: ${typeof nope} ${new Date()} ${(function(){ return 1 })()} ${`t`}
"""
    )
    assert set(got.values()) == {None}


def test_javascript_semantics() -> None:
    got = value_map(
        """\
_export:
  n: 1
  s: "1"
  e: ""
+t:
  echo>: x
  a: ${n + 1} ${s + 1} ${s - 1} ${s * "2"} ${n / 0} ${-n / 0} ${0 / 0} ${7 % -3} ${-7 % 3}
  b: ${0.1 + 0.2} ${1 / 3} ${1e21} ${123456789012345680000} ${0.000001} ${1e-7} ${-0}
  c: ${n == '1'} ${n === '1'} ${n != s} ${n !== s} ${null == undefined} ${null == 0}
  d: ${e || 'default'} ${s && 'yes'} ${n > 1 ? 'big':'small'} ${!e} ${typeof n}
  f: ${[1, [2, 3]] + ''} ${ {} + 'x' } ${[] + []} ${true + 1} ${null + 1} ${undefined + 1}
  g: ${"10" < "9"} ${10 < 9} ${"10" < 9} ${"abc".length} ${"héllo"[1]} ${void 0}
  h: |-
    ${JSON.stringify({b: 1, 2: [null, undefined], a: "q\\"\\n"})} ${JSON.stringify(undefined)}
  i: ${' 12 ' * 1} ${'0x1F' - 0} ${'1e3' - 0} ${'12px' - 0} ${'Infinity' - 1} ${+'-'}
"""
    )
    assert got == {
        "n + 1": "2",
        "s + 1": "11",
        "s - 1": "0",
        's * "2"': "2",
        "n / 0": "null",  # Infinity: JSON.stringify renders it as null
        "-n / 0": "null",
        "0 / 0": "null",
        "7 % -3": "1",
        "-7 % 3": "-1",
        "0.1 + 0.2": "0.30000000000000004",
        "1 / 3": "0.3333333333333333",
        "1e21": "1e+21",
        "123456789012345680000": "123456789012345680000",
        "0.000001": "0.000001",
        "1e-7": "1e-7",
        "-0": "0",
        "n == '1'": "true",
        "n === '1'": "false",
        "n != s": "false",
        "n !== s": "true",
        "null == undefined": "true",
        "null == 0": "false",
        "e || 'default'": "default",
        "s && 'yes'": "yes",
        "n > 1 ? 'big':'small'": "small",
        "!e": "true",
        "typeof n": "number",
        "[1, [2, 3]] + ''": "1,2,3",
        " {} + 'x' ": "[object Object]x",
        "[] + []": "",
        "true + 1": "2",
        "null + 1": "1",
        "undefined + 1": "null",  # NaN
        '"10" < "9"': "true",
        "10 < 9": "false",
        '"10" < 9': "false",
        '"abc".length': "3",
        '"héllo"[1]': "é",
        "void 0": "",
        'JSON.stringify({b: 1, 2: [null, undefined], a: "q\\"\\n"})': (
            '{"2":[null,null],"b":1,"a":"q\\"\\n"}'
        ),
        "JSON.stringify(undefined)": "",
        "' 12 ' * 1": "12",
        "'0x1F' - 0": "31",
        "'1e3' - 0": "1000",
        "'12px' - 0": "null",
        "'Infinity' - 1": "null",
        "+'-'": "null",
    }


def test_exported_templates_resolve_through_other_exports() -> None:
    snap = snapshot_of(
        """\
_export:
  env: prod
  db: ${env}_db
  table: ${db}.items
  n: 2
  doubled: ${n * 2}
  early: ${late}
  late: ${env}
  self: ${self}
  a: ${b}
  b: ${a}
+t:
  echo>: ${table} | ${doubled + 1} | ${early} | ${self} | ${a}
""",
        None,
    )
    wf = snap.document.workflow
    assert wf is not None
    assert values(snap, wf.tasks[0].full_name) == [
        ("table", "prod_db.items"),
        ("doubled + 1", "41"),  # a template's result is a string
        # `late` is defined after `early`, so `early` saw its raw text: not guessed
        ("early", None),
        ("self", None),
        ("a", None),
    ]


def test_nearest_export_wins_and_mappings_merge() -> None:
    text = """\
_export:
  env: dev
  td: {database: base, engine: presto}
  conf: {a: 1, nested: {x: 1, y: 2}}
+prod:
  _export:
    env: prod
    td: {database: prod_db}
    conf: {nested: {y: 3}}
  +load:
    echo>: ${env} ${td.database} ${td.engine} ${conf} ${td}
+other:
  echo>: ${env} ${td.database}
"""
    snap = snapshot_of(text, None)
    got = values(snap)
    assert got == [
        ("env", "prod"),
        ("td.database", "prod_db"),
        ("td.engine", "presto"),
        ("conf", '{"a":1,"nested":{"x":1,"y":3}}'),
        ("td", '{"database":"prod_db","engine":"presto"}'),
        ("env", "dev"),
        ("td.database", "base"),
    ]


def test_stores_hide_values_but_not_known_members() -> None:
    text = """\
_export:
  td: {database: analytics}
  label: fixed
+q:
  td>: q.sql
+after:
  echo>: ${td.database} ${td.last_job_id} ${td} ${label}
"""
    got = values(snapshot_of(text, None))
    assert got == [
        ("td.database", "analytics"),
        ("td.last_job_id", None),
        ("td", None),
        ("label", "fixed"),
    ]


def test_a_script_task_may_store_anything_after_an_ancestor_export() -> None:
    text = """\
_export:
  label: fixed
+script:
  py>: tasks.run
+after:
  _export:
    own: mine
  echo>: ${label} ${own}
"""
    assert values(snapshot_of(text, None)) == [("label", None), ("own", "mine")]


def test_local_keys_see_earlier_keys_and_shadow_parameters() -> None:
    text = """\
_export:
  v: 1
  w: ${v}
+t:
  sh>: echo ${x} ${y} ${v} ${w}
  x: 10
+u:
  y: 2
  z: ${y * 3}
  v: 5
  sh>: echo ${y} ${z} ${v} ${w}
  _env:
    A: ${y}
    B: ${w}
    C: ["${v}"]
"""
    got = values(snapshot_of(text, None))
    assert got == [
        ("v", "1"),  # `w` in the root export
        ("x", None),  # written after: a ReferenceError at run time
        ("y", None),
        ("v", "1"),
        ("w", "1"),
        ("y * 3", "6"),
        ("y", "2"),
        ("z", "6"),
        ("v", "5"),  # a local key replaces the parameter for the task's own keys
        ("w", "1"),
        ("y", None),  # inside `_env` only the raw parameters and `_env`'s keys are seen
        ("w", None),  # raw: `${v}` is not evaluated there
        ("v", "1"),
    ]


def test_groups_do_not_evaluate_their_keys_and_do_bodies_are_late() -> None:
    text = """\
_export:
  n: 3
+group:
  _retry: ${n}
  +child:
    loop>: ${n}
    _do:
      echo>: ${i} ${n}
"""
    got = values(snapshot_of(text, None))
    assert got == [("n", None), ("n", "3"), ("i", None), ("n", "3")]


def test_builtins_override_exports() -> None:
    text = """\
_export:
  task_name: mine
  timezone: UTC
+t:
  echo>: ${task_name} ${timezone}
"""
    got = [v for _, v in values(snapshot_of(text, None))]
    assert got == [None, None]


def test_export_in_an_included_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "env.dig").write_text("_export:\n  bucket: s3://data\n  n: 4\n")
    main = tmp_path / "main.dig"
    text = """\
!include : conf/env.dig
+copy:
  _export:
    path: ${bucket}/raw
  echo>: ${path} ${n * n}
"""
    main.write_text(text)
    snap = snapshot_of(text, str(main))
    assert values(snap) == [("bucket", "s3://data"), ("path", "s3://data/raw"), ("n * n", "16")]


def test_export_included_in_a_nested_task(tmp_path: Path) -> None:
    (tmp_path / "prod.dig").write_text("_export:\n  env: prod\n")
    text = """\
_export:
  env: dev
+prod:
  !include : prod.dig
  +load:
    echo>: ${env}
+dev:
  echo>: ${env}
"""
    main = tmp_path / "main.dig"
    main.write_text(text)
    snap = snapshot_of(text, str(main))
    assert values(snap) == [("env", "prod"), ("env", "dev")]


def test_template_in_an_export_is_shown_as_its_task_sees_it() -> None:
    text = """\
_export:
  env: dev
  path: /data/${env}
  list: ["${env}", x]
  nested:
    a: ${env}
    b: ${a}
"""
    assert values(snapshot_of(text, None)) == [
        ("env", "dev"),
        ("env", "dev"),
        ("env", "dev"),  # nested values see the raw params, `env` is literal
        ("a", "dev"),  # and the earlier keys of their mapping
    ]


def test_fragments_have_no_values() -> None:
    from dataclasses import replace

    snap = snapshot_of("_export:\n  a: 1\n+t:\n  echo>: ${a}\n", None)
    assert values(snap) == [("a", "1")]
    assert values(replace(snap, fragment=True, memo={})) == [("a", None)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "+t:\n  echo>: ${",
        "+t:\n  echo>: ${a +}\n",
        "_export: [1]\n+t:\n  echo>: ${x}\n",
        "_export:\n  x: {a: ${x.a}}\n+t:\n  echo>: ${x}\n",
        "\x00\x01",
        "+t:\n  echo>: \"${'a' + '\\ud800'}\"\n",
    ],
)
def test_never_raises(text: str) -> None:
    snap = snapshot_of(text, None)
    for _, value in values(snap) if snap.document.workflow else []:
        assert value is None or isinstance(value, str)


def test_number_to_string_matches_javascript() -> None:
    cases = {
        1.0: "1",
        -1.5: "-1.5",
        1e21: "1e+21",
        1e20: "100000000000000000000",
        1.5e-7: "1.5e-7",
        1e-6: "0.000001",
        123.456: "123.456",
        2**53: "9007199254740992",
        5e-324: "5e-324",
        1.7976931348623157e308: "1.7976931348623157e+308",
        math.inf: "Infinity",
        -math.inf: "-Infinity",
        math.nan: "NaN",
    }
    for number, text in cases.items():
        assert number_to_string(number) == text


def test_differential_against_quickjs() -> None:
    """A few hundred generated expressions evaluated here and by a real JS engine."""
    quickjs = pytest.importorskip("quickjs")
    ctx = quickjs.Context()
    ctx.eval(
        "function render(v) { if (v === null || v === undefined) return '';"
        " if (typeof v === 'string') return v; return JSON.stringify(v); }"
    )
    rng = random.Random(7)
    atoms = [
        "0", "1", "-1", "2.5", "0.1", "0.2", "3", "1e21", "1e-7", "123456789", "0.5",
        "'1'", "'a'", "''", "' 2 '", "'0x10'", "'1e3'", "'x1'", "true", "false", "null",
        "undefined", "[]", "[1,2]", "[null]", "({})", "({a:1})", "NaN", "Infinity",
        "'😀'", "'é'", "'b'", "'10'", "'9'", "[1,[2,'x']]", "({b:1,2:3})", "-0", "1e-6",
        "123e20", "'\\u00e9'", "(\"a\".length)", "('😀'.length)", "[3,4][1]", "'ab'[1]",
    ]  # fmt: skip
    ops = ["+", "-", "*", "/", "%", "==", "===", "!=", "!==", "<", ">", "<=", ">=", "&&", "||"]

    def gen(depth: int) -> str:
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(atoms)
        kind = rng.random()
        if kind < 0.7:
            return f"({gen(depth - 1)} {rng.choice(ops)} {gen(depth - 1)})"
        if kind < 0.8:
            return f"({gen(depth - 1)} ? {gen(depth - 1)} : {gen(depth - 1)})"
        if kind < 0.87:
            return f"{rng.choice(['!', '-', '+', 'typeof '])}{gen(depth - 1)}"
        if kind < 0.93:
            return f"JSON.stringify({{k: {gen(depth - 1)}, 1: {gen(depth - 1)}}})"
        return f"[{gen(depth - 1)}, {gen(depth - 1)}]"

    from diglang.expr.parse import parse_expression
    from diglsp.static import Unknown, evaluate

    def nothing(name: str) -> str:
        raise Unknown(name)

    checked = 0
    for _ in range(2000):
        expr = gen(3)
        node = parse_expression(expr).node
        assert node is not None, expr
        try:
            mine = js_render(evaluate(node, lambda name: _globals(name)))
        except Unknown:
            continue
        assert mine == ctx.eval(f"render({expr})"), expr
        checked += 1
    assert checked > 1500


def _globals(name: str) -> object:
    from diglsp.static import JSON_OBJECT, UNDEFINED, Unknown

    table = {"undefined": UNDEFINED, "NaN": math.nan, "Infinity": math.inf, "JSON": JSON_OBJECT}
    if name in table:
        return table[name]
    raise Unknown(name)


def test_corpus_never_raises() -> None:
    from conftest import corpus_files, require_corpus

    require_corpus()
    known = 0
    for path in corpus_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        snap = snapshot_of(text, str(path))
        if snap.document.workflow is None:
            continue
        for _, value in values(snap):
            assert value is None or isinstance(value, str)
            known += value is not None
    assert known > 50
