"""Generated tests: random expression trees are printed, checked against QuickJS, re-parsed.

* valid trees: QuickJS compiles the printed text, we parse it without errors, the parsed
  tree has the generated shape, every expression node's span re-parses to that node, and
  printing again gives the same text;
* mutated texts (a token deleted, duplicated or swapped) and random snippets: we report an
  error exactly when QuickJS rejects the text, except for syntax QuickJS accepts from newer
  ECMAScript editions (Digdag's engine is ES5), a QuickJS extension and two QuickJS quirks
  (`QUICKJS_ONLY`, `QUICKJS_REJECTS`).
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diglang.expr import nodes as n
from diglang.expr import parse_expression, to_source, walk
from diglang.expr.errors import KEYWORDS
from diglang.expr.literals import decode_escapes, number_value
from diglang.source import Span

try:
    import quickjs
except ImportError:  # pragma: no cover - quickjs is a dev dependency
    quickjs = None

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
Z = Span(0, 0)
SETTINGS = settings(
    max_examples=700,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------- trees

NAMES = ["a", "b", "x", "foo", "$v", "_w", "session_time", "undefined", "let"]
PROPERTIES = ["a", "length", "format", "default", "new", "if", "in", "class", "x1"]
NUMBERS = ["0", "1", "42", "3.14", ".5", "5.", "1e3", "2.5E-2", "0x1F", "017"]
STRING_PIECES = ["a", "b", " ", "}", "{", "$", "é", r"\n", r"\t", "\\\\", r"\x41", r"\u00e9",
                 r"\'", r"\"", r"\0"]  # fmt: skip
REGEXES = ["a", "ab+c", "[a-z]+", r"\d{2}", "x|y", r"\/", "[/]", "^a.*$"]
QUASIS = ["", "a", "b c", r"\n", r"\`", r"\${x}", "$", "{", "}"]
BINARY_OPS = ["+", "-", "*", "/", "%", "<<", ">>", ">>>", "<", ">", "<=", ">=", "==", "!=",
              "===", "!==", "&", "^", "|", "in", "instanceof"]  # fmt: skip
ASSIGN_OPS = ["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", ">>>=", "&=", "^=", "|="]
UNARY_OPS = ["!", "-", "+", "~", "typeof", "void", "delete"]


def _number(raw: str) -> n.NumberLit:
    return n.NumberLit(Z, number_value(raw), raw)


def _string(pieces: list[str], quote: str) -> n.StringLit:
    body = "".join(pieces)
    return n.StringLit(Z, decode_escapes(body)[0], quote + body + quote)


def _template(quasis: list[str], exprs: list[n.Expr]) -> n.TemplateLit:
    quasis = quasis[: len(exprs) + 1]
    cooked = tuple(decode_escapes(q, template=True)[0] for q in quasis)
    return n.TemplateLit(Z, tuple(quasis), cooked, tuple(exprs))


identifiers = st.sampled_from(NAMES).map(lambda name: n.Identifier(Z, name))
names = st.sampled_from(NAMES).map(lambda name: n.Name(Z, name))
properties = st.sampled_from(PROPERTIES).map(lambda name: n.Name(Z, name))
strings = st.builds(
    _string, st.lists(st.sampled_from(STRING_PIECES), max_size=4), st.sampled_from("'\"")
)
numbers = st.sampled_from(NUMBERS).map(_number)
leaves: st.SearchStrategy[n.Expr] = st.one_of(
    identifiers,
    numbers,
    strings,
    st.builds(n.BooleanLit, st.just(Z), st.booleans()),
    st.just(n.NullLit(Z)),
    st.just(n.This(Z)),
    st.builds(
        n.RegexLit, st.just(Z), st.sampled_from(REGEXES), st.sampled_from(["", "g", "i", "gim"])
    ),
    st.builds(_template, st.lists(st.sampled_from(QUASIS), min_size=1, max_size=1), st.just([])),
)


def _no_template(node: n.Expr) -> bool:
    """Our template literal token cannot contain another template literal."""
    return not any(isinstance(x, n.TemplateLit) for x in walk(node))


def _statements(exprs: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Statement]:
    declarator = st.builds(n.VarDeclarator, st.just(Z), names, st.none() | exprs)
    return st.one_of(
        st.builds(n.Return, st.just(Z), st.none() | exprs),
        st.builds(n.VarDecl, st.just(Z), st.lists(declarator, min_size=1, max_size=2).map(tuple)),
        st.builds(n.ExprStatement, st.just(Z), exprs),
    )


def _extend(exprs: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Expr]:
    args = st.lists(exprs, max_size=3).map(tuple)
    targets = st.one_of(
        identifiers,
        st.builds(n.Member, st.just(Z), exprs, properties),
        st.builds(n.Index, st.just(Z), exprs, exprs),
    )
    prop = st.builds(n.Property, st.just(Z), st.one_of(properties, strings, numbers), exprs)
    return st.one_of(
        st.builds(n.Binary, st.just(Z), st.sampled_from(BINARY_OPS), exprs, exprs),
        st.builds(n.Logical, st.just(Z), st.sampled_from(["&&", "||"]), exprs, exprs),
        st.builds(n.Unary, st.just(Z), st.sampled_from(UNARY_OPS), exprs),
        st.builds(n.Conditional, st.just(Z), exprs, exprs, exprs),
        st.builds(n.Assign, st.just(Z), st.sampled_from(ASSIGN_OPS), targets, exprs),
        st.builds(n.Update, st.just(Z), st.sampled_from(["++", "--"]), st.booleans(), targets),
        st.builds(n.Member, st.just(Z), exprs, properties),
        st.builds(n.Index, st.just(Z), exprs, exprs),
        st.builds(n.Call, st.just(Z), exprs, args),
        st.builds(n.New, st.just(Z), exprs, st.none() | args),
        st.builds(n.ArrayLit, st.just(Z), st.lists(st.none() | exprs, max_size=3).map(tuple)),
        st.builds(n.ObjectLit, st.just(Z), st.lists(prop, max_size=3).map(tuple)),
        st.builds(n.Sequence, st.just(Z), st.lists(exprs, min_size=2, max_size=3).map(tuple)),
        st.builds(
            n.FunctionExpr,
            st.just(Z),
            st.none() | names,
            st.lists(names, max_size=2).map(tuple),
            st.lists(_statements(exprs), max_size=2).map(tuple),
        ),
        st.builds(
            _template,
            st.lists(st.sampled_from(QUASIS), min_size=3, max_size=3),
            st.lists(exprs.filter(_no_template), min_size=1, max_size=2),
        ),
    )


expressions = st.recursive(leaves, _extend, max_leaves=12)


def shape(value: Any) -> Any:
    """`value` without spans, for comparing trees."""
    if isinstance(value, n.Node):
        parts = (shape(getattr(value, f.name)) for f in fields(value) if f.name != "span")
        return (type(value).__name__, *parts)
    if isinstance(value, tuple):
        return tuple(shape(item) for item in value)
    return value


# ------------------------------------------------------------------------- QuickJS

_context = quickjs.Context() if quickjs is not None else None
needs_quickjs = pytest.mark.skipif(quickjs is None, reason="quickjs is not installed")


def js_accepts(text: str) -> bool:
    """True when QuickJS compiles `text` as an expression (without running it).

    Two different wrappers make sure a text like `a) + (b` is not accepted by accident.
    """
    assert _context is not None
    for before, after in (("(function(){ return (\n", "\n); })"), ("(function(){ [\n", "\n]; })")):
        try:
            _context.eval(before + text + after)
        except quickjs.JSException:
            return False
    return True


def parses(text: str) -> bool:
    return not parse_expression(text).errors


# ------------------------------------------------------------------- valid trees


@SETTINGS
@given(expressions)
def test_printed_trees_round_trip(tree: n.Expr) -> None:
    text = to_source(tree)
    result = parse_expression(text, 3)
    assert result.errors == [], text
    assert result.node is not None
    assert shape(result.node) == shape(tree)
    assert to_source(result.node) == text
    for node in walk(result.node):
        if isinstance(node, n.Expr):
            again = parse_expression(text[node.span.start - 3 : node.span.end - 3])
            assert shape(again.node) == shape(node)
    if _context is not None:
        assert js_accepts(text), text


# ------------------------------------------------------------------- mutated texts

_TOKEN = re.compile(
    r"""`(?:[^`\\]|\\.)*` | "(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*'
      | 0[xX][0-9a-fA-F]+ | (?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)? | [\w$]+
      | >>>= | === | !== | >>> | <<= | >>= | \+\+ | -- | && | \|\| | == | != | <= | >= | << | >>
      | [-+*/%&^|]= | [-+*/%<>=!~&|^?:.,;()\[\]{}]""",
    re.VERBOSE | re.DOTALL,
)
_REGEX = re.compile(r"/(?![\s*/=])(?:[^/\\\[\n]|\\.|\[(?:[^\]\\]|\\.)*\])+/[a-z]*")
_ENDS_OPERAND = re.compile(r"[\w$)\]}'\"`]$|^\d")


