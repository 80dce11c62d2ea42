"""Print an expression tree back to JavaScript, with only the parentheses it needs.

`parse_expression(to_source(tree))` gives a tree of the same shape as `tree`. Literals are
printed from their `raw` text; the layout is normalised (one space around binary operators,
`, ` between items).
"""

from __future__ import annotations

from diglang.expr import nodes as n

__all__ = ["to_source"]

SEQUENCE, ASSIGN, CONDITIONAL, UNARY, POSTFIX, CALL, PRIMARY = 0, 1, 2, 13, 14, 15, 17
BINARY_PRECEDENCE: dict[str, int] = {
    "||": 3,
    "&&": 4,
    "|": 5,
    "^": 6,
    "&": 7,
    **dict.fromkeys(("==", "!=", "===", "!=="), 8),
    **dict.fromkeys(("<", ">", "<=", ">=", "in", "instanceof"), 9),
    **dict.fromkeys(("<<", ">>", ">>>"), 10),
    **dict.fromkeys(("+", "-"), 11),
    **dict.fromkeys(("*", "/", "%"), 12),
}


def to_source(node: n.Expr) -> str:
    """JavaScript text for `node`."""
    return _print(node)[0]


def _expr(node: n.Expr, min_precedence: int) -> str:
    text, precedence = _print(node)
    return f"({text})" if precedence < min_precedence else text


def _object(node: n.Expr) -> str:
    """`node` as the object of a member access or the callee of a call."""
    if isinstance(node, n.New) and node.arguments is None:
        return f"({_print(node)[0]})"
    if isinstance(node, n.NumberLit):  # `1.x` is a syntax error
        return f"({node.raw})"
    return _expr(node, CALL)


def _new_callee(node: n.Expr) -> str:
    """`node` as the callee of `new`: a member chain without calls or nested `new`."""
    probe: n.Expr = node
    while isinstance(probe, n.Member | n.Index):
        probe = probe.object
    if isinstance(probe, n.Call | n.New):  # `new (new X())()` reads better than `new new X()()`
        return f"({_print(node)[0]})"
    return _expr(node, CALL)


def _arguments(args: tuple[n.Expr, ...]) -> str:
    return "(" + ", ".join(_expr(arg, ASSIGN) for arg in args) + ")"


def _unary(node: n.Unary) -> str:
    operand = _expr(node.operand, UNARY)
    if node.op.isalpha() or (node.op in "+-" and operand.startswith(node.op)):
        return f"{node.op} {operand}"
    return node.op + operand


def _array(node: n.ArrayLit) -> str:
    text = ", ".join("" if item is None else _expr(item, ASSIGN) for item in node.elements)
    if node.elements and node.elements[-1] is None:
        text += ","
    return f"[{text}]"


def _object_literal(node: n.ObjectLit) -> str:
    entries = []
    for prop in node.properties:
        key = prop.key.name if isinstance(prop.key, n.Name) else prop.key.raw
        entries.append(f"{key}: {_expr(prop.value, ASSIGN)}")
    return "{" + ", ".join(entries) + "}"


def _statement(node: n.Statement) -> str:
    if isinstance(node, n.Return):
        return "return" if node.value is None else f"return {_expr(node.value, SEQUENCE)}"
    if isinstance(node, n.VarDecl):
        parts = [
            d.name.name if d.init is None else f"{d.name.name} = {_expr(d.init, ASSIGN)}"
            for d in node.declarations
        ]
        return "var " + ", ".join(parts)
    assert isinstance(node, n.ExprStatement)
    text = _expr(node.expression, SEQUENCE)
    return f"({text})" if text.startswith(("{", "function")) else text


def _function(node: n.FunctionExpr) -> str:
    name = f" {node.name.name}" if node.name else ""
    params = ", ".join(param.name for param in node.params)
    body = "; ".join(_statement(statement) for statement in node.body)
    return f"function{name}({params}) {{ {body} }}" if body else f"function{name}({params}) {{}}"


def _template(node: n.TemplateLit) -> str:
    pieces = [node.quasis[0]]
    for expr, quasi in zip(node.expressions, node.quasis[1:], strict=True):
        pieces.append("${" + to_source(expr) + "}" + quasi)
    return "`" + "".join(pieces) + "`"


def _leaf(node: n.Expr) -> str | None:
    """Text of a node without sub-expressions, or None."""
    if isinstance(node, n.Identifier):
        return node.name
    if isinstance(node, n.NumberLit | n.StringLit):
        return node.raw
    if isinstance(node, n.BooleanLit):
        return "true" if node.value else "false"
    if isinstance(node, n.NullLit):
        return "null"
    if isinstance(node, n.This):
        return "this"
    if isinstance(node, n.RegexLit):
        return f"/{node.pattern}/{node.flags}"
    return None


def _compound(node: n.Expr) -> tuple[str, int]:
    if isinstance(node, n.Sequence):
        return ", ".join(_expr(item, ASSIGN) for item in node.expressions), SEQUENCE
    if isinstance(node, n.Assign):
        return f"{_expr(node.target, CALL)} {node.op} {_expr(node.value, ASSIGN)}", ASSIGN
    if isinstance(node, n.Conditional):
        test, yes = _expr(node.test, CONDITIONAL + 1), _expr(node.consequent, ASSIGN)
        return f"{test} ? {yes} : {_expr(node.alternate, ASSIGN)}", CONDITIONAL
    if isinstance(node, n.Binary | n.Logical):
        level = BINARY_PRECEDENCE[node.op]
        left, right = _expr(node.left, level), _expr(node.right, level + 1)
        return f"{left} {node.op} {right}", level
    if isinstance(node, n.Unary):
        return _unary(node), UNARY
    if isinstance(node, n.Update):
        operand = _expr(node.operand, CALL)
        return (node.op + operand, UNARY) if node.prefix else (operand + node.op, POSTFIX)
    return _access(node)


def _access(node: n.Expr) -> tuple[str, int]:
    if isinstance(node, n.Member):
        return f"{_object(node.object)}.{node.property.name}", CALL
    if isinstance(node, n.Index):
        return f"{_object(node.object)}[{_expr(node.index, SEQUENCE)}]", CALL
    if isinstance(node, n.Call):
        return _object(node.callee) + _arguments(node.arguments), CALL
    if isinstance(node, n.New):
        args = "" if node.arguments is None else _arguments(node.arguments)
        return f"new {_new_callee(node.callee)}{args}", CALL
    if isinstance(node, n.ArrayLit):
        return _array(node), PRIMARY
    if isinstance(node, n.ObjectLit):
        return _object_literal(node), PRIMARY
    if isinstance(node, n.FunctionExpr):
        return _function(node), PRIMARY
    if isinstance(node, n.TemplateLit):
        return _template(node), PRIMARY
    raise TypeError(f"cannot print {type(node).__name__}")


def _print(node: n.Expr) -> tuple[str, int]:
    """Text of `node` and the precedence level of its outermost operator."""
    leaf = _leaf(node)
    if leaf is not None:
        return leaf, PRIMARY
    return _compound(node)
