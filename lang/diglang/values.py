"""Value nodes: the YAML tree as Digdag sees it, every node with its file and span.

Mappings are already merged (`!include`, `<<`), so a mapping's entries may come from several
files; each key and value keeps the `Source` it was read from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from diglang.expr.scope import free_variables
from diglang.perf import fast_init
from diglang.source import Source, Span

if TYPE_CHECKING:
    from diglang.expr.nodes import Identifier
    from diglang.expr.parse import ExprResult

ScalarValue = str | int | float | bool | None
Style = Literal["plain", "single", "double", "literal", "folded"]


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Scalar:
    """A scalar with its Digdag-typed value; `span` covers the value text (not tag/anchor)."""

    span: Span
    source: Source
    value: ScalarValue
    style: Style = "plain"
    tag: str | None = None  # an explicit tag such as `!!str`, else None

    @property
    def text(self) -> str:
        """The value as Digdag's templates would see it (JSON text for non-strings)."""
        value = self.value
        if isinstance(value, str):
            return value
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    @property
    def is_string(self) -> bool:
        """True when Digdag loads this scalar as a string."""
        return isinstance(self.value, str)


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class TemplateExpr:
    """One `${...}` of a template: the expression text, its file span and parse result.

    `span` covers the expression text inside the braces; when the scalar's source text is not
    its value (escapes, folding), `exact` is False and `span` is the whole scalar.
    """

    text: str
    span: Span
    placeholder: Span
    exact: bool
    result: ExprResult

    def free_variables(self) -> list[Identifier]:
        """Identifiers the expression reads from its scope, in source order.

        When the template's text is not its value (`exact` is False), each identifier's span
        is the whole scalar, the most precise position we can claim.
        """
        node = self.result.node
        if node is None:
            return []
        found = free_variables(node)
        if self.exact:
            return found
        return [replace(ident, span=self.span) for ident in found]


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Template(Scalar):
    """A string scalar that contains at least one `${...}`."""

    exprs: tuple[TemplateExpr, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Entry:
    """One key/value pair of a mapping; `include` is the `!include` key it was spliced from."""

    key: Scalar
    value: Value
    include: Scalar | None = None


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Mapping:
    """An ordered mapping with unique keys (after merging)."""

    span: Span
    source: Source
    entries: tuple[Entry, ...]
    flow: bool = False
    _index: dict[ScalarValue, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index = self._index
        for i, entry in enumerate(self.entries):
            index[entry.key.value] = i

    def get(self, key: str) -> Value | None:
        """The value of `key`, or None."""
        i = self._index.get(key)
        return None if i is None else self.entries[i].value

    def entry(self, key: str) -> Entry | None:
        """The entry of `key`, or None."""
        i = self._index.get(key)
        return None if i is None else self.entries[i]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def keys(self) -> list[ScalarValue]:
        """Keys in order."""
        return [e.key.value for e in self.entries]


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class Sequence:
    """A sequence of values."""

    span: Span
    source: Source
    items: tuple[Value, ...]
    flow: bool = False


Value = Scalar | Mapping | Sequence


def walk_values(value: Value) -> Iterator[Value]:
    """Every value node below and including `value`, depth-first in document order."""
    stack: list[Value] = [value]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Mapping):
            for entry in reversed(node.entries):
                stack.append(entry.value)
                stack.append(entry.key)
        elif isinstance(node, Sequence):
            stack.extend(reversed(node.items))


def walk_templates(value: Value) -> Iterator[Template]:
    """Every template string below and including `value` (keys are never templates)."""
    for node in walk_values(value):
        if isinstance(node, Template):
            yield node


def to_plain(value: Value | None) -> object:
    """Plain Python data (dicts keep order), as Digdag's JSON tree would hold it."""
    if value is None:
        return None
    if isinstance(value, Scalar):
        return value.value
    if isinstance(value, Sequence):
        return [to_plain(v) for v in value.items]
    return {_plain_key(e.key): to_plain(e.value) for e in value.entries}


def _plain_key(key: Scalar) -> str:
    return key.text


def type_name(value: Value | None) -> str:
    """JSON type name of a value, for messages: string, integer, number, boolean, null..."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, Sequence):
        return "array"
    v = value.value
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    return "string"
