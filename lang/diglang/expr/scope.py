"""Which variables an expression reads, and which names Digdag's JavaScript provides.

Inside `${…}` a bare identifier is looked up in the task's parameters (the variables object
is the `this` of a `with (this) {…}` block) and then in the JavaScript global scope.
"""

from __future__ import annotations

from diglang.expr import nodes as n

__all__ = ["JS_GLOBALS", "free_variables"]

# The ECMAScript 5 global object, plus what Digdag's template runtime adds (`moment`,
# `print`). `this` is listed for completeness although it is a keyword, not a variable.
# fmt: off
JS_GLOBALS: frozenset[str] = frozenset((
    "NaN", "Infinity", "undefined", "eval", "parseInt", "parseFloat", "isNaN", "isFinite",
    "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape", "unescape",
    "Object", "Function", "Array", "String", "Boolean", "Number", "Date", "RegExp", "Math", "JSON",
    "Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError",
    "moment", "print", "this",
))
# fmt: on


def _declared_in(function: n.FunctionExpr) -> set[str]:
    """Names bound inside `function`: its name, params, `var`s, declarations, `arguments`."""
    names = {param.name for param in function.params}
    names.add("arguments")
    if function.name is not None:
        names.add(function.name.name)
    stack: list[n.Node] = list(function.body)
    while stack:
        node = stack.pop()
        inner = node.expression if isinstance(node, n.ExprStatement) else None
        unparenthesized = inner is not None and inner.span.start == node.span.start
        if isinstance(inner, n.FunctionExpr) and inner.name and unparenthesized:  # declaration
            names.add(inner.name.name)
        if isinstance(node, n.FunctionExpr):
            continue  # its `var`s are its own
        if isinstance(node, n.VarDeclarator):
            names.add(node.name.name)
        stack.extend(n.children(node))
    return names


def free_variables(node: n.Node) -> list[n.Identifier]:
    """Every identifier of `node` that refers to an outer variable, in source order.

    Property names after `.`, object keys and names declared inside a function expression
    (parameters, `var`s, the function's own name, `arguments`) are not free. Assignment
    targets are included. Each occurrence is listed, so a name may appear several times.
    """
    if type(node) is n.Identifier:
        return [node]  # the usual `${name}`
    found: list[n.Identifier] = []
    stack: list[tuple[n.Node, frozenset[str]]] = [(node, frozenset())]
    while stack:
        current, bound = stack.pop()
        if isinstance(current, n.Identifier):
            if current.name not in bound:
                found.append(current)
            continue
        if isinstance(current, n.FunctionExpr):
            bound = bound | _declared_in(current)
        stack.extend((child, bound) for child in reversed(list(n.children(current))))
    return found
