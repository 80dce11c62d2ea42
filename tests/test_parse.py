"""parse(): the typed AST, spans, includes and robustness on bad input."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from diglang.nodes import TaskKind
from diglang.parse import parse, parse_file
from diglang.values import Mapping, Scalar, Sequence, Template, to_plain

EXAMPLE = """\
timezone: Asia/Tokyo
schedule:
  daily>: 07:00:00
_export:
  table: items
+ingest:
  _parallel: {limit: 2}
  +orders:
    sh>: scripts/orders.sh ${session_date}
    _retry: {limit: 3, interval: 10, interval_type: exponential}
  +items:
    _type: pg
    _command: queries/items.sql
    database: shop
+branch:
  if>: ${table == 'items'}
  _do:
    echo>: yes
  _else_do:
    echo>: no
+loop:
  for_each>:
    fruit: [apple, banana]
  _do:
    echo>: ${fruit}
  _error:
    echo>: failed
+bg:
  _background: true
  echo>: background
+merged:
  - echo>: first
  - retry_param: 1
"""


def test_workflow_shape() -> None:
    doc = parse(EXAMPLE, "/p/main.dig")
    assert doc.diagnostics == ()
    wf = doc.workflow
    assert wf is not None
    assert wf.name == "main"
    assert wf.timezone is not None and wf.timezone.value == "Asia/Tokyo"
    assert isinstance(wf.schedule, Mapping)
    assert to_plain(wf.schedule) == {"daily>": "07:00:00"}
    assert [t.name for t in wf.tasks] == ["+ingest", "+branch", "+loop", "+bg", "+merged"]
    names = [t.full_name for t in wf.walk_tasks()]
    assert names == [
        "+main",
        "+main+ingest",
        "+main+ingest+orders",
        "+main+ingest+items",
        "+main+branch",
        "+main+branch^sub",
        "+main+branch^sub",
        "+main+loop",
        "+main+loop^error",
        "+main+loop^sub",
        "+main+bg",
        "+main+merged",
    ]


def test_directives_are_typed() -> None:
    wf = parse(EXAMPLE, "/p/main.dig").workflow
    assert wf is not None
    ingest, branch, loop, bg, merged = wf.tasks
    assert ingest.kind is TaskKind.GROUP
    assert ingest.parallel is not None
    assert (ingest.parallel.enabled, ingest.parallel.limit) == (True, 2)
    orders, items = ingest.children
    assert orders.kind is TaskKind.OPERATOR and orders.operator is not None
    assert orders.operator.name == "sh"
    assert orders.retry is not None
    assert (orders.retry.limit, orders.retry.interval, orders.retry.interval_type) == (
        3,
        10,
        "exponential",
    )
    assert items.operator is not None and items.operator.name == "pg"
    assert isinstance(items.operator.command, Scalar)
    assert items.operator.command.value == "queries/items.sql"
    assert [e.key.value for e in items.params] == ["database"]
    assert branch.do is not None and branch.else_do is not None
    assert branch.do.operator is not None and branch.do.operator.name == "echo"
    assert loop.error is not None and loop.do is not None
    assert bg.background is not None and isinstance(bg.background, Scalar)
    assert bg.background.value is True
    assert merged.operator is not None and merged.operator.name == "echo"
    assert [e.key.value for e in merged.params] == ["retry_param"]


def test_spans_point_at_source_text() -> None:
    doc = parse(EXAMPLE, "/p/main.dig")
    wf = doc.workflow
    assert wf is not None
    orders = wf.tasks[0].children[0]
    text = doc.source.text
    assert text[orders.name_span.start : orders.name_span.end] == "+orders"
    assert orders.operator is not None
    assert text[orders.operator.span.start : orders.operator.span.end] == "sh>"
    command = orders.operator.command
    assert isinstance(command, Template)
    (expr,) = command.exprs
    assert expr.exact
    assert text[expr.span.start : expr.span.end] == "session_date"
    assert text[expr.placeholder.start : expr.placeholder.end] == "${session_date}"


def test_template_spans_in_quoted_and_block_scalars() -> None:
    text = "+a:\n  echo>: \"x ${y}\"\n+b:\n  sh>: |\n    echo ${z}\n+c:\n  echo>: 'it''s ${w}'\n"
    wf = parse(text).workflow
    assert wf is not None
    quoted, block, escaped = (t.operator.command for t in wf.tasks if t.operator)
    assert isinstance(quoted, Template) and quoted.exprs[0].exact
    assert text[quoted.exprs[0].span.start : quoted.exprs[0].span.end] == "y"
    assert isinstance(block, Template) and not block.exprs[0].exact
    assert block.exprs[0].span == block.span
    assert isinstance(escaped, Template) and not escaped.exprs[0].exact


def test_free_variables_of_templates() -> None:
    text = (
        "+a:\n  echo>: ${moment(session_time).add(n, 'days')} ${obj.key}\n+b:\n  sh>: |\n    ${x}\n"
    )
    wf = parse(text).workflow
    assert wf is not None
    found = [
        (ident.name, text[ident.span.start : ident.span.end])
        for _, template in wf.walk_templates()
        for expr in template.exprs
        for ident in expr.free_variables()
    ]
    assert found == [
        ("moment", "moment"),
        ("session_time", "session_time"),
        ("n", "n"),
        ("obj", "obj"),
        ("x", "|\n    ${x}\n"),  # block scalar: the whole scalar
    ]


def test_duplicate_keys() -> None:
    doc = parse("a: 1\nb: 2\na: 3\n!include : x.yml\n!include : y.yml\n", None, loader=_reader({}))
    dups = [d for d in doc.diagnostics if d.rule == "duplicate-key"]
    assert len(dups) == 1
    assert dups[0].span.start == doc.source.text.index("a: 3")
    assert dups[0].message == "duplicate key `a`; it is already defined on line 1"


def _reader(files: dict[str, str]):  # type: ignore[no-untyped-def]
    def read(path: str) -> str:
        if path not in files:
            raise FileNotFoundError(path)
        return files[path]

    return read


def test_include_merge_semantics() -> None:
    files = {
        "/p/a.yml": "x: {b: 2, c: 3}\ny: from-include\nz: included\n",
    }
    text = "x: {a: 1, b: 1}\ny: first\n!include : a.yml\nz: last\n"
    doc = parse(text, "/p/main.dig", loader=_reader(files))
    assert doc.diagnostics == ()
    # deep merge into the earlier mapping, replacement keeps the earlier position,
    # later keys overwrite.
    assert to_plain(doc.root) == {"x": {"a": 1, "b": 2, "c": 3}, "y": "from-include", "z": "last"}
    assert doc.includes == ("/p/a.yml",)


def test_include_fixture_project() -> None:
    doc = parse_file(str(FIXTURES / "include" / "main.dig"))
    assert doc.diagnostics == ()
    wf = doc.workflow
    assert wf is not None
    # a key after the include replaces the included value (no deep merge), in place
    assert to_plain(wf.export) == {"db": {"host": "localhost"}, "env": "prod"}
    setup = wf.tasks[0]
    prepare, nested = setup.children
    # nodes from included files keep their own file and span
    assert prepare.source.path is not None and prepare.source.path.endswith("sub/setup.dig")
    assert prepare.source.slice(prepare.name_span) == "+prepare"
    assert nested.operator is not None
    cmd = nested.operator.command
    assert isinstance(cmd, Template)
    assert cmd.source.path is not None and cmd.source.path.endswith("sub/nested.yml")
    assert cmd.source.slice(cmd.exprs[0].span) == "env"


def test_include_errors() -> None:
    doc = parse_file(str(FIXTURES / "include" / "escape.dig"))
    messages = [(d.rule, d.message) for d in doc.diagnostics]
    assert messages == [
        (
            "include-error",
            "cannot include `../outside.dig`: the path must stay inside `include/` "
            "(no `..` or absolute paths); move the file under this directory",
        ),
        (
            "include-error",
            "cannot include `/etc/hosts`: the path must stay inside `include/` "
            "(no `..` or absolute paths); move the file under this directory",
        ),
        ("missing-file", "included file `missing.dig` does not exist"),
        (
            "include-error",
            "`config/list.yml` must contain a mapping (`key: value` lines) to be included",
        ),
    ]


def test_include_cycle() -> None:
    doc = parse_file(str(FIXTURES / "include" / "cycle_a.dig"))
    cycles = [d for d in doc.diagnostics if d.rule == "include-cycle"]
    assert len(cycles) == 1
    assert cycles[0].message == "include cycle: cycle_a.dig -> cycle_b.dig -> cycle_a.dig"
    # reported where the user can fix it: the include in the file being parsed
    assert cycles[0].path is not None and cycles[0].path.endswith("cycle_a.dig")


def test_value_form_include_and_unknown_tags() -> None:
    doc = parse("a: !include x.yml\nb: !secret s\nc: !!str 1\n")
    assert [(d.rule, d.message) for d in doc.diagnostics] == [
        ("yaml-syntax", "`!include` only works as a key: write `!include : file` on its own line"),
        ("yaml-syntax", "unknown tag `!secret`; Digdag only understands `!include : file` keys"),
    ]


def test_anchors_aliases_and_merge_keys() -> None:
    text = "base: &b {a: 1, b: 2}\n+t:\n  <<: *b\n  b: 3\n  echo>: hi\n"
    doc = parse(text)
    assert doc.diagnostics == ()
    assert to_plain(doc.root) == {
        "base": {"a": 1, "b": 2},
        "+t": {"a": 1, "b": 3, "echo>": "hi"},
    }


def test_partial_tree_after_syntax_error() -> None:
    text = "+a:\n  echo>: one\n+b:\n  echo>: [broken\n"
    doc = parse(text)
    assert [d.rule for d in doc.diagnostics] == ["yaml-syntax"]
    assert doc.workflow is not None
    assert [t.name for t in doc.workflow.tasks] == ["+a", "+b"]


def test_top_level_must_be_a_mapping() -> None:
    for text, expected in [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- a\n", "the top level must be a mapping (`key: value` lines), not array"),
        ("hello\n", "the top level must be a mapping (`key: value` lines), not string"),
    ]:
        doc = parse(text)
        assert doc.workflow is None
        assert [d.rule for d in doc.diagnostics] == ["invalid-document"]
        assert doc.diagnostics[0].message.startswith(expected)


def test_bad_input_never_raises(tmp_path: Path) -> None:
    junk = bytes(range(256)).decode("latin-1")
    for text in [junk, "\x00\x01", "a: 'unterminated", "[" * 5000, "a:\n\tb: 1\n", "\ufeffa: 1\n"]:
        doc = parse(text)
        assert doc.source.text == text
    big = "+t:\n  echo>: " + "x" * 100 + "\n"
    doc = parse("".join(big.replace("+t", f"+t{i}") for i in range(20_000)))
    assert doc.workflow is not None and len(doc.workflow.tasks) == 20_000
    binary = tmp_path / "bin.dig"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    doc = parse_file(str(binary))
    assert [d.rule for d in doc.diagnostics] == ["io-error"]
    assert doc.diagnostics[0].message == "cannot read file: not UTF-8 text"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_never_raises_on_any_text(text: str) -> None:
    doc = parse(text)
    for diag in doc.diagnostics:
        assert 0 <= diag.span.start <= diag.span.end <= len(text) or diag.path is not None


YAMLISH = st.recursive(
    st.one_of(
        st.sampled_from(["a", "+t", "sh>", "${x}", "10:00:00", "0.5", "'q'", '"${"', "!include"]),
        st.text(alphabet="ab:-#{}[]$ \n'\"", max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda xs: "\n".join(f"- {x}" for x in xs)),
        st.lists(st.tuples(children, children), max_size=4).map(
            lambda kvs: "\n".join(f"{k}:\n  {v}" for k, v in kvs)
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(YAMLISH)
def test_parse_never_raises_on_yamlish_text(text: str) -> None:
    doc = parse(text, "/nonexistent/main.dig")
    if doc.workflow is not None:
        for task in doc.workflow.walk_tasks():
            assert task.full_name.startswith("+main")
    assert isinstance(doc.root, (Mapping, Sequence, Scalar, type(None)))


def test_twenty_megabyte_file() -> None:
    text = "+t:\n  sh>: |\n" + "    echo hello world this is a line\n" * 550_000
    assert len(text) > 19_000_000
    doc = parse(text, "/p/big.dig")
    assert doc.diagnostics == ()
    assert doc.workflow is not None and doc.workflow.tasks[0].operator is not None


def test_unreadable_path_is_a_diagnostic(tmp_path: Path) -> None:
    doc = parse_file(str(tmp_path))  # a directory
    assert [d.rule for d in doc.diagnostics] == ["io-error"]
    assert doc.diagnostics[0].message == "cannot read file: Is a directory"
    doc = parse_file(str(tmp_path / "missing.dig"))
    assert doc.diagnostics[0].message == "cannot read file: No such file or directory"


def test_a_parse_does_not_depend_on_the_files_parsed_before() -> None:
    # ruamel's pure composer, reused, kept state from a file with a duplicate key and then
    # accepted this broken one (the libyaml composer rejects it, so the pure one runs).
    broken = "+a:\n  sh>: x\n+b:\n  _export:\n    k: v\n\n:    l: w\n"
    before = [d.rule for d in parse(broken, "a.dig").diagnostics]
    parse("#+step:\n  echo>: one\n+step:\n  echo>: two\n", "b.dig")
    assert [d.rule for d in parse(broken, "a.dig").diagnostics] == before == ["yaml-syntax"]
