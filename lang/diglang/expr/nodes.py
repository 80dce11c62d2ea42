"""Typed syntax tree of `${…}` expressions (an ECMAScript 5 subset plus template literals).

Every node is a frozen dataclass whose first field is `span`, in absolute character offsets.
Parenthesised expressions have no node of their own: `(a + b)` is the `Binary` node, whose
span excludes the parentheses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import TypeVar

from diglang.perf import fast_init
from diglang.source import Span

__all__ = [
    "ArrayLit",
    "Assign",
    "Binary",
    "BooleanLit",
    "Call",
    "Conditional",
    "Expr",
    "ExprStatement",
    "FunctionExpr",
    "Identifier",
    "Index",
    "Logical",
    "Member",
    "Name",
    "New",
    "Node",
    "NullLit",
    "NumberLit",
    "ObjectLit",
    "Property",
    "RegexLit",
    "Return",
    "Sequence",
    "Statement",
    "StringLit",
    "TemplateLit",
    "This",
    "Unary",
    "Update",
    "VarDecl",
    "VarDeclarator",
    "children",
    "shift",
    "walk",
]


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node."""

    span: Span


@dataclass(frozen=True, slots=True)
class Expr(Node):
    """Base of expression nodes."""


@dataclass(frozen=True, slots=True)
class Statement(Node):
    """Base of the statements allowed in a function expression's body."""


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A name that is not a variable reference: a property after `.`, a key, a parameter."""

    name: str


# ---------------------------------------------------------------------------- literals


@dataclass(frozen=True, slots=True)
class NumberLit(Expr):
    """A numeric literal; `value` is the JS number, `raw` the source text (`0x1F`, `1e3`)."""

    value: float
    raw: str


@dataclass(frozen=True, slots=True)
class StringLit(Expr):
    """A quoted string; `value` has the escapes decoded, `raw` keeps the quotes."""

    value: str
    raw: str


@dataclass(frozen=True, slots=True)
class BooleanLit(Expr):
    """`true` or `false`."""

    value: bool


@dataclass(frozen=True, slots=True)
class NullLit(Expr):
    """`null`."""


@dataclass(frozen=True, slots=True)
class RegexLit(Expr):
    """A regular expression literal `/pattern/flags`."""

    pattern: str
    flags: str


@dataclass(frozen=True, slots=True)
class TemplateLit(Expr):
    """A template literal: `quasis` (raw text) interleaved with `expressions`.

    `len(quasis) == len(expressions) + 1`; `cooked` holds the quasis with escapes decoded.
    """

    quasis: tuple[str, ...]
    cooked: tuple[str, ...]
    expressions: tuple[Expr, ...]


# ----------------------------------------------------------------------- primaries


@dataclass(frozen=True, slots=True)
class Identifier(Expr):
    """A variable reference (`undefined`, `NaN` and `Infinity` are identifiers too)."""

    name: str


@dataclass(frozen=True, slots=True)
class This(Expr):
    """`this` (the variables object inside Digdag's `with (this) {…}`)."""


@dataclass(frozen=True, slots=True)
class ArrayLit(Expr):
    """`[a, , b]`; a hole is `None`."""

    elements: tuple[Expr | None, ...]


@dataclass(frozen=True, slots=True)
class Property(Node):
    """A `key: value` entry of an object literal."""

    key: Name | StringLit | NumberLit
    value: Expr


@dataclass(frozen=True, slots=True)
class ObjectLit(Expr):
    """`{a: 1, "b": 2, 3: x}`."""

    properties: tuple[Property, ...]


@dataclass(frozen=True, slots=True)
class FunctionExpr(Expr):
    """`function name(params) { body }`."""

    name: Name | None
    params: tuple[Name, ...]
    body: tuple[Statement, ...]


# ------------------------------------------------------------ member access, calls


@dataclass(frozen=True, slots=True)
class Member(Expr):
    """`object.property` (the property may be a reserved word: `x.default`)."""

    object: Expr
    property: Name


@dataclass(frozen=True, slots=True)
class Index(Expr):
    """`object[index]`."""

    object: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """`callee(arguments)`."""

    callee: Expr
    arguments: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class New(Expr):
    """`new callee(arguments)`; `arguments` is `None` for `new X` without parentheses."""

    callee: Expr
    arguments: tuple[Expr, ...] | None


# ------------------------------------------------------------------------ operators


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    """A prefix operator: `!`, `-`, `+`, `~`, `typeof`, `void` or `delete`."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Update(Expr):
    """`++x`, `--x`, `x++` or `x--`."""

    op: str
    prefix: bool
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """Arithmetic, comparison, bitwise, `in` and `instanceof` operators."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Logical(Expr):
    """`&&` and `||` (short-circuiting)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    """`test ? consequent : alternate`."""

    test: Expr
    consequent: Expr
    alternate: Expr


@dataclass(frozen=True, slots=True)
class Assign(Expr):
    """`target = value` and the compound forms (`+=`, `>>>=`, …)."""

    op: str
    target: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class Sequence(Expr):
    """The comma operator: `a, b, c`."""

    expressions: tuple[Expr, ...]


# ----------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Return(Statement):
    """`return expr;` (`value` is `None` for a bare `return`)."""

    value: Expr | None


@dataclass(frozen=True, slots=True)
class VarDeclarator(Node):
    """One `name = init` of a `var` statement."""

    name: Name
    init: Expr | None


@dataclass(frozen=True, slots=True)
class VarDecl(Statement):
    """`var a = 1, b;`."""

    declarations: tuple[VarDeclarator, ...]


@dataclass(frozen=True, slots=True)
class ExprStatement(Statement):
    """An expression used as a statement."""

    expression: Expr


# Trees are copied for every `${...}` of a file (`shift`): build nodes through the slots.
for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, Node):
        fast_init(_cls)

# --------------------------------------------------------------------------- walking

_CHILD_FIELDS: dict[type[Node], tuple[str, ...]] = {}


def _child_fields(cls: type[Node]) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.name != "span")
        _CHILD_FIELDS[cls] = names
    return names


def children(node: Node) -> Iterator[Node]:
    """The direct sub-nodes of `node`, in source order."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield item


def walk(node: Node) -> Iterator[Node]:
    """`node` and all its descendants, depth-first in source order (not recursive)."""
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


_ALL_FIELDS: dict[type[Node], tuple[str, ...]] = {}
N = TypeVar("N", bound=Node)


def _all_fields(cls: type[Node]) -> tuple[str, ...]:
    names = _ALL_FIELDS.get(cls)
    if names is None:
        names = _ALL_FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


def _rebuilt(node: Node, delta: int, done: dict[int, Node]) -> Node:
    """A copy of `node` with its span shifted and its children taken from `done`."""
    values: list[object] = [node.span.shift(delta)]
    for name in _all_fields(type(node))[1:]:
        value = getattr(node, name)
        if isinstance(value, Node):
            value = done[id(value)]
        elif isinstance(value, tuple):
            value = tuple(done[id(v)] if isinstance(v, Node) else v for v in value)
        values.append(value)
    factory: Callable[..., Node] = type(node)
    return factory(*values)


# Node classes none of whose fields holds a node: copied without a walk.
_LEAVES = frozenset({Name, NumberLit, StringLit, BooleanLit, NullLit, RegexLit, Identifier, This})


def _shifted_leaf(node: Node, delta: int) -> Node:
    cls: Callable[..., Node] = type(node)
    span = node.span
    values = [getattr(node, name) for name in _all_fields(type(node))[1:]]
    return cls(Span(span.start + delta, span.end + delta), *values)


def shift(node: N, delta: int) -> N:
    """A copy of `node` with every span moved by `delta` characters (not recursive)."""
    if type(node) in _LEAVES:
        leaf = _shifted_leaf(node, delta)
        assert isinstance(leaf, type(node))
        return leaf
    done: dict[int, Node] = {}
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        if ready:
            done[id(current)] = _rebuilt(current, delta, done)
            continue
        stack.append((current, True))
        for child in children(current):
            if type(child) in _LEAVES:
                done[id(child)] = _shifted_leaf(child, delta)
            else:
                stack.append((child, False))
    result = done[id(node)]
    assert isinstance(result, type(node))
    return result