def tokenize(text: str) -> list[str]:
    """The tokens of a printed expression (a regex literal is one token)."""
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        previous = tokens[-1] if tokens else ""
        operand_before = _ENDS_OPERAND.search(previous) and previous not in KEYWORDS - {
            "this", "true", "false", "null"
        }  # fmt: skip
        match = None if operand_before else _REGEX.match(text, pos)
        match = match or _TOKEN.match(text, pos)
        assert match is not None, text[pos:]
        tokens.append(match.group())
        pos = match.end()
    return tokens


def mutate(tokens: list[str], kind: int, index: int) -> str:
    """Delete, duplicate or swap (with the next one) the token at `index`."""
    index %= len(tokens)
    out = list(tokens)
    if kind == 0:
        del out[index]
    elif kind == 1:
        out.insert(index, out[index])
    elif index + 1 < len(out):
        out[index], out[index + 1] = out[index + 1], out[index]
    return " ".join(out)


# Texts QuickJS accepts that we reject: syntax from ES2015 and later (Digdag's engine is
# ECMAScript 5), statements we do not support in function bodies, a QuickJS extension and a
# QuickJS bug.
QUICKJS_ONLY = [
    re.compile(r",\s*\)"),  # trailing comma in arguments or parameters (ES2017)
    re.compile(r"(?:[\w$.)\]}'\"]|`)\s*`"),  # tagged template (ES2015)
    re.compile(r"[\]}]\s*=(?!=)"),  # destructuring assignment (ES2015)
    re.compile(r"\b0[bBoO]\d"),  # binary and octal literals (ES2015)
    re.compile(r"\*\*"),  # exponent operator (ES2016)
    re.compile(r"\?\.(?!\d)|\?\?"),  # optional chaining, nullish coalescing (ES2020)
    re.compile(r"=>|\.\.\."),  # arrow functions, spread (ES2015)
    re.compile(r"[{,]\s*[A-Za-z_$][\w$]*\s*[,}]"),  # shorthand properties (ES2015)
    re.compile(r"[{;]\s*\{"),  # a block statement in a function body: not supported by us
    re.compile(r"<!--|(?:^|\n)\s*-->"),  # HTML-like comments (Annex B): not supported by us
    re.compile(r"\^\^"),  # QuickJS extension: `^^` operator
    re.compile(r"[\[,]\s*,"),  # QuickJS bug: after a hole, `[a, , b c]` is accepted
]
# Valid ES5 that QuickJS rejects: it reads `0xa.b` as a hexadecimal fraction.
QUICKJS_REJECTS = [re.compile(r"\b0[xX][0-9a-fA-F]*\.")]


