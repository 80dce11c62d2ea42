"""The lines of a document read without a YAML parser, for text that is being typed.

Each line gives its indentation, `- ` markers, key (unquoted), colon, value and comment, even
when the YAML around it does not parse. A snapshot's lines are parsed on demand, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diglsp.workspace import Snapshot

INCLUDE_TAG = "!include"

_KEY = re.compile(
    r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\[\]{}|>][^#]*?)[ \t]*:(?=[ \t]|$)"""
)

_TOP_KEY = re.compile(
    r"""^("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s#'"\[\]{}|>\-][^#\n]*?)[ \t]*:(?=[ \t\r]|$)""",
    re.M,
)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of YAML, read without a parser."""

    text: str
    indent: int  # leading spaces
    content: int  # column after the indentation and `- ` markers
    dash: bool  # starts a sequence item
    key: str | None  # the key, unquoted
    key_start: int
    key_end: int
    colon: int  # column of the key's `:`, -1 without key
    value: int  # column where the value starts
    value_text: str  # the value up to a comment, stripped
    blank: bool  # empty or comment only


def parse_line(text: str) -> Line:
    """Read one line of YAML: indentation, `- ` markers, key, colon and value."""
    stripped = text.lstrip(" ")
    indent = len(text) - len(stripped)
    blank = not stripped.strip() or stripped.startswith("#")
    content = indent
    dash = False
    while content < len(text) and text[content] == "-":
        nxt = text[content + 1 : content + 2]
        if nxt not in ("", " ", "\t"):
            break
        dash = True
        content += 1
        while content < len(text) and text[content] in " \t":
            content += 1
    key: str | None = None
    key_start = key_end = content
    colon = -1
    value = len(text)
    value_text = ""
    if not blank:
        m = _KEY.match(text, content)
        if m is not None:
            raw = m.group(1)
            key = unquote(raw.rstrip())
            key_start = content
            key_end = content + len(raw.rstrip())
            colon = m.end() - 1
            value = colon + 1
            while value < len(text) and text[value] in " \t":
                value += 1
            rest = text[value:]
            cut = comment_start(rest)
            value_text = (rest if cut < 0 else rest[:cut]).strip()
    return Line(
        text, indent, content, dash, key, key_start, key_end, colon, value, value_text, blank
    )


def unquote(raw: str) -> str:
    """A key as YAML reads it: without its quotes, escaped quotes unescaped."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        return inner.replace("''", "'") if raw[0] == "'" else inner.replace('\\"', '"')
    return raw


def comment_start(value: str) -> int:
    """Column of a `#` comment in a value, or -1 (a quoted scalar is skipped first)."""
    i = 0
    if value[:1] in ("'", '"'):
        end = quote_end(value, 0)
        if end < 0:
            return -1
        i = end + 1
    while True:
        j = value.find("#", i)
        if j < 0:
            return -1
        if j == 0 or value[j - 1] in " \t":
            return j
        i = j + 1


def quote_end(text: str, start: int) -> int:
    """Index of the quote closing the one at `start`, or -1."""
    q = text[start]
    i = start + 1
    while i < len(text):
        c = text[i]
        if q == '"' and c == "\\":
            i += 2
            continue
        if c == q:
            if q == "'" and text[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return -1


def line_comment(line: Line) -> int:
    """Column where a comment starts on a line, or -1."""
    text = line.text
    if line.blank:
        stripped = text.lstrip(" ")
        return len(text) - len(stripped) if stripped.startswith("#") else -1
    if line.key is not None:
        cut = comment_start(text[line.value :])
        return line.value + cut if cut >= 0 else -1
    cut = comment_start(text[line.content :])
    return line.content + cut if cut >= 0 else -1


def word_start(segment: str) -> int:
    """Index where the last whitespace-separated word of `segment` starts."""
    i = len(segment)
    while i > 0 and not segment[i - 1].isspace():
        i -= 1
    return i


class Lines:
    """The snapshot's lines, parsed on demand (cached per snapshot)."""

    def __init__(self, snap: Snapshot) -> None:
        self.text = snap.text
        self.index = snap.source.index
        self.count = self.index.position(len(self.text)).line + 1
        self._raw: dict[int, str] = {}
        self._parsed: dict[int, Line] = {}
        self._top: list[tuple[int, str]] | None = None

    def raw(self, n: int) -> str:
        found = self._raw.get(n)
        if found is None:
            found = self.text[self.index.line_start(n) : self.index.line_end(n)]
            self._raw[n] = found
        return found

    def indent(self, n: int) -> int:
        raw = self.raw(n)
        return len(raw) - len(raw.lstrip(" "))

    def is_blank(self, n: int) -> bool:
        stripped = self.raw(n).strip()
        return not stripped or stripped.startswith("#")

    def get(self, n: int) -> Line:
        found = self._parsed.get(n)
        if found is None:
            found = self._parsed[n] = parse_line(self.raw(n))
        return found

    def start(self, n: int) -> int:
        return self.index.line_start(n)

    def top_keys(self, skip: int) -> list[str]:
        """Keys written at column 0, except on line `skip` (a regex pass over the text)."""
        if self._top is None:
            self._top = [
                (m.start(), unquote(m.group(1).rstrip())) for m in _TOP_KEY.finditer(self.text)
            ]
        start, end = self.index.line_start(skip), self.index.line_end(skip)
        return [key for at, key in self._top if not start <= at <= end]


def lines_of(snap: Snapshot) -> Lines:
    """The snapshot's `Lines` (made once per snapshot)."""
    found = snap.memo.get("locate.lines")
    if isinstance(found, Lines):
        return found
    lines = Lines(snap)
    snap.memo["locate.lines"] = lines
    return lines
