"""JavaScript values of digrun's `${...}` evaluator and the ECMAScript 5 conversions over them.

Primitives are Python values: `str` (a JavaScript string in UTF-16 form: a character outside
the Basic Multilingual Plane is stored as its two surrogates, so `len`, indexing and slicing
count UTF-16 code units exactly as JavaScript does), `float` (every number), `bool`, `None`
(null) and `UNDEFINED`. Objects are `JSArray` and `JSObject` (as in
`diglang.expr.evaluate`, whose primitive conversions are reused here) and `Obj`, the base of
every other object implemented by digrun: functions, regular expressions, dates, moments and
the built-in namespaces (`Math`, `JSON`).

`to_js(value)` turns JSON-like Python data (parameters) into JavaScript values and
`from_js(value)` does the reverse (`JSON.stringify`'s view: functions and undefined are
dropped from objects and become null in arrays).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from diglang.expr.evaluate import (
    UNDEFINED,
    JSThrow,
    Undefined,
    Unsupported,
)
from diglang.expr.evaluate import own_keys as _ordered_keys
from diglang.expr.evaluate import to_number as _primitive_to_number
from diglang.expr.evaluate import to_string as _primitive_to_string
from diglang.expr.evaluate import truthy as _primitive_truthy
from diglang.expr.evaluate import type_of as _primitive_type_of

if TYPE_CHECKING:
    from digrun.js.interp import Interp

__all__ = [
    "INDEX",
    "MAX_STRING",
    "UNDEFINED",
    "ArrayExtra",
    "Function",
    "JSArray",
    "JSObject",
    "JSThrow",
    "Native",
    "Obj",
    "Undefined",
    "Unsupported",
    "Value",
    "arg",
    "from_js",
    "js_string",
    "py_string",
    "to_int32",
    "to_integer",
    "to_js",
    "to_number",
    "to_primitive",
    "to_string",
    "to_uint32",
    "truthy",
    "type_of",
]

MAX_STRING = 1 << 27  # characters: longer strings raise (GraalJS' own limit is 2^30)
INDEX = re.compile(r"0|[1-9][0-9]*")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JSArray:
    """A JavaScript array (compared by identity)."""

    __slots__ = ("items",)

    def __init__(self, items: list[Value]) -> None:
        self.items = items


class JSObject:
    """A plain JavaScript object: own properties in insertion order."""

    __slots__ = ("props",)

    def __init__(self, props: dict[str, Value] | None = None) -> None:
        self.props: dict[str, Value] = props if props is not None else {}


class Obj:
    """Base of the objects digrun implements (other than plain objects and arrays)."""

    __slots__ = ()
    class_name = "Object"

    def get(self, key: str) -> Value:
        """`this[key]`."""
        from digrun.js.builtins import OBJECT_PROTO

        if key in OBJECT_PROTO:
            return OBJECT_PROTO[key]
        if key == "__proto__":
            raise Unsupported("`__proto__`")
        return UNDEFINED

    def put(self, key: str, value: Value) -> None:
        """`this[key] = value` (ignored, like a frozen object, unless overridden)."""
        raise Unsupported(f"assigning property `{key}` of a built-in object")

    def keys(self) -> list[str]:
        """Own enumerable keys (for JSON.stringify and `in`)."""
        return []

    def default_value(self, hint: str, interp: Interp | None) -> Value:
        """[[DefaultValue]]: `valueOf()`/`toString()` in the hint's order."""
        from digrun.js.builtins import call_method_for_primitive

        return call_method_for_primitive(self, hint, interp)


class Function(Obj):
    """A callable object: `call(interp, this, args)`."""

    __slots__ = ("name", "props")

    class_name = "Function"

    def __init__(self, name: str) -> None:
        self.name = name
        self.props: dict[str, Value] = {}

    def call(self, interp: Interp, this: Value, args: list[Value]) -> Value:
        raise NotImplementedError

    def construct(self, interp: Interp, args: list[Value]) -> Value:
        raise JSThrow("TypeError", f"{self.name} is not a constructor function")

    def get(self, key: str) -> Value:
        if key in self.props:
            return self.props[key]
        if key == "name":
            return self.name
        from digrun.js.builtins import FUNCTION_PROTO

        if key in FUNCTION_PROTO:
            return FUNCTION_PROTO[key]
        return super().get(key)

    def put(self, key: str, value: Value) -> None:
        self.props[key] = value

    def keys(self) -> list[str]:
        return list(self.props)


