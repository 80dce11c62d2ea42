"""The safety net: a formatted text must load to the same data and keep every comment.

Run on every result of `format_text`: the output is composed again and compared with the
input for (1) the ordered Digdag data (`yamlload.to_data`), (2) the node shape (tags, anchors,
scalar styles, in document order) and (3) the list of comment texts. Any difference means a
formatter bug, and the caller gets a `FormatError` instead of a changed file.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from diglang.fmt.errors import FormatError, Unsupported
from diglang.fmt.text import split_props
from diglang.yamlload import compose, to_data


def check(before: str, before_root: Node | None, after: str) -> None:
    """Raise `FormatError` unless `after` means exactly what `before` means, with its comments.

    Raises `Unsupported` when the input's own data cannot be built (a recursive alias).
    """
    try:
        before_data = to_data(before_root)
    except RecursionError:
        raise Unsupported("recursive or too deeply nested data") from None
    after_root, error = compose(after)
    if error is not None:
        _fail(f"the result does not parse ({error.message})")
    try:
        same = same_data(before_data, to_data(after_root))
    except RecursionError:
        _fail("the data is nested too deeply to compare")
    if not same:
        _fail("the result loads to different data")
    if shape(before_root) != shape(after_root):
        _fail("the result has different tags, anchors or scalar styles")
    if comments(before, before_root) != comments(after, after_root):
        _fail("the result does not keep every comment in order")


def _fail(reason: str) -> NoReturn:
    raise FormatError(f"cannot format: internal check failed: {reason}; the file was not changed")


def same_data(a: Any, b: Any) -> bool:
    """Equality that respects mapping order and types (`1 != True`) and treats NaN as equal."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same_data(ka, kb) and same_data(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _walk(root: Node | None) -> list[Node]:
    """Every node once, in document order (aliased nodes are visited at their anchor)."""
    found: list[Node] = []
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        if isinstance(node, MappingNode):
            stack.extend(x for pair in reversed(node.value) for x in reversed(pair))
        elif not isinstance(node, ScalarNode):
            stack.extend(reversed(node.value))
    return found


def shape(root: Node | None) -> list[tuple[str, str, str | None, str | None]]:
    """Kind, tag, anchor and scalar style of every node, in document order."""
    return [
        (type(n).__name__, str(n.ctag), getattr(n, "anchor", None), getattr(n, "style", None))
        for n in _walk(root)
    ]


def comments(text: str, root: Node | None) -> list[str]:
    """Every comment of `text` (from `#`, right-stripped), skipping `#` inside scalars."""
    spans = sorted(_scalar_spans(text, root))
    found: list[str] = []
    k = 0
    i = text.find("#")
    while i >= 0:
        while k < len(spans) and spans[k][1] <= i:
            k += 1
        if k < len(spans) and spans[k][0] <= i:
            i = text.find("#", spans[k][1])
            continue
        if i > 0 and text[i - 1] not in " \t\n":
            i = text.find("#", i + 1)
            continue
        end = text.find("\n", i)
        end = len(text) if end < 0 else end
        found.append(text[i:end].rstrip(" \t"))
        i = text.find("#", end)
    return found


def _scalar_spans(text: str, root: Node | None) -> list[tuple[int, int]]:
    """Where scalar content lies; a block scalar's header line stays outside (it may hold a
    comment)."""
    spans = []
    for node in _walk(root):
        if not isinstance(node, ScalarNode):
            continue
        start, end = node.start_mark.index, node.end_mark.index
        content = split_props(text, start, end).content
        if node.style in ("|", ">"):
            newline = text.find("\n", content, end)
            content = end if newline < 0 else newline
        if content < end:
            spans.append((content, end))
    return spans
