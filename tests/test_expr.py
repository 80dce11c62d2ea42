"""Unit tests of diglang.expr: the template scanner, the expression parser and helpers."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, logger

from diglang.expr import (
    JS_GLOBALS,
    Literal,
    Placeholder,
    SecretRef,
    free_variables,
    has_template,
    parse_expression,
    scan_template,
    secret_references,
    to_source,
    walk,
)
from diglang.expr import nodes as n
from diglang.expr.parse import GRAMMAR, _AlwaysAccepted, get_parser
from diglang.source import Span

# ------------------------------------------------------------------ template scanner

# Every row of the table in digdag-language.md §7.2 (extended scanner column), plus more.
SCAN_CASES = [
    ("$${x}", [Literal("$", 0, 1), Placeholder("x", 1, 5)]),
    ("a$$b${x}", [Literal("a$b", 0, 4), Placeholder("x", 4, 8)]),
    ("${}", [Placeholder("", 0, 3)]),
    ("${ {a:1}.a }", [Placeholder(" {a:1}.a ", 0, 12)]),
    ("${obj}", [Placeholder("obj", 0, 6)]),
    ("${list}", [Placeholder("list", 0, 7)]),
    ("${n + 1}", [Placeholder("n + 1", 0, 8)]),
    ("${secret:foo}", [Literal("${secret:foo}", 0, 13)]),
    (
        "${secret:${key}}",
        [Literal("${secret:", 0, 9), Placeholder("key", 9, 15), Literal("}", 15, 16)],
    ),
    ("${x}}", [Placeholder("x", 0, 4), Literal("}", 4, 5)]),
    ("${obj.b}", [Placeholder("obj.b", 0, 8)]),
    ("${obj.b.c}", [Placeholder("obj.b.c", 0, 10)]),
    ("${typeof nope}", [Placeholder("typeof nope", 0, 14)]),
    ("${nope}", [Placeholder("nope", 0, 7)]),
    ("${1 == '1'}", [Placeholder("1 == '1'", 0, 11)]),
    # unclosed `${`: the rest is literal, `$$` still unescaped
    ("p${v", [Literal("p${v", 0, 4)]),
    ("a${x}b${c", [Literal("a", 0, 1), Placeholder("x", 1, 5), Literal("b${c", 5, 9)]),
    ("a${b ${c}", [Literal("a${b ${c}", 0, 9)]),
    ("$$${v", [Literal("$${v", 0, 5)]),
    # `$$`
    ("", []),
    ("$$", [Literal("$", 0, 2)]),
    ("$$$", [Literal("$$", 0, 3)]),
    ("cost: $5", [Literal("cost: $5", 0, 8)]),
    ("$$$${x}", [Literal("$$", 0, 3), Placeholder("x", 3, 7)]),
    # nested braces, quotes are not special
    ("${ {a:{b:1}}.a.b }", [Placeholder(" {a:{b:1}}.a.b ", 0, 18)]),
    ('${"a}b"}', [Placeholder('"a', 0, 5), Literal('b"}', 5, 8)]),
    ("${'{'}", [Literal("${'{'}", 0, 6)]),
    # prefixes: only `[a-z]+:` right after `${`
    ("${foo:bar}", [Literal("${foo:bar}", 0, 10)]),
    ("${Foo:bar}", [Placeholder("Foo:bar", 0, 10)]),
    ("${ secret:x}", [Placeholder(" secret:x", 0, 12)]),
    ("${a1:x}", [Placeholder("a1:x", 0, 7)]),
    ("${secret:a}${b}", [Literal("${secret:a}", 0, 11), Placeholder("b", 11, 15)]),
    ("x ${a} y ${b} z", [Literal("x ", 0, 2), Placeholder("a", 2, 6), Literal(" y ", 6, 9),
                         Placeholder("b", 9, 13), Literal(" z", 13, 15)]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "parts"), SCAN_CASES, ids=[case[0] for case in SCAN_CASES])
def test_scan_template(text: str, parts: list[Literal | Placeholder]) -> None:
    assert scan_template(text) == parts


def test_placeholder_expression_offsets() -> None:
    text = "ab${ x }"
    (_, placeholder) = scan_template(text)
    assert isinstance(placeholder, Placeholder)
    assert text[placeholder.expr_start : placeholder.expr_end] == placeholder.expr == " x "


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="${}:ab$ \"'\\s", max_size=30))
def test_scan_template_parts_tile_the_text(text: str) -> None:
    position = 0
    for part in scan_template(text):
        assert part.start == position < part.end
        raw = text[part.start : part.end]
        if isinstance(part, Literal):
            assert part.value == raw.replace("$$", "$")
        else:
            assert raw == "${" + part.expr + "}"
        position = part.end
    assert position == len(text)


def test_has_template() -> None:
    assert has_template("a ${b}")
    assert has_template("${}")
    assert not has_template("plain")
    assert not has_template("${secret:x}")
    assert not has_template("p${v")
    assert has_template("${secret:${key}}")


def test_secret_references() -> None:
    text = "u=${secret:db.user} p=${secret:db.password} ${secret:${key}} ${x}"
    refs = secret_references(text)
    assert refs == [SecretRef("db.user", 2, 19), SecretRef("db.password", 22, 43)]
    assert text[refs[0].name_start : refs[0].name_end] == "db.user"
    assert secret_references("${secret:}") == [SecretRef("", 0, 10)]
    assert secret_references("no secrets") == []


# ---------------------------------------------------------------------------- parser

BASE = 100


def parse_ok(text: str, base: int = BASE) -> n.Expr:
    result = parse_expression(text, base)
    assert result.errors == []
    assert result.node is not None
    return result.node


def source_of(text: str, node: n.Node, base: int = BASE) -> str:
    return text[node.span.start - base : node.span.end - base]


def test_literals() -> None:
    assert parse_ok("0x1F") == n.NumberLit(Span(100, 104), 31.0, "0x1F")
    assert parse_ok(" 1.5e3") == n.NumberLit(Span(101, 106), 1500.0, "1.5e3")
    assert parse_ok(".5").value == 0.5  # type: ignore[attr-defined]
    assert parse_ok("017").value == 15.0  # type: ignore[attr-defined]
    assert parse_ok("1e999").value == float("inf")  # type: ignore[attr-defined]
    assert parse_ok(r"'a\'b\n\x41\u00e9\101\0'") == n.StringLit(
        Span(100, 124), "a'b\nAé" + "A\0", r"'a\'b\n\x41\u00e9\101\0'"
    )
    assert parse_ok('"line\\\ncontinued"').value == "linecontinued"  # type: ignore[attr-defined]
    assert parse_ok("true") == n.BooleanLit(Span(100, 104), True)
    assert parse_ok("false") == n.BooleanLit(Span(100, 105), False)
    assert parse_ok("null") == n.NullLit(Span(100, 104))
    assert parse_ok("undefined") == n.Identifier(Span(100, 109), "undefined")
    assert parse_ok("this") == n.This(Span(100, 104))
    assert parse_ok("/ab+c/gi") == n.RegexLit(Span(100, 108), "ab+c", "gi")
    assert parse_ok(r"/[/\]]+\//").pattern == r"[/\]]+\/"  # type: ignore[attr-defined]


def test_regex_versus_division() -> None:
    node = parse_ok("a / b / c")
    assert isinstance(node, n.Binary) and isinstance(node.left, n.Binary)
    node = parse_ok("x.split(/,/g)[0] / 2")
    assert isinstance(node, n.Binary) and node.op == "/"
    assert isinstance(node.left, n.Index)
    call = node.left.object
    assert isinstance(call, n.Call) and isinstance(call.arguments[0], n.RegexLit)
    assert isinstance(parse_ok("a /= 2"), n.Assign)
    assert isinstance(parse_ok("/=/"), n.RegexLit)
    assert isinstance(parse_ok("(a) / 2"), n.Binary)
    assert isinstance(parse_ok("f(a)/2/g"), n.Binary)


def test_template_literal() -> None:
    text = "`a ${b + 1} c ${d}`"
    node = parse_ok(text)
    assert isinstance(node, n.TemplateLit)
    assert node.quasis == ("a ", " c ", "")
    assert [source_of(text, e) for e in node.expressions] == ["b + 1", "d"]
    assert node.expressions[1] == n.Identifier(Span(116, 117), "d")
    escaped = parse_ok(r"`\${x} \n`")
    assert isinstance(escaped, n.TemplateLit)
    assert escaped.cooked == ("${x} \n",) and escaped.expressions == ()
    nested = parse_ok('`${ {a: "}"}.a }`')
    assert isinstance(nested, n.TemplateLit) and isinstance(nested.expressions[0], n.Member)


def test_member_index_call_new() -> None:
    text = "a.b[0](x, y).default.new"
    node = parse_ok(text)
    assert isinstance(node, n.Member) and node.property == n.Name(Span(121, 124), "new")
    inner = node.object
    assert isinstance(inner, n.Member) and inner.property.name == "default"
    call = inner.object
    assert isinstance(call, n.Call) and source_of(text, call) == "a.b[0](x, y)"
    assert [source_of(text, arg) for arg in call.arguments] == ["x", "y"]
    index = call.callee
    assert isinstance(index, n.Index) and source_of(text, index.index) == "0"
    assert parse_ok("new Date") == n.New(Span(100, 108), n.Identifier(Span(104, 108), "Date"), None)
    node = parse_ok("new Date(1).getTime()")
    assert isinstance(node, n.Call) and isinstance(node.callee, n.Member)
    new = node.callee.object
    assert isinstance(new, n.New) and new.arguments is not None and len(new.arguments) == 1
    node = parse_ok("new a.b.C()")
    assert isinstance(node, n.New) and isinstance(node.callee, n.Member)
    node = parse_ok("new new X")
    assert isinstance(node, n.New) and isinstance(node.callee, n.New)
    assert isinstance(parse_ok("x.if.else.function"), n.Member)


def test_operators_and_precedence() -> None:
    node = parse_ok("a || b && c | d ^ e & f == g < h << i + j * k")
    ops = [x.op for x in walk(node) if isinstance(x, n.Binary | n.Logical)]
    assert ops == ["||", "&&", "|", "^", "&", "==", "<", "<<", "+", "*"]
    node = parse_ok("a - b - c")
    assert isinstance(node, n.Binary) and isinstance(node.left, n.Binary)
    node = parse_ok("a = b += c")
    assert isinstance(node, n.Assign) and isinstance(node.value, n.Assign)
    assert node.value.op == "+="
    node = parse_ok("a ? b : c ? d : e")
    assert isinstance(node, n.Conditional) and isinstance(node.alternate, n.Conditional)
    node = parse_ok("x in obj && y instanceof Array")
    assert isinstance(node, n.Logical)
    assert [x.op for x in walk(node) if isinstance(x, n.Binary)] == ["in", "instanceof"]
    node = parse_ok("!typeof void -+~x")
    assert [x.op for x in walk(node) if isinstance(x, n.Unary)] == [
        "!", "typeof", "void", "-", "+", "~"
    ]  # fmt: skip
    node = parse_ok("delete a.b")
    assert isinstance(node, n.Unary) and node.op == "delete"
    node = parse_ok("a++ + --b")
    assert isinstance(node, n.Binary)
    assert node.left == n.Update(Span(100, 103), "++", False, n.Identifier(Span(100, 101), "a"))
    assert isinstance(node.right, n.Update) and node.right.prefix
    node = parse_ok("a, b = 1, c")
    assert isinstance(node, n.Sequence) and len(node.expressions) == 3
    node = parse_ok("(a + b) * c")
    assert isinstance(node, n.Binary) and node.op == "*"
    assert node.left.span == Span(101, 106)  # parentheses are not part of the span
    assert node.span == Span(100, 111)


def test_array_and_object_literals() -> None:
    assert parse_ok("[]") == n.ArrayLit(Span(100, 102), ())
    holes = parse_ok("[, 1, , 2, ]")
    assert isinstance(holes, n.ArrayLit)
    assert [None if e is None else source_of("[, 1, , 2, ]", e) for e in holes.elements] == [
        None, "1", None, "2"
    ]  # fmt: skip
    assert parse_ok("[,]") == n.ArrayLit(Span(100, 103), (None,))
    text = "{a: 1, 'b': 2, 3: x, default: y,}"
    node = parse_ok(text)
    assert isinstance(node, n.ObjectLit)
    keys = [p.key for p in node.properties]
    assert isinstance(keys[0], n.Name) and keys[0].name == "a"
    assert isinstance(keys[1], n.StringLit) and keys[1].value == "b"
    assert isinstance(keys[2], n.NumberLit) and keys[2].value == 3
    assert isinstance(keys[3], n.Name) and keys[3].name == "default"
    assert source_of(text, node.properties[1]) == "'b': 2"
    assert parse_ok("{}") == n.ObjectLit(Span(100, 102), ())


def test_function_expression() -> None:
    text = "list.map(function (x, i) { var y = x.v, z; return y + i; })"
    node = parse_ok(text)
    assert isinstance(node, n.Call)
    function = node.arguments[0]
    assert isinstance(function, n.FunctionExpr) and function.name is None
    assert [p.name for p in function.params] == ["x", "i"]
    var, ret = function.body
    assert isinstance(var, n.VarDecl) and [d.name.name for d in var.declarations] == ["y", "z"]
    assert source_of(text, var) == "var y = x.v, z"
    assert isinstance(ret, n.Return) and ret.value is not None
    assert source_of(text, ret.value) == "y + i"
    node = parse_ok("function f() { return }")
    assert isinstance(node, n.FunctionExpr) and node.name == n.Name(Span(109, 110), "f")
    assert node.body == (n.Return(Span(115, 121), None),)
    node = parse_ok("function () { ; a(); ; b }")
    assert isinstance(node, n.FunctionExpr)
    assert [type(s) for s in node.body] == [n.ExprStatement, n.ExprStatement]
    assert parse_ok("function(){}") == n.FunctionExpr(Span(100, 112), None, (), ())


def test_comments_and_whitespace() -> None:
    node = parse_ok("\n a /* one */ + // two\n b \t")
    assert isinstance(node, n.Binary) and node.span == Span(102, 125)


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_expression_is_not_an_error(text: str) -> None:
    result = parse_expression(text, 7)
    assert result.node is None and result.errors == [] and result.ok


ERROR_CASES = [
    ("1 +)", 3, 4, "unexpected `)` in expression; expected an operand"),
    ("()", 1, 2, "unexpected `)` in expression; expected an operand"),
    ("a b", 2, 3, "unexpected `b` in expression; expected an operator or end of expression"),
    ("f(a", 3, 3, "unexpected end of expression; expected `,` or `)`"),
    ("f(a b)", 4, 5, "unexpected `b` in expression; expected an operator, `,` or `)`"),
    ("(a", 2, 2, "unexpected end of expression; expected `)`"),
    ("[1 2]", 3, 4, "unexpected `2` in expression; expected an operator, `,` or `]`"),
    ("a ? b", 5, 5, "unexpected end of expression; expected `:`"),
    ("1 +", 3, 3, "unexpected end of expression; expected an operand"),
    ("a.", 2, 2, "unexpected end of expression; expected a property name"),
    ("{a 1}", 3, 4, "unexpected `1` in expression; expected `:`"),
    ("{", 1, 1, "unexpected end of expression; expected a property name or `}`"),
    ("function(", 9, 9, "unexpected end of expression; expected an identifier or `)`"),
    ("function f", 10, 10, "unexpected end of expression; expected `(`"),
    ("function(){ var x y }", 18, 19,
     "unexpected `y` in expression; expected `,`, `;`, `}` or `=`"),
    ("class", 0, 5, "unexpected reserved word `class` in expression; expected an operand"),
    ("a inx", 2, 5, "unexpected `inx` in expression; expected an operator or end of expression"),
    ("a ! b", 2, 3, "unexpected `!` in expression; expected an operator or end of expression"),
    ('"a', 0, 2, "unterminated string literal"),
    ("'abc\nx'", 0, 4, "unterminated string literal"),
    ("`abc", 0, 4, "unterminated template literal"),
    ("/ab", 0, 3, "unterminated regular expression"),
    ("a #", 2, 3, "unexpected character `#` in expression"),
    ("a \x01", 2, 3, "unexpected character `\\x01` in expression"),
    ("3in x", 0, 3, "invalid number `3in`"),
    ("1.toString()", 0, 10, "invalid number `1.toString`"),
    ("x => 1", 2, 4,
     "unexpected `=>` in expression; did you mean `>=`? (ES5 has no arrow functions)"),
    ("f(a,)", 4, 5, "unexpected `)` in expression; expected an operand"),
    ('"' + "x" * 40 + '" "y"', 43, 46, 'unexpected `"y"` in expression; expected an operator or '
                                       "end of expression"),
    ('"' + "x" * 40 + '"(', 43, 43, "unexpected end of expression; expected an operand or `)`"),
    ('a "' + "x" * 40 + '"', 2, 44, 'unexpected `"xxxxxxxxxxxxxxxxxxxxxx…` in expression; '
                                    "expected an operator or end of expression"),
    # Digdag's scanner ends `${"a}b"}` at the first `}`: the expression is `"a`
    (scan_template('${"a}b"}')[0].expr, 0, 2, "unterminated string literal"),  # type: ignore[union-attr]
]  # fmt: skip


@pytest.mark.parametrize(("text", "start", "end", "message"), ERROR_CASES)
def test_syntax_errors(text: str, start: int, end: int, message: str) -> None:
    result = parse_expression(text, BASE)
    assert result.node is None
    assert [(e.span, e.message) for e in result.errors] == [
        (Span(BASE + start, BASE + end), message)
    ]


EARLY_ERROR_CASES = [
    ("1 = 2", 0, 1, "invalid assignment target `1`"),
    ("f() = 1", 0, 3, "invalid assignment target `f()`"),
    ("(a, b) = 1", 1, 5, "invalid assignment target `a, b`"),
    ("++a++", 2, 5, "invalid operand of `++`: `a++`"),
    ("f()--", 0, 3, "invalid operand of `--`: `f()`"),
    ("/a/gg", 4, 5, "invalid regular expression flag `g`"),
    ("/a/x", 3, 4, "invalid regular expression flag `x`"),
    ("/(a/", 1, 2, "invalid regular expression: unterminated group"),
    ("/a)/", 2, 3, "invalid regular expression: unmatched `)`"),
    ("/+/", 1, 2, "invalid regular expression: nothing to repeat before `+`"),
    ("/(?x)/", 1, 3, "invalid regular expression: invalid group `(?`"),
    (r"'\x4'", 1, 3, r"malformed `\x` escape sequence"),
    (r"'\u12'", 1, 3, r"malformed `\u` escape sequence"),
    (r"`\01`", 1, 4, "octal escape sequences are not allowed in template literals"),
    ("`a ${} b`", 3, 6, "empty `${}` in template literal"),
    ("`a ${1 +} b`", 8, 8, "unexpected end of expression; expected an operand"),
    ("function(){ {a: 1} }", 12, 13,
     "a statement starting with `{` is a block; wrap an object in parentheses"),
    ("function(){ function(){} }", 12, 20,
     "a statement starting with `function` must be a function declaration"),
    ("function(){ function g(){}.a }", 12, 20,
     "a statement starting with `function` must be a function declaration"),
    ("a\n++", 2, 4, "line break before postfix `++`"),
    ("017.5", 0, 5, "invalid number `017.5`: an octal literal has no fraction or exponent"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "start", "end", "message"), EARLY_ERROR_CASES)
def test_early_errors_keep_the_tree(text: str, start: int, end: int, message: str) -> None:
    result = parse_expression(text, BASE)
    assert result.node is not None
    assert [(e.span, e.message) for e in result.errors] == [
        (Span(BASE + start, BASE + end), message)
    ]


def test_unterminated_substitution_in_template_literal() -> None:
    result = parse_expression("`a ${b", BASE)
    assert result.node is None
    assert result.errors[0].message == "unterminated template literal"


@pytest.mark.parametrize(
    "text",
    ["(" * 3000 + "a" + ")" * 3000, "-" * 3000 + "a", "[" * 2000 + "]" * 2000, "a.b" * 2000],
)
def test_deep_nesting_never_raises(text: str) -> None:
    result = parse_expression(text, 5)
    assert result.node is not None or result.errors


def test_cached_results_are_shifted_per_base() -> None:
    first = parse_expression("a + b", 10)
    second = parse_expression("a + b", 50)
    assert first.node is not None and second.node is not None
    assert first.node.span == Span(10, 15) and second.node.span == Span(50, 55)
    assert [x.span.start for x in walk(second.node)] == [50, 50, 54]
    bad = parse_expression("a +", 20)
    assert bad.errors[0].span == Span(23, 23)
    assert parse_expression("a +", 30).errors[0].span == Span(33, 33)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.integers(0, 1000))
def test_parse_never_raises_and_spans_stay_inside(text: str, base: int) -> None:
    result = parse_expression(text, base)
    spans = [e.span for e in result.errors]
    if result.node is not None:
        spans += [x.span for x in walk(result.node)]
    for span in spans:
        assert base <= span.start <= span.end <= base + len(text)


def test_grammar_has_no_conflicts(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        old_level = logger.level
        logger.setLevel(logging.DEBUG)
        try:
            Lark.open(
                str(GRAMMAR),
                parser="lalr",
                postlex=_AlwaysAccepted(),
                debug=True,
                cache=False,
            )
        finally:
            logger.setLevel(old_level)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]


# ------------------------------------------------------------------- scope and walk


def names(text: str) -> list[str]:
    return [ident.name for ident in free_variables(parse_ok(text))]


def test_free_variables() -> None:
    assert names("moment(session_time).add(-1, 'days').format(fmt)") == [
        "moment", "session_time", "fmt"
    ]  # fmt: skip
    assert names("a.b.c + d[e] + {f: g}.f") == ["a", "d", "e", "g"]
    assert names("x = x + 1") == ["x", "x"]
    assert names("typeof nope === 'undefined' ? this.x : nope") == ["nope", "nope"]
    assert names("list.map(function (x) { var y = x.v; return y + z + arguments.length; })") == [
        "list", "z"
    ]  # fmt: skip
    assert names("function f(a) { return f(a, b, function (b) { return a + b + c; }); }") == [
        "b", "c"
    ]  # fmt: skip
    assert names("function (a) { return q; var q; }") == []
    assert names("function () { function g() {}; return g() + h(); }") == ["h"]
    assert names("function () { (function g() {}); return g(); }") == ["g"]
    assert names("`${a} ${b.c}`") == ["a", "b"]


def test_free_variable_spans_are_absolute() -> None:
    (ident,) = free_variables(parse_ok("1 + foo"))
    assert ident == n.Identifier(Span(104, 107), "foo")


def test_js_globals() -> None:
    for name in ("Math", "JSON", "Date", "parseInt", "moment", "undefined", "NaN", "Infinity"):
        assert name in JS_GLOBALS
    assert "session_time" not in JS_GLOBALS


def test_walk_is_preorder_in_source_order() -> None:
    text = "f(a, [b, , c])"
    kinds = [(type(x).__name__, source_of(text, x)) for x in walk(parse_ok(text))]
    assert kinds == [
        ("Call", "f(a, [b, , c])"),
        ("Identifier", "f"),
        ("Identifier", "a"),
        ("ArrayLit", "[b, , c]"),
        ("Identifier", "b"),
        ("Identifier", "c"),
    ]


# ------------------------------------------------------------------------- printer

PRINT_CASES = [
    ("(a + b) * c", "(a + b) * c"),
    ("a - (b - c)", "a - (b - c)"),
    ("- -a", "- -a"),
    ("-(-a)", "- -a"),
    ("+ ++a", "+ ++a"),
    ("(1).toString()", "(1).toString()"),
    ("(new X).y", "(new X).y"),
    ("new (f())()", "new (f())()"),
    ("new (a.b().c)", "new (a.b().c)"),
    ("new (new X)()", "new (new X)()"),
    ("new new X()()", "new (new X())()"),
    ("[, 1, , ]", "[, 1, ,]"),
    ("{a:1,'b':[2]}", "{a: 1, 'b': [2]}"),
    ("function(x){return {a:x}}", "function(x) { return {a: x} }"),
    ("function(){ ({}) }", "function() { ({}) }"),
    ("(a, b) ? c : (d, e)", "(a, b) ? c : (d, e)"),
    ("a = (b, c)", "a = (b, c)"),
    ("typeof(x)", "typeof x"),
    ("`a${ b }c`", "`a${b}c`"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "printed"), PRINT_CASES)
def test_to_source(text: str, printed: str) -> None:
    assert to_source(parse_ok(text)) == printed
    assert to_source(parse_ok(printed)) == printed


def test_no_parser_state_accepts_both_a_regex_and_a_division() -> None:
    """The contextual lexer tells `/` apart only if no state accepts both."""
    table = get_parser().parser.parser._parse_table
    for actions in table.states.values():
        if "REGEX" in actions:
            assert "SLASH" not in actions and "SLASH_ASSIGN" not in actions


def test_every_reserved_word_is_a_terminal() -> None:
    terminals = {t.name for t in get_parser().terminals}
    assert set(_AlwaysAccepted.always_accept) <= terminals


def test_package_docstring_example() -> None:
    import doctest

    import diglang.expr

    assert doctest.testmod(diglang.expr).failed == 0
