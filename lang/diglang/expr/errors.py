"""Expression errors, and friendly messages for lark's syntax exceptions.

Messages follow the digkit style: lowercase, the offending text in backticks, then what was
expected: ``unexpected `)` in expression; expected an operand``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from diglang.source import Span

__all__ = ["ExprError", "describe_token", "syntax_error"]

# Reserved words of ECMAScript 5 (plus the literals): never identifiers, always lexed as
# keywords (they are the lexer's "always accepted" terminals, see parse.py).
# fmt: off
KEYWORDS: frozenset[str] = frozenset((
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
    "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
    "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw",
    "true", "try", "typeof", "var", "void", "while", "with",
))
# fmt: on
KEYWORD_TERMINALS: tuple[str, ...] = tuple(sorted(word.upper() for word in KEYWORDS))

_OPERATOR_MARKERS = frozenset({"OROR", "STAR", "QMARK", "EQ"})
_CLOSERS = ("RPAR", "RSQB", "RBRACE")
_EXPLICIT = ("COLON", "COMMA", "SEMICOLON", "RPAR", "RSQB", "RBRACE", "LPAR", "LBRACE", "ASSIGN")
_LINE_END = re.compile(r"[\n\r\u2028\u2029]")
_WORD = re.compile(r"[\w$.]+")
_MAX_SHOWN = 24


@dataclass(frozen=True, slots=True)
class ExprError:
    """A problem in an expression at `span` (absolute offsets)."""

    span: Span
    message: str

    def shift(self, delta: int) -> ExprError:
        """This error moved by `delta` characters."""
        return ExprError(self.span.shift(delta), self.message)


def describe_token(text: str) -> str:
    """`text` in backticks, shortened when long and with control characters escaped."""
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return f"`{text}`"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _expectation(expected: Collection[str], shown: Mapping[str, str]) -> str:
    """Describe the set of terminals the parser would have accepted."""
    items: list[str] = []
    operand = "REGEX" in expected  # a regex literal can only start an operand
    operator = bool(_OPERATOR_MARKERS & set(expected))
    closer = any(name in expected for name in _CLOSERS)
    if operand:
        items.append("an operand")
    elif "NAME" in expected and ("IF" in expected or "NUMBER" in expected):
        items.append("a property name")
    elif "NAME" in expected:
        items.append("an identifier")
    if operator:
        items.append("an operator")
    for name in _EXPLICIT:
        if name not in expected:
            continue
        if name == "LPAR" and (operand or operator):
            continue
        if name in ("LBRACE",) and operand:
            continue
        if (name == "COMMA" and operator and not closer) or (name == "ASSIGN" and operator):
            continue
        items.append(f"`{shown.get(name, name)}`")
    if "$END" in expected:
        items.append("end of expression")
    return _join(items)


def _to_line_end(text: str, start: int) -> Span:
    match = _LINE_END.search(text, start)
    return Span(start, match.start() if match else len(text))


def _unexpected_token(exc: UnexpectedToken, text: str, shown: Mapping[str, str]) -> ExprError:
    token: Token = exc.token
    expected: Collection[str] = exc.expected
    if exc.interactive_parser is not None:
        expected = exc.accepts  # precise: LALR lookahead sets over-approximate
    if token.type == "$END":
        span = Span(len(text), len(text))
        what = "unexpected end of expression"
    else:
        span = Span(token.start_pos or 0, token.end_pos or 0)
        if token.type in ("SLASH", "SLASH_ASSIGN") and "REGEX" in expected:
            return ExprError(_to_line_end(text, span.start), "unterminated regular expression")
        if token.type == "GT" and text[span.start - 1 : span.start] == "=":
            message = (
                "unexpected `=>` in expression; did you mean `>=`? (ES5 has no arrow functions)"
            )
            return ExprError(Span(span.start - 1, span.end), message)
        kind = "reserved word " if token.type in KEYWORD_TERMINALS else ""
        what = f"unexpected {kind}{describe_token(str(token))} in expression"
    expectation = _expectation(expected, shown)
    return ExprError(span, f"{what}; expected {expectation}" if expectation else what)


def _unexpected_character(exc: UnexpectedCharacters, text: str) -> ExprError:
    pos = exc.pos_in_stream or 0
    char = text[pos : pos + 1]
    if char in ('"', "'"):
        return ExprError(_to_line_end(text, pos), "unterminated string literal")
    if char == "`":
        return ExprError(Span(pos, len(text)), "unterminated template literal")
    if char.isdigit() or (char == "." and text[pos + 1 : pos + 2].isdigit()):
        match = _WORD.match(text, pos)
        end = match.end() if match else pos + 1
        return ExprError(Span(pos, end), f"invalid number {describe_token(text[pos:end])}")
    return ExprError(
        Span(pos, pos + 1), f"unexpected character {describe_token(char)} in expression"
    )


def syntax_error(exc: Exception, text: str, shown: Mapping[str, str]) -> ExprError:
    """Turn a lark `UnexpectedInput` raised while parsing `text` into an `ExprError`.

    `shown` maps terminal names to the literal text they match, for the expected list.
    """
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, text, shown)
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc, text)
    return ExprError(Span(len(text), len(text)), "unexpected end of expression")
