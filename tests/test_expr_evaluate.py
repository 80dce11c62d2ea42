"""diglang.expr.evaluate: JavaScript's exact semantics over expression nodes, and its limits."""

from __future__ import annotations

import math
import random

import pytest

from diglang.expr.evaluate import (
    JS,
    JSON_OBJECT,
    JSON_STRINGIFY,
    OPAQUE,
    UNDEFINED,
    JSArray,
    JSObject,
    JSThrow,
    Lookup,
    NotKnown,
    NoValue,
    Undeclared,
    Unsupported,
    evaluate,
    global_value,
    js_render,
    json_stringify,
    loose_equals,
    number_to_string,
    strict_equals,
    to_number,
    to_string,
    truthy,
    type_of,
)
from diglang.expr.parse import parse_expression
from diglang.expr.scope import JS_GLOBALS


def lookup_in(params: dict[str, JS]) -> Lookup:
    """A lookup like Digdag's `with (this)`: parameters first, then the JavaScript globals."""

    def lookup(name: str) -> JS:
        if name in params:
            return params[name]
        if name in JS_GLOBALS:
            return global_value(name)
        raise Undeclared(name)

    return lookup


def run(text: str, **params: JS) -> str:
    """The text Digdag writes for `${text}` given `params`."""
    result = parse_expression(text)
    assert result.node is not None and not result.errors, text
    return js_render(evaluate(result.node, lookup_in(params)))


# (expression, rendered) with the parameters n: 1, s: "1", e: "".
SEMANTICS = [
    ("n + 1", "2"),
    ("s + 1", "11"),
    ("s - 1", "0"),
    ('s * "2"', "2"),
    ("n / 0", "null"),  # Infinity: JSON.stringify renders it as null
    ("-n / 0", "null"),
    ("0 / 0", "null"),
    ("7 % -3", "1"),
    ("-7 % 3", "-1"),
    ("0.1 + 0.2", "0.30000000000000004"),
    ("1 / 3", "0.3333333333333333"),
    ("1e21", "1e+21"),
    ("123456789012345680000", "123456789012345680000"),
    ("0.000001", "0.000001"),
    ("1e-7", "1e-7"),
    ("-0", "0"),
    ("n == '1'", "true"),
    ("n === '1'", "false"),
    ("n != s", "false"),
    ("n !== s", "true"),
    ("null == undefined", "true"),
    ("null == 0", "false"),
    ("e || 'default'", "default"),
    ("s && 'yes'", "yes"),
    ("n > 1 ? 'big':'small'", "small"),
    ("!e", "true"),
    ("typeof n", "number"),
    ("[1, [2, 3]] + ''", "1,2,3"),
    (" {} + 'x' ", "[object Object]x"),
    ("[] + []", ""),
    ("true + 1", "2"),
    ("null + 1", "1"),
    ("undefined + 1", "null"),  # NaN
    ('"10" < "9"', "true"),
    ("10 < 9", "false"),
    ('"10" < 9', "false"),
    ('"abc".length', "3"),
    ('"héllo"[1]', "é"),
    ("void 0", ""),
    (
        'JSON.stringify({b: 1, 2: [null, undefined], a: "q\\"\\n"})',
        '{"2":[null,null],"b":1,"a":"q\\"\\n"}',
    ),
    ("JSON.stringify(undefined)", ""),
    ("' 12 ' * 1", "12"),
    ("'0x1F' - 0", "31"),
    ("'1e3' - 0", "1000"),
    ("'12px' - 0", "null"),
    ("'Infinity' - 1", "null"),
    ("+'-'", "null"),
    ("typeof nope", "undefined"),  # an undeclared name: `typeof` does not throw
    ("typeof JSON.stringify", "function"),
    ("JSON", "{}"),
    ("[1, , 2]", "[1,null,2]"),
    ("({a: 1}).b", ""),
    ("(1, 'last')", "last"),
]


@pytest.mark.parametrize(("text", "rendered"), SEMANTICS)
def test_javascript_semantics(text: str, rendered: str) -> None:
    assert run(text, n=1.0, s="1", e="") == rendered


