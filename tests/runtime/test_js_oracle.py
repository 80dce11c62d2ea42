"""Differential test of digrun.js against a real JavaScript engine with Moment.js 2.21.0.

Thousands of expressions (a fixed seed) over the subset digrun implements are rendered by
`digrun.js.render` and by Node.js running the same expression the way Digdag's template
function does: `with (this) { ... }` over the parameters, Moment.js 2.21.0 (the npm package
pinned in tests/runtime/js, the version Digdag bundles) loaded as a global, and the value
written as Digdag writes it. Each time zone runs in its own Node process with `TZ` set: that
is how the engine's default zone becomes the workflow zone, as Digdag sets GraalJS' zone.

Why Node and not the `quickjs` package: QuickJS converts local times to UTC with the offset of
the wrong instant, so around a daylight saving transition in a zone east of UTC its `Date`
(and so moment) is off by an hour (`new Date(2016, 2, 27, 1, 59)` in Europe/Berlin gives
00:59 UTC instead of 00:59 local); V8 implements the ECMAScript rules GraalJS follows.
Node is on every machine that can install the oracle package (`npm ci` needs it).

Compared: the rendered text, or the error class when the engine throws. Digdag's engine is
GraalJS in ECMAScript 5 mode; the generator only produces expressions whose value is the same
in ES5 and in Node (no ES2015+ built-ins, no engine-specific string forms). An expression
digrun reports as unsupported counts separately and must stay rare.

Run `make tests/runtime/js/node_modules/.package-lock.json` (npm ci) to enable this test.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digrun.js import EvalError, render
from digrun.js.values import py_string

JS_DIR = Path(__file__).parent / "js"
MOMENT = JS_DIR / "node_modules" / "moment" / "min" / "moment.min.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    not MOMENT.exists() or NODE is None,
    reason="JS oracle not installed: run `make tests/runtime/js/node_modules/.package-lock.json`",
)

NOW = datetime(2016, 7, 14, 15, 9, 26, 535000, tzinfo=UTC)
NOW_MS = 1468508966535
SEED = 20160313

# The engine side: Digdag's rendering of one `${expr}` with the parameters as `this`.
ORACLE = r"""
const moment = require(process.argv[1]);
globalThis.moment = moment;
const NOW = Number(process.argv[2]);
Date.now = function () { return NOW; };
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = [];
for (const c of input) {
  try {
    const f = new Function('with(this){ var __t = (' + c.e + '\n); return __t == null ? "" :'
      + ' (typeof __t == "string" ? __t : "" + JSON.stringify(__t)); }');
    out.push({ok: f.call(JSON.parse(c.p))});
  } catch (e) {
    out.push({error: e && e.name ? e.name : String(e)});
  }
}
process.stdout.write(JSON.stringify(out));
"""

PARAMS: dict[str, object] = {
    "s": "abc",
    "S": "Hello, World",
    "e": "",
    "sp": "  a b  ",
    "ns": "12",
    "fs": "3.5",
    "hx": "0x1f",
    "n": 42,
    "f": 3.5,
    "neg": -7,
    "z": 0,
    "big": 12345678901,
    "t": True,
    "no": False,
    "nul": None,
    "arr": [1, "2", 3.5, None, True],
    "nums": [5, 1, 10, 2],
    "strs": ["b", "a", "c"],
    "obj": {"a": 1, "b": "x", "c": [1, 2], "d": {"e": None}},
    "uni": "héllo wörld ß",
    "emoji": "a😀b",
    "csv": "a,b,,c",
    "path": "/data/2016/03/13/file.csv",
    "session_time": "2016-03-13T10:00:00+00:00",
    "session_date": "2016-03-13",
    "timezone": "UTC",
}

# ---------------------------------------------------------------------------- generator

ATOMS = [
    "0", "1", "-1", "2", "0.1", "0.2", "1.5", "-2.5", "1e21", "1e-7", "123456789", "NaN",
    "Infinity", "-Infinity", "''", "'0'", "'1'", "'abc'", "' 12 '", "'0x1f'", "'1e3'",
    "'-0'", "'true'", "true", "false", "null", "undefined", "[]", "[1]", "[1,2]",
    "[null]", "{}", "({a:1})", "s", "S", "e", "ns", "fs", "hx", "n", "f", "neg", "z", "big",
    "t", "no", "nul", "arr", "nums", "obj", "obj.a", "obj.b", "obj.c", "obj.zz", "arr[1]",
    "arr.length", "s.length",
]  # fmt: skip
BINARY = [
    "+", "-", "*", "/", "%", "==", "!=", "===", "!==", "<", ">", "<=", ">=", "&&", "||",
    "&", "|", "^", "<<", ">>", ">>>",
]  # fmt: skip
UNARY = ["!", "-", "+", "typeof ", "void ", "~"]
STRINGS = ["s", "S", "e", "sp", "ns", "uni", "emoji", "csv", "path", "'a-b-c'", "'AbC'", "hx"]
INTS = ["0", "1", "2", "3", "-1", "-3", "10", "100", "1.7", "NaN", "undefined", "'2'", "null"]
SUBS = ["'a'", "'b'", "','", "''", "'l'", "'o'", "'-'", "'/'", "'abc'", "'x'", "'ß'"]
REGEXES = [
    "/a/", "/a/g", "/[aeiou]/g", "/(\\w)(\\w)/", "/(\\w)(\\w)/g", "/\\d+/g", "/\\s+/",
    "/\\s+/g", "/^a/", "/c$/", "/,/", "/(,)/", "/b*/g", "/L/gi", "/(x)?b/", "/\\//g",
    "/[^a-z]/g", "/\\b\\w/g", "/./g", "/(\\d\\d\\d\\d)\\/(\\d\\d)/",
]  # fmt: skip
REPLACEMENTS = ["'X'", "'[$&]'", "'$1'", "'$2$1'", "'$$'", "'$`'", "\"$'\"", "'$3'",
                "function(m){return m.toUpperCase()}", "function(m, a){return '<' + a + '>'}"]  # fmt: skip  # noqa: E501
ARRAYS = ["arr", "nums", "strs", "[3,1,2]", "[]", "['b',10,9,1]", "[1,[2,[3]]]",
          "[undefined, null, 0]", "obj.c"]  # fmt: skip
FUNCTIONS = [
    "function(v){return v*2}", "function(v, i){return i}", "function(v){return !!v}",
    "function(v){return typeof v}", "function(v){return v > 2}", "function(a, b){return a - b}",
    "function(a, b){return b - a}",
]  # fmt: skip


def gen_value(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth >= 3 or roll < 0.45:
        return rng.choice(ATOMS)
    if roll < 0.75:
        op = rng.choice(BINARY)
        return f"({gen_value(rng, depth + 1)} {op} {gen_value(rng, depth + 1)})"
    if roll < 0.85:
        return f"({rng.choice(UNARY)}{gen_value(rng, depth + 1)})"
    if roll < 0.95:
        return f"({gen_value(rng, depth + 1)} ? {gen_value(rng, depth + 1)} : {rng.choice(ATOMS)})"
    return f"[{gen_value(rng, depth + 1)}, {gen_value(rng, depth + 1)}]"


def gen_string_method(rng: random.Random) -> str:
    s = rng.choice(STRINGS)
    i, j = rng.choice(INTS), rng.choice(INTS)
    sub = rng.choice(SUBS)
    return rng.choice([
        f"{s}.length", f"{s}.charAt({i})", f"{s}.charCodeAt({i})", f"{s}.indexOf({sub})",
        f"{s}.indexOf({sub}, {i})", f"{s}.lastIndexOf({sub})", f"{s}.lastIndexOf({sub}, {i})",
        f"{s}.slice({i})", f"{s}.slice({i}, {j})", f"{s}.substring({i}, {j})",
        f"{s}.substr({i}, {j})", f"{s}.substr({i})", f"{s}.toUpperCase()",
        f"{s}.toLowerCase()", f"{s}.trim()", f"{s}.split({sub})", f"{s}.split({sub}, {i})",
        f"{s}.split()", f"{s}.concat({sub}, {i})", f"{s}.replace({sub}, {rng.choice(REPLACEMENTS)})",  # noqa: E501
        f"{s}.replace({rng.choice(REGEXES)}, {rng.choice(REPLACEMENTS)})",
        f"{s}.match({rng.choice(REGEXES)})", f"{s}.search({rng.choice(REGEXES)})",
        f"{s}.split({rng.choice(REGEXES)})", f"{rng.choice(REGEXES)}.test({s})",
        f"{rng.choice(REGEXES)}.exec({s})", f"{s}[{i}]", f"{s} + {sub}",
        f"String.fromCharCode({s}.charCodeAt(0), 65)", f"{s}.split('').reverse().join('')",
        f"encodeURIComponent({s})", f"encodeURI({s} + '?q=a b&c=/')",
        f"decodeURIComponent(encodeURIComponent({s}))",
    ])  # fmt: skip


def gen_array_method(rng: random.Random) -> str:
    a = rng.choice(ARRAYS)
    i, j = rng.choice(INTS), rng.choice(INTS)
    fn = rng.choice(FUNCTIONS)
    return rng.choice([
        f"{a}.join()", f"{a}.join({rng.choice(SUBS)})", f"{a}.concat({rng.choice(ARRAYS)}, 7)",
        f"{a}.slice({i})", f"{a}.slice({i}, {j})", f"{a}.indexOf({rng.choice(ATOMS)})",
        f"{a}.lastIndexOf({rng.choice(ATOMS)})", f"{a}.map({fn})", f"{a}.filter({fn})",
        f"{a}.some({fn})", f"{a}.every({fn})", f"{a}.reduce(function(x, y){{return x + y}})",
        f"{a}.reduce(function(x, y){{return x + y}}, '')", f"[].concat({a}).sort()",
        f"[].concat({a}).sort({fn})", f"[].concat({a}).reverse()", f"{a}.length",
        f"[].concat({a}).push(1, 2)", f"(function(x){{x.push(9); return x}})([].concat({a}))",
        f"(function(x){{var r = x.splice({i}, {j}, 'q'); return [r, x]}})([].concat({a}))",
        f"[].concat({a}).pop()", f"[].concat({a}).shift()", f"Array.isArray({a})",
        f"{a}.toString()", f"{a} + ''", "Object.keys(obj)", f"JSON.stringify({a})",
    ])  # fmt: skip


NUMBERS = ["0", "1", "-1", "0.5", "1.005", "2.5", "-2.5", "1234.5678", "1e21", "1e-7",
           "0.000001234", "123.456", "-0.0001", "5e-324", "1.7976931348623157e308", "NaN",
           "n", "f", "neg", "big", "Math.PI", "1/3", "0.1 + 0.2"]  # fmt: skip


PARSE_INT_INPUTS = [*STRINGS, "'08'", "'0x1F'", "'12px'", "' -42'", "'1e3'"]


def gen_number(rng: random.Random) -> str:
    x = rng.choice(NUMBERS)
    d = rng.choice(["0", "1", "2", "3", "5", "10", "20"])
    math_fn = rng.choice(["abs", "floor", "ceil", "round", "sqrt", "exp", "log", "sin",
                          "cos", "atan"])  # fmt: skip
    return rng.choice([
        f"({x}).toFixed({d})", f"({x}).toPrecision({rng.choice(['1', '2', '3', '7', '21'])})",
        f"({x}).toExponential({d})", f"({x}).toExponential()", f"({x}).toString()",
        f"Math.round({x} * 10) / 10", f"({x}).toString({rng.choice(['2', '16', '36'])})",
        f"Math.{math_fn}({x})", f"Math.max({x}, {rng.choice(NUMBERS)})",
        f"Math.min({x}, {rng.choice(NUMBERS)}, 3)", f"Math.pow({x}, {rng.choice(INTS)})",
        f"Math.atan2({x}, {rng.choice(NUMBERS)})", f"parseInt({rng.choice(ATOMS)})",
        f"parseInt({rng.choice(PARSE_INT_INPUTS)}, {rng.choice(['10', '16', '2', '0', '37'])})",
        f"parseFloat({rng.choice(ATOMS)})", "parseFloat('3.14abc')", f"isNaN({rng.choice(ATOMS)})",
        f"isFinite({rng.choice(ATOMS)})", f"Number({rng.choice(ATOMS)})",
        f"String({rng.choice(ATOMS)})", f"Boolean({rng.choice(ATOMS)})",
        f"{x} + ''", f"-{x}", f"{x} * 1e300", f"{x} % 7", f"({x}) | 0", f"~~({x})",
    ])  # fmt: skip


JSON_TEXTS = ["'{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"}'", "'[1, 2.50, -0, 1e400]'", "'\"s\"'",
              "'{bad}'", "'[1,]'", "'  true '", "'{\"a\":1,\"a\":2}'", "'\"\\\\u00e9\"'", "''"]  # fmt: skip  # noqa: E501


def gen_json(rng: random.Random) -> str:
    v = rng.choice(ATOMS + ["obj", "arr", "[obj, arr]", "({x: [1, {y: 'z'}], w: undefined})"])  # noqa: RUF005
    return rng.choice([
        f"JSON.stringify({v})", f"JSON.stringify({v}, null, 2)", f"JSON.stringify({v}, null, '--')",
        "JSON.stringify(obj, ['a', 'c'])", f"JSON.parse({rng.choice(JSON_TEXTS)})",
        f"JSON.stringify(JSON.parse({rng.choice(JSON_TEXTS)}))",
        f"JSON.stringify({v}, function(k, x){{return typeof x == 'number' ? x + 1 : x}})",
        f"{v}", f"typeof {v}", "obj.hasOwnProperty('a')", "'a' in obj", "1 in arr",
        f"(function(){{ var o = {{}}; o.k = {v}; return o }})()",
    ])  # fmt: skip


DATE_STRINGS = [
    "session_time", "session_date", "'2016-03-13T02:30:00'", "'2016-03-27T02:30:00'",
    "'2016-11-06T01:30:00'", "'2016-10-30T02:30:00'", "'2016-10-16T00:00:00'",
    "'2016-04-03T02:30:00'", "'2016-01-31'", "'2016-02-29T23:59:59.999Z'", "'2016-12-31T23:00:00-05:00'",  # noqa: E501
    "'20160313T101112'", "'2016-W10-3'", "'2016-075'", "'2016-03-13 10:00'", "'2016-03'",
    "'2016-03-13T10:00:00.123456+0530'", "'2016-13-01'", "'2016-02-30'", "'2016-03-13T24:00'",
    "'Sun, 13 Mar 2016 10:00:00 +0900'", "'13 Mar 16 10:00 PST'", "'1999-12-31T23:59:59+14:00'",
    "'2017-02-19T00:00:00'", "'2016-03-12T12:00:00Z'", "'2016-11-05T12:00:00Z'",
]  # fmt: skip
UNITS = ["years", "y", "quarters", "Q", "months", "M", "weeks", "w", "days", "d", "hours",
         "h", "minutes", "m", "seconds", "s", "milliseconds", "ms", "day", "bogus"]  # fmt: skip
START_UNITS = ["year", "quarter", "month", "week", "isoWeek", "day", "date", "hour",
               "minute", "second", "millisecond"]  # fmt: skip
FORMATS = [
    "", "YYYY-MM-DD", "YYYY-MM-DD HH:mm:ss", "YYYYMMDD", "YY M D H h m s", "MMM MMMM Mo",
    "Do DDD DDDD DDDo", "d do dd ddd dddd e E", "w ww wo W WW Wo", "gg gggg GG GGGG",
    "HH:mm:ss.SSS", "hh:mm A a", "k kk", "S SS SSSS", "Z ZZ", "X x", "Q Qo",
    "[Today is] dddd", "LT LTS L LL LLL LLLL", "l ll lll llll", "YYYY-MM-DDTHH:mm:ssZ",
    "\\Y YYYY [[W]]", "z zz", "Y YYYYY YYYYYY",
]  # fmt: skip
PARSE_FORMATS = ["YYYY-MM-DD", "YYYYMMDD", "YYYY-MM-DD HH:mm", "DD/MM/YYYY", "X",
                 "YYYY-MM-DDTHH:mm:ssZ", "h:mm a"]  # fmt: skip
ADD_AMOUNTS = ["1", "-1", "2", "7", "13", "-40", "0", "1.5", "-1.5", "'3'", "24", "365"]


def gen_moment(rng: random.Random) -> str:
    src = rng.choice(DATE_STRINGS)
    base = rng.choice([f"moment({src})", f"moment.utc({src})", f"moment({src}).utc()",
                       f"moment({src}).utcOffset(540)", f"moment({src}).utcOffset('-03:30')",
                       f"moment.parseZone({src})", f"moment({src}).local()"])  # fmt: skip
    chain = base
    for _ in range(rng.randint(0, 3)):
        step = rng.random()
        if step < 0.45:
            op = rng.choice(["add", "subtract"])
            chain += f".{op}({rng.choice(ADD_AMOUNTS)}, '{rng.choice(UNITS)}')"
        elif step < 0.75:
            chain += f".{rng.choice(['startOf', 'endOf'])}('{rng.choice(START_UNITS)}')"
        else:
            setter = rng.choice(["year", "month", "date", "hour", "minute", "second",
                                 "day", "weekday", "isoWeekday", "dayOfYear", "quarter",
                                 "week", "isoWeek"])  # fmt: skip
            chain += f".{setter}({rng.choice(['0', '1', '2', '11', '15', '31', '-1', '100'])})"
    other = f"moment({rng.choice(DATE_STRINGS)})"
    unit = rng.choice(START_UNITS + UNITS[:6])
    fmt = rng.choice(FORMATS)
    return rng.choice([
        f"{chain}.format('{fmt}')", f"{chain}.format()", f"{chain}.toISOString()",
        f"{chain}.valueOf()", f"{chain}.unix()", f"{chain}.utcOffset()", f"{chain}.isValid()",
        f"{chain}", f"{chain}.toString()", f"{chain}.toArray()", f"{chain}.toObject()",
        f"{chain}.diff({other}, '{unit}')", f"{chain}.diff({other}, '{unit}', true)",
        f"{chain}.isBefore({other}, '{unit}')", f"{chain}.isAfter({other})",
        f"{chain}.isSame({other}, '{unit}')", f"{chain}.isSameOrBefore({other}, '{unit}')",
        f"{chain}.isBetween('2016-01-01', {other}, '{unit}', '[)')",
        f"[{chain}.year(), {chain}.month(), {chain}.date(), {chain}.day(), {chain}.hour()]",
        f"[{chain}.week(), {chain}.isoWeek(), {chain}.weekYear(), {chain}.isoWeekYear()]",
        f"[{chain}.dayOfYear(), {chain}.quarter(), {chain}.daysInMonth(), {chain}.isDST()]",
        f"{chain}.get('{unit}')", f"{chain}.isLeapYear()", f"{chain}.isUTC()",
        f"moment({src}, '{rng.choice(PARSE_FORMATS)}').format()",
        f"moment.unix({rng.choice(['0', '1457863200', '1e9', '-86400'])}).format('{fmt}')",
        f"moment([2016, {rng.randint(0, 11)}, {rng.randint(1, 31)}, {rng.randint(0, 23)}]).format()",  # noqa: E501
        f"moment().format('{fmt}')", "moment.utc().add(1, 'day').format()",
        f"moment({src}).toDate().getTime()", "moment(new Date(2016, 2, 13, 12)).format()",
        f"moment.max(moment({src}), {other}).format()",
    ])  # fmt: skip


def gen_date(rng: random.Random) -> str:
    parts = ", ".join(str(x) for x in (2016, rng.randint(0, 11), rng.randint(0, 32),
                                      rng.randint(0, 25), rng.randint(0, 59)))  # fmt: skip
    getter = rng.choice(["getFullYear", "getMonth", "getDate", "getDay", "getHours",
                         "getMinutes", "getTimezoneOffset", "getTime", "getUTCHours",
                         "getUTCDate", "toISOString", "toJSON", "getYear"])  # fmt: skip
    return rng.choice([
        f"new Date({parts}).{getter}()", f"Date.UTC({parts})", f"new Date(Date.UTC({parts})).{getter}()",  # noqa: E501
        f"new Date({rng.choice(['0', '1457863200000', '-1', 'NaN', '8.64e15'])}).{getter}()",
        f"new Date('2016-03-13T10:00:00Z').{getter}()", "Date.parse('2016-03-13')",
        f"(function(d){{d.setHours({rng.randint(-2, 30)}); return d.toISOString()}})(new Date({parts}))",  # noqa: E501
        f"(function(d){{d.setMonth({rng.randint(-2, 14)}, 31); return d.getTime()}})(new Date({parts}))",  # noqa: E501
        f"(function(d){{d.setDate(0); return [d.getDate(), d.getMonth()]}})(new Date({parts}))",
        f"JSON.stringify({{d: new Date({parts})}})", f"+new Date({parts})",
        f"new Date({parts}) - new Date(2016, 0, 1)", "Date.now()",
    ])  # fmt: skip


def gen_misc(rng: random.Random) -> str:
    a, b = rng.choice(ATOMS), rng.choice(ATOMS)
    k = rng.randint(0, 12)
    return rng.choice([
        f"(function(a, b){{ var c = a + b; return [c, typeof c, c * 2] }})({a}, {b})",
        f"(function f(n){{ return n <= 1 ? 1 : n * f(n - 1) }})({k})",
        f"(function(){{ var x = {a}; x += {b}; return x }})()",
        f"(function(){{ var i = {k}; i++; ++i; i--; return [i, i << 2, i >>> 1, -i >> 1] }})()",
        f"(function(o){{ o.k = {a}; delete o.a; return o }})({{a: 1, b: {b}}})",
        f"(function(){{ return arguments.length + ':' + arguments[1] }})({a}, {b})",
        "this.s + this['n']", "typeof nothere", "nothere", "nul.x", "obj.zz.y",
        "s.nope()", "n()", f"{a}.toString()", f"({a} + '').length",
        f"[{a}, {b}].sort()", f"[{a}, {b}].indexOf({b})", f"{a} in obj",
        f"String({a}) < String({b})",
        f"({a} instanceof Array) + ':' + ({a} instanceof Object)",
        f"Object.prototype.toString.call({a})", "hasOwnProperty('s')", "toString()",
        "[1, 2, 3].map(function(v){ return this.n + v }, obj)",
        f"JSON.stringify([{a}].concat([{b}]).map(function(x){{ return [typeof x, x] }}))",
    ])  # fmt: skip


GENERATORS: list[tuple[str, Callable[[random.Random], str], int]] = [
    ("values", gen_value, 3500),
    ("strings", gen_string_method, 2000),
    ("arrays", gen_array_method, 1000),
    ("numbers", gen_number, 1500),
    ("json", gen_json, 700),
    ("misc", gen_misc, 800),
]
ZONES = [
    "UTC", "Asia/Tokyo", "America/Los_Angeles", "Europe/Berlin", "Australia/Sydney",
    "America/Sao_Paulo", "Asia/Kolkata",
]  # fmt: skip
MOMENT_CASES_PER_ZONE = 260
DATE_CASES_PER_ZONE = 60


def cases_by_zone() -> dict[str, list[str]]:
    rng = random.Random(SEED)
    by_zone: dict[str, list[str]] = {zone: [] for zone in ZONES}
    for _name, gen, count in GENERATORS:
        by_zone["UTC"].extend(gen(rng) for _ in range(count))
    for zone in ZONES:
        by_zone[zone].extend(gen_moment(rng) for _ in range(MOMENT_CASES_PER_ZONE))
        by_zone[zone].extend(gen_date(rng) for _ in range(DATE_CASES_PER_ZONE))
    return by_zone


# ------------------------------------------------------------------------------ running


def run_oracle(zone: str, exprs: list[str], params: dict[str, object]) -> list[dict[str, str]]:
    assert NODE is not None
    payload = json.dumps([{"e": e, "p": json.dumps(params)} for e in exprs])
    env = {k: v for k, v in os.environ.items() if k != "TZ"}
    env["TZ"] = zone
    done = subprocess.run(
        [NODE, "-e", ORACLE, str(MOMENT), str(NOW_MS)],
        input=payload,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    results: list[dict[str, str]] = json.loads(done.stdout)
    return results


def ours(expr: str, params: dict[str, object], zone: str) -> dict[str, str] | None:
    """{"ok": text} or {"error": class}; None when digrun does not implement it."""
    try:
        return {"ok": render("${" + expr + "}", params, timezone=zone, now=NOW)}
    except EvalError as exc:
        if exc.error is None:
            return None
        return {"error": exc.error}


# Transcendental functions: libm here, fdlibm or the JIT's intrinsics in the JVM and V8; they
# may differ in the last binary digits (Digdag's own results vary with the JVM build).
TRANSCENDENTAL = re.compile(r"Math\.(sin|cos|tan|asin|acos|atan2?|exp|log|pow)\(")


def close_enough(expr: str, want: dict[str, str], got: dict[str, str]) -> bool:
    if not TRANSCENDENTAL.search(expr) or "ok" not in want or "ok" not in got:
        return False
    try:
        a, b = float(want["ok"]), float(got["ok"])
    except ValueError:
        return False
    return a == b or abs(a - b) <= 4 * math.ulp(max(abs(a), abs(b)))


def test_generated_expressions_match_the_engine() -> None:
    by_zone = cases_by_zone()
    total = sum(len(v) for v in by_zone.values())
    assert total >= 10_000
    mismatches: list[str] = []
    unsupported: list[str] = []
    for zone, exprs in by_zone.items():
        params = dict(PARAMS, timezone=zone)
        expected = run_oracle(zone, exprs, params)
        for expr, want in zip(exprs, expected, strict=True):
            got = ours(expr, params, zone)
            if got is None:
                unsupported.append(f"[{zone}] {expr}")
                continue
            if "ok" in want:
                want = {"ok": py_string(want["ok"])}
            if got != want and not close_enough(expr, want, got):
                mismatches.append(f"[{zone}] {expr}\n    engine: {want}\n    digrun: {got}")
    report = "\n".join(mismatches[:40])
    assert not mismatches, f"{len(mismatches)} of {total} differ:\n{report}"
    assert len(unsupported) <= total * 0.03, "\n".join(unsupported[:40])
