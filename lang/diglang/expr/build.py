"""Transform lark's parse tree into `nodes.py` dataclasses, collecting early errors.

Early errors are the ones a JavaScript engine reports while compiling although the grammar
accepts the text: invalid assignment targets, malformed escapes, unknown regex flags.
Spans are local to the parsed text; `parse.py` shifts them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lark import Token, Transformer, v_args
from lark.tree import Meta

from diglang.expr import nodes as n
from diglang.expr.errors import ExprError
from diglang.expr.literals import decode_escapes, number_value, regex_parts, split_template
from diglang.source import Span

__all__ = ["Builder", "LocalParser"]

LocalParser = Callable[[str], tuple[n.Expr | None, tuple[ExprError, ...]]]

_ASSIGNABLE = (n.Identifier, n.Member, n.Index)
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")
_FUNCTION_WORD = re.compile(r"function(?![\w$])")
_OCTAL_FRACTION = re.compile(r"0[0-7]+[.eE]")


def _span(meta: Meta) -> Span:
    return Span(meta.start_pos, meta.end_pos)


def _tspan(token: Token) -> Span:
    return Span(token.start_pos or 0, token.end_pos or 0)


def _name(token: Token) -> n.Name:
    return n.Name(_tspan(token), str(token))


@v_args(inline=True, meta=True)
class Builder(Transformer[Token, Any]):
    """Builds nodes for one parse; `errors` collects the early errors found."""

    def __init__(self, text: str, parse_local: LocalParser) -> None:
        super().__init__()
        self.text = text
        self.parse_local = parse_local
        self.errors: list[ExprError] = []

    def _error(self, start: int, end: int, message: str) -> None:
        self.errors.append(ExprError(Span(start, end), message))

    def _check_target(self, target: n.Expr, message: str) -> None:
        if not isinstance(target, _ASSIGNABLE):
            shown = self.text[target.span.start : target.span.end]
            short = shown if len(shown) <= 24 else shown[:23] + "…"
            self._error(target.span.start, target.span.end, f"{message} `{short}`")

    # ---------------------------------------------------------------- operators

    def start(self, meta: Meta, expr: n.Expr) -> n.Expr:
        return expr

    def sequence(self, meta: Meta, *exprs: n.Expr) -> n.Sequence:
        return n.Sequence(_span(meta), exprs)

    def assign(self, meta: Meta, target: n.Expr, op: Token, value: n.Expr) -> n.Assign:
        self._check_target(target, "invalid assignment target")
        return n.Assign(_span(meta), str(op), target, value)

    def conditional(self, meta: Meta, test: n.Expr, yes: n.Expr, no: n.Expr) -> n.Conditional:
        return n.Conditional(_span(meta), test, yes, no)

    def logical(self, meta: Meta, left: n.Expr, op: Token, right: n.Expr) -> n.Logical:
        return n.Logical(_span(meta), str(op), left, right)

    def binary(self, meta: Meta, left: n.Expr, op: Token, right: n.Expr) -> n.Binary:
        return n.Binary(_span(meta), str(op), left, right)

    def unary(self, meta: Meta, op: Token, operand: n.Expr) -> n.Unary:
        return n.Unary(_span(meta), str(op), operand)

    def prefix_update(self, meta: Meta, op: Token, operand: n.Expr) -> n.Update:
        self._check_target(operand, f"invalid operand of `{op}`:")
        return n.Update(_span(meta), str(op), True, operand)

    def postfix_update(self, meta: Meta, operand: n.Expr, op: Token) -> n.Update:
        self._check_target(operand, f"invalid operand of `{op}`:")
        start = op.start_pos or 0
        if _LINE_BREAK.search(self.text, operand.span.end, start):
            self._error(start, start + 2, f"line break before postfix `{op}`")
        return n.Update(_span(meta), str(op), False, operand)

    # ----------------------------------------------------- calls and member access

    def new_bare(self, meta: Meta, _new: Token, callee: n.Expr) -> n.New:
        return n.New(_span(meta), callee, None)

    def new_call(self, meta: Meta, _new: Token, callee: n.Expr, args: tuple[n.Expr, ...]) -> n.New:
        return n.New(_span(meta), callee, args)

    def call(self, meta: Meta, callee: n.Expr, args: tuple[n.Expr, ...]) -> n.Call:
        return n.Call(_span(meta), callee, args)

    def arguments(self, meta: Meta, *args: n.Expr) -> tuple[n.Expr, ...]:
        return args

    def member(self, meta: Meta, obj: n.Expr, prop: n.Name) -> n.Member:
        return n.Member(_span(meta), obj, prop)

    def index(self, meta: Meta, obj: n.Expr, index: n.Expr) -> n.Index:
        return n.Index(_span(meta), obj, index)

    def prop_name(self, meta: Meta, token: Token) -> n.Name:
        return _name(token)

    # ----------------------------------------------------------------- primaries

    def identifier(self, meta: Meta, token: Token) -> n.Identifier:
        return n.Identifier(_tspan(token), str(token))

    def this(self, meta: Meta, token: Token) -> n.This:
        return n.This(_tspan(token))

    def true(self, meta: Meta, token: Token) -> n.BooleanLit:
        return n.BooleanLit(_tspan(token), True)

    def false(self, meta: Meta, token: Token) -> n.BooleanLit:
        return n.BooleanLit(_tspan(token), False)

    def null(self, meta: Meta, token: Token) -> n.NullLit:
        return n.NullLit(_tspan(token))

    def number(self, meta: Meta, token: Token) -> n.NumberLit:
        raw = str(token)
        if _OCTAL_FRACTION.match(raw):
            message = f"invalid number `{raw}`: an octal literal has no fraction or exponent"
            self._error(token.start_pos or 0, token.end_pos or 0, message)
        return n.NumberLit(_tspan(token), number_value(raw), raw)

    def string(self, meta: Meta, token: Token) -> n.StringLit:
        raw = str(token)
        value, problems = decode_escapes(raw[1:-1])
        base = (token.start_pos or 0) + 1
        for start, end, message in problems:
            self._error(base + start, base + end, message)
        return n.StringLit(_tspan(token), value, raw)

    def regex(self, meta: Meta, token: Token) -> n.RegexLit:
        pattern, flags, problems = regex_parts(str(token))
        base = token.start_pos or 0
        for start, end, message in problems:
            self._error(base + start, base + end, message)
        return n.RegexLit(_tspan(token), pattern, flags)

    def template(self, meta: Meta, token: Token) -> n.TemplateLit:
        raw = str(token)
        base = token.start_pos or 0
        quasi_ranges, expr_ranges = split_template(raw)
        quasis = tuple(raw[start:end] for start, end in quasi_ranges)
        cooked: list[str] = []
        for (start, _end), quasi in zip(quasi_ranges, quasis, strict=True):
            value, problems = decode_escapes(quasi, template=True)
            cooked.append(value)
            for p_start, p_end, message in problems:
                self._error(base + start + p_start, base + start + p_end, message)
        exprs = tuple(self._substitution(raw, base, start, end) for start, end in expr_ranges)
        if len(quasis) == len(exprs):
            self._error(
                base + expr_ranges[-1][0] - 2, base + len(raw), "unterminated `${` in template"
            )
            quasis += ("",)
            cooked.append("")
        return n.TemplateLit(_tspan(token), quasis, tuple(cooked), exprs)

    def _substitution(self, raw: str, base: int, start: int, end: int) -> n.Expr:
        """Parse one `${…}` of a template literal; an unparsable one becomes a `NullLit`."""
        node, errors = self.parse_local(raw[start:end])
        delta = base + start
        self.errors.extend(error.shift(delta) for error in errors)
        if node is None:
            if not errors:
                self._error(delta - 2, delta + (end - start) + 1, "empty `${}` in template literal")
            return n.NullLit(Span(delta, delta + (end - start)))
        return n.shift(node, delta)

    def array(self, meta: Meta, *items: n.Expr | None) -> n.ArrayLit:
        if items == (None,):
            elements: tuple[n.Expr | None, ...] = ()  # `[]`
        else:  # a trailing comma does not make a hole: `[a,]` has one element
            elements = items[:-1] if len(items) >= 2 and items[-1] is None else items
        return n.ArrayLit(_span(meta), elements)

    def object(self, meta: Meta, *props: n.Property) -> n.ObjectLit:
        return n.ObjectLit(_span(meta), props)

    def property(
        self, meta: Meta, key: n.Name | n.StringLit | n.NumberLit, value: n.Expr
    ) -> n.Property:
        return n.Property(_span(meta), key, value)

    # ------------------------------------------------------------------- functions

    def function(
        self,
        meta: Meta,
        _fn: Token,
        name: Token | None,
        params: tuple[n.Name, ...],
        body: tuple[n.Statement, ...],
    ) -> n.FunctionExpr:
        return n.FunctionExpr(_span(meta), _name(name) if name else None, params, body)

    def params(self, meta: Meta, *names: Token) -> tuple[n.Name, ...]:
        return tuple(_name(token) for token in names)

    def body(self, meta: Meta, *statements: n.Statement) -> tuple[n.Statement, ...]:
        return statements

    def return_statement(self, meta: Meta, _ret: Token, value: n.Expr | None = None) -> n.Return:
        return n.Return(_span(meta), value)

    def var_statement(self, meta: Meta, _var: Token, *decls: n.VarDeclarator) -> n.VarDecl:
        return n.VarDecl(_span(meta), decls)

    def var_declarator(
        self, meta: Meta, name: Token, _eq: Token | None = None, init: n.Expr | None = None
    ) -> n.VarDeclarator:
        return n.VarDeclarator(_span(meta), _name(name), init)

    def expr_statement(self, meta: Meta, expr: n.Expr) -> n.ExprStatement:
        start = meta.start_pos
        if self.text.startswith("{", start):
            message = "a statement starting with `{` is a block; wrap an object in parentheses"
            self._error(start, start + 1, message)
        elif _FUNCTION_WORD.match(self.text, start):
            declaration = isinstance(expr, n.FunctionExpr) and expr.name is not None
            if not declaration:  # JavaScript reads `function` here as a declaration
                message = "a statement starting with `function` must be a function declaration"
                self._error(start, start + len("function"), message)
        return n.ExprStatement(_span(meta), expr)
