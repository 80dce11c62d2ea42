"""Parse the text of a `${…}` placeholder into an expression tree; never raises.

The lark LALR parser is built once, on first use. Results are cached by text with spans
local to the text; a call with a non-zero `base` returns a copy shifted to absolute offsets
(shifting costs about a tenth of parsing), itself cached by text and offset: an editor
parses the file again on each keystroke, and most `${...}` keep their place. Trees are
immutable, so results share them.

The language is ECMAScript 5 expressions plus template literals. Not supported (reported as
errors): ES2015+ syntax other than template literals (arrow functions, spread, `**`, `?.`,
`??`, shorthand properties, tagged templates, trailing commas in calls); getters/setters in
object literals; unicode escapes in identifiers; HTML-like comments; a backtick inside a
template literal's substitution. Function bodies may only hold `return`, `var` and
expression statements, separated by `;` (a line break does not insert one).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedInput, VisitError
from lark.lark import PostLex
from lark.lexer import PatternStr

from diglang.expr import nodes as n
from diglang.expr.build import Builder
from diglang.expr.errors import KEYWORD_TERMINALS, ExprError, syntax_error
from diglang.perf import fast_init
from diglang.source import Span

__all__ = ["ExprError", "ExprResult", "clear_cache", "get_parser", "parse_expression"]

GRAMMAR = Path(__file__).with_name("grammar.lark")
CACHE_SIZE = 4096
SHIFTED_CACHE_SIZE = 16384  # two versions of a file with 8,000 `${...}`
_BLANK = re.compile(r"[ \t\n\r\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*")


@fast_init
@dataclass(frozen=True, slots=True)
class ExprResult:
    """The tree of an expression (None if empty or unparsable) and the errors found.

    A syntax error leaves `node` None. Early errors (an invalid assignment target, a
    malformed escape, an invalid regex, a line break before postfix `++`) and errors inside
    a template literal's substitution (which becomes a `NullLit`) keep the tree.
    """

    node: n.Expr | None
    errors: list[ExprError]

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors


# Every punctuator except `/` and `/=` (which start a regex literal where an operand is
# expected); the names are those of grammar.lark, lark's for the anonymous ones.
# fmt: off
PUNCTUATORS = (
    "AMP", "AMP_ASSIGN", "ANDAND", "ASSIGN", "BANG", "CARET", "CARET_ASSIGN", "COLON", "COMMA",
    "DEC", "DOT", "EQ", "GE", "GT", "INC", "LBRACE", "LE", "LPAR", "LSHIFT", "LSHIFT_ASSIGN",
    "LSQB", "LT", "MINUS", "MINUS_ASSIGN", "NE", "OROR", "PERCENT", "PERCENT_ASSIGN", "PIPE",
    "PIPE_ASSIGN", "PLUS", "PLUS_ASSIGN", "QMARK", "RBRACE", "RPAR", "RSHIFT", "RSHIFT_ASSIGN",
    "RSQB", "SEMICOLON", "SEQ", "SNE", "STAR", "STAR_ASSIGN", "TILDE", "URSHIFT",
    "URSHIFT_ASSIGN",
)
# fmt: on


class _AlwaysAccepted(PostLex):
    """Make every lexer state match identifiers, reserved words and punctuators.

    The contextual lexer then differs from a plain JavaScript lexer only where it must (`/`
    divides after an operand and starts a regex literal elsewhere). Without this it would
    read `in` as an identifier where only operands are expected, split `inx` into `in` and
    `x` after an operand, and read `a++++b` as `a++ + +b`.
    """

    always_accept = ("NAME", *KEYWORD_TERMINALS, *PUNCTUATORS)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


@functools.cache
def get_parser() -> Lark:
    """The LALR parser of `grammar.lark`, built on first use."""
    return Lark.open(
        str(GRAMMAR),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        postlex=_AlwaysAccepted(),
        cache=True,  # lark keeps the LALR tables in the temp dir, keyed on the grammar
    )


@functools.cache
def _shown_terminals() -> dict[str, str]:
    """Terminal name → the literal text it matches, for error messages."""
    return {
        t.name: t.pattern.value for t in get_parser().terminals if isinstance(t.pattern, PatternStr)
    }


@functools.lru_cache(maxsize=CACHE_SIZE)
def _parse_local(text: str) -> tuple[n.Expr | None, tuple[ExprError, ...]]:
    """Parse `text` with spans local to it (cached)."""
    if _BLANK.fullmatch(text):
        return None, ()
    too_deep = (ExprError(Span(0, len(text)), "expression is nested too deeply"),)
    try:
        tree = get_parser().parse(text)
    except UnexpectedInput as exc:
        return None, (syntax_error(exc, text, _shown_terminals()),)
    except RecursionError:
        return None, too_deep
    builder = Builder(text, _parse_local)
    try:
        node = builder.transform(tree)
    except VisitError as exc:
        if not isinstance(exc.orig_exc, RecursionError):
            raise
        return None, too_deep
    except RecursionError:
        return None, too_deep
    return node, tuple(builder.errors)


def parse_expression(text: str, base: int = 0) -> ExprResult:
    """Parse the expression `text` whose first character is at offset `base`.

    An empty or blank expression gives no node and no error (Digdag emits nothing for
    `${}`). Never raises.
    """
    node, errors = _parse_local(text) if base == 0 else _parse_at(text, base)
    return ExprResult(node, list(errors))


@functools.lru_cache(maxsize=SHIFTED_CACHE_SIZE)
def _parse_at(text: str, base: int) -> tuple[n.Expr | None, tuple[ExprError, ...]]:
    """`_parse_local` moved to offset `base` (cached)."""
    node, errors = _parse_local(text)
    shifted = n.shift(node, base) if node is not None else None
    return shifted, tuple(error.shift(base) for error in errors)


def clear_cache() -> None:
    """Forget cached parse results (for benchmarks)."""
    _parse_local.cache_clear()
    _parse_at.cache_clear()
