"""The YAML layer: compose text with Digdag's scalar rules and report YAML errors as diagnostics.

Digdag loads `.dig` files with SnakeYAML (YAML 1.1) and its own resolver: only `true/True/
false/False` are booleans, there are no timestamps and no sexagesimal integers, and a float may
not start with `0`. We compose with ruamel.yaml, tag every plain scalar as `PLAIN_TAG` and type
it ourselves with `resolve_plain`, so the result is exactly what Digdag would load.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

try:  # ruamel's libyaml-based composer (the `fast` extra): ~15x faster, same node graph
    from ruamel.yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the installation
    _CParser = None

PLAIN_TAG = "tag:digkit:plain"
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
MERGE_TAG = "tag:yaml.org,2002:merge"
INCLUDE_TAG = "!include"
STANDARD_TAG_PREFIX = "tag:yaml.org,2002:"

# Singletons, so hot paths compare tags by identity.
PLAIN = Tag(suffix=PLAIN_TAG)
STR = Tag(suffix=STR_TAG)
SEQ = Tag(suffix=SEQ_TAG)
MAP = Tag(suffix=MAP_TAG)
MERGE = Tag(suffix=MERGE_TAG)

Scalar = str | int | float | bool | None

_INT = re.compile(r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[1-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "false": False, "False": False}
_INT_FIRST = frozenset("-+0123456789")
_FLOAT_FIRST = frozenset("-+0123456789.")


def _to_int(text: str) -> int:
    text = text.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    if text[:1] in "+-":
        text = text[1:]
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if len(text) > 1 and text.startswith("0"):
        return sign * int(text[1:], 8)
    return sign * int(text)


def _to_float(text: str) -> float:
    text = text.replace("_", "").lower()
    sign = -1.0 if text.startswith("-") else 1.0
    if text[:1] in "+-":
        text = text[1:]
    if text == ".inf":
        return sign * float("inf")
    if text == ".nan":
        return float("nan")
    if ":" in text:
        value = 0.0
        for part in text.split(":"):
            value = value * 60 + float(part)
        return sign * value
    return sign * float(text)


def resolve_plain(text: str) -> Scalar:
    """Type a plain (unquoted, untagged) scalar exactly as Digdag's YAML resolver does."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "TtFf":
        found = _BOOLS.get(text)
        if found is not None:
            return found
    if first in _INT_FIRST and _INT.fullmatch(text):
        return _to_int(text)
    if first in _FLOAT_FIRST and _FLOAT.fullmatch(text):
        return _to_float(text)
    return text


def plain_kind(text: str) -> str:
    """The Digdag type name of a plain scalar: null, bool, int, float or str."""
    value = resolve_plain(text)
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float"}.get(type(value), "str")


