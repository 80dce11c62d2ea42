"""Does a literal YAML value fit a param's schema, the way Digdag converts values?

The schemas describe the *evaluated* value; a literal is accepted in more shapes
(`diglang.schemas.literal_schema` documents the same widening for YAML tools):

* a string containing `${` is only known at run time, so it always fits;
* null means "not set" (a missing value is `missing-param`'s business);
* a string param takes any scalar: numbers and booleans become their text;
* integer and number params take numeric strings, boolean params `true`/`false` strings;
  Jackson's defaults also take `True`/`False`, integers for booleans, floats for integers,
  and an empty string (or `null`) as 0 or false, so we do too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping as JsonMapping
from dataclasses import dataclass
from typing import Any

from diglang.values import Mapping, Scalar, Sequence, Template, Value

_INT = re.compile(r"^\s*[-+]?[0-9]+\s*$")
_NUMBER = re.compile(r"^\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*$")
_BOOLEAN_WORDS = frozenset({"true", "True", "false", "False"})
_EMPTY = frozenset({"", "null"})
_YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})
_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "`true` or `false`",
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
}
_FORMATS = {"duration": "a duration such as `30s` or `1h 30m`"}


@dataclass(frozen=True, slots=True)
class Mismatch:
    """`node` (at `path` below the checked value) is not what `expected` describes."""

    node: Value
    path: tuple[str, ...]
    expected: str
    enum: tuple[str, ...] = ()  # the allowed words, when the schema is an enum of strings


def mismatches(value: Value | None, schema: JsonMapping[str, Any]) -> Iterator[Mismatch]:
    """Every place where the literal `value` cannot become a value of `schema`."""
    yield from _check(value, schema, ())


def _check(
    value: Value | None, schema: JsonMapping[str, Any], path: tuple[str, ...]
) -> Iterator[Mismatch]:
    if value is None or isinstance(value, Template):
        return
    if isinstance(value, Scalar) and value.value is None:
        return
    if "enum" in schema:
        if not _in_enum(value, schema["enum"]):
            words = tuple(e for e in schema["enum"] if isinstance(e, str))
            yield Mismatch(value, path, _expected_enum(schema["enum"]), words)
        return
    types = _types(schema)
    if types and not any(_fits(value, t) for t in types):
        yield Mismatch(value, path, _expected(types, schema))
        return
    if isinstance(value, Scalar) and "pattern" in schema and _is_text(value, types):
        if not re.search(schema["pattern"], value.text):
            yield Mismatch(value, path, _expected(["string"], schema))
        return
    yield from _children(value, schema, path)


def _children(
    value: Value, schema: JsonMapping[str, Any], path: tuple[str, ...]
) -> Iterator[Mismatch]:
    if isinstance(value, Mapping) and "object" in _types(schema):
        props: JsonMapping[str, Any] = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for entry in value.entries:
            name = entry.key.text
            sub = props.get(name, extra if isinstance(extra, dict) else None)
            if sub is not None:
                yield from _check(entry.value, sub, (*path, name))
    elif isinstance(value, Sequence) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value.items):
            yield from _check(item, schema["items"], (*path, str(i)))


def _types(schema: JsonMapping[str, Any]) -> list[str]:
    found = schema.get("type")
    if isinstance(found, str):
        return [found]
    return [t for t in found if isinstance(t, str)] if isinstance(found, list) else []


def _fits(value: Value, kind: str) -> bool:
    if isinstance(value, Mapping):
        return kind == "object"
    if isinstance(value, Sequence):
        return kind == "array"
    v = value.value
    if kind == "string":
        return True  # numbers and booleans are turned into their text
    if isinstance(v, str) and v.strip() in _EMPTY:
        return kind in ("boolean", "integer", "number")  # Jackson reads these as 0 / false
    if kind == "boolean":
        # Jackson also takes `True`/`False` and integers (0 is false).
        return isinstance(v, bool | int) or (isinstance(v, str) and v.strip() in _BOOLEAN_WORDS)
    if isinstance(v, bool):
        return False
    if kind == "integer":
        return isinstance(v, int | float) or (isinstance(v, str) and bool(_INT.match(v)))
    if kind == "number":
        return isinstance(v, int | float) or (isinstance(v, str) and bool(_NUMBER.match(v)))
    return kind == "null" and v is None


def _is_text(value: Scalar, types: list[str]) -> bool:
    """True when the scalar reaches the operator as a string (so a pattern applies)."""
    if not types:
        return isinstance(value.value, str)
    return not any(_fits(value, t) for t in types if t != "string")


def _in_enum(value: Value, allowed: list[Any]) -> bool:
    if not isinstance(value, Scalar):
        return False
    v = value.value
    if isinstance(v, str):
        # Some operators pass the word on to an API that may ignore case: only a word that
        # matches no allowed one in any case is certainly wrong.
        return any(isinstance(a, str) and a.lower() == v.strip().lower() for a in allowed)
    return any(type(a) is type(v) and a == v for a in allowed)


def _expected_enum(allowed: list[Any]) -> str:
    shown = dict.fromkeys(f"`{_json_text(a)}`" for a in allowed)
    return "one of " + ", ".join(shown)


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _expected(types: list[str], schema: JsonMapping[str, Any]) -> str:
    fmt = schema.get("x-digdag-format")
    names = []
    for kind in types:
        if kind == "null":
            continue
        if kind == "string" and fmt in _FORMATS:
            names.append(_FORMATS[fmt])
        elif kind == "string" and "pattern" in schema:
            names.append("a string in the documented format")
        else:
            names.append(_NAMES.get(kind, kind))
    return " or ".join(dict.fromkeys(names))


def describe(node: Value) -> str:
    """How a message shows the offending value: `text` for scalars, else its kind."""
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    text = node.text.strip().splitlines()[0] if node.text.strip() else node.text
    if len(text) > 40:
        text = text[:37] + "..."
    return f"`{text}`"


def yaml11_boolean(node: Value) -> bool:
    """True for `yes`/`no`/`on`/`off`...: booleans in YAML 1.1, strings for Digdag."""
    return (
        isinstance(node, Scalar)
        and isinstance(node.value, str)
        and (node.value.lower() in _YAML11_BOOLEANS)
    )
