"""Source text, character spans and the line index that converts offsets at the edges."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from diglang.perf import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of character offsets into a `Source.text`."""

    start: int
    end: int

    def shift(self, delta: int) -> Span:
        """Return this span moved by `delta` characters."""
        return Span(self.start + delta, self.end + delta)

    def contains(self, offset: int) -> bool:
        """True when `offset` lies inside the span (end inclusive, for cursors)."""
        return self.start <= offset <= self.end

    def cover(self, other: Span) -> Span:
        """The smallest span covering both spans."""
        return Span(min(self.start, other.start), max(self.end, other.end))


@fast_init
@dataclass(frozen=True, slots=True)
class Position:
    """A 0-based line and 0-based character column."""

    line: int
    column: int


@dataclass(eq=False)
class LineIndex:
    """Converts character offsets to (line, column) and to UTF-16 columns for the LSP."""

    text: str = field(repr=False)
    _starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        text = self.text
        find = text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts

    def line_start(self, line: int) -> int:
        """Offset of the first character of 0-based `line`."""
        return self._starts[max(0, min(line, len(self._starts) - 1))]

    def line_end(self, line: int) -> int:
        """Offset of the end of 0-based `line`, excluding its newline."""
        if line + 1 < len(self._starts):
            end = self._starts[line + 1] - 1
            if end > 0 and self.text[end - 1] == "\r":
                end -= 1
            return end
        return len(self.text)

    def position(self, offset: int) -> Position:
        """0-based line and character column of `offset` (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        return Position(line, offset - self._starts[line])

    def offset(self, line: int, column: int) -> int:
        """Offset of a 0-based (line, column), clamped to the line."""
        if line >= len(self._starts):
            return len(self.text)
        start = self._starts[max(line, 0)]
        return min(start + max(column, 0), self.line_end(max(line, 0)))

    def utf16_position(self, offset: int) -> Position:
        """Line and UTF-16 code-unit column of `offset`, as the LSP counts them."""
        pos = self.position(offset)
        prefix = self.text[self._starts[pos.line] : self._starts[pos.line] + pos.column]
        return Position(pos.line, len(prefix.encode("utf-16-le")) // 2)

    def offset_from_utf16(self, line: int, column16: int) -> int:
        """Offset of an LSP (line, UTF-16 column) position."""
        if line >= len(self._starts):
            return len(self.text)
        start = self._starts[max(line, 0)]
        end = self.line_end(max(line, 0))
        units = 0
        i = start
        while i < end and units < column16:
            units += 2 if ord(self.text[i]) > 0xFFFF else 1
            i += 1
        return i


@dataclass(eq=False)
class Source:
    """A file's path (or None for unsaved text) and its full text."""

    path: str | None
    text: str = field(repr=False)
    _index: LineIndex | None = field(default=None, init=False, repr=False)

    @property
    def index(self) -> LineIndex:
        """The lazily built line index of the text."""
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index

    def slice(self, span: Span) -> str:
        """The text covered by `span`."""
        return self.text[span.start : span.end]
