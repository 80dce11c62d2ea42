"""Evaluating `${...}` expressions with JavaScript's exact semantics (an ECMAScript 5 subset).

Digdag runs the expression inside `${...}` as JavaScript and writes the result into the string
(`js_render`). This module evaluates diglang's expression nodes (`diglang.expr.nodes`) the
same way, for the constructs it implements, and says so by an exception for the others: the
editor shows a value only when it is exact, and a runtime extends the evaluator where it raises
`Unsupported`.

Values (`JS`):

* `str`, `float` (every number), `bool`, `None` (null), `UNDEFINED`;
* `JSArray(items)` and `JSObject(props)`: compared by identity, like JavaScript objects.
  A `JSObject` with `open=True` may have keys that are not listed (reading a missing key or
  rendering the object raises `NotKnown`);
* `OPAQUE`: a value that exists but is not known to the caller (static analysis marks the
  parameters stored by earlier tasks with it); any operation that needs it raises `NotKnown`;
* `Host` objects: `JSON_OBJECT` (the global `JSON`) and `JSON_STRINGIFY` (its `stringify`).

Evaluating: `evaluate(node, lookup)` gives the value of an expression node. `lookup(name)`
resolves every free identifier: Digdag's parameters shadow the JavaScript globals, so globals
are the lookup's business too (`global_value(name)` gives those implemented here). A lookup
raises `Undeclared(name)` for a name that does not exist (a `ReferenceError`; `typeof name`
then gives `"undefined"`, as in JavaScript) and `NotKnown` for one whose value it cannot tell.

Implemented: literals, `+ - * / %`, `== != === !==`, `< > <= >=`, `&& || ! ?:`, unary `-`
and `+`, `typeof`, `void`, the comma operator, array and object literals, `.length` and
indexing of strings and arrays (UTF-16 code units), properties of objects, `JSON.stringify(x)`,
the globals `undefined`, `NaN`, `Infinity` and `JSON`. Conversions and operators follow the
ECMAScript 5 algorithms: `to_number`, `to_string`, `number_to_string` (the shortest
round-trip form), `to_primitive`, `truthy`, `type_of`, `strict_equals`, `loose_equals`,
`get_property`, `json_stringify` (with `json_quote` and `own_keys`); `js_render` is how
Digdag writes a result into the template: strings as they are, `""` for null and undefined,
`JSON.stringify` for anything else.

Exceptions, all `NoValue`:

* `Unsupported`: a construct or value outside the implemented subset. Extending the evaluator
  (other calls, string/array methods, `Math`, `moment()`, regular expressions, `new`,
  functions) means replacing these raises: `evaluate` (node kinds, calls), `get_property`
  (methods of strings, arrays, numbers and host objects) and `global_value` (the globals).
  A few corners where engines disagree raise it too (a lone surrogate in `JSON.stringify`,
  `0b`/`0o` strings in `ToNumber`).
* `NotKnown`: the result depends on `OPAQUE`, an open object, or a lookup that cannot tell.
* `JSThrow`: JavaScript itself throws here (`null.x` is a `TypeError`; `Undeclared` is the
  `ReferenceError` of a missing variable); Digdag fails the task with that error.

Nothing here does I/O: an expression can only read what `lookup` gives it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection
from typing import TypeAlias

from diglang.expr import nodes as n

__all__ = [
    "JS",
    "JSON_OBJECT",
    "JSON_STRINGIFY",
    "OPAQUE",
    "UNDEFINED",
    "Host",
    "JSArray",
    "JSObject",
    "JSThrow",
    "Lookup",
    "NoValue",
    "NotKnown",
    "Opaque",
    "Undeclared",
    "Undefined",
    "Unsupported",
    "evaluate",
    "get_property",
    "global_value",
    "js_render",
    "json_quote",
    "json_stringify",
    "loose_equals",
    "number_to_string",
    "own_keys",
    "strict_equals",
    "to_number",
    "to_primitive",
    "to_string",
    "truthy",
    "type_of",
]


# -------------------------------------------------------------------------- outcomes


class NoValue(Exception):
    """The evaluator gives no value; the subclass says why."""


class Unsupported(NoValue):
    """A construct or value this evaluator does not implement (yet)."""


class NotKnown(NoValue):
    """The value depends on something not known here (`OPAQUE`, an open object, a lookup)."""


class JSThrow(NoValue):
    """JavaScript throws: `name` is the error class (`TypeError`, `ReferenceError`)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class Undeclared(JSThrow):
    """`ReferenceError`: a lookup's answer for a variable that does not exist."""

    def __init__(self, variable: str) -> None:
        super().__init__("ReferenceError", f"{variable} is not defined")
        self.variable = variable


