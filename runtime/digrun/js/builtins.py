"""The JavaScript built-ins of Digdag's `${...}` environment (GraalJS in ECMAScript 5 mode).

Implemented exactly (ES5 algorithms):

* globals: `undefined NaN Infinity parseInt parseFloat isNaN isFinite String Number Boolean
  Array Object Math JSON Date RegExp encodeURIComponent encodeURI decodeURIComponent
  decodeURI` and `moment` (see `digrun.js.moment`);
* `String.prototype`: `charAt charCodeAt concat indexOf lastIndexOf match replace search slice
  split substring substr toLowerCase toUpperCase toLocaleLowerCase toLocaleUpperCase trim
  toString valueOf`, `String.fromCharCode`;
* the `java.lang.String` methods GraalJS exposes on strings (Digdag's engine runs in
  Nashorn-compatibility mode): `replaceAll replaceFirst matches` (Java regex syntax),
  `contains startsWith endsWith equals equalsIgnoreCase isEmpty repeat`; other Java methods
  raise `Unsupported`;
* `Array.prototype`: `join concat slice indexOf lastIndexOf push pop shift unshift reverse
  sort splice map filter forEach some every reduce reduceRight toString`, `Array.isArray`;
* `Number.prototype`: `toString(radix) toFixed toPrecision toExponential valueOf`;
* `Object.keys`, `Object.prototype.hasOwnProperty/toString/valueOf/propertyIsEnumerable`;
* `Math` (all ES5 functions and constants), `JSON.stringify(value, replacer, space)`,
  `JSON.parse(text, reviver)`.

ECMAScript 2015+ additions (`includes`, `startsWith` as JS, `Math.trunc`, `Object.assign`,
`Array.prototype.find`, ...) are not part of Digdag's engine; reading one raises `Unsupported`
(a clear error) rather than guessing how GraalJS' ES5 mode resolves it. Functions that depend
on the host locale (`toLocaleString`, `localeCompare`) are unsupported too.
"""

from __future__ import annotations

import json
import math
import random
import re
import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from diglang.expr.evaluate import _WHITESPACE, json_quote, number_to_string
from digrun.js.regexp import (
    RegExp,
    expand_java_replacement,
    expand_replacement,
    translate_java,
)
from digrun.js.values import (
    INDEX,
    UNDEFINED,
    ArrayExtra,
    Function,
    JSArray,
    JSObject,
    JSThrow,
    Native,
    Obj,
    Undefined,
    Unsupported,
    Value,
    arg,
    array_join,
    checked,
    is_object,
    js_string,
    own_keys,
    to_int32,
    to_integer,
    to_number,
    to_string,
    to_uint32,
    truthy,
)

if TYPE_CHECKING:
    from digrun.js.interp import Interp

__all__ = [
    "ARRAY_PROTO",
    "FUNCTION_PROTO",
    "GLOBALS",
    "OBJECT_PROTO",
    "REGEXP_PROTO",
    "STRING_PROTO",
    "get_property",
    "instance_of",
    "json_stringify",
]

Impl = Callable[["Interp", Value, list[Value]], Value]
MAX_ARRAY = 10_000_000


def _native(table: dict[str, Value], name: str, impl: Impl, full: str | None = None) -> None:
    table[name] = Native(full or name, impl)


def _unsupported(what: str) -> Impl:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        raise Unsupported(what)

    return impl


def _callable(value: Value, what: str) -> Function:
    if not isinstance(value, Function):
        raise JSThrow("TypeError", f"{_safe(value)} is not a function")
    return value


def _safe(value: Value) -> str:
    if isinstance(value, Function):
        return "function"
    if isinstance(value, JSArray | JSObject | Obj):
        return "[object " + getattr(value, "class_name", "Object") + "]"
    if isinstance(value, str):
        return value
    return to_string(value)


def _this_string(interp: Interp, this: Value, method: str) -> str:
    if this is None or isinstance(this, Undefined):
        raise JSThrow("TypeError", f"String.prototype.{method} called on null or undefined")
    return to_string(this, interp)


# ------------------------------------------------------------------- Object.prototype

OBJECT_PROTO: dict[str, Value] = {}
FUNCTION_PROTO: dict[str, Value] = {}


def class_of(value: Value) -> str:
    """[[Class]] of a value, for `Object.prototype.toString`."""
    if value is None:
        return "Null"
    if isinstance(value, Undefined):
        return "Undefined"
    if isinstance(value, str):
        return "String"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, float):
        return "Number"
    if isinstance(value, JSArray):
        return "Array"
    if isinstance(value, JSObject):
        return "Object"
    return value.class_name


def _object_to_string(interp: Interp, this: Value, args: list[Value]) -> Value:
    return f"[object {class_of(this)}]"


def _has_own(interp: Interp, this: Value, args: list[Value]) -> Value:
    key = interp.key(arg(args, 0))
    if this is None or isinstance(this, Undefined):
        raise JSThrow("TypeError", "Cannot convert undefined or null to object")
    if isinstance(this, JSObject):
        return key in this.props
    if isinstance(this, JSArray):
        if INDEX.fullmatch(key):
            return int(key) < len(this.items)
        return key == "length" or (isinstance(this, ArrayExtra) and key in this.extra)
    if isinstance(this, str):
        return key == "length" or (INDEX.fullmatch(key) is not None and int(key) < len(this))
    if isinstance(this, float | bool):
        return False
    if isinstance(this, Function):
        return key in this.props
    raise Unsupported("`hasOwnProperty` of a built-in object")


def _value_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    if this is None or isinstance(this, Undefined):
        raise JSThrow("TypeError", "Cannot convert undefined or null to object")
    if not is_object(this):
        raise Unsupported("`Object.prototype.valueOf` of a primitive (a wrapper object)")
    return this


_native(OBJECT_PROTO, "toString", _object_to_string)
_native(OBJECT_PROTO, "hasOwnProperty", _has_own)
_native(OBJECT_PROTO, "propertyIsEnumerable", _has_own)
_native(OBJECT_PROTO, "valueOf", _value_of)
for _name in (
    "toLocaleString", "isPrototypeOf", "__defineGetter__", "__defineSetter__",
    "__lookupGetter__", "__lookupSetter__",
):  # fmt: skip
    _native(OBJECT_PROTO, _name, _unsupported(f"`Object.prototype.{_name}`"))

_native(FUNCTION_PROTO, "call", lambda i, t, a: _callable(t, "call").call(i, arg(a, 0), a[1:]))


def _apply(interp: Interp, this: Value, args: list[Value]) -> Value:
    function = _callable(this, "apply")
    given = arg(args, 1)
    if given is None or isinstance(given, Undefined):
        items: list[Value] = []
    elif isinstance(given, JSArray):
        items = list(given.items)
    else:
        raise Unsupported("`apply` with an array-like object")
    return function.call(interp, arg(args, 0), items)


_native(FUNCTION_PROTO, "apply", _apply)
_native(FUNCTION_PROTO, "bind", _unsupported("`Function.prototype.bind`"))
_native(FUNCTION_PROTO, "toString", _unsupported("the source text of a function"))