NativeImpl: TypeAlias = "Callable[[Interp, Value, list[Value]], Value]"


class Native(Function):
    """A function implemented in Python; `new` calls `constructor` when there is one."""

    __slots__ = ("constructor", "impl")

    def __init__(
        self,
        name: str,
        impl: Callable[[Interp, Value, list[Value]], Value],
        constructor: Callable[[Interp, list[Value]], Value] | None = None,
    ) -> None:
        super().__init__(name)
        self.impl = impl
        self.constructor = constructor

    def call(self, interp: Interp, this: Value, args: list[Value]) -> Value:
        result = self.impl(interp, this, args)
        if type(result) is int:  # a Python int must never leak into JavaScript values
            return float(result)
        return result

    def construct(self, interp: Interp, args: list[Value]) -> Value:
        if self.constructor is None:
            return super().construct(interp, args)
        return self.constructor(interp, args)


class ArrayExtra(JSArray):
    """An array with named properties too (`match()`/`exec()` results: `index`, `input`)."""

    __slots__ = ("extra",)

    def __init__(self, items: list[Value], extra: dict[str, Value]) -> None:
        super().__init__(items)
        self.extra = extra


Value: TypeAlias = str | float | bool | Undefined | JSArray | JSObject | Obj | None
Primitive: TypeAlias = str | float | bool | Undefined | None


# ---------------------------------------------------------------------------- strings


def js_string(text: str) -> str:
    """A Python string in the UTF-16 form used for JavaScript strings."""
    if not _ASTRAL.search(text):
        return text
    return _ASTRAL.sub(lambda m: _split_astral(m.group()), text)


def _split_astral(ch: str) -> str:
    code = ord(ch) - 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


def py_string(text: str) -> str:
    """A JavaScript string back to a Python string: surrogate pairs joined, a lone surrogate
    (which UTF-8 cannot encode) replaced by U+FFFD."""
    if not _LONE_SURROGATE.search(text):
        return text
    joined = _SURROGATE_PAIR.sub(
        lambda m: chr(0x10000 + ((ord(m.group()[0]) - 0xD800) << 10) + ord(m.group()[1]) - 0xDC00),
        text,
    )
    return _LONE_SURROGATE.sub("\ufffd", joined)


def checked(text: str) -> str:
    """`text`, or a RangeError when it is longer than digrun allows."""
    if len(text) > MAX_STRING:
        raise JSThrow("RangeError", "Invalid string length")
    return text


# ------------------------------------------------------------------------ conversions


