"""digrun.js.render: Digdag's template scanning, value rendering and error messages."""

from __future__ import annotations

import pytest

from digrun.js import EvalError, evaluate, from_js, render, to_js

PARAMS = {
    "x": "X",
    "n": 1,
    "s": "1",
    "obj": {"a": 1},
    "list": [1, 2],
    "key": "k2",
    "timezone": "UTC",
}


def r(text: str, params: dict[str, object] | None = None, tz: str = "UTC") -> str:
    return render(text, PARAMS if params is None else params, timezone=tz)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # digdag-language.md §7.2 worked examples (extended scanner)
        ("$${x}", "$X"),
        ("a$$b${x}", "a$bX"),
        ("${}", ""),
        ("${ {a:1}.a }", "1"),
        ("${obj}", '{"a":1}'),
        ("${list}", "[1,2]"),
        ("${n + 1}", "2"),
        ("${s + 1}", "11"),
        ("${secret:foo}", "${secret:foo}"),
        ("${secret:${key}}", "${secret:k2}"),
        ("${foo:bar}", "${foo:bar}"),
        ("${x}}", "X}"),
        ("${obj.b}", ""),
        ("${typeof nope}", "undefined"),
        ("${1 == '1'}", "true"),
        # Digdag's eval/template.dig fixture
        ("$", "$"),
        ("$$", "$"),
        ("p$$s", "p$s"),
        ("${", "${"),
        ("${v", "${v"),
        ("p${v", "p${v"),
        ("}", "}"),
        ("p${1}s", "p1s"),
        ("p${1}m$$m${2}s", "p1m$m2s"),
        ("a$${v", "a$${v"),  # the unterminated rest keeps its `$$` pairs with the `${`
        # eval/literal.dig
        ("${1}", "1"),
        ("${0.2}", "0.2"),
        ('${"a"}', "a"),
        ("${[1]}", "[1]"),
        ("${undefined}", ""),
        ("${null}", ""),
        # values
        ("${true}", "true"),
        ("${1/0}", "null"),
        ("${[undefined, null, function(){}]}", "[null,null,null]"),
        ("${{a: undefined, b: 1}}", '{"b":1}'),
        ("${Math.max}", "undefined"),
        ("${'😀'.length}", "2"),
        ("${'😀'}", "😀"),
        ("${'😀'.charAt(0)}", "\ufffd"),
        ("${x = 5}${x}", "55"),
        ("${y = 2}${y * y}", "24"),
        ("${toString()}", "[object Object]"),
        ("${hasOwnProperty('x')}", "true"),
        ("${this.x + this['key']}", "Xk2"),
        ("${'a,b'.split(',')}", '["a","b"]'),
    ],
)
def test_render(text: str, expected: str) -> None:
    assert r(text) == expected


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("${nope}", 'ReferenceError: "nope" is not defined'),
        ("a ${obj.b.c} b", 'TypeError: Cannot read property "c" from undefined'),
        ("${null.a}", 'TypeError: Cannot get property "a" of null'),
        ("${x()}", "TypeError: x is not a function"),
        ("${obj.nope()}", "TypeError: obj.nope is not a function"),
        ("${1 +}", "SyntaxError: "),
        ("${ }", "SyntaxError: expected an expression"),
        ("${`a`}", "SyntaxError: template literals are not ECMAScript 5"),
        ("${a // comment}", "SyntaxError: a `//` comment"),
        ("${x.includes('X')}", "digrun does not implement the string method `includes`"),
        ("${[1].find(function(v){return v})}", "digrun does not implement the array method"),
        ("${Math.trunc(1.5)}", "digrun does not implement `Math.trunc`"),
        ("${eval('1')}", "digrun does not implement the global `eval`"),
        ("${load('/etc/passwd')}", "digrun does not implement the global `load`"),
        ("${Java.type('java.lang.System')}", "digrun does not implement the global `Java`"),
        ("${__p}", "digrun does not implement `__p`"),
    ],
)
def test_errors(text: str, detail: str) -> None:
    with pytest.raises(EvalError) as info:
        r(text)
    assert info.value.message.startswith(f"Failed to evaluate a variable {text} ({detail}")
    assert info.value.message.endswith(")")


def test_syntax_error_anywhere_fails_before_running() -> None:
    with pytest.raises(EvalError) as info:
        r("${nope} ${1 +}")
    assert info.value.error == "SyntaxError"


def test_params_shadow_globals() -> None:
    assert r("${Math}", {"Math": "mine"}) == "mine"
    assert r("${moment}", {"moment": 3}) == "3"


@pytest.mark.parametrize(
    "text",
    [
        "${(function f(n){ return f(n + 1) })(0)}",  # unbounded recursion
        "${(function f(n){ return n ? f(n - 1) + f(n - 1) : 1 })(40)}",  # exponential work
        "${'x'.repeat(1e9)}",  # Java String.repeat
        "${(function f(s, n){ return n ? f(s + s, n - 1) : s.length })('x', 40)}",
        "${[].concat(list, list).join('x'.repeat(100000000))}",
    ],
)
def test_pathological_inputs_fail_fast(text: str) -> None:
    with pytest.raises(EvalError):
        r(text)


def test_evaluate_and_conversions() -> None:
    assert evaluate("[n, s, obj, null]", PARAMS, timezone="UTC") == [1, "1", {"a": 1}, None]
    assert from_js(to_js({"a": [1, 2.5, "😀", None, True]})) == {"a": [1, 2.5, "😀", None, True]}


TOKENS = [
    "a", "s", "obj", "list", "n", "x", "1", "0", "'q'", "(", ")", "[", "]", "{", "}", ".", ",",
    "+", "-", "*", "/", "%", "==", "===", "!", "?", ":", "&&", "||", "typeof", "new", "function",
    "return", ";", "=", "+=", "++", "length", "map", "join", "split", "replace", "/a/g", "Math",
    "JSON", "stringify", "parse", "moment", "format", "add", "'days'", "Date", "this", "null",
    "undefined", "in", "instanceof", "void", "delete", "var", "1e400", "NaN", "'${'", "$$",
    "'2016-01-01'", "toFixed", "sort", "concat", "utc", "startOf", "diff", "isValid",
]  # fmt: skip


def test_random_token_soup_never_crashes() -> None:
    import random

    rng = random.Random(7)
    for _ in range(3000):
        expr = " ".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 12)))
        try:
            render("${" + expr + "}", {**PARAMS, "a": [3, 1, 2]}, timezone="Europe/Berlin")
        except EvalError as exc:
            assert exc.error != "InternalError", (expr, exc.message)