def call_method_for_primitive(obj: Obj, hint: str, interp: Interp | None) -> Value:
    """[[DefaultValue]] of a host object: call `valueOf`/`toString` (hint order)."""
    if interp is None:
        raise Unsupported(f"converting {obj.class_name} to a primitive")
    order = ("toString", "valueOf") if hint == "string" else ("valueOf", "toString")
    for name in order:
        method = obj.get(name)
        if isinstance(method, Function):
            result = interp.call(method, obj, [])
            if not is_object(result):
                return result
    raise JSThrow("TypeError", "Cannot convert object to primitive value")


# ----------------------------------------------------------------------- properties


STRING_PROTO: dict[str, Value] = {}
JAVA_STRING: dict[str, Value] = {}
NUMBER_PROTO: dict[str, Value] = {}
BOOLEAN_PROTO: dict[str, Value] = {}
ARRAY_PROTO: dict[str, Value] = {}
REGEXP_PROTO: dict[str, Value] = {}

# Names added after ECMAScript 5: not in Digdag's engine (reading them is unsupported).
_ES2015_STRING = frozenset({
    "includes", "codePointAt", "normalize", "padStart", "padEnd", "trimStart", "trimEnd",
    "trimLeft", "trimRight", "at", "replaceAll", "matchAll", "localeCompare", "anchor", "big",
    "blink", "bold", "fixed", "fontcolor", "fontsize", "italics", "link", "small", "strike",
    "sub", "sup", "isWellFormed", "toWellFormed",
})  # fmt: skip
_JAVA_ONLY = frozenset({
    "compareTo", "compareToIgnoreCase", "contentEquals", "hashCode", "intern", "isBlank",
    "lines", "strip", "stripLeading", "stripTrailing", "toCharArray", "getBytes", "chars",
    "codePoints", "regionMatches", "subSequence", "indent", "transform", "formatted",
    "translateEscapes", "stripIndent", "getClass", "codePointBefore", "codePointCount",
    "offsetByCodePoints", "getChars", "describeConstable", "resolveConstantDesc", "notify",
    "notifyAll", "wait", "split", "length",
})  # fmt: skip
_ES2015_ARRAY = frozenset({
    "find", "findIndex", "findLast", "findLastIndex", "fill", "includes", "keys", "values",
    "entries", "copyWithin", "flat", "flatMap", "at", "toReversed", "toSorted", "toSpliced",
    "with", "toLocaleString",
})  # fmt: skip


def get_property(interp: Interp, target: Value, key: str) -> Value:
    """`target[key]`."""
    if isinstance(target, str):
        if key == "length":
            return float(len(target))
        if INDEX.fullmatch(key):
            i = int(key)
            return target[i] if i < len(target) else UNDEFINED
        if key in STRING_PROTO:
            return STRING_PROTO[key]
        if key in OBJECT_PROTO:
            return OBJECT_PROTO[key]
        if key in JAVA_STRING:
            return JAVA_STRING[key]
        if key in _ES2015_STRING or key in _JAVA_ONLY:
            raise Unsupported(f"the string method `{key}`")
        return UNDEFINED
    if isinstance(target, JSObject):
        props = target.props
        if key in props:
            return props[key]
        if key in OBJECT_PROTO:
            return OBJECT_PROTO[key]
        if key == "__proto__":
            raise Unsupported("`__proto__`")
        return UNDEFINED
    if isinstance(target, JSArray):
        if INDEX.fullmatch(key):
            i = int(key)
            return target.items[i] if i < len(target.items) else UNDEFINED
        if key == "length":
            return float(len(target.items))
        if isinstance(target, ArrayExtra) and key in target.extra:
            return target.extra[key]
        if key in ARRAY_PROTO:
            return ARRAY_PROTO[key]
        if key in OBJECT_PROTO:
            return OBJECT_PROTO[key]
        if key in _ES2015_ARRAY:
            raise Unsupported(f"the array method `{key}` (not ECMAScript 5)")
        if key == "__proto__":
            raise Unsupported("`__proto__`")
        return UNDEFINED
    if target is None or isinstance(target, Undefined):
        if target is None:
            raise JSThrow("TypeError", f'Cannot get property "{key}" of null')
        raise JSThrow("TypeError", f'Cannot read property "{key}" from undefined')
    if isinstance(target, bool):
        table = BOOLEAN_PROTO
    elif isinstance(target, float):
        table = NUMBER_PROTO
    else:
        return target.get(key)
    if key in table:
        return table[key]
    if key in OBJECT_PROTO:
        return OBJECT_PROTO[key]
    if key == "__proto__":
        raise Unsupported("`__proto__`")
    if isinstance(target, float) and key in ("toLocaleString",):
        raise Unsupported(f"the number method `{key}`")
    return UNDEFINED


def instance_of(value: Value, constructor: Function) -> bool:
    """`value instanceof constructor` for the built-in constructors."""
    if not is_object(value):
        return False
    name = constructor.name
    if name == "Object":
        return True
    if name == "Array":
        return isinstance(value, JSArray)
    if name == "Function":
        return isinstance(value, Function)
    if isinstance(value, Obj) and value.class_name == name:
        return True
    if name in ("String", "Number", "Boolean", "RegExp", "Date", "Error", "TypeError"):
        return False
    raise Unsupported(f"`instanceof {name or 'a function expression'}`")


# --------------------------------------------------------------------- String methods


def _clamp(x: float, low: int, high: int) -> int:
    return int(min(max(x, low), high))


def _s_char_at(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "charAt")
    pos = to_integer(arg(args, 0), interp)
    return s[int(pos)] if 0 <= pos < len(s) else ""


def _s_char_code_at(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "charCodeAt")
    pos = to_integer(arg(args, 0), interp)
    return float(ord(s[int(pos)])) if 0 <= pos < len(s) else math.nan


def _s_concat(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "concat")
    return checked(s + "".join(to_string(a, interp) for a in args))


def _s_index_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "indexOf")
    search = to_string(arg(args, 0), interp)
    start = _clamp(to_integer(arg(args, 1), interp), 0, len(s))
    if search == "":
        return float(start)
    return float(s.find(search, start))


def _s_last_index_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "lastIndexOf")
    search = to_string(arg(args, 0), interp)
    pos = to_number(arg(args, 1), interp)
    start = len(s) if pos != pos else _clamp(to_integer(pos), 0, len(s))
    if search == "":
        return float(start)
    return float(s.rfind(search, 0, start + len(search)))


def _to_regexp(interp: Interp, value: Value) -> RegExp:
    if isinstance(value, RegExp):
        return value
    source = "" if isinstance(value, Undefined) else to_string(value, interp)
    return RegExp.create(source, "")


def _s_match(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "match")
    rx = _to_regexp(interp, arg(args, 0))
    if not rx.is_global:
        return rx.exec(interp, s)
    rx.last_index = 0.0
    found: list[Value] = []
    pos = 0
    while pos <= len(s):
        m = rx.exec_at(s, pos)
        if m is None:
            break
        found.append(m.group())
        pos = m.end() + 1 if m.end() == m.start() else m.end()
        _limit(found)
    rx.last_index = 0.0
    return JSArray(found) if found else None


def _limit(items: list[Value]) -> None:
    if len(items) > MAX_ARRAY:
        raise Unsupported(f"an array longer than {MAX_ARRAY:,} elements")


def _s_search(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "search")
    rx = _to_regexp(interp, arg(args, 0))
    m = rx.exec_at(s, 0)
    return float(m.start()) if m else -1.0


