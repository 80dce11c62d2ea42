"""Digdag's template rendering: `${...}` scanned and evaluated as `js/digdag.js#template` does.

Scanning (the extended syntax, Digdag's default): the next `${` not immediately followed by
`[a-z]+:` (so `${secret:x}` stays literal) starts an expression that ends at the `}` which
brings a brace count (`{` +1, `}` −1, no awareness of quotes) to −1; literal text has `$$`
replaced by `$`; an unterminated `${` and everything after it is literal; `${}` emits
nothing. `${secret:${key}}` evaluates the inner `${key}`.

Digdag compiles the whole string into one JavaScript function: a syntax error in any
`${...}` fails the string before anything runs, the expressions then run left to right, and
an assignment in one is seen by the next. A value is written as: a string as it is, null
and undefined as nothing, anything else as `JSON.stringify` gives it (a function, which
`JSON.stringify` turns into undefined, as `undefined`).

Differences from Digdag: a syntax error's message is digrun's parser's, not GraalJS'
(`SyntaxError: unexpected ...`); expression text that is not an expression by itself but
happens to be valid JavaScript inside Digdag's generated code (`${a) + (b}`) is a syntax
error here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diglang.expr import nodes as n
from diglang.expr.parse import parse_expression
from digrun.js.values import Function, Undefined, Value

__all__ = ["Part", "render_value", "scan", "syntax_problem"]

_OPENING = re.compile(r"\$\{(?![a-z]+:)[\s\S]")


@dataclass(frozen=True, slots=True)
class Part:
    """A literal text (`expr` False) or the text of an expression (`expr` True)."""

    text: str
    expr: bool


def scan(text: str) -> list[Part]:
    """Split `text` exactly as Digdag's extended scanner does."""
    parts: list[Part] = []
    position = 0
    size = len(text)
    while position < size:
        m = _OPENING.search(text, position)
        if m is None:
            parts.append(Part(text[position:].replace("$$", "$"), False))
            break
        index = m.start()
        if index > position:
            parts.append(Part(text[position:index].replace("$$", "$"), False))
        depth = 0
        close = -1
        for i in range(index + 2, size):
            ch = text[i]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == -1:
                    close = i
                    break
        if close < 0:
            parts.append(Part(text[index:].replace("$$", "$"), False))
            break
        script = text[index + 2 : close]
        if script:
            parts.append(Part(script, True))
        position = close + 1
    return parts


def syntax_problem(script: str) -> str | None:
    """Why `script` is not a valid expression inside Digdag's generated code, or None."""
    if not script.strip(" \t\n\r\v\f\u00a0\ufeff\u2028\u2029"):
        return "expected an expression"
    result = parse_expression(script)
    if result.errors:
        return result.errors[0].message
    if result.node is None:
        return "expected an expression"
    if "//" in script:
        # Digdag appends `))==null?...` on the same line: a trailing line comment eats it.
        wrapped = parse_expression("(" + script + ")")
        if wrapped.errors or wrapped.node is None:
            return "a `//` comment at the end of an expression comments out Digdag's code"
    for node in n.walk(result.node):
        if isinstance(node, n.TemplateLit):
            return "template literals are not ECMAScript 5 (Digdag's engine mode)"
    return None


def render_value(interp: object, value: Value) -> str:
    """How Digdag writes one expression's value into the output."""
    from digrun.js.builtins import json_stringify
    from digrun.js.interp import Interp

    assert isinstance(interp, Interp)
    if value is None or isinstance(value, Undefined):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Function):
        return "undefined"
    text = json_stringify(interp, value)
    return "undefined" if text is None else text