class DigdagResolver(VersionedResolver):
    """Marks plain scalars instead of typing them; `resolve_plain` types them later."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            if implicit[0]:
                return MERGE if value == "<<" else PLAIN
            return STR
        if kind is SequenceNode:
            return SEQ
        return MAP


if _CParser is not None:

    class _FastLoader(_CParser, DigdagResolver):  # type: ignore[misc]
        """libyaml's composer with Digdag's resolver."""

        def __init__(self, text: str) -> None:
            _CParser.__init__(self, text)
            DigdagResolver.__init__(self, version=(1, 1))


def _make_yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.Resolver = DigdagResolver
    yaml.version = (1, 1)  # Digdag's SnakeYAML speaks YAML 1.1
    return yaml


@dataclass(frozen=True, slots=True)
class YamlError:
    """A YAML syntax error at a character offset of the text."""

    offset: int
    message: str
    end: int | None = None


# Deeper documents go to the pure composer: the C one recurses on the C stack.
_DEEP = re.compile(r"\n {1000}")
_MAX_FLOW_BRACKETS = 1000  # flow collections (`${` of templates does not count)


_BROKEN = True  # what `_compose_fast` returns for text the C composer rejects


def _compose_fast(text: str) -> Node | bool | None:
    """The C composer's graph; False when it is unavailable or declines the text (too deep),
    `_BROKEN` when it finds the text is not valid YAML."""
    if _CParser is None or _DEEP.search(text):
        return False
    if text.count("[") + text.count("{") - text.count("${") > _MAX_FLOW_BRACKETS:
        return False
    loader = _FastLoader(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node: Node | None = loader.get_single_node()
    except Exception:  # the pure composer will explain the problem in its own words
        return _BROKEN
    finally:
        loader.dispose()
    return node


def compose(
    text: str, *, fast: bool = False, explain: bool = True
) -> tuple[Node | None, YamlError | None]:
    """Compose `text` into a ruamel node graph; never raises on user input.

    With `fast`, the C composer is tried first; its graph is the pure one's except that an
    empty value (`key:`) is placed right after its key instead of at the next token. When it
    rejects the text, the pure composer runs to say where and why, unless `explain` is False:
    then the error has no position or message (for callers that only need to know).
    """
    bad = _binary_offset(text)
    if bad is not None:
        return None, YamlError(bad, "file is not text: it contains control characters")
    if fast:
        found = _compose_fast(text)
        if found is _BROKEN and not explain:
            return None, YamlError(0, "")
        if found is not False and found is not _BROKEN:
            return found, None  # type: ignore[return-value]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # reused anchors are valid YAML
            # a new composer each time: one that raised may keep state (an open block)
            node = _make_yaml().compose(text)
    except MarkedYAMLError as exc:
        return None, _marked_error(text, exc)
    except YAMLError as exc:
        return None, YamlError(getattr(exc, "position", 0) or 0, _clean(str(exc)))
    except RecursionError:
        return None, YamlError(0, "the document is nested too deeply to load")
    return node, None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _binary_offset(text: str) -> int | None:
    match = _CONTROL.search(text)
    return match.start() if match else None


def _marked_error(text: str, exc: MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    offset = mark.index if mark is not None else 0
    problem = exc.problem or exc.context or "invalid YAML"
    message = _clean(problem)
    if exc.context and exc.problem:
        context = _clean(exc.context)
        if message.startswith("but "):
            message = f"{context}, {message}"
        else:
            message = f"{message} ({context})"
    if offset > 0 and text[offset - 1 : offset + 1] == "${" and "flow" in message:
        message += '; quote values that contain `${...}` inside `{...}` or `[...]`: `"${x}"`'
    if "`\\t`" in message:
        message = message.replace("character `\\t`", "a tab") + "; indent with spaces"
    return YamlError(min(offset, len(text)), message)


_QUOTED = re.compile(r"'([^']*)'")


def _clean(message: str) -> str:
    """Turn ruamel's wording into our style: lowercase, backticks around offending text."""
    message = message.strip().splitlines()[0] if message.strip() else "invalid YAML"
    message = _QUOTED.sub(lambda m: f"`{m.group(1)}`", message)
    return message[:1].lower() + message[1:]


def scalar_value(node: ScalarNode) -> Scalar:
    """The Digdag-typed value of a scalar node."""
    ctag = node.ctag
    if ctag is PLAIN:
        return resolve_plain(node.value)
    if ctag is STR:
        return str(node.value)
    tag = tag_name(node)
    if tag == "tag:yaml.org,2002:int":
        return _to_int(node.value)
    if tag == "tag:yaml.org,2002:float":
        return _to_float(node.value)
    if tag == "tag:yaml.org,2002:bool":
        return _BOOLS.get(node.value, node.value.lower() in ("true", "yes", "on", "y"))
    if tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


def tag_name(node: Node) -> str:
    """The node's resolved tag as text (`!include`, `tag:yaml.org,2002:str`, ...)."""
    return str(node.ctag)


def is_include_key(node: Node) -> bool:
    """True for the key of an `!include : file` entry."""
    return isinstance(node, ScalarNode) and node.ctag is not PLAIN and str(node.ctag) == INCLUDE_TAG


@dataclass(frozen=True, slots=True)
class IncludeKey:
    """An `!include` key in plain data (several may appear in one mapping)."""

    index: int


def to_data(node: Node | None) -> Any:
    """Plain ordered data as Digdag loads it, before includes: dicts keep key order.

    `!include` keys become `IncludeKey(n)` so several of them survive in one dict.
    """
    if node is None:
        return None
    if isinstance(node, ScalarNode):
        return scalar_value(node)
    if isinstance(node, SequenceNode):
        return [to_data(item) for item in node.value]
    assert isinstance(node, MappingNode)
    result: dict[Any, Any] = {}
    for i, (key, value) in enumerate(node.value):
        if is_include_key(key):
            result[IncludeKey(i)] = to_data(value)
        elif key.ctag is MERGE:
            result[("<<", i)] = to_data(value)
        else:
            k = to_data(key)
            result[k if not isinstance(k, (list, dict)) else repr(k)] = to_data(value)
    return result