def _replacement(
    interp: Interp, replace: Value, matched: str, position: int, subject: str, groups: list[Value]
) -> str:
    if isinstance(replace, Function):
        args: list[Value] = [matched, *groups, float(position), subject]
        return to_string(interp.call(replace, UNDEFINED, args), interp)
    assert isinstance(replace, str)
    return expand_replacement(replace, matched, position, subject, groups)


def _s_replace(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "replace")
    pattern = arg(args, 0)
    replace = arg(args, 1)
    if isinstance(pattern, RegExp):
        if not isinstance(replace, Function):
            replace = to_string(replace, interp)
        out: list[str] = []
        last = 0
        pos = 0
        while pos <= len(s):
            m = pattern.exec_at(s, pos)
            if m is None:
                break
            groups: list[Value] = [UNDEFINED if g is None else g for g in m.groups()]
            out.append(s[last : m.start()])
            out.append(_replacement(interp, replace, m.group(), m.start(), s, groups))
            last = m.end()
            if not pattern.is_global:
                break
            pos = m.end() + 1 if m.end() == m.start() else m.end()
        if pattern.is_global:
            pattern.last_index = 0.0
        out.append(s[last:])
        return checked("".join(out))
    search = to_string(pattern, interp)
    if not isinstance(replace, Function):
        replace = to_string(replace, interp)
    at = s.find(search)
    if at < 0:
        return s
    text = _replacement(interp, replace, search, at, s, [])
    return checked(s[:at] + text + s[at + len(search) :])


def _slice_bounds(length: int, start: Value, end: Value, interp: Interp) -> tuple[int, int]:
    rel_start = to_integer(start, interp)
    rel_end = length if isinstance(end, Undefined) else to_integer(end, interp)
    a = max(length + rel_start, 0) if rel_start < 0 else min(rel_start, length)
    b = max(length + rel_end, 0) if rel_end < 0 else min(rel_end, length)
    return int(a), int(b)


def _s_slice(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "slice")
    a, b = _slice_bounds(len(s), arg(args, 0), arg(args, 1), interp)
    return s[a:b] if a < b else ""


def _s_substring(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "substring")
    a = _clamp(to_integer(arg(args, 0), interp), 0, len(s))
    end = arg(args, 1)
    b = len(s) if isinstance(end, Undefined) else _clamp(to_integer(end, interp), 0, len(s))
    return s[min(a, b) : max(a, b)]


def _s_substr(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "substr")
    start = to_integer(arg(args, 0), interp)
    length_arg = arg(args, 1)
    length = math.inf if isinstance(length_arg, Undefined) else to_integer(length_arg, interp)
    if start < 0:
        start = max(len(s) + start, 0)
    start = min(start, len(s))
    count = min(max(length, 0), len(s) - start)
    if count <= 0:
        return ""
    return s[int(start) : int(start + count)]


