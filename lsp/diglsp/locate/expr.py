"""The `${...}` being typed in a value: where it opens, the name being written, and the
member chain before a dot (`td.`, `moment().add(1, 'd').`), for completion and hover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diglang.expr.template import closing_brace, open_placeholder

IDENT_TAIL = re.compile(r"[A-Za-z_$][\w$]*$")


@dataclass(frozen=True, slots=True)
class ExprContext:
    """An open `${...}` at the cursor.

    `text` is the expression text from after `${` to the cursor; `prefix` the identifier
    being typed (from `prefix_start` to the cursor, possibly empty); `receiver` the member
    chain before a dot, one string per segment with `()` for calls and `[]` for indexing
    (`td.last_` → `("td",)`, `moment(x).add(1, 'd').` → `("moment()", "add()")`), empty
    for a bare name.
    """

    start: int
    text: str
    prefix: str
    prefix_start: int
    receiver: tuple[str, ...] = ()
    closed: bool = False  # a `}` closes the expression later on the line
    in_string: bool = False  # the cursor is inside a JavaScript string literal


def open_expr(segment: str) -> int | None:
    """Index of the `${` left open at the end of `segment` (Digdag's extended scanner)."""
    found = open_placeholder(segment)
    return found if found >= 0 else None


def _in_js_string(text: str) -> bool:
    quote: str | None = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote is not None:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        i += 1
    return quote is not None


def receiver_of(text: str, dot: int) -> tuple[str, ...] | None:
    """The member chain ending with the `.` at `text[dot]`, outermost first."""
    segments: list[str] = []
    i = dot
    while True:
        i -= 1
        while i >= 0 and text[i] in " \t":
            i -= 1
        if i < 0:
            return None
        c = text[i]
        suffix = ""
        if c in ")]":
            opener = "(" if c == ")" else "["
            j = _matching_open(text, i, opener, c)
            if j is None:
                return None
            suffix = "()" if c == ")" else "[]"
            i = j - 1
            while i >= 0 and text[i] in " \t":
                i -= 1
        elif c in "'\"":
            j = text.rfind(c, 0, i)
            if j < 0:
                return None
            segments.append('""')
            i = j
            break
        m = IDENT_TAIL.search(text, 0, i + 1) if i >= 0 else None
        if m is None or m.end() != i + 1:
            if not suffix:
                return None
            segments.append(suffix)
            i += 1
            break
        name = m.group()
        if name[0].isdigit():
            return None
        segments.append(name + suffix)
        i = m.start()
        j = i - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j >= 0 and text[j] == ".":
            i = j
            continue
        break
    return tuple(reversed(segments))


def _matching_open(text: str, close: int, opener: str, closer: str) -> int | None:
    depth = 0
    i = close
    while i >= 0:
        c = text[i]
        if c == closer:
            depth += 1
        elif c == opener:
            depth -= 1
            if depth == 0:
                return i
        i -= 1
    return None


def expr_context(segment: str, seg_start: int, rest_of_line: str) -> ExprContext | None:
    """The open `${...}` at the end of `segment` (which starts at `seg_start`), if any."""
    j = open_expr(segment)
    if j is None:
        return None
    start = seg_start + j + 2
    text = segment[j + 2 :]
    m = IDENT_TAIL.search(text)
    prefix = m.group() if m is not None and not m.group()[0].isdigit() else ""
    before = len(text) - len(prefix)
    receiver: tuple[str, ...] = ()
    k = before - 1
    while k >= 0 and text[k] in " \t":
        k -= 1
    if k >= 0 and text[k] == ".":
        found = receiver_of(text, k)
        receiver = found if found is not None else ("?",)
    return ExprContext(
        start=start,
        text=text,
        prefix=prefix,
        prefix_start=seg_start + j + 2 + before,
        receiver=receiver,
        closed=closing_brace(text + rest_of_line, 0) >= 0,
        in_string=_in_js_string(text),
    )
