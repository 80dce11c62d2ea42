"""Static values of `${...}`: Digdag's parameter visibility and JavaScript's exact semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from diglsp import query
from diglsp.static import static_value
from diglsp.workspace import Snapshot, snapshot_of
from lspclient import corpus_snapshots


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


def test_parameters_reach_javascript_with_their_yaml_types() -> None:
    """The evaluator's semantics (tests/test_expr_evaluate.py) over exported values."""
    got = value_map(
        """\
_export:
  n: 1
  s: "1"
  e: ""
+t:
  echo>: x
  a: ${n + 1} ${s + 1} ${n == s} ${n === s} ${e || 'default'} ${typeof s} ${n / 0}
  h: |-
    ${JSON.stringify({a: "q\\"\\n", n: n})}
"""
    )
    assert got == {
        "n + 1": "2",
        "s + 1": "11",
        "n == s": "true",
        "n === s": "false",
        "e || 'default'": "default",
        "typeof s": "string",
        "n / 0": "null",
        'JSON.stringify({a: "q\\"\\n", n: n})': '{"a":"q\\"\\n","n":1}',
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


def test_corpus_never_raises() -> None:
    known = 0
    for snap in corpus_snapshots():
        if snap.document.workflow is None:
            continue
        for _, value in values(snap):
            assert value is None or isinstance(value, str)
            known += value is not None
    assert known > 50
