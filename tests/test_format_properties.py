"""Property test: random, messily laid out documents keep their meaning and comments.

Documents are generated as text (not dumped by a YAML library) so the layout is as untidy as
real files: indentation widths 2–4 that vary per block, indentless sequences, compact `- k: v`
items, tricky scalars (`10:00:00`, `0.5`, `yes`, `0123`, `~`, `${x}`, `#`/`:` inside quotes),
block scalars, multi-line plain scalars and flow collections, anchors and aliases, `!include`
keys, extra blank lines, blank lines with spaces, trailing spaces and comments at any column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_format_invariants import assert_formats_well

from diglang.yamlload import compose

pytestmark = pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")

Draw = Callable[[st.SearchStrategy[Any]], Any]

KEYS = st.one_of(
    st.sampled_from(["+task", "+step_1", "_export", "sh>", "td>", "_do", "for_each>", "日本"]),
    st.from_regex(r"\+?[a-z][a-z0-9_]{0,6}", fullmatch=True),
    st.sampled_from(["'quoted key'", '"double: key"', "key with space", "10:00"]),
)
WORD = st.from_regex(r"[a-z0-9$][a-z0-9 _./${}-]{0,10}[a-z0-9}]", fullmatch=True)
TRICKY = st.sampled_from(
    [
        "10:00:00", "0.5", "yes", "0123", "08", "~", "${x}", "a#b", "http://x:80/p", "1_000",
        "-1", ".inf", ".nan", "True", "TRUE", "null", "2016-01-01", "'quoted: # not comment'",
        '"dq # x"', "'it''s'", '"esc\\t\\"q\\""', "!!str 12", "''", '""', "[a, b]",
        "{a: 1, b: [2, 3]}", "[]", "{}", "é ü", "-dash", "a - b",
    ]
)  # fmt: skip
FLOW_WORD = st.from_regex(r"[a-z0-9$][a-z0-9 _./$-]{0,10}[a-z0-9]", fullmatch=True)
COMMENT = st.from_regex(r"#[ a-z0-9:#'\"é-]{0,12}", fullmatch=True)


class Writer:
    """Builds one random document line by line."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw
        self.lines: list[str] = []
        self.anchors: list[str] = []

    def step(self) -> int:
        return int(self.draw(st.integers(2, 4)))

    def extras(self, col: int) -> None:
        for _ in range(self.draw(st.integers(0, 2))):
            kind = self.draw(st.sampled_from(["blank", "spaces", "comment", "comment"]))
            if kind == "blank":
                self.lines.append("")
            elif kind == "spaces":
                self.lines.append(" " * self.draw(st.integers(1, 6)))
            else:
                pad = " " * self.draw(st.integers(0, col + 6))
                self.lines.append(pad + self.draw(COMMENT))

    def tail(self) -> str:
        spaces = " " * self.draw(st.integers(0, 2))
        if self.draw(st.booleans()):
            return spaces
        return " " * self.draw(st.integers(1, 3)) + self.draw(COMMENT)

    def scalar(self) -> str:
        kind = self.draw(st.sampled_from(["word", "tricky", "tricky", "anchor", "alias"]))
        if kind == "word":
            return str(self.draw(WORD))
        if kind == "anchor":
            name = f"a{len(self.anchors)}"
            self.anchors.append(name)
            return f"&{name} {self.draw(WORD)}"
        if kind == "alias" and self.anchors:
            return "*" + self.draw(st.sampled_from(self.anchors))
        return str(self.draw(TRICKY))

    def mapping(self, col: int, depth: int, first_inline: bool = False) -> None:
        count = self.draw(st.integers(1, 4))
        keys = self.draw(st.lists(KEYS, min_size=count, max_size=count, unique=True))
        for i, key in enumerate(keys):
            if not (first_inline and i == 0):
                self.extras(col)
            self.entry(" " * col, key, col, depth)

    def entry(self, pad: str, key: str, col: int, depth: int) -> None:
        kinds = ["scalar", "scalar", "null", "block", "multi", "include"]
        if depth < 3:
            kinds += ["map", "map", "seq", "seq"]
        kind = self.draw(st.sampled_from(kinds))
        sep = self.draw(st.sampled_from([": ", ":   ", " : "]))
        if kind == "scalar":
            self.lines.append(f"{pad}{key}{sep}{self.scalar()}{self.tail()}")
        elif kind == "include":
            self.lines.append(f"{pad}!include{self.draw(st.sampled_from([' : ', '   :  ']))}x.dig")
        elif kind == "null":
            self.lines.append(f"{pad}{key}:{self.tail()}")
        elif kind == "block":
            self.block_scalar(f"{pad}{key}{sep}", col)
        elif kind == "multi":
            self.multi_line(f"{pad}{key}{sep}", col)
        else:
            self.lines.append(f"{pad}{key}:{self.props(kind)}{self.tail()}")
            if kind == "map":
                self.mapping(col + self.step(), depth + 1)
            else:
                self.sequence(col + self.draw(st.sampled_from([0, self.step()])), depth + 1)

    def props(self, kind: str) -> str:
        """Optional anchor/tag of a block collection (`key: &a`, `key: !!map`)."""
        choice = self.draw(st.sampled_from(["", "", "", "anchor", "tag", "both"]))
        if not choice:
            return ""
        name = f"m{len(self.lines)}"  # not aliased: an alias inside its own anchor is recursive
        tag = "!!map" if kind == "map" else "!!seq"
        return {"anchor": f" &{name}", "tag": f" {tag}", "both": f" &{name} {tag}"}[choice]

    def sequence(self, col: int, depth: int, first_inline: bool = False) -> None:
        for i in range(self.draw(st.integers(1, 3))):
            if not (first_inline and i == 0):
                self.extras(col)
            kind = self.draw(st.sampled_from(["scalar", "scalar", "null", "map", "map", "seq"]))
            if kind in ("map", "seq") and depth < 3:
                self.nested_item(col, depth, kind)
            elif kind == "null":
                self.lines.append(" " * col + "-" + self.tail())
            else:
                gap = " " * self.draw(st.integers(1, 3))
                self.lines.append(" " * col + "-" + gap + self.scalar() + self.tail())

    def nested_item(self, col: int, depth: int, kind: str) -> None:
        compact = self.draw(st.booleans())
        if compact:
            inner = col + 1 + self.draw(st.integers(1, 3))
            start = len(self.lines)
        else:
            self.lines.append(" " * col + "-" + self.tail())
            inner = col + self.step()
        if kind == "map":
            self.mapping(inner, depth + 1, first_inline=compact)
        else:
            self.sequence(inner, depth + 1, first_inline=compact)
        if compact:
            line = self.lines[start]
            self.lines[start] = " " * col + "-" + " " * (inner - col - 1) + line[inner:]

    def block_scalar(self, head: str, col: int) -> None:
        style = self.draw(st.sampled_from(["|", "|-", "|+", ">", ">-", ">+", "|2", ">1-"]))
        digits = [int(c) for c in style if c.isdigit()]
        base = col + (digits[0] if digits else self.step())
        self.lines.append(head + style + self.tail())
        for i in range(self.draw(st.integers(1, 4))):
            kind = self.draw(st.sampled_from(["text", "text", "deeper", "blank", "spaces"]))
            if i == 0 and not digits:
                kind = "text"
            if kind in ("text", "deeper"):
                extra = 2 if kind == "deeper" else 0
                self.lines.append(" " * (base + extra) + self.draw(WORD) + " " * (i % 2))
            elif kind == "blank":
                self.lines.append("")
            else:
                self.lines.append(" " * self.draw(st.integers(0, base + 2)))

    def multi_line(self, head: str, col: int) -> None:
        kind = self.draw(st.sampled_from(["plain", "single", "double", "flow"]))
        first, last = {"plain": ("", ""), "single": ("'", "'"), "double": ('"', '"')}.get(
            kind, ("[", "]")
        )
        parts = self.draw(st.lists(FLOW_WORD if kind == "flow" else WORD, min_size=2, max_size=3))
        joiner = ", " if kind == "flow" else ""
        self.lines.append(f"{head}{first}{parts[0]}{',' if kind == 'flow' else ''}")
        for part in parts[1:-1]:
            self.lines.append(" " * (col + self.step()) + part + joiner.rstrip())
        self.lines.append(" " * (col + self.step() + 1) + parts[-1] + last + self.tail())


@st.composite
def documents(draw: Draw) -> str:
    """A random, untidy but mostly valid `.dig`-like document."""
    writer = Writer(draw)
    writer.extras(0)
    head = draw(st.sampled_from(["", "", "---", "--- # doc", "%YAML 1.1\n---"]))
    if head:
        writer.lines.append(head)
    writer.mapping(draw(st.sampled_from([0, 0, 0, 2])), 0)
    writer.extras(0)
    if draw(st.integers(0, 5)) == 0:
        writer.lines.append("...")
    ending = draw(st.sampled_from(["\n", "", "\n\n", "\n  \n"]))
    return "\n".join(writer.lines) + ending


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_random_documents_keep_meaning_and_comments(text: str) -> None:
    _root, error = compose(text)
    assume(error is None)
    assert_formats_well(text)