def to_js(value: Any) -> Value:
    """JSON-like Python data as a JavaScript value (what Digdag's `JSON.parse` of the
    parameters gives): dict → object, list/tuple → array, int/float → number."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return JSObject({js_string(str(k)): to_js(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return JSArray([to_js(v) for v in value])
    if isinstance(value, Undefined | JSArray | JSObject | Obj):
        return value
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def from_js(value: Value) -> Any:
    """A JavaScript value as JSON-like Python data (integral numbers become `int`)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return py_string(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if isinstance(value, JSArray):
        return [None if isinstance(v, Undefined | Function) else from_js(v) for v in value.items]
    if isinstance(value, JSObject):
        return {
            py_string(k): from_js(v)
            for k, v in value.props.items()
            if not isinstance(v, Undefined | Function)
        }
    if isinstance(value, Undefined):
        return None
    raise Unsupported(f"converting {value.class_name} to JSON data")


def to_primitive(value: Value, hint: str = "default", interp: Interp | None = None) -> Value:
    """ECMAScript `ToPrimitive` (hint `number`, `string` or `default`)."""
    if isinstance(value, JSArray):
        if isinstance(value, ArrayExtra):
            pass  # same conversion as an array
        return array_join(value, ",", interp)
    if isinstance(value, JSObject):
        custom = value.props.get("toString", UNDEFINED), value.props.get("valueOf", UNDEFINED)
        if isinstance(custom[0], Function) or isinstance(custom[1], Function):
            if interp is None:
                raise Unsupported("an object with its own conversion")
            order = ("toString", "valueOf") if hint == "string" else ("valueOf", "toString")
            for name in order:
                method = value.props.get(name, UNDEFINED)
                if name not in value.props:
                    from digrun.js.builtins import OBJECT_PROTO

                    method = OBJECT_PROTO[name]
                if isinstance(method, Function):
                    result = method.call(interp, value, [])
                    if not isinstance(result, JSArray | JSObject | Obj):
                        return result
            raise JSThrow("TypeError", "Cannot convert object to primitive value")
        return "[object Object]"
    if isinstance(value, Obj):
        return value.default_value(hint, interp)
    return value


def array_join(array: JSArray, sep: str, interp: Interp | None, depth: int = 0) -> str:
    """`array.join(sep)`; a cycle joins as `""` (as engines do)."""
    if depth > 100:
        raise JSThrow("RangeError", "Maximum call stack size exceeded")
    parts = []
    for item in array.items:
        if item is None or isinstance(item, Undefined):
            parts.append("")
        elif isinstance(item, JSArray):
            parts.append(array_join(item, ",", interp, depth + 1))
        else:
            parts.append(to_string(item, interp))
    return checked(sep.join(parts))


def _primitive(value: Value, hint: str, interp: Interp | None) -> Primitive:
    """`value` itself if it is a primitive, else its `ToPrimitive(hint)`."""
    if isinstance(value, JSArray | JSObject | Obj):
        value = to_primitive(value, hint, interp)
        if isinstance(value, JSArray | JSObject | Obj):
            raise JSThrow("TypeError", "Cannot convert object to primitive value")
    return value


def to_number(value: Value, interp: Interp | None = None) -> float:
    """ECMAScript `ToNumber` (for primitives, `diglang.expr.evaluate`'s)."""
    if isinstance(value, float):
        return value
    return _primitive_to_number(_primitive(value, "number", interp))


def to_string(value: Value, interp: Interp | None = None) -> str:
    """ECMAScript `ToString` (for primitives, `diglang.expr.evaluate`'s)."""
    if isinstance(value, str):
        return value
    return _primitive_to_string(_primitive(value, "string", interp))


def truthy(value: Value) -> bool:
    """ECMAScript `ToBoolean` (for primitives, `diglang.expr.evaluate`'s)."""
    if isinstance(value, JSArray | JSObject | Obj):
        return True
    return _primitive_truthy(value)


def type_of(value: Value) -> str:
    """The `typeof` string (for primitives, `diglang.expr.evaluate`'s)."""
    if isinstance(value, Function):
        return "function"
    if isinstance(value, JSArray | JSObject | Obj):
        return "object"
    return _primitive_type_of(value)


def to_integer(value: Value, interp: Interp | None = None) -> float:
    """ECMAScript `ToInteger` (NaN → 0, ±Infinity kept)."""
    x = to_number(value, interp)
    if x != x:
        return 0.0
    if math.isinf(x):
        return x
    return float(math.trunc(x))


def to_uint32(value: Value, interp: Interp | None = None) -> int:
    """ECMAScript `ToUint32`."""
    x = to_number(value, interp)
    if x != x or math.isinf(x):
        return 0
    return math.trunc(x) % (1 << 32)


def to_int32(value: Value, interp: Interp | None = None) -> int:
    """ECMAScript `ToInt32`."""
    n = to_uint32(value, interp)
    return n - (1 << 32) if n >= 1 << 31 else n


def arg(args: list[Value], i: int) -> Value:
    """The `i`-th argument (undefined when missing)."""
    return args[i] if i < len(args) else UNDEFINED


def is_object(value: Value) -> bool:
    """True for objects (arrays, plain objects, functions and other host objects)."""
    return isinstance(value, JSArray | JSObject | Obj)


def own_keys(obj: JSObject) -> list[str]:
    """Own keys in JavaScript order: array indices ascending, then insertion order."""
    return _ordered_keys(obj.props)


def make_array(items: Iterable[Value]) -> JSArray:
    """A new array of `items`."""
    return JSArray(list(items))
