"""Flow collections (`{a: 1, b: [x, y`) left open on the cursor's line: the innermost one,
whether a key or a value is being written in it, and the keys it already has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diglsp.locate.context import Kind
from diglsp.locate.lines import quote_end, unquote


@dataclass
class Flow:
    """The innermost open flow collection: the path inside it and what is being written."""

    path: tuple[str, ...]
    kind: Kind
    key: str | None
    token: int  # index in the segment where the current token starts
    siblings: tuple[str, ...]
    sequence: bool
    quote: str | None


def scan_flow(segment: str) -> Flow | None:
    """The innermost flow collection open at the end of `segment` (which starts with it)."""

    @dataclass
    class Frame:
        mapping: bool
        key: str | None = None
        expect_key: bool = True
        token: int = 0
        keys: list[str] = field(default_factory=list)

    stack: list[Frame] = []
    i = 0
    quote: str | None = None
    while i < len(segment):
        c = segment[i]
        if c in "'\"" and stack and not segment[stack[-1].token : i].strip():
            end = quote_end(segment, i)
            if end < 0:
                quote = c
                break
            i = end + 1
            continue
        if c in "{[":
            if stack and stack[-1].mapping and stack[-1].expect_key:
                pass
            stack.append(Frame(c == "{", token=i + 1))
        elif c in "}]":
            if stack:
                stack.pop()
            if not stack:
                return None
        elif c == "," and stack:
            top = stack[-1]
            if top.mapping:
                if top.expect_key:
                    word = segment[top.token : i].strip()
                    if word:
                        top.keys.append(unquote(word))
                top.key, top.expect_key = None, True
            top.token = i + 1
        elif c == ":" and stack and stack[-1].mapping and stack[-1].expect_key:
            nxt = segment[i + 1 : i + 2]
            if nxt in ("", " ", "\t", ",", "}", "]"):
                top = stack[-1]
                top.key = unquote(segment[top.token : i].strip())
                top.keys.append(top.key)
                top.expect_key = False
                top.token = i + 1
        i += 1
    if not stack:
        return None
    path: list[str] = []
    for frame in stack[:-1]:
        path.append(frame.key or "" if frame.mapping else "-")
    top = stack[-1]
    token = top.token
    while token < len(segment) and segment[token] in " \t":
        token += 1
    if quote is not None:
        token += 1
    if top.mapping and top.expect_key:
        return Flow(tuple(path), "key", None, token, tuple(top.keys), False, quote)
    if top.mapping:
        others = tuple(k for k in top.keys if k != top.key)
        return Flow(tuple(path), "value", top.key, token, others, False, quote)
    parent = stack[-2].key if len(stack) > 1 and stack[-2].mapping else None
    return Flow(tuple(path[:-1]), "value", parent, token, (), True, quote)