# ---------------------------------------------------------------------------- values


class Undefined:
    """The type of `UNDEFINED`, JavaScript's `undefined` (a single instance)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined()


class Opaque:
    """The type of `OPAQUE`: a value that exists but is not known (a single instance)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<opaque>"


OPAQUE = Opaque()


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


class Host:
    """A host value that is modelled: the `JSON` object and its `stringify` function."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


JSON_OBJECT = Host("JSON")
JSON_STRINGIFY = Host("JSON.stringify")

JS: TypeAlias = str | float | bool | Undefined | Opaque | JSArray | JSObject | Host | None
Lookup: TypeAlias = Callable[[str], JS]

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
    if isinstance(value, Opaque):
        raise NotKnown("a value known only at run time")
    return value


def global_value(name: str) -> JS:
    """The JavaScript global `name`, for the globals implemented here."""
    if name == "undefined":
        return UNDEFINED
    if name == "NaN":
        return math.nan
    if name == "Infinity":
        return math.inf
    if name == "JSON":
        return JSON_OBJECT
    raise Unsupported(f"the global `{name}`")


# ----------------------------------------------------------------------- conversions


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
            raise Unsupported("a large hexadecimal number")
        return float(value)
    if _DECIMAL.fullmatch(text):
        if text.endswith("Infinity"):
            return -math.inf if text.startswith("-") else math.inf
        return float(text)
    if text[:2].lower() in ("0b", "0o"):
        raise Unsupported("ES2015 number literal")
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
    if isinstance(value, Undefined):
        return math.nan
    if isinstance(value, str):
        return _string_to_number(value)
    return to_number(to_primitive(value))


def to_primitive(value: JS) -> JS:
    """ECMAScript `ToPrimitive` (objects become their `toString()`)."""
    value = _known(value)
    if isinstance(value, JSArray):
        return ",".join(
            "" if item is None or isinstance(item, Undefined) else to_string(item)
            for item in value.items
        )
    if isinstance(value, JSObject):
        if value.open:
            raise NotKnown("an object that may have its own conversion")
        if "toString" in value.props or "valueOf" in value.props:
            raise Unsupported("an object with its own conversion")
        return "[object Object]"
    if isinstance(value, Host):
        raise Unsupported("a host object")
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
    if value is None or isinstance(value, Undefined):
        return False
    if isinstance(value, float):
        return not (value == 0 or value != value)
    if isinstance(value, str):
        return value != ""
    return True


def type_of(value: JS) -> str:
    """The `typeof` string."""
    value = _known(value)
    if isinstance(value, Undefined):
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


# ------------------------------------------------------------------------- operators


def _is_object(value: JS) -> bool:
    return isinstance(value, JSArray | JSObject | Host)


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
    return (a is None and b is None) or (isinstance(a, Undefined) and isinstance(b, Undefined))


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


# ------------------------------------------------------------------------ properties


def _utf16_units(text: str) -> list[int]:
    data = text.encode("utf-16-le")
    return [data[i] | data[i + 1] << 8 for i in range(0, len(data), 2)]


def get_property(value: JS, key: str) -> JS:
    """`value[key]` for the values modelled here."""
    value = _known(value)
    if value is None or isinstance(value, Undefined):
        raise JSThrow("TypeError", f"cannot read property {key!r} of {to_string(value)}")
    if isinstance(value, str):
        units = _utf16_units(value)
        if key == "length":
            return float(len(units))
        if _INDEX.fullmatch(key):
            i = int(key)
            if i >= len(units):
                return UNDEFINED
            if 0xD800 <= units[i] <= 0xDFFF:
                raise Unsupported("half of a surrogate pair")
            return chr(units[i])
        raise Unsupported("a string method")
    if isinstance(value, JSArray):
        if key == "length":
            return float(len(value.items))
        if _INDEX.fullmatch(key) and int(key) < 2**32 - 1:
            i = int(key)
            return value.items[i] if i < len(value.items) else UNDEFINED
        raise Unsupported("an array method")
    if isinstance(value, JSObject):
        if key in value.props:
            return value.props[key]
        if value.open:
            raise NotKnown("a property that may exist")
        if key in _OBJECT_PROTO:
            raise Unsupported("an inherited method")
        return UNDEFINED
    if value is JSON_OBJECT and key == "stringify":
        return JSON_STRINGIFY
    raise Unsupported("a property of a number, boolean or host object")


def _property_key(value: JS) -> str:
    value = _known(value)
    if _is_object(value):
        raise Unsupported("an object used as a key")
    return to_string(value)


# ------------------------------------------------------------------------------ JSON


def json_quote(text: str) -> str:
    """JSON's `Quote(value)` (ES5 §15.12.3): `"`, `\\` and control characters escaped, every
    other character written as it is (surrogates too: which of them are lone is the caller's
    business, as it depends on how the caller stores strings)."""
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
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_quote(text: str) -> str:
    # Strings here hold whole code points, so any surrogate is a lone one (engines differ).
    if _SURROGATE.search(text):
        raise Unsupported("a lone surrogate")
    return json_quote(text)


def own_keys(keys: Collection[str]) -> list[str]:
    """Own keys (of an object with `keys` in insertion order) in JavaScript's order: array
    indices ascending, then the other keys in insertion order."""
    indices = [k for k in keys if _INDEX.fullmatch(k) and int(k) < 2**32 - 1]
    if not indices:
        return list(keys)
    indices.sort(key=int)
    chosen = set(indices)
    return indices + [k for k in keys if k not in chosen]


def json_stringify(value: JS) -> str | None:
    """`JSON.stringify(value)`; None for undefined (and functions)."""
    value = _known(value)
    if isinstance(value, Undefined) or value is JSON_STRINGIFY:
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
        if value.open:
            raise NotKnown("an object with unknown keys")
        if "toJSON" in value.props:
            raise Unsupported("an object with `toJSON`")
        members = []
        for key in own_keys(value.props):
            text = json_stringify(value.props[key])
            if text is not None:
                members.append(_json_quote(key) + ":" + text)
        return "{" + ",".join(members) + "}"
    if value is JSON_OBJECT:
        return "{}"
    raise Unsupported("a host value")


def js_render(value: JS) -> str:
    """How Digdag writes a `${...}` result into the string: strings as they are, `""` for
    null and undefined, `JSON.stringify` for anything else."""
    value = _known(value)
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, Undefined):
        return ""
    text = json_stringify(value)
    if text is None:
        raise Unsupported("a function")
    return text


# ------------------------------------------------------------------------ evaluation


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": _divide,
    "%": _remainder,
}


def evaluate(node: n.Node, lookup: Lookup) -> JS:
    """The value of the expression `node`; `lookup` resolves its free identifiers.

    Raises `Unsupported`, `NotKnown` or `JSThrow` (all `NoValue`), and whatever `lookup`
    raises.
    """
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
        return _call(node, lookup)
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
    raise Unsupported(type(node).__name__)


def _call(node: n.Call, lookup: Lookup) -> JS:
    callee = evaluate(node.callee, lookup)
    if callee is JSON_STRINGIFY and len(node.arguments) == 1:
        text = json_stringify(evaluate(node.arguments[0], lookup))
        return UNDEFINED if text is None else text
    raise Unsupported("a function call")


def _binary(node: n.Binary, lookup: Lookup) -> JS:
    op = node.op
    left = evaluate(node.left, lookup)
    right = evaluate(node.right, lookup)
    if op == "+":
        return _add(left, right)
    if op in _ARITHMETIC:
        return _ARITHMETIC[op](to_number(left), to_number(right))
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
    raise Unsupported(f"operator {op}")


def _unary(node: n.Unary, lookup: Lookup) -> JS:
    if node.op == "typeof" and isinstance(node.operand, n.Identifier):
        try:
            value = lookup(node.operand.name)
        except Undeclared as exc:
            if exc.variable != node.operand.name:
                raise
            return "undefined"  # `typeof` of an undeclared variable does not throw
        return type_of(value)
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
    raise Unsupported(f"operator {node.op}")


def _object(node: n.ObjectLit, lookup: Lookup) -> JSObject:
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
            raise Unsupported("__proto__")
        props[name] = _known(evaluate(prop.value, lookup))
    return JSObject(props)
