"""Static values: what Digdag will render for a `${...}` when no run is needed to know it.

`${table}` with `_export: {table: items}` renders `items` in every run, so the editor can show
it (inlay hints, hover). A value is known when every variable the expression reads resolves to
an `_export` (of the task or an ancestor, in this file or an `!include`d one) or to an earlier
key of the task, whose value is literal or is itself a template that is statically known; and
when the expression only uses an exact subset of JavaScript: literals, `+ - * / %`,
comparisons, `&& || ! ?:`, `typeof`, `void`, array/object literals, `.length`, indexing and
`JSON.stringify(x)`. Anything that depends on the run (`session_date`, `moment()`, values
stored by earlier tasks, `-p` params, loop variables) gives None: nothing is guessed.

The parameter model follows Digdag's `OperatorManager#evalConfig` and
`ConfigEvalEngine.Context` (§6.1 and §7.1 of the language reference):

* the parameters (the `_export`s merged from the root down to the task, deep-merging
  mappings, the task's own last) come first, then the built-in variables (which override any
  parameter of the same name), then the task's local keys;
* keys are evaluated in that order; a template sees the raw parameters overlaid with the
  already-evaluated keys before it in the same mapping. So a local key sees every parameter
  evaluated and the local keys written before it; a parameter sees the parameters defined
  before it evaluated and the later ones raw (a raw template is not guessed: None); a value
  inside a nested mapping sees the raw parameters plus the earlier keys of that mapping;
* values keep their YAML types (numbers stay numbers), and a template's result is always a
  string. The rendered text is the string itself, `""` for null and undefined, else
  `JSON.stringify` of the value.

Only operator tasks evaluate their keys, so templates in a group's own keys (other than its
`_export`) have no value; a template in an `_export` is shown as the exporting task itself
sees it. Template literals (backticks) are not ES5 and give None. A file `!include`d by another
(a fragment) has no values: they depend on the task that includes it.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from diglang.expr import nodes as n
from diglang.expr.parse import parse_expression
from diglang.expr.scope import JS_GLOBALS
from diglang.expr.template import Literal, scan_template
from diglang.nodes import Task, TaskKind
from diglang.rule import Context
from diglang.schemas import builtin_variables
from diglang.scope import OPAQUE_OPERATORS, Scope
from diglang.values import Entry, Mapping, Scalar, Sequence, Template, Value
from diglsp import query
from diglsp.workspace import Snapshot

__all__ = ["UNDEFINED", "JSArray", "JSObject", "js_render", "number_to_string", "static_value"]

MAX_DEPTH = 24  # nested variable resolutions before giving up
NO_EVALUATE = frozenset({"_do", "_else_do"})  # never evaluated, at any depth
NOT_LOCAL = frozenset({"_export", "_error", "_check"})  # not part of a task's local config


class Unknown(Exception):
    """The value cannot be known statically (or evaluating it would fail at run time)."""


# ------------------------------------------------------------------------- JS values


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()


class _Opaque:
    """A value that exists at run time but is not known here (a stored parameter)."""

    __slots__ = ()


OPAQUE = _Opaque()


class JSArray:
    """A JavaScript array (compared by identity, like JS)."""

    __slots__ = ("items",)

    def __init__(self, items: list[JS]) -> None:
        self.items = items


class JSObject:
    """A plain JavaScript object; `open` when it may have keys we do not know."""

    __slots__ = ("open", "props")

    def __init__(self, props: dict[str, JS] | None = None, open: bool = False) -> None:
        self.props: dict[str, JS] = props if props is not None else {}
        self.open = open


class _Builtin:
    """A host value we model: the `JSON` object and its `stringify` function."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


JSON_OBJECT = _Builtin("JSON")
JSON_STRINGIFY = _Builtin("JSON.stringify")

JS = str | float | bool | None | _Undefined | _Opaque | JSArray | JSObject | _Builtin

# Properties every object inherits: reading them gives functions, not data.
_OBJECT_PROTO = frozenset(
    {
        "constructor", "toString", "toLocaleString", "valueOf", "hasOwnProperty",
        "isPrototypeOf", "propertyIsEnumerable", "__proto__", "__defineGetter__",
        "__defineSetter__", "__lookupGetter__", "__lookupSetter__",
    }
)  # fmt: skip
_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # noqa: E501
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_INDEX = re.compile(r"0|[1-9][0-9]*")