def test_values_from_the_host() -> None:
    assert run("list.length + obj.a", list=JSArray([1.0, "x"]), obj=JSObject({"a": 2.0})) == "4"
    assert run("obj", obj=JSObject({"b": 1.0, "2": UNDEFINED, "1": None})) == '{"1":null,"b":1}'
    assert run("x", x=None) == run("x", x=UNDEFINED) == ""
    assert to_number(JSArray([" 7 "])) == 7.0
    assert math.isnan(to_number(JSObject()))
    assert to_string(JSArray([None, UNDEFINED, 1.5])) == ",,1.5"
    assert truthy(JSArray([])) and truthy(JSObject()) and not truthy(math.nan)
    assert type_of(JSON_OBJECT) == "object" and type_of(JSON_STRINGIFY) == "function"
    assert loose_equals(JSArray([1.0]), "1") and not strict_equals(JSArray([]), JSArray([]))
    assert json_stringify(UNDEFINED) is None and json_stringify(JSON_STRINGIFY) is None
    assert json_stringify(JSArray([UNDEFINED, math.inf])) == "[null,null]"


UNSUPPORTED = [
    "Math.max(1, 2)",
    "moment(x).format('YYYY')",
    "parseInt('1')",
    "'ab'.toUpperCase()",
    "[1, 2].join('-')",
    "(1).toFixed(2)",
    "JSON.parse('1')",
    "JSON.stringify(1, null, 2)",
    "/a/.test('a')",
    "`t`",
    "new Date()",
    "(function () { return 1 })()",
    "x = 1",
    "x++",
    "this",
    "1 << 2",
    "'a' in ({a: 1})",
    "~1",
    "delete x",
    "({}).toString",
    "({toString: 1}) + ''",
    "({__proto__: null})",
    "[] [[]]",
    "'😀'[0]",
    "JSON.stringify('\\ud800')",
    "'0b11' * 1",
    "JSON.stringify",  # rendering a function
]


@pytest.mark.parametrize("text", UNSUPPORTED)
def test_unsupported_constructs_say_so(text: str) -> None:
    """Where a runtime would extend the evaluator: each of these raises `Unsupported`."""
    with pytest.raises(Unsupported):
        run(text, x=1.0)


def test_unknown_values_and_open_objects_are_not_known() -> None:
    conf = JSObject({"a": 1.0}, open=True)
    for text in ["v", "v + 1", "[v]", "({k: v})", "!v", "typeof v", "void v", "v.x"]:
        with pytest.raises(NotKnown):
            run(text, v=OPAQUE)
    assert run("conf.a", conf=conf) == "1"
    for text in ["conf.b", "conf + ''", "conf", "JSON.stringify(conf)"]:
        with pytest.raises(NotKnown):
            run(text, conf=conf)


def test_javascript_errors_are_thrown() -> None:
    for text in ["x.y", "x[0]", "obj.a.b", "undefined.length"]:
        with pytest.raises(JSThrow) as caught:
            run(text, x=None, obj=JSObject())
        assert caught.value.name == "TypeError"
    with pytest.raises(Undeclared) as undeclared:
        run("nope + 1")
    assert (undeclared.value.name, undeclared.value.variable) == ("ReferenceError", "nope")
    with pytest.raises(Undeclared):
        run("typeof nope.x")  # only a bare name is safe under `typeof`
    assert issubclass(JSThrow, NoValue) and issubclass(Unsupported, NoValue)
    assert issubclass(NotKnown, NoValue)


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
    """A few thousand generated expressions evaluated here and by a real JS engine."""
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

    globals_only = lookup_in({})
    checked = 0
    for _ in range(2000):
        expr = gen(3)
        node = parse_expression(expr).node  # early errors (`--1`) keep their tree
        assert node is not None, expr
        try:
            mine = js_render(evaluate(node, globals_only))
        except NoValue:
            continue
        assert mine == ctx.eval(f"render({expr})"), expr
        checked += 1
    assert checked > 1500