def _s_split(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _this_string(interp, this, "split")
    separator = arg(args, 0)
    limit_arg = arg(args, 1)
    limit = 2**32 - 1 if isinstance(limit_arg, Undefined) else to_uint32(limit_arg, interp)
    if not isinstance(separator, RegExp):
        sep: Value = UNDEFINED if isinstance(separator, Undefined) else to_string(separator, interp)
    else:
        sep = separator
    if limit == 0:
        return JSArray([])
    if isinstance(sep, Undefined):
        return JSArray([s])
    if isinstance(sep, str):
        if s == "":
            return JSArray([] if sep == "" else [""])
        parts: list[Value] = list(s) if sep == "" else list(s.split(sep))
        _limit(parts)
        return JSArray(parts[:limit])
    assert isinstance(sep, RegExp)
    compiled = sep.compiled
    if s == "":
        return JSArray([] if compiled.match(s) else [s])
    out: list[Value] = []
    p = q = 0
    size = len(s)
    while q < size:
        m = compiled.match(s, q)
        if m is None or m.end() == p:
            q += 1
            continue
        e = m.end()
        out.append(s[p:q])
        if len(out) == limit:
            return JSArray(out)
        for g in m.groups():
            out.append(UNDEFINED if g is None else g)
            if len(out) == limit:
                return JSArray(out)
        _limit(out)
        p = q = e
        interp.tick()
    out.append(s[p:])
    return JSArray(out)


_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _case(s: str, upper: bool) -> str:
    if _PAIR.search(s) is None:
        return checked(s.upper() if upper else s.lower())
    joined = _PAIR.sub(
        lambda m: chr(0x10000 + ((ord(m.group()[0]) - 0xD800) << 10) + ord(m.group()[1]) - 0xDC00),
        s,
    )
    return checked(js_string(joined.upper() if upper else joined.lower()))


def _s_trim(interp: Interp, this: Value, args: list[Value]) -> Value:
    return _this_string(interp, this, "trim").strip(_WHITESPACE)


def _s_value_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    if not isinstance(this, str):
        raise JSThrow("TypeError", "String.prototype.valueOf called on incompatible receiver")
    return this


_STRING_METHODS: tuple[tuple[str, Impl], ...] = (
    ("charAt", _s_char_at),
    ("charCodeAt", _s_char_code_at),
    ("concat", _s_concat),
    ("indexOf", _s_index_of),
    ("lastIndexOf", _s_last_index_of),
    ("match", _s_match),
    ("replace", _s_replace),
    ("search", _s_search),
    ("slice", _s_slice),
    ("split", _s_split),
    ("substring", _s_substring),
    ("substr", _s_substr),
    ("toLowerCase", lambda i, t, a: _case(_this_string(i, t, "toLowerCase"), False)),
    ("toUpperCase", lambda i, t, a: _case(_this_string(i, t, "toUpperCase"), True)),
    ("toLocaleLowerCase", lambda i, t, a: _case(_this_string(i, t, "toLocaleLowerCase"), False)),
    ("toLocaleUpperCase", lambda i, t, a: _case(_this_string(i, t, "toLocaleUpperCase"), True)),
    ("trim", _s_trim),
    ("toString", _s_value_of),
    ("valueOf", _s_value_of),
)
for _name, _impl in _STRING_METHODS:
    _native(STRING_PROTO, _name, _impl)


# ------------------------------------------------------------ java.lang.String methods


def _java_string(value: Value, method: str) -> str:
    if not isinstance(value, str):
        raise Unsupported(f"the Java String method `{method}` with a non-string argument")
    return value


def _j_replace(first: bool) -> Impl:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        name = "replaceFirst" if first else "replaceAll"
        s = _java_string(this, name)
        pattern = translate_java(_java_string(arg(args, 0), name))
        template = _java_string(arg(args, 1), name)
        out: list[str] = []
        last = 0
        for m in pattern.finditer(s):
            out.append(s[last : m.start()])
            out.append(expand_java_replacement(template, m))
            last = m.end()
            interp.tick()
            if first:
                break
        out.append(s[last:])
        return checked("".join(out))

    return impl


def _j_matches(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _java_string(this, "matches")
    return translate_java(_java_string(arg(args, 0), "matches")).fullmatch(s) is not None


def _j_starts_with(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _java_string(this, "startsWith")
    prefix = _java_string(arg(args, 0), "startsWith")
    if len(args) > 1:
        offset = arg(args, 1)
        if not isinstance(offset, float) or not offset.is_integer():
            raise Unsupported("`startsWith` with a non-integer offset")
        if offset < 0 or offset > len(s):
            return False
        return s.startswith(prefix, int(offset))
    return s.startswith(prefix)


def _j_repeat(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _java_string(this, "repeat")
    count = arg(args, 0)
    if not isinstance(count, float) or not count.is_integer():
        raise Unsupported("`repeat` with a non-integer count")
    if count < 0:
        raise JSThrow(
            "Error", f"java.lang.IllegalArgumentException: count is negative: {int(count)}"
        )
    if len(s) * count > (1 << 27):
        raise JSThrow("RangeError", "Invalid string length")
    return s * int(count)


def _j_equals(interp: Interp, this: Value, args: list[Value]) -> Value:
    other = arg(args, 0)
    return isinstance(this, str) and isinstance(other, str) and this == other


def _j_equals_ignore_case(interp: Interp, this: Value, args: list[Value]) -> Value:
    s = _java_string(this, "equalsIgnoreCase")
    other = arg(args, 0)
    if not isinstance(other, str):
        return False
    if len(s) != len(other):
        return False
    return all(
        a == b or a.upper() == b.upper() or a.lower() == b.lower()
        for a, b in zip(s, other, strict=True)
    )


def _java_method(name: str, arities: tuple[int, ...], impl: Impl) -> None:
    """Register a Java String method: Java overloads are chosen by argument count."""

    def checked_impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        if len(args) not in arities:
            raise Unsupported(f"the Java String method `{name}` with {len(args)} arguments")
        return impl(interp, this, args)

    JAVA_STRING[name] = Native(name, checked_impl)


_native(JAVA_STRING, "replaceAll", _j_replace(False))
_native(JAVA_STRING, "replaceFirst", _j_replace(True))
_native(JAVA_STRING, "matches", _j_matches)
_native(
    JAVA_STRING,
    "contains",
    lambda i, t, a: (
        _java_string(a[0] if a else UNDEFINED, "contains") in _java_string(t, "contains")
    ),
)
_native(JAVA_STRING, "startsWith", _j_starts_with)
_native(
    JAVA_STRING,
    "endsWith",
    lambda i, t, a: _java_string(t, "endsWith").endswith(_java_string(arg(a, 0), "endsWith")),
)
_native(JAVA_STRING, "equals", _j_equals)
_native(JAVA_STRING, "equalsIgnoreCase", _j_equals_ignore_case)
_native(JAVA_STRING, "isEmpty", lambda i, t, a: _java_string(t, "isEmpty") == "")
_native(JAVA_STRING, "repeat", _j_repeat)
_JAVA_ARITIES = {
    "replaceAll": (2,), "replaceFirst": (2,), "matches": (1,), "contains": (1,),
    "startsWith": (1, 2), "endsWith": (1,), "equals": (1,), "equalsIgnoreCase": (1,),
    "isEmpty": (0,), "repeat": (1,),
}  # fmt: skip
for _name, _arities in _JAVA_ARITIES.items():
    _plain = JAVA_STRING[_name]
    assert isinstance(_plain, Native)
    _java_method(_name, _arities, _plain.impl)


# -------------------------------------------------------------------- Number methods


def _this_number(this: Value, method: str) -> float:
    if not isinstance(this, float):
        raise JSThrow("TypeError", f"Number.prototype.{method} called on incompatible receiver")
    return this


_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _n_to_string(interp: Interp, this: Value, args: list[Value]) -> Value:
    x = _this_number(this, "toString")
    radix_arg = arg(args, 0)
    radix = 10 if isinstance(radix_arg, Undefined) else to_integer(radix_arg, interp)
    if radix < 2 or radix > 36:
        raise JSThrow("RangeError", "toString() radix must be between 2 and 36")
    if radix == 10 or x != x or math.isinf(x):
        return number_to_string(x)
    if not x.is_integer() or abs(x) > 2**53:
        raise Unsupported("`toString(radix)` of a fraction or a number above 2^53")
    n = int(abs(x))
    digits = []
    r = int(radix)
    while True:
        n, d = divmod(n, r)
        digits.append(_DIGITS36[d])
        if n == 0:
            break
    return ("-" if x < 0 else "") + "".join(reversed(digits))


def _n_to_fixed(interp: Interp, this: Value, args: list[Value]) -> Value:
    x = _this_number(this, "toFixed")
    f = to_integer(arg(args, 0), interp)
    if f < 0 or f > 20:
        raise JSThrow("RangeError", "toFixed() digits argument must be between 0 and 20")
    if x != x:
        return "NaN"
    if abs(x) >= 1e21:
        return number_to_string(x)
    digits = int(f)
    exact = Fraction(x)
    negative = exact < 0
    scaled = abs(exact) * 10**digits
    n = math.floor(scaled)
    if scaled - n >= Fraction(1, 2):  # the larger n on a tie
        n += 1
    text = str(n)
    if digits:
        text = text.rjust(digits + 1, "0")
        text = text[:-digits] + "." + text[-digits:]
    return ("-" if negative and n != 0 else "-" if negative and x != 0 else "") + text


def _round_significant(x: float, p: int) -> tuple[int, int]:
    """(n, e) with n of `p` digits and n × 10^(e−p+1) closest to |x| (larger n on a tie)."""
    exact = abs(Fraction(x))
    e = math.floor(math.log10(abs(x)))
    for candidate in (e - 1, e, e + 1):
        scaled = exact / Fraction(10) ** (candidate - p + 1)
        n = math.floor(scaled)
        if scaled - n >= Fraction(1, 2):
            n += 1
        if 10 ** (p - 1) <= n < 10**p:
            return n, candidate
    raise AssertionError("no exponent found")


def _n_to_precision(interp: Interp, this: Value, args: list[Value]) -> Value:
    x = _this_number(this, "toPrecision")
    precision = arg(args, 0)
    if isinstance(precision, Undefined):
        return number_to_string(x)
    p = to_integer(precision, interp)
    if x != x or math.isinf(x):
        return number_to_string(x)
    if p < 1 or p > 21:
        raise JSThrow("RangeError", "toPrecision() argument must be between 1 and 21")
    p = int(p)
    sign = "-" if x < 0 else ""
    if x == 0:
        return sign * 0 + ("0" if p == 1 else "0." + "0" * (p - 1))
    n, e = _round_significant(x, p)
    m = str(n)
    if e < -6 or e >= p:
        head = m if p == 1 else m[0] + "." + m[1:]
        return f"{sign}{head}e{'+' if e >= 0 else '-'}{abs(e)}"
    if e == p - 1:
        return sign + m
    if e >= 0:
        return sign + m[: e + 1] + "." + m[e + 1 :]
    return sign + "0." + "0" * (-(e + 1)) + m


def _n_to_exponential(interp: Interp, this: Value, args: list[Value]) -> Value:
    x = _this_number(this, "toExponential")
    digits_arg = arg(args, 0)
    f = to_integer(digits_arg, interp)
    if x != x or math.isinf(x):
        return number_to_string(x)
    if f < 0 or f > 20:
        raise JSThrow("RangeError", "toExponential() argument must be between 0 and 20")
    sign = "-" if x < 0 else ""
    if isinstance(digits_arg, Undefined):
        if x == 0:
            return "0e+0"
        text = Decimal(repr(abs(x))).normalize()
        _, digits, exponent = text.as_tuple()
        m = "".join(map(str, digits))
        assert isinstance(exponent, int)
        e = exponent + len(m) - 1
    elif x == 0:
        m = "0" * (int(f) + 1)
        e = 0
    else:
        n, e = _round_significant(x, int(f) + 1)
        m = str(n)
    head = m if len(m) == 1 else m[0] + "." + m[1:]
    return f"{sign}{head}e{'+' if e >= 0 else '-'}{abs(e)}"


_native(NUMBER_PROTO, "toString", _n_to_string)
_native(NUMBER_PROTO, "toFixed", _n_to_fixed)
_native(NUMBER_PROTO, "toPrecision", _n_to_precision)
_native(NUMBER_PROTO, "toExponential", _n_to_exponential)
_native(NUMBER_PROTO, "valueOf", lambda i, t, a: _this_number(t, "valueOf"))
_native(NUMBER_PROTO, "toLocaleString", _unsupported("`toLocaleString` (locale dependent)"))


def _this_bool(this: Value) -> bool:
    if not isinstance(this, bool):
        raise JSThrow("TypeError", "Boolean.prototype.toString called on incompatible receiver")
    return this


_native(BOOLEAN_PROTO, "toString", lambda i, t, a: "true" if _this_bool(t) else "false")
_native(BOOLEAN_PROTO, "valueOf", lambda i, t, a: _this_bool(t))


# --------------------------------------------------------------------- Array methods


def _this_array(this: Value, method: str) -> JSArray:
    if not isinstance(this, JSArray):
        raise Unsupported(f"`Array.prototype.{method}` on something other than an array")
    return this


def _a_join(interp: Interp, this: Value, args: list[Value]) -> Value:
    array = _this_array(this, "join")
    sep = arg(args, 0)
    return array_join(array, "," if isinstance(sep, Undefined) else to_string(sep, interp), interp)


def _a_concat(interp: Interp, this: Value, args: list[Value]) -> Value:
    items = list(_this_array(this, "concat").items)
    for a in args:
        if isinstance(a, JSArray):
            items.extend(a.items)
        else:
            items.append(a)
        _limit(items)
    return JSArray(items)


def _a_slice(interp: Interp, this: Value, args: list[Value]) -> Value:
    items = _this_array(this, "slice").items
    a, b = _slice_bounds(len(items), arg(args, 0), arg(args, 1), interp)
    return JSArray(items[a:b] if a < b else [])


def _a_index_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    from digrun.js.interp import strict_equals

    items = _this_array(this, "indexOf").items
    target = arg(args, 0)
    n = to_integer(arg(args, 1), interp)
    start = int(max(len(items) + n, 0)) if n < 0 else int(min(n, len(items)))
    for i in range(start, len(items)):
        if strict_equals(items[i], target):
            return float(i)
    return -1.0


def _a_last_index_of(interp: Interp, this: Value, args: list[Value]) -> Value:
    from digrun.js.interp import strict_equals

    items = _this_array(this, "lastIndexOf").items
    target = arg(args, 0)
    n = len(items) - 1 if len(args) < 2 else to_integer(args[1], interp)
    start = int(min(n, len(items) - 1)) if n >= 0 else int(len(items) + n)
    for i in range(start, -1, -1):
        if strict_equals(items[i], target):
            return float(i)
    return -1.0


def _a_push(interp: Interp, this: Value, args: list[Value]) -> Value:
    items = _this_array(this, "push").items
    items.extend(args)
    _limit(items)
    return float(len(items))


def _a_pop(interp: Interp, this: Value, args: list[Value]) -> Value:
    items = _this_array(this, "pop").items
    return items.pop() if items else UNDEFINED


def _a_shift(interp: Interp, this: Value, args: list[Value]) -> Value:
    items = _this_array(this, "shift").items
    return items.pop(0) if items else UNDEFINED


def _a_unshift(interp: Interp, this: Value, args: list[Value]) -> Value:
    items = _this_array(this, "unshift").items
    items[:0] = args
    _limit(items)
    return float(len(items))


def _a_reverse(interp: Interp, this: Value, args: list[Value]) -> Value:
    _this_array(this, "reverse").items.reverse()
    return this


def _a_splice(interp: Interp, this: Value, args: list[Value]) -> Value:
    items = _this_array(this, "splice").items
    length = len(items)
    rel = to_integer(arg(args, 0), interp)
    start = int(max(length + rel, 0)) if rel < 0 else int(min(rel, length))
    if len(args) < 2:
        count = length - start if args else 0
    else:
        count = int(min(max(to_integer(args[1], interp), 0), length - start))
    removed = items[start : start + count]
    items[start : start + count] = args[2:]
    return JSArray(removed)


def _sort_key_compare(interp: Interp, compare: Value) -> Callable[[Value, Value], int]:
    def cmp(a: Value, b: Value) -> int:
        if isinstance(a, Undefined):
            return 0 if isinstance(b, Undefined) else 1
        if isinstance(b, Undefined):
            return -1
        if isinstance(compare, Function):
            v = to_number(interp.call(compare, UNDEFINED, [a, b]), interp)
            return -1 if v < 0 else 1 if v > 0 else 0
        x, y = to_string(a, interp), to_string(b, interp)
        return -1 if x < y else 1 if x > y else 0

    return cmp


def _a_sort(interp: Interp, this: Value, args: list[Value]) -> Value:
    import functools

    array = _this_array(this, "sort")
    compare = arg(args, 0)
    if not isinstance(compare, Undefined | Function):
        raise JSThrow("TypeError", "The comparison function must be either a function or undefined")
    array.items.sort(key=functools.cmp_to_key(_sort_key_compare(interp, compare)))
    return array


def _iterate(method: str) -> Impl:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        items = _this_array(this, method).items
        fn = arg(args, 0)
        if not isinstance(fn, Function):
            raise JSThrow("TypeError", f"{_safe(fn)} is not a function")
        this_arg = arg(args, 1)
        length = len(items)
        results: list[Value] = []
        for i in range(length):
            if i >= len(items):
                break
            value = items[i]
            out = interp.call(fn, this_arg, [value, float(i), this])
            if method == "map":
                results.append(out)
            elif method == "filter":
                if truthy(out):
                    results.append(value)
            elif method == "some":
                if truthy(out):
                    return True
            elif method == "every" and not truthy(out):
                return False
        if method in ("map", "filter"):
            return JSArray(results)
        if method == "some":
            return False
        if method == "every":
            return True
        return UNDEFINED

    return impl


def _reduce(right: bool) -> Impl:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        name = "reduceRight" if right else "reduce"
        items = _this_array(this, name).items
        fn = arg(args, 0)
        if not isinstance(fn, Function):
            raise JSThrow("TypeError", f"{_safe(fn)} is not a function")
        order = list(range(len(items)))
        if right:
            order.reverse()
        if len(args) >= 2:
            acc = args[1]
        elif not order:
            raise JSThrow("TypeError", "Reduce of empty array with no initial value")
        else:
            acc = items[order.pop(0)]
        for i in order:
            if i < len(items):
                acc = interp.call(fn, UNDEFINED, [acc, items[i], float(i), this])
        return acc

    return impl


_ARRAY_METHODS: tuple[tuple[str, Impl], ...] = (
    ("join", _a_join),
    ("concat", _a_concat),
    ("slice", _a_slice),
    ("indexOf", _a_index_of),
    ("lastIndexOf", _a_last_index_of),
    ("push", _a_push),
    ("pop", _a_pop),
    ("shift", _a_shift),
    ("unshift", _a_unshift),
    ("reverse", _a_reverse),
    ("splice", _a_splice),
    ("sort", _a_sort),
    ("map", _iterate("map")),
    ("filter", _iterate("filter")),
    ("forEach", _iterate("forEach")),
    ("some", _iterate("some")),
    ("every", _iterate("every")),
    ("reduce", _reduce(False)),
    ("reduceRight", _reduce(True)),
    ("toString", lambda i, t, a: array_join(_this_array(t, "toString"), ",", i)),
)
for _name, _impl in _ARRAY_METHODS:
    _native(ARRAY_PROTO, _name, _impl)


# -------------------------------------------------------------------- RegExp methods


def _this_regexp(this: Value, method: str) -> RegExp:
    if not isinstance(this, RegExp):
        raise JSThrow("TypeError", f"RegExp.prototype.{method} called on incompatible receiver")
    return this


_native(
    REGEXP_PROTO, "exec", lambda i, t, a: _this_regexp(t, "exec").exec(i, to_string(arg(a, 0), i))
)
_native(
    REGEXP_PROTO,
    "test",
    lambda i, t, a: _this_regexp(t, "test").exec(i, to_string(arg(a, 0), i)) is not None,
)
_native(REGEXP_PROTO, "toString", lambda i, t, a: _this_regexp(t, "toString").text())


# ----------------------------------------------------------------------------- JSON


_LONE = re.compile("[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]")


def json_stringify(
    interp: Interp, value: Value, replacer: Value = UNDEFINED, space: Value = UNDEFINED
) -> str | None:
    """`JSON.stringify(value, replacer, space)`; None when the result is undefined."""
    function = replacer if isinstance(replacer, Function) else None
    allow: list[str] | None = None
    if isinstance(replacer, JSArray):
        allow = []
        for item in replacer.items:
            if isinstance(item, str | float) and not isinstance(item, bool):
                key = to_string(item)
                if key not in allow:
                    allow.append(key)
    if isinstance(space, float):
        gap = " " * int(min(10, max(0, to_integer(space))))
    elif isinstance(space, str):
        gap = space[:10]
    else:
        gap = ""
    stack: list[int] = []

    def serialize(holder: Value, key: str, value: Value, indent: str) -> str | None:
        interp.tick()
        if is_object(value):
            to_json = interp.get(value, "toJSON")
            if isinstance(to_json, Function):
                value = interp.call(to_json, value, [key])
        if function is not None:
            value = interp.call(function, holder, [key, value])
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            if _LONE.search(value):
                raise Unsupported("`JSON.stringify` of a lone surrogate (engines differ)")
            return json_quote(value)
        if isinstance(value, float):
            return number_to_string(value) if math.isfinite(value) else "null"
        if isinstance(value, Undefined | Function):
            return None
        if id(value) in stack:
            raise JSThrow("TypeError", "Converting circular structure to JSON")
        if len(stack) > 1000:
            raise JSThrow("RangeError", "Maximum call stack size exceeded")
        stack.append(id(value))
        inner = indent + gap
        if isinstance(value, JSArray):
            parts = []
            for i, item in enumerate(value.items):
                text = serialize(value, str(i), item, inner)
                parts.append("null" if text is None else text)
            stack.pop()
            if not parts:
                return "[]"
            if not gap:
                return "[" + ",".join(parts) + "]"
            return "[\n" + inner + (",\n" + inner).join(parts) + "\n" + indent + "]"
        keys = allow if allow is not None else _enumerable_keys(value)
        members = []
        for k in keys:
            text = serialize(value, k, interp.get(value, k), inner)
            if text is not None:
                members.append(json_quote(k) + (": " if gap else ":") + text)
        stack.pop()
        if not members:
            return "{}"
        if not gap:
            return "{" + ",".join(members) + "}"
        return "{\n" + inner + (",\n" + inner).join(members) + "\n" + indent + "}"

    wrapper = JSObject({"": value})
    result = serialize(wrapper, "", value, "")
    return None if result is None else checked(result)


def _enumerable_keys(value: Value) -> list[str]:
    if isinstance(value, JSObject):
        return own_keys(value)
    if isinstance(value, Obj):
        return value.keys()
    return []


def _json_stringify(interp: Interp, this: Value, args: list[Value]) -> Value:
    text = json_stringify(interp, arg(args, 0), arg(args, 1), arg(args, 2))
    return UNDEFINED if text is None else text


def _from_json(data: object) -> Value:
    if isinstance(data, dict):
        return JSObject({js_string(k): _from_json(v) for k, v in data.items()})
    if isinstance(data, list):
        return JSArray([_from_json(v) for v in data])
    if isinstance(data, str):
        return js_string(data)
    if isinstance(data, bool) or data is None:
        return data
    assert isinstance(data, float)
    return data


def _json_float(text: str) -> float:
    try:
        return float(text)
    except OverflowError:
        return math.inf


def _json_int(text: str) -> float:
    if len(text) > 400:
        return float(Decimal(text))
    return float(int(text))


def _no_constant(text: str) -> float:
    raise ValueError(f"unexpected token {text}")


def _json_parse(interp: Interp, this: Value, args: list[Value]) -> Value:
    text = to_string(arg(args, 0), interp)
    try:
        data = json.loads(
            text,
            parse_float=_json_float,
            parse_int=_json_int,
            parse_constant=_no_constant,
        )
    except (ValueError, RecursionError) as exc:
        message = str(exc).split(":")[0] if isinstance(exc, ValueError) else "too deeply nested"
        raise JSThrow("SyntaxError", f"Invalid JSON: {message}") from None
    result = _from_json(data)
    reviver = arg(args, 1)
    if isinstance(reviver, Function):
        return _revive(interp, reviver, JSObject({"": result}), "")
    return result


def _revive(interp: Interp, reviver: Function, holder: Value, key: str) -> Value:
    value = interp.get(holder, key)
    if isinstance(value, JSArray):
        for i in range(len(value.items)):
            new = _revive(interp, reviver, value, str(i))
            value.items[i] = new
    elif isinstance(value, JSObject):
        for k in own_keys(value):
            new = _revive(interp, reviver, value, k)
            if isinstance(new, Undefined):
                del value.props[k]
            else:
                value.props[k] = new
    return interp.call(reviver, holder, [key, value])


class Namespace(Obj):
    """A built-in namespace object (`Math`, `JSON`)."""

    __slots__ = ("members", "name")

    def __init__(self, name: str, members: dict[str, Value]) -> None:
        self.name = name
        self.members = members

    @property
    def class_name(self) -> str:  # type: ignore[override]
        return self.name

    def get(self, key: str) -> Value:
        if key in self.members:
            return self.members[key]
        return super().get(key)

    def default_value(self, hint: str, interp: Interp | None) -> Value:
        return f"[object {self.name}]"


_JSON_MEMBERS: dict[str, Value] = {}
_native(_JSON_MEMBERS, "stringify", _json_stringify, "stringify")
_native(_JSON_MEMBERS, "parse", _json_parse, "parse")
JSON_NS = Namespace("JSON", _JSON_MEMBERS)


# ----------------------------------------------------------------------------- Math


def _math1(fn: Callable[[float], float]) -> Impl:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        return fn(to_number(arg(args, 0), interp))

    return impl


def _safe_math(
    fn: Callable[[float], float], domain: Callable[[float], bool]
) -> Callable[[float], float]:
    def wrapped(x: float) -> float:
        if x != x or not domain(x):
            return math.nan
        try:
            return fn(x)
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan

    return wrapped


def _round(x: float) -> float:
    if x != x or math.isinf(x) or x == 0:
        return x
    if -0.5 <= x < 0:
        return -0.0
    floor = math.floor(x)
    return float(floor + 1 if x - floor >= 0.5 else floor)


def _floor(x: float) -> float:
    return x if x != x or math.isinf(x) or x == 0 else float(math.floor(x))


def _ceil(x: float) -> float:
    if x != x or math.isinf(x) or x == 0:
        return x
    if -1 < x < 0:
        return -0.0
    return float(math.ceil(x))


def _pow(x: float, y: float) -> float:
    if y != y:
        return math.nan
    if y == 0:
        return 1.0
    if (x == 1 or x == -1) and math.isinf(y):
        return math.nan
    try:
        return math.pow(x, y)
    except OverflowError:
        if x < 0 and y.is_integer() and int(y) % 2 == 1:
            return -math.inf
        return math.inf
    except ValueError:
        if x == 0:  # 0 ** negative
            odd = y.is_integer() and int(y) % 2 == 1
            return -math.inf if odd and math.copysign(1, x) < 0 else math.inf
        return math.nan


def _minmax(is_max: bool) -> Impl:
    def impl(interp: Interp, this: Value, args: list[Value]) -> Value:
        numbers = [to_number(a, interp) for a in args]
        result = -math.inf if is_max else math.inf
        for x in numbers:
            if x != x:
                return math.nan
            if x == result == 0:
                negative = math.copysign(1, x) < 0
                if (is_max and not negative) or (not is_max and negative):
                    result = x
            elif (x > result) if is_max else (x < result):
                result = x
        return result

    return impl


def _atan2(y: float, x: float) -> float:
    if y != y or x != x:
        return math.nan
    return math.atan2(y, x)


_MATH: dict[str, Value] = {
    "PI": math.pi,
    "E": math.e,
    "LN2": math.log(2),
    "LN10": math.log(10),
    "LOG2E": 1 / math.log(2),
    "LOG10E": 1 / math.log(10),
    "SQRT2": math.sqrt(2),
    "SQRT1_2": math.sqrt(0.5),
}
_MATH["LOG2E"] = 1.4426950408889634
_MATH["LOG10E"] = 0.4342944819032518
for _name, _fn in (
    ("abs", abs),
    ("floor", _floor),
    ("ceil", _ceil),
    ("round", _round),
    ("sqrt", _safe_math(math.sqrt, lambda x: x >= 0)),
    ("exp", _safe_math(math.exp, lambda x: True)),
    ("log", _safe_math(lambda x: -math.inf if x == 0 else math.log(x), lambda x: x >= 0)),
    ("sin", _safe_math(math.sin, lambda x: not math.isinf(x))),
    ("cos", _safe_math(math.cos, lambda x: not math.isinf(x))),
    ("tan", _safe_math(math.tan, lambda x: not math.isinf(x))),
    ("asin", _safe_math(math.asin, lambda x: -1 <= x <= 1)),
    ("acos", _safe_math(math.acos, lambda x: -1 <= x <= 1)),
    ("atan", _safe_math(math.atan, lambda x: True)),
):
    _native(_MATH, _name, _math1(_fn), _name)
_native(_MATH, "pow", lambda i, t, a: _pow(to_number(arg(a, 0), i), to_number(arg(a, 1), i)))
_native(_MATH, "atan2", lambda i, t, a: _atan2(to_number(arg(a, 0), i), to_number(arg(a, 1), i)))
_native(_MATH, "max", _minmax(True))
_native(_MATH, "min", _minmax(False))
_native(_MATH, "random", lambda i, t, a: random.random())
for _name in (
    "trunc", "sign", "log10", "log2", "log1p", "expm1", "cbrt", "hypot", "sinh", "cosh", "tanh",
    "asinh", "acosh", "atanh", "fround", "imul", "clz32",
):  # fmt: skip
    _native(_MATH, _name, _unsupported(f"`Math.{_name}` (not ECMAScript 5)"))
MATH_NS = Namespace("Math", _MATH)


# -------------------------------------------------------------------------- globals

_DECIMAL_PREFIX = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")


def _parse_float(interp: Interp, this: Value, args: list[Value]) -> Value:
    text = to_string(arg(args, 0), interp).lstrip(_WHITESPACE)
    m = _DECIMAL_PREFIX.match(text)
    if m is None:
        return math.nan
    token = m.group()
    if token.endswith("Infinity"):
        return -math.inf if token.startswith("-") else math.inf
    return _json_float(token)


def _parse_int(interp: Interp, this: Value, args: list[Value]) -> Value:
    text = to_string(arg(args, 0), interp).lstrip(_WHITESPACE)
    sign = 1
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    radix = to_int32(arg(args, 1), interp)
    strip_prefix = True
    if radix != 0:
        if radix < 2 or radix > 36:
            return math.nan
        if radix != 16:
            strip_prefix = False
    else:
        radix = 10
    if strip_prefix and text[:2] in ("0x", "0X"):
        text = text[2:]
        radix = 16
    end = 0
    while end < len(text) and text[end].lower() in _DIGITS36[:radix] and text[end].isascii():
        end += 1
    if end == 0:
        return math.nan
    digits = text[:end]
    if radix == 10 and end > 20:
        return sign * _json_float(digits)  # the correctly rounded decimal
    value = int(digits, radix)
    try:
        return float(sign * value)
    except OverflowError:
        return sign * math.inf


def _is_nan(interp: Interp, this: Value, args: list[Value]) -> Value:
    x = to_number(arg(args, 0), interp)
    return x != x


def _is_finite(interp: Interp, this: Value, args: list[Value]) -> Value:
    return math.isfinite(to_number(arg(args, 0), interp))


def _wrapper(name: str) -> Callable[[Interp, list[Value]], Value]:
    def construct(interp: Interp, args: list[Value]) -> Value:
        raise Unsupported(f"`new {name}(...)` (a wrapper object)")

    return construct


def _string_fn(interp: Interp, this: Value, args: list[Value]) -> Value:
    return to_string(args[0], interp) if args else ""


def _number_fn(interp: Interp, this: Value, args: list[Value]) -> Value:
    return to_number(args[0], interp) if args else 0.0


def _boolean_fn(interp: Interp, this: Value, args: list[Value]) -> Value:
    return truthy(arg(args, 0))


def _from_char_code(interp: Interp, this: Value, args: list[Value]) -> Value:
    return checked("".join(chr(to_uint32(a, interp) & 0xFFFF) for a in args))


def _array_construct(interp: Interp, args: list[Value]) -> Value:
    if len(args) == 1 and isinstance(args[0], float):
        n = args[0]
        if n != to_uint32(n):
            raise JSThrow("RangeError", "Invalid array length")
        if n > 0:
            raise Unsupported("`Array(n)` (an array with holes)")
        return JSArray([])
    return JSArray(list(args))


def _array_fn(interp: Interp, this: Value, args: list[Value]) -> Value:
    return _array_construct(interp, args)


def _object_keys(interp: Interp, this: Value, args: list[Value]) -> Value:
    target = arg(args, 0)
    if isinstance(target, JSObject):
        return JSArray(list(own_keys(target)))
    if isinstance(target, JSArray):
        return JSArray([str(i) for i in range(len(target.items))])
    if not is_object(target):
        raise Unsupported("`Object.keys` of a primitive")
    assert isinstance(target, Obj)
    return JSArray(list(target.keys()))


def _object_fn(interp: Interp, this: Value, args: list[Value]) -> Value:
    value = arg(args, 0)
    if value is None or isinstance(value, Undefined):
        return JSObject({})
    if is_object(value):
        return value
    raise Unsupported("`Object(primitive)` (a wrapper object)")


def _regexp_fn(interp: Interp, this: Value, args: list[Value]) -> Value:
    pattern, flags = arg(args, 0), arg(args, 1)
    if isinstance(pattern, RegExp):
        if not isinstance(flags, Undefined):
            raise JSThrow(
                "TypeError", "Cannot supply flags when constructing one RegExp from another"
            )
        return RegExp.create(pattern.source, pattern.flags)
    source = "" if isinstance(pattern, Undefined) else to_string(pattern, interp)
    flag_text = "" if isinstance(flags, Undefined) else to_string(flags, interp)
    return RegExp.create(source, flag_text)


_URI_RESERVED = ";/?:@&=+$,#"
_URI_UNESCAPED_COMPONENT = "-_.!~*'()"


def _encode(interp: Interp, value: Value, safe: str) -> str:
    text = to_string(value, interp)
    try:
        raw = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        data = raw.encode("utf-8")
    except UnicodeError:
        raise JSThrow("URIError", "URI malformed") from None
    return urllib.parse.quote(data, safe=safe)


def _decode(interp: Interp, value: Value, reserved: str) -> str:
    """ES5 Decode: `%XX` sequences as UTF-8; escapes of `reserved` characters are kept."""
    text = to_string(value, interp)
    out: list[str] = []
    i = 0
    size = len(text)

    def byte_at(k: int) -> int:
        hexa = text[k + 1 : k + 3]
        if text[k : k + 1] != "%" or len(hexa) != 2 or not all(c in _HEXDIGITS for c in hexa):
            raise JSThrow("URIError", "URI malformed")
        return int(hexa, 16)

    while i < size:
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        start = i
        first = byte_at(i)
        i += 3
        if first < 0x80:
            decoded = chr(first)
            out.append(text[start:i] if decoded in reserved else decoded)
            continue
        if first & 0xE0 == 0xC0:
            count = 2
        elif first & 0xF0 == 0xE0:
            count = 3
        elif first & 0xF8 == 0xF0:
            count = 4
        else:
            raise JSThrow("URIError", "URI malformed")
        data = bytearray([first])
        for _ in range(count - 1):
            byte = byte_at(i)
            if byte & 0xC0 != 0x80:
                raise JSThrow("URIError", "URI malformed")
            data.append(byte)
            i += 3
        try:
            decoded = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise JSThrow("URIError", "URI malformed") from None
        out.append(js_string(decoded))
    return "".join(out)


_HEXDIGITS = "0123456789abcdefABCDEF"


GLOBALS: dict[str, Value] = {
    "undefined": UNDEFINED,
    "NaN": math.nan,
    "Infinity": math.inf,
    "Math": MATH_NS,
    "JSON": JSON_NS,
}
# Names that exist in Digdag's engine but are not implemented here (None: unsupported).
for _name in (
    "eval", "Function", "Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError",
    "TypeError", "URIError", "escape", "unescape", "print", "printErr", "load",
    "loadWithNewGlobal", "quit", "exit", "Java", "JavaImporter", "Packages", "java", "javax",
    "javafx", "com", "org", "edu", "Graal", "Polyglot", "Intl",
):  # fmt: skip
    GLOBALS[_name] = None


def _global(
    name: str, impl: Impl, constructor: Callable[[Interp, list[Value]], Value] | None = None
) -> Native:
    fn = Native(name, impl, constructor)
    GLOBALS[name] = fn
    return fn


_global("parseInt", _parse_int)
_global("parseFloat", _parse_float)
_global("isNaN", _is_nan)
_global("isFinite", _is_finite)
_global("encodeURIComponent", lambda i, t, a: _encode(i, arg(a, 0), _URI_UNESCAPED_COMPONENT))
_global(
    "encodeURI", lambda i, t, a: _encode(i, arg(a, 0), _URI_UNESCAPED_COMPONENT + _URI_RESERVED)
)
_global("decodeURIComponent", lambda i, t, a: _decode(i, arg(a, 0), ""))
_global("decodeURI", lambda i, t, a: _decode(i, arg(a, 0), _URI_RESERVED))
_global("template", _unsupported("calling Digdag's `template` function"))
STRING_FN = _global("String", _string_fn, _wrapper("String"))
STRING_FN.props["fromCharCode"] = Native("fromCharCode", _from_char_code)
NUMBER_FN = _global("Number", _number_fn, _wrapper("Number"))
NUMBER_FN.props.update({
    "MAX_VALUE": 1.7976931348623157e308,
    "MIN_VALUE": 5e-324,
    "NaN": math.nan,
    "POSITIVE_INFINITY": math.inf,
    "NEGATIVE_INFINITY": -math.inf,
})  # fmt: skip
BOOLEAN_FN = _global("Boolean", _boolean_fn, _wrapper("Boolean"))
ARRAY_FN = _global("Array", _array_fn, _array_construct)
ARRAY_FN.props["isArray"] = Native("isArray", lambda i, t, a: isinstance(arg(a, 0), JSArray))
OBJECT_FN = _global("Object", _object_fn, lambda i, a: _object_fn(i, UNDEFINED, a))
OBJECT_FN.props["keys"] = Native("keys", _object_keys)
REGEXP_FN = _global("RegExp", _regexp_fn, lambda i, a: _regexp_fn(i, UNDEFINED, a))


class Prototype(Obj):
    """A built-in prototype object (`Object.prototype`, `Array.prototype`, ...)."""

    __slots__ = ("members", "name")

    def __init__(self, name: str, members: dict[str, Value]) -> None:
        self.name = name
        self.members = members

    def get(self, key: str) -> Value:
        if key in self.members:
            return self.members[key]
        return super().get(key)

    def default_value(self, hint: str, interp: Interp | None) -> Value:
        raise Unsupported(f"converting `{self.name}.prototype` to a primitive")


for _ctor, _members in (
    (OBJECT_FN, OBJECT_PROTO),
    (ARRAY_FN, ARRAY_PROTO),
    (STRING_FN, STRING_PROTO),
    (NUMBER_FN, NUMBER_PROTO),
    (BOOLEAN_FN, BOOLEAN_PROTO),
    (REGEXP_FN, REGEXP_PROTO),
):
    _ctor.props["prototype"] = Prototype(_ctor.name, _members)
OBJECT_PROTO["constructor"] = OBJECT_FN
STRING_PROTO["constructor"] = STRING_FN
NUMBER_PROTO["constructor"] = NUMBER_FN
BOOLEAN_PROTO["constructor"] = BOOLEAN_FN
ARRAY_PROTO["constructor"] = ARRAY_FN
REGEXP_PROTO["constructor"] = REGEXP_FN

# Date and moment register themselves.
from digrun.js import dates as _dates  # noqa: E402
from digrun.js import moment as _moment  # noqa: E402

GLOBALS["Date"] = _dates.DATE_FN
GLOBALS["moment"] = _moment.MOMENT_FN
