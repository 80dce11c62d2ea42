"""`${…}` expressions: Digdag's template scanner and a parser for the JavaScript inside.

>>> text = "s3://${bucket}/${moment(session_time).format('YYYY')}"
>>> part = scan_template(text)[3]
>>> result = parse_expression(part.expr, base=part.expr_start)
>>> [(ident.name, ident.span.start) for ident in free_variables(result.node)]
[('moment', 17), ('session_time', 24)]
"""

from diglang.expr.errors import ExprError
from diglang.expr.nodes import Expr, Identifier, Node, walk
from diglang.expr.parse import ExprResult, parse_expression
from diglang.expr.printer import to_source
from diglang.expr.scope import JS_GLOBALS, free_variables
from diglang.expr.template import (
    Literal,
    Part,
    Placeholder,
    SecretRef,
    has_template,
    scan_template,
    secret_references,
)

__all__ = [
    "JS_GLOBALS",
    "Expr",
    "ExprError",
    "ExprResult",
    "Identifier",
    "Literal",
    "Node",
    "Part",
    "Placeholder",
    "SecretRef",
    "free_variables",
    "has_template",
    "parse_expression",
    "scan_template",
    "secret_references",
    "to_source",
    "walk",
]