def _known(value: JS) -> JS:
    if isinstance(value, _Opaque):
        raise Unknown("a value known only at run time")
    return value


def number_to_string(x: float) -> str:
    """`Number.prototype.toString()`: JavaScript's shortest round-trip decimal form."""
    if x != x:
        return "NaN"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + number_to_string(-x)
    if math.isinf(x):
        return "Infinity"
    text = repr(float(x))
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)  # value = 0.digits × 10^point
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return digits + "0" * (point - k)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    e = point - 1
    sign = "+" if e >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"


def _string_to_number(text: str) -> float:
    text = text.strip(_WHITESPACE)
    if not text:
        return 0.0
    if _HEX.fullmatch(text):
        value = int(text[2:], 16)
        if value > 2**53:
            raise Unknown("a large hexadecimal number")
        return float(value)
    if _DECIMAL.fullmatch(text):
        if text.endswith("Infinity"):
            return -math.inf if text.startswith("-") else math.inf
        return float(text)
    if text[:2].lower() in ("0b", "0o"):
        raise Unknown("ES2015 number literal")
    return math.nan


def to_number(value: JS) -> float:
    """ECMAScript `ToNumber`."""
    value = _known(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if value is None:
        return 0.0
    if isinstance(value, _Undefined):
        return math.nan
    if isinstance(value, str):
        return _string_to_number(value)
    return to_number(to_primitive(value))


def to_primitive(value: JS) -> JS:
    """ECMAScript `ToPrimitive` (objects become their `toString()`)."""
    value = _known(value)
    if isinstance(value, JSArray):
        return ",".join(
            "" if item is None or isinstance(item, _Undefined) else to_string(item)
            for item in value.items
        )
    if isinstance(value, JSObject):
        if value.open or "toString" in value.props or "valueOf" in value.props:
            raise Unknown("an object with its own conversion")
        return "[object Object]"
    if isinstance(value, _Builtin):
        raise Unknown("a host object")
    return value


def to_string(value: JS) -> str:
    """ECMAScript `ToString`."""
    value = to_primitive(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_to_string(value)
    if value is None:
        return "null"
    return "undefined"


def truthy(value: JS) -> bool:
    """ECMAScript `ToBoolean`."""
    value = _known(value)
    if isinstance(value, bool):
        return value
    if value is None or isinstance(value, _Undefined):
        return False
    if isinstance(value, float):
        return not (value == 0 or value != value)
    if isinstance(value, str):
        return value != ""
    return True


def type_of(value: JS) -> str:
    """The `typeof` string."""
    value = _known(value)
    if isinstance(value, _Undefined):
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is JSON_STRINGIFY:
        return "function"
    return "object"


def _is_object(value: JS) -> bool:
    return isinstance(value, JSArray | JSObject | _Builtin)


def strict_equals(a: JS, b: JS) -> bool:
    """`===`."""
    a, b = _known(a), _known(b)
    if _is_object(a) or _is_object(b):
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, float) and isinstance(b, float):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return (a is None and b is None) or (isinstance(a, _Undefined) and isinstance(b, _Undefined))


def loose_equals(a: JS, b: JS) -> bool:
    """`==` (the abstract equality algorithm of ES5 §11.9.3)."""
    a, b = _known(a), _known(b)
    nullish = (None, UNDEFINED)
    if a in nullish or b in nullish:
        return a in nullish and b in nullish and not (_is_object(a) or _is_object(b))
    if _is_object(a) and _is_object(b):
        return a is b
    if isinstance(a, bool):
        return loose_equals(1.0 if a else 0.0, b)
    if isinstance(b, bool):
        return loose_equals(a, 1.0 if b else 0.0)
    if _is_object(a):
        return loose_equals(to_primitive(a), b)
    if _is_object(b):
        return loose_equals(a, to_primitive(b))
    if isinstance(a, float) and isinstance(b, str):
        return a == _string_to_number(b)
    if isinstance(a, str) and isinstance(b, float):
        return _string_to_number(a) == b
    return strict_equals(a, b)


def _less(a: JS, b: JS) -> bool | None:
    """The abstract relational comparison `a < b` (None when undefined, i.e. NaN)."""
    pa, pb = to_primitive(a), to_primitive(b)
    if isinstance(pa, str) and isinstance(pb, str):
        return pa.encode("utf-16-be") < pb.encode("utf-16-be")
    x, y = to_number(pa), to_number(pb)
    if x != x or y != y:
        return None
    return x < y


def _add(a: JS, b: JS) -> JS:
    pa, pb = to_primitive(a), to_primitive(b)
    if isinstance(pa, str) or isinstance(pb, str):
        return to_string(pa) + to_string(pb)
    return to_number(pa) + to_number(pb)


def _divide(x: float, y: float) -> float:
    if y == 0:
        if x == 0 or x != x:
            return math.nan
        negative = (x < 0) != (math.copysign(1.0, y) < 0)
        return -math.inf if negative else math.inf
    return x / y


def _remainder(x: float, y: float) -> float:
    if x != x or y != y or math.isinf(x) or y == 0:
        return math.nan
    if math.isinf(y) or x == 0:
        return x
    return math.fmod(x, y)


def _utf16_units(text: str) -> list[int]:
    data = text.encode("utf-16-le")
    return [data[i] | data[i + 1] << 8 for i in range(0, len(data), 2)]


def get_property(value: JS, key: str) -> JS:
    """`value[key]` for the values we model."""
    value = _known(value)
    if value is None or isinstance(value, _Undefined):
        raise Unknown("TypeError: reading a property of null or undefined")
    if isinstance(value, str):
        units = _utf16_units(value)
        if key == "length":
            return float(len(units))
        if _INDEX.fullmatch(key):
            i = int(key)
            if i >= len(units):
                return UNDEFINED
            if 0xD800 <= units[i] <= 0xDFFF:
                raise Unknown("half of a surrogate pair")
            return chr(units[i])
        raise Unknown("a string method")
    if isinstance(value, JSArray):
        if key == "length":
            return float(len(value.items))
        if _INDEX.fullmatch(key) and int(key) < 2**32 - 1:
            i = int(key)
            return value.items[i] if i < len(value.items) else UNDEFINED
        raise Unknown("an array method")
    if isinstance(value, JSObject):
        if key in value.props:
            return value.props[key]
        if value.open or key in _OBJECT_PROTO:
            raise Unknown("a property that may exist")
        return UNDEFINED
    if value is JSON_OBJECT and key == "stringify":
        return JSON_STRINGIFY
    raise Unknown("a property of a number, boolean or host object")


def _property_key(value: JS) -> str:
    value = _known(value)
    if _is_object(value):
        raise Unknown("an object used as a key")
    return to_string(value)


def _json_quote(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20:
            out.append(
                {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
                    ch, f"\\u{code:04x}"
                )
            )
        elif 0xD800 <= code <= 0xDFFF:
            raise Unknown("a lone surrogate")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _own_keys(obj: JSObject) -> list[str]:
    """Own keys in JavaScript order: array indices ascending, then insertion order."""
    indices = [k for k in obj.props if _INDEX.fullmatch(k) and int(k) < 2**32 - 1]
    indices.sort(key=int)
    chosen = set(indices)
    return indices + [k for k in obj.props if k not in chosen]


def json_stringify(value: JS) -> str | None:
    """`JSON.stringify(value)`; None for undefined (and functions)."""
    value = _known(value)
    if isinstance(value, _Undefined) or value is JSON_STRINGIFY:
        return None
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_to_string(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return _json_quote(value)
    if isinstance(value, JSArray):
        parts = [json_stringify(item) for item in value.items]
        return "[" + ",".join("null" if p is None else p for p in parts) + "]"
    if isinstance(value, JSObject):
        if value.open or "toJSON" in value.props:
            raise Unknown("an object with unknown keys")
        members = []
        for key in _own_keys(value):
            text = json_stringify(value.props[key])
            if text is not None:
                members.append(_json_quote(key) + ":" + text)
        return "{" + ",".join(members) + "}"
    if value is JSON_OBJECT:
        return "{}"
    raise Unknown("a host value")


def js_render(value: JS) -> str:
    """How Digdag writes a `${...}` result into the string: strings as they are, `""` for
    null and undefined, `JSON.stringify` for anything else."""
    value = _known(value)
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, _Undefined):
        return ""
    text = json_stringify(value)
    if text is None:
        raise Unknown("a function")
    return text


# ------------------------------------------------------------------------ evaluation


_BINARY: dict[str, Callable[[float, float], float]] = {
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": _divide,
    "%": _remainder,
}


def evaluate(node: n.Node, lookup: Callable[[str], JS]) -> JS:
    """Evaluate an expression node; `lookup` resolves free variables (raising `Unknown`)."""
    if isinstance(node, n.StringLit):
        return str(node.value)
    if isinstance(node, n.NumberLit):
        return float(node.value)
    if isinstance(node, n.BooleanLit):
        return bool(node.value)
    if isinstance(node, n.NullLit):
        return None
    if isinstance(node, n.Identifier):
        return lookup(node.name)
    if isinstance(node, n.Binary):
        return _binary(node, lookup)
    if isinstance(node, n.Logical):
        left = evaluate(node.left, lookup)
        if (node.op == "&&") == truthy(left):
            return evaluate(node.right, lookup)
        return left
    if isinstance(node, n.Conditional):
        branch = node.consequent if truthy(evaluate(node.test, lookup)) else node.alternate
        return evaluate(branch, lookup)
    if isinstance(node, n.Unary):
        return _unary(node, lookup)
    if isinstance(node, n.Member):
        return get_property(evaluate(node.object, lookup), node.property.name)
    if isinstance(node, n.Index):
        target = evaluate(node.object, lookup)
        return get_property(target, _property_key(evaluate(node.index, lookup)))
    if isinstance(node, n.Call):
        callee = evaluate(node.callee, lookup)
        if callee is JSON_STRINGIFY and len(node.arguments) == 1:
            text = json_stringify(evaluate(node.arguments[0], lookup))
            return UNDEFINED if text is None else text
        raise Unknown("a function call")
    if isinstance(node, n.ArrayLit):
        return JSArray(
            [UNDEFINED if e is None else _known(evaluate(e, lookup)) for e in node.elements]
        )
    if isinstance(node, n.ObjectLit):
        return _object(node, lookup)
    if isinstance(node, n.Sequence):
        result: JS = UNDEFINED
        for expr in node.expressions:
            result = evaluate(expr, lookup)
        return result
    raise Unknown(type(node).__name__)


def _binary(node: n.Binary, lookup: Callable[[str], JS]) -> JS:
    op = node.op
    left = evaluate(node.left, lookup)
    right = evaluate(node.right, lookup)
    if op == "+":
        return _add(left, right)
    if op in _BINARY:
        return _BINARY[op](to_number(left), to_number(right))
    if op == "==":
        return loose_equals(left, right)
    if op == "!=":
        return not loose_equals(left, right)
    if op == "===":
        return strict_equals(left, right)
    if op == "!==":
        return not strict_equals(left, right)
    if op == "<":
        return _less(left, right) is True
    if op == ">":
        return _less(right, left) is True
    if op == "<=":
        return _less(right, left) is False
    if op == ">=":
        return _less(left, right) is False
    raise Unknown(f"operator {op}")


def _unary(node: n.Unary, lookup: Callable[[str], JS]) -> JS:
    value = evaluate(node.operand, lookup)
    if node.op == "!":
        return not truthy(value)
    if node.op == "-":
        return -to_number(value)
    if node.op == "+":
        return to_number(value)
    if node.op == "typeof":
        return type_of(value)
    if node.op == "void":
        _known(value)
        return UNDEFINED
    raise Unknown(f"operator {node.op}")


def _object(node: n.ObjectLit, lookup: Callable[[str], JS]) -> JSObject:
    props: dict[str, JS] = {}
    for prop in node.properties:
        key = prop.key
        if isinstance(key, n.Name):
            name = key.name
        elif isinstance(key, n.StringLit):
            name = key.value
        else:
            name = number_to_string(float(key.value))
        if name == "__proto__":
            raise Unknown("__proto__")
        props[name] = _known(evaluate(prop.value, lookup))
    return JSObject(props)


# --------------------------------------------------------------- Digdag's parameters


@dataclass
class _Definition:
    task: Task
    entry: Entry


@dataclass
class _Params:
    """The parameters one operator task sees: where each comes from and its value."""

    snap: Snapshot
    task: Task
    scope: Scope
    definitions: dict[str, list[_Definition]]
    order: dict[str, int]  # first insertion of each exported name, root first
    stores: dict[str, list[str]]  # root name -> stored sub-paths (`td` -> [`last_job_id`])
    opaque_stores: bool
    called: bool  # other workflows `call>` this one: their parameters come first
    cache: dict[tuple[str, bool], JS | Unknown] = field(default_factory=dict)
    active: set[int] = field(default_factory=set)
    depth: int = 0

    def is_param(self, name: str) -> bool:
        """True when `name` is a parameter or built-in (not a JavaScript global)."""
        origin = self.scope.names.get(name)
        if origin is None:
            return False
        return not (origin.kind == "builtin" and name in JS_GLOBALS)

    def position(self, name: str) -> int | None:
        """Where `name` first enters the parameters (None: unknown or not exported here)."""
        if name in self.snap.config.params:
            return None
        return self.order.get(name)

    def value(self, name: str, evaluated: bool) -> JS:
        """The parameter `name`, evaluated (as local keys see it) or raw."""
        key = (name, evaluated)
        if key not in self.cache:
            try:
                self.cache[key] = self._value(name, evaluated)
            except Unknown as exc:
                self.cache[key] = exc
        found = self.cache[key]
        if isinstance(found, Unknown):
            raise found
        return found

    def _value(self, name: str, evaluated: bool) -> JS:
        origin = self.scope.names.get(name)
        if origin is None:
            raise Unknown(f"`{name}` is not defined statically")
        if name in _builtin_names():
            raise Unknown("a built-in variable")
        if origin.kind == "builtin":
            return _global(name)
        definitions = self.definitions.get(name)
        if not definitions:
            raise Unknown(f"`{name}` comes from {origin.kind}")
        last = definitions[-1]
        if origin.kind == "export" and origin.key is last.entry.key:
            stored = False
        elif origin.kind == "store":
            stored = True
        else:
            raise Unknown(f"`{name}` comes from {origin.kind}")
        if self.scope.open and last.task is not self.task:
            raise Unknown("an earlier task may store it")
        if not isinstance(last.entry.value, Mapping):
            if stored:
                raise Unknown("stored by an earlier task")
            return self._export_value(name, last, evaluated)
        return self._merged(name, definitions, evaluated)

    def _export_value(self, name: str, definition: _Definition, evaluated: bool) -> JS:
        value = definition.entry.value
        if not evaluated:
            return raw(value)
        limit = self.position(name)
        return self.evaluate_value(value, functools.partial(self.params_lookup, limit=limit))

    def _merged(self, name: str, definitions: list[_Definition], evaluated: bool) -> JS:
        """Deep merge of the mapping `_export`s of `name` (Digdag's `Config.merge`)."""
        start = len(definitions) - 1
        while start > 0 and isinstance(definitions[start - 1].entry.value, Mapping):
            start -= 1
        parts = definitions[start:]
        if len(parts) > 1 and any(_has_dollar(d.entry.value) for d in parts):
            raise Unknown("merged mappings with templates")
        merged = JSObject()
        for part in parts:
            value = self._export_value(name, part, evaluated)
            assert isinstance(value, JSObject)
            _deep_merge(merged, value)
        if name in self.snap.config.params or self.opaque_stores or self.scope.open:
            merged.open = True
        if start > 0 or self.called:
            merged.open = True  # an earlier non-mapping value, or callers' values, may merge
        for path in self.stores.get(name, []):
            if not path:
                raise Unknown("stored by an earlier task")
            _mark_opaque(merged, path)
        return merged

    # -- lookups -----------------------------------------------------------------------
    def params_lookup(self, name: str, limit: int | None) -> JS:
        """A name seen from a parameter at position `limit`: earlier ones evaluated."""
        if not self.is_param(name):
            return _global_or_unknown(self, name)
        position = self.position(name)
        earlier = limit is not None and position is not None and position < limit
        return self.value(name, evaluated=earlier)

    def raw_lookup(self, name: str) -> JS:
        """A name seen from inside a nested mapping: parameters are raw."""
        if not self.is_param(name):
            return _global_or_unknown(self, name)
        return self.value(name, evaluated=False)

    def evaluated_lookup(self, name: str) -> JS:
        """A name seen by a local key: every parameter is evaluated."""
        if not self.is_param(name):
            return _global_or_unknown(self, name)
        return self.value(name, evaluated=True)

    # -- evaluating values ---------------------------------------------------------------
    def evaluate_value(self, value: Value, lookup: Callable[[str], JS]) -> JS:
        """What `ConfigEvalEngine` makes of `value`; `lookup` serves its strings."""
        if isinstance(value, Mapping):
            return self.evaluate_mapping(value)
        if isinstance(value, Sequence):
            return JSArray([self.evaluate_value(item, lookup) for item in value.items])
        if isinstance(value.value, str) and "$" in value.value:
            return self.evaluate_string(value, value.value, lookup)
        return raw(value)

    def evaluate_mapping(self, mapping: Mapping) -> JSObject:
        """A nested mapping: each value sees the raw parameters and the keys before it."""
        result = JSObject()
        for i, entry in enumerate(mapping.entries):
            key = entry.key.text
            if key in NO_EVALUATE:
                result.props[key] = raw(entry.value)
            else:
                lookup = self.nested_lookup(mapping, i)
                result.props[key] = self.evaluate_value(entry.value, lookup)
        return result

    def nested_lookup(self, mapping: Mapping, index: int) -> Callable[[str], JS]:
        """Names seen by the value of `mapping.entries[index]` (a nested mapping)."""

        def lookup(name: str) -> JS:
            for j in range(index - 1, -1, -1):
                entry = mapping.entries[j]
                if entry.key.text == name:
                    if name in NO_EVALUATE:
                        return raw(entry.value)
                    return self.evaluate_value(entry.value, self.nested_lookup(mapping, j))
            return self.raw_lookup(name)

        return lookup

    def local_lookup(self, index: int) -> Callable[[str], JS]:
        """Names seen by the task's top-level local key number `index`."""
        entries = self.task.config.entries

        def lookup(name: str) -> JS:
            for j, entry in enumerate(entries):
                if j == index or entry.key.text != name or entry.key.text in NOT_LOCAL:
                    continue
                if name.startswith("+"):
                    continue
                shadows = self.is_param(name)
                if shadows:
                    # Merged into the parameter's own position: only literals are safe.
                    if _has_dollar(entry.value) or isinstance(entry.value, Mapping):
                        raise Unknown("a local key shadowing a parameter")
                    return raw(entry.value)
                if j > index:
                    break
                if name in NO_EVALUATE:
                    return raw(entry.value)
                return self.evaluate_value(entry.value, self.local_lookup(j))
            return self.evaluated_lookup(name)

        return lookup

    def guarded(self, node: Value, compute: Callable[[], JS]) -> JS:
        """Run `compute` for `node` unless it is already being computed (a cycle)."""
        if id(node) in self.active or self.depth >= MAX_DEPTH:
            raise Unknown("a cycle")
        self.active.add(id(node))
        self.depth += 1
        try:
            return compute()
        finally:
            self.depth -= 1
            self.active.discard(id(node))

    def evaluate_string(self, node: Value, text: str, lookup: Callable[[str], JS]) -> str:
        """A string containing `$`: Digdag's template, rendered."""

        def compute() -> JS:
            out: list[str] = []
            for part in scan_template(text):
                if isinstance(part, Literal):
                    out.append(part.value)
                    continue
                if not part.expr.strip():
                    continue
                result = parse_expression(part.expr)
                if result.node is None or result.errors:
                    raise Unknown("a syntax error")
                out.append(js_render(evaluate(result.node, lookup)))
            return "".join(out)

        value = self.guarded(node, compute)
        assert isinstance(value, str)
        return value


def _global(name: str) -> JS:
    if name == "undefined":
        return UNDEFINED
    if name == "NaN":
        return math.nan
    if name == "Infinity":
        return math.inf
    if name == "JSON":
        return JSON_OBJECT
    raise Unknown(f"the global `{name}`")


def _global_or_unknown(params: _Params, name: str) -> JS:
    origin = params.scope.names.get(name)
    if origin is not None and origin.kind == "builtin" and name in JS_GLOBALS:
        return _global(name)
    raise Unknown(f"`{name}` is not defined statically")


_BUILTINS: frozenset[str] | None = None


def _builtin_names() -> frozenset[str]:
    global _BUILTINS
    if _BUILTINS is None:
        _BUILTINS = frozenset(v.name for v in builtin_variables()) | {"_workdir"}
    return _BUILTINS


def raw(value: Value) -> JS:
    """A value as Digdag holds it before evaluation (strings with `$` are not guessed)."""
    if isinstance(value, Mapping):
        return JSObject({e.key.text: raw(e.value) for e in value.entries})
    if isinstance(value, Sequence):
        return JSArray([raw(item) for item in value.items])
    v = value.value
    if isinstance(v, str):
        if "$" in v:
            raise Unknown("an unevaluated template")
        return v
    if isinstance(v, bool) or v is None:
        return v
    try:
        number = float(v)
    except OverflowError:
        raise Unknown("a huge number") from None
    if not math.isfinite(number):
        raise Unknown("a non-finite number")
    return number


def _has_dollar(value: Value) -> bool:
    if isinstance(value, Mapping):
        return any(_has_dollar(e.value) for e in value.entries)
    if isinstance(value, Sequence):
        return any(_has_dollar(item) for item in value.items)
    return isinstance(value.value, str) and "$" in value.value


def _deep_merge(into: JSObject, other: JSObject) -> None:
    for key, value in other.props.items():
        current = into.props.get(key)
        if isinstance(current, JSObject) and isinstance(value, JSObject):
            _deep_merge(current, value)
        else:
            into.props[key] = value


def _mark_opaque(obj: JSObject, path: str) -> None:
    head, _, rest = path.partition(".")
    if not head or head == "*":
        obj.open = True
        return
    if not rest:
        obj.props[head] = OPAQUE
        return
    child = obj.props.get(head)
    if not isinstance(child, JSObject):
        child = obj.props[head] = JSObject()
    _mark_opaque(child, rest)


# ------------------------------------------------------------------- building the model


def _chain(snap: Snapshot, root: Task, target: Task) -> list[Task] | None:
    """Tasks from `root` down to `target` (children and `_error`/`_check`/`_do` tasks)."""
    cached = snap.memo.get("static.parents")
    parents: dict[int, Task] = {}
    if isinstance(cached, dict):
        parents = cached
    else:
        stack = [root]
        while stack:
            task = stack.pop()
            for child in (*task.children, *task.special_tasks):
                parents[id(child)] = task
                stack.append(child)
        snap.memo["static.parents"] = parents
    chain = [target]
    while chain[-1] is not root:
        parent = parents.get(id(chain[-1]))
        if parent is None:
            return None
        chain.append(parent)
    chain.reverse()
    return chain


def _params(snap: Snapshot, task: Task) -> _Params:
    memo = snap.memo.setdefault("static.params", {})
    assert isinstance(memo, dict)
    cached = memo.get(id(task))
    if isinstance(cached, _Params) and cached.task is task:
        return cached
    wf = snap.document.workflow
    if wf is None:
        raise Unknown("no workflow")
    chain = _chain(snap, wf.task, task)
    if chain is None:
        raise Unknown("the task is not in the workflow")
    definitions: dict[str, list[_Definition]] = {}
    order: dict[str, int] = {}
    for owner in chain:
        export = owner.export
        if not isinstance(export, Mapping):
            continue
        for entry in export.entries:
            if not entry.key.is_string:
                continue
            name = entry.key.text
            definitions.setdefault(name, []).append(_Definition(owner, entry))
            order.setdefault(name, len(order))
    stores, opaque = _stores(snap)
    scope = query.scope_at(snap, task)
    called = False
    if snap.project is not None and snap.path is not None:
        called = bool(snap.project.callers(snap.path))
    result = _Params(snap, task, scope, definitions, order, stores, opaque, called)
    memo[id(task)] = result
    return result


def _stores(snap: Snapshot) -> tuple[dict[str, list[str]], bool]:
    """Sub-paths every operator of the workflow stores, by root name; True if any is opaque."""
    cached = snap.memo.get("static.stores")
    if isinstance(cached, tuple):
        return cached
    wf = snap.document.workflow
    ctx = Context(snap.document, snap.config, snap.project, snap.fragment)
    operators = ctx.operators
    found: dict[str, set[str]] = {}
    opaque = False
    if wf is not None:
        for task in wf.walk_tasks():
            op = task.operator
            if task.kind is not TaskKind.OPERATOR or op is None:
                continue
            spec = operators.get(op.name or "")
            if spec is None or op.name in OPAQUE_OPERATORS:
                opaque = True
                continue
            for store in spec.stores:
                root, _, rest = store.name.partition(".")
                if root == "*":
                    opaque = True
                else:
                    found.setdefault(root, set()).add(rest)
    stores = {root: sorted(paths) for root, paths in found.items()}
    result = (stores, opaque)
    snap.memo["static.stores"] = result
    return result


def _path_to(mapping: Mapping, target: Value) -> list[tuple[Mapping | Sequence, int]] | None:
    """The containers (and indices) from `mapping` down to `target`."""
    stack: list[tuple[Value, list[tuple[Mapping | Sequence, int]]]] = [(mapping, [])]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if isinstance(node, Scalar):
            continue
        outside = node.span.start > target.span.start or node.span.end < target.span.end
        if node.source is target.source and outside:
            continue
        if isinstance(node, Mapping):
            stack.extend((e.value, [*path, (node, i)]) for i, e in enumerate(node.entries))
        else:
            stack.extend((item, [*path, (node, i)]) for i, item in enumerate(node.items))
    return None


def _lookup_for(params: _Params, template: Template) -> Callable[[str], JS]:
    """The names a template of the task sees, from where it is written."""
    task = params.task
    path = _path_to(task.config, template)
    if not path:
        raise Unknown("the template is not in the task")
    for container, i in path:
        if isinstance(container, Mapping) and container.entries[i].key.text in NO_EVALUATE:
            raise Unknown("`_do` is evaluated per generated task")
    top_index = path[0][1]
    top_key = task.config.entries[top_index].key.text
    innermost = max((k for k, (c, _) in enumerate(path) if isinstance(c, Mapping)), default=0)
    mapping, index = path[innermost]
    assert isinstance(mapping, Mapping)
    if top_key == "_export":
        export = task.config.entries[top_index].value
        if len(path) < 2 or path[1][0] is not export:
            raise Unknown("not inside the export mapping")
        name = mapping.entries[index].key.text
        if innermost == 1:
            if name in _builtin_names():
                raise Unknown("replaced by a built-in variable")
            definitions = params.definitions.get(name, [])
            if not definitions or definitions[-1].entry is not mapping.entries[index]:
                raise Unknown("not the parameter's own definition")
            limit = params.position(name)
            return functools.partial(params.params_lookup, limit=limit)
        name = export.entries[path[1][1]].key.text if isinstance(export, Mapping) else ""
        if len(params.definitions.get(name, [])) > 1:
            raise Unknown("a mapping merged with an ancestor's")
        return params.nested_lookup(mapping, index)
    if task.kind is not TaskKind.OPERATOR or top_key in NOT_LOCAL:
        raise Unknown("a group's keys are not evaluated")
    if innermost == 0:
        if params.is_param(top_key):
            raise Unknown("a local key shadowing a parameter")
        return params.local_lookup(top_index)
    return params.nested_lookup(mapping, index)


def static_value(snap: Snapshot, at: query.ExprAt) -> str | None:
    """The text Digdag renders for the `${...}` at `at`, or None when it is not static."""
    try:
        node = at.expr.result.node
        if node is None or at.expr.result.errors or snap.fragment:
            return None  # a fragment's values depend on the task that includes it
        params = _params(snap, at.task)
        lookup = _lookup_for(params, at.template)
        return js_render(evaluate(node, lookup))
    except (Unknown, RecursionError):
        return None
    except Exception:  # never fail a request over a value hint
        return None
