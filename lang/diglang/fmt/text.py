"""Reading the source between nodes: comments, blank lines, indicators and node properties.

Everything the formatter keeps verbatim (scalars, flow collections) comes from the node spans
that ruamel gives us; what lies *between* those spans may only be whitespace, comments, the
`:`/`-` indicators and document markers. Anything else raises `Unsupported`, so an unexpected
construct leaves the file unchanged instead of being rewritten by guesswork.
"""

from __future__ import annotations

from dataclasses import dataclass

from diglang.fmt.errors import Unsupported

WS = " \t"
_BREAK_WS = " \t\n"


def column(text: str, index: int) -> int:
    """The 0-based column of `index` (characters since the last line break)."""
    return index - (text.rfind("\n", 0, index) + 1)


@dataclass(frozen=True, slots=True)
class Comment:
    """A full-line comment: its original column and its text (from `#`, right-stripped)."""

    col: int
    text: str


@dataclass(frozen=True, slots=True)
class Marker:
    """A document-level line kept at column 0: `---`, `...` or a `%` directive."""

    text: str


# One line of a gap: a comment, a marker, or None for a blank line.
GapLine = Comment | Marker | None


@dataclass(frozen=True, slots=True)
class Gap:
    """What a stretch of source between two nodes holds, line by line."""

    trailing: str | None  # a comment on the line where the stretch starts
    lines: tuple[GapLine, ...]  # the full lines that follow

    @property
    def has_comments(self) -> bool:
        """True if the stretch holds any comment."""
        return self.trailing is not None or any(isinstance(x, Comment) for x in self.lines)

    @property
    def is_empty(self) -> bool:
        """True if there is nothing to keep (whitespace only, on one line)."""
        return self.trailing is None and not self.lines


EMPTY_GAP = Gap(None, ())


def scan_gap(text: str, start: int, end: int, markers: bool = False) -> Gap:
    """Split `text[start:end]` into a trailing comment plus blank/comment/marker lines."""
    if start >= end:
        return EMPTY_GAP
    segments = text[start:end].split("\n")
    trailing = None
    if start > 0:  # the stretch begins right after a node, on that node's line
        trailing = _trailing(segments.pop(0))
        if not segments:
            return Gap(trailing, ())
    lines = [_full_line(segment, markers) for segment in segments[:-1]]
    if segments[-1].strip(WS):
        if end != len(text):
            raise Unsupported("unexpected text before a node")
        lines.append(_full_line(segments[-1], markers))
    return Gap(trailing, tuple(lines))


def _trailing(segment: str) -> str | None:
    body = segment.lstrip(WS)
    if not body:
        return None
    if body[0] != "#" or body == segment:
        raise Unsupported("unexpected text after a node")
    return body.rstrip(WS)


def _full_line(segment: str, markers: bool) -> GapLine:
    body = segment.lstrip(WS)
    if not body:
        return None
    if body[0] == "#":
        return Comment(len(segment) - len(body), body.rstrip(WS))
    if markers and body == segment:
        return _marker(body)
    raise Unsupported("unexpected text between nodes")


def _marker(line: str) -> Marker:
    if line.startswith("%"):
        return Marker(line.rstrip(WS))
    head, rest = line[:3], line[3:]
    if head not in ("---", "...") or (rest and rest[0] not in WS):
        raise Unsupported("unexpected document-level text")
    rest = rest.strip(WS)
    if rest and not rest.startswith("#"):
        raise Unsupported("content on a document marker line")
    return Marker(f"{head} {rest}" if rest else head)


def find_indicator(text: str, start: int, end: int, char: str) -> int:
    """The offset of the single `char` indicator (`:` or `-`) in `text[start:end]`."""
    found = -1
    i = start
    while i < end:
        c = text[i]
        if c in _BREAK_WS:
            i += 1
        elif c == "#":
            i = _line_end(text, i, end)
        elif c == char and found < 0 and (i + 1 == len(text) or text[i + 1] in _BREAK_WS):
            found = i
            i += 1
        else:
            raise Unsupported(f"unexpected `{c}` where `{char}` was expected")
    if found < 0:
        raise Unsupported(f"no `{char}` indicator found")
    return found


def find_alias(text: str, start: int, name: str) -> tuple[int, int]:
    """The span of the next `*name` after `start`, skipping whitespace, comments, `:` and `-`."""
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c in _BREAK_WS:
            i += 1
        elif c == "#":
            i = _line_end(text, i, n)
        elif c in ":-" and (i + 1 == n or text[i + 1] in _BREAK_WS):
            i += 1
        elif text.startswith("*" + name, i):
            end = i + 1 + len(name)
            if end < n and text[end] not in _BREAK_WS:
                raise Unsupported("alias followed by unexpected text")
            return i, end
        else:
            break
    raise Unsupported(f"alias `*{name}` not found")


def _line_end(text: str, i: int, limit: int) -> int:
    end = text.find("\n", i, limit)
    return limit if end < 0 else end


@dataclass(frozen=True, slots=True)
class Props:
    """A node's anchor/tag properties as written, and where its content begins."""

    text: str  # the property tokens joined by one space ('' if none)
    end: int  # end of the last property token (the node start if none)
    content: int  # first character of the content
    commented: bool  # a comment sits between the properties and the content


def split_props(text: str, start: int, end: int) -> Props:
    """Find the `&anchor`/`!tag` tokens that open the node at `text[start:end]`."""
    tokens: list[str] = []
    last = start
    commented = False
    i = start
    while True:
        j = i
        while j < end and text[j] in _BREAK_WS:
            j += 1
        if tokens and j < end and text[j] == "#":
            commented = True
            i = _line_end(text, j, end)
            continue
        if j < end and text[j] in "&!":
            k = j
            while k < end and text[k] not in _BREAK_WS:
                k += 1
            tokens.append(text[j:k])
            last = i = k
            continue
        return Props(" ".join(tokens), last, j if tokens else start, commented)


def rstrip_line(line: str) -> str:
    """Drop trailing blanks, unless a backslash before them might escape one (`"a\\ `)."""
    stripped = line.rstrip(WS)
    if stripped.endswith("\\") and len(stripped) < len(line):
        return line
    return stripped