def agrees_with_quickjs(text: str) -> bool:
    """True when we accept `text` exactly when QuickJS does (modulo the known differences)."""
    expected, ours = js_accepts(text), parses(text)
    if expected and not ours:
        return any(p.search(text) for p in QUICKJS_ONLY)
    if ours and not expected:
        return any(p.search(text) for p in QUICKJS_REJECTS)
    return True


@needs_quickjs
@SETTINGS
@given(
    expressions,
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10_000)), min_size=2, max_size=3),
)
def test_mutations_agree_with_quickjs(tree: n.Expr, mutations: list[tuple[int, int]]) -> None:
    tokens = tokenize(to_source(tree))
    assert parses(" ".join(tokens)), tokens
    for kind, index in mutations:
        text = mutate(tokens, kind, index)
        if not text:
            continue  # an empty `${}` is fine for Digdag, not for JavaScript
        assert agrees_with_quickjs(text), (text, parse_expression(text).errors)


SNIPPETS = [*"abx01 .,;:?!~+-*/%<>=&|^()[]{}'\"`$\\\n", "in ", "new ", "typeof ", "function",
            "return ", "var ", "this", "null", "1e", "0x", "/a/g", "'s'", "f(", "${", "delete ",
            "void ", "instanceof ", "++", "--", "a.b", "[1]", "{a:1}", "function(x){", "return x;",
            " ? ", " : "]  # fmt: skip


@needs_quickjs
@SETTINGS
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=9).map("".join))
def test_random_snippets_agree_with_quickjs(text: str) -> None:
    if text.strip():
        assert agrees_with_quickjs(text), (text, parse_expression(text).errors)
