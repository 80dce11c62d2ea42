"""Digdag's extended template scanner: split a string into literal text and `${…}` parts.

This reproduces `js/digdag.js#template` with `eval.extended-syntax` on (the default):

1. find the next `${` that is not immediately followed by `[a-z]+:` (so `${secret:…}` stays
   literal text, but scanning goes on inside it);
2. literal text is emitted with every `$$` replaced by `$`;
3. from after `${`, `{` counts +1 and `}` counts -1 with no awareness of quotes; the
   expression ends at the `}` that brings the count to -1; without one, the rest of the
   string from `${` is literal;
4. `${}` is an empty placeholder (Digdag emits nothing for it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diglang.perf import fast_init

__all__ = [
    "Literal",
    "Part",
    "Placeholder",
    "SecretRef",
    "closing_brace",
    "has_template",
    "open_placeholder",
    "scan_template",
    "secret_references",
]

_PREFIXED = re.compile(r"[a-z]+:")
_SECRET = re.compile(r"\$\{secret:([^{}]*)\}")


@fast_init
@dataclass(frozen=True, slots=True)
class Literal:
    """Literal text; `value` has `$$` replaced by `$`, `start`/`end` cover the raw text."""

    value: str
    start: int
    end: int


@fast_init
@dataclass(frozen=True, slots=True)
class Placeholder:
    """A `${expr}` placeholder: `start` is the `$`, `end` is after the `}`."""

    expr: str
    start: int
    end: int

    @property
    def expr_start(self) -> int:
        """Offset of the first character of the expression text."""
        return self.start + 2

    @property
    def expr_end(self) -> int:
        """Offset just after the expression text (the closing `}`)."""
        return self.end - 1


Part = Literal | Placeholder


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A `${secret:NAME}` reference; `start`/`end` cover the whole `${…}`."""

    name: str
    start: int
    end: int

    @property
    def name_start(self) -> int:
        """Offset of the first character of the name."""
        return self.start + len("${secret:")

    @property
    def name_end(self) -> int:
        """Offset just after the name."""
        return self.end - 1


def closing_brace(text: str, pos: int) -> int:
    """Index of the `}` closing an expression starting at `pos`, or -1 if there is none."""
    depth = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return pos
        pos += 1
    return -1


def _next_opening(text: str, pos: int) -> int:
    """Index of the next `${` at or after `pos` that starts a placeholder, or -1."""
    while True:
        j = text.find("${", pos)
        if j < 0 or not _PREFIXED.match(text, j + 2):
            return j
        pos = j + 2


def open_placeholder(text: str) -> int:
    """Index of the `${` whose expression is still open at the end of `text`, or -1.

    For an editor: the placeholder being typed when `text` is what precedes the cursor.
    """
    pos = 0
    while True:
        opening = _next_opening(text, pos)
        if opening < 0:
            return -1
        close = closing_brace(text, opening + 2)
        if close < 0:
            return opening
        pos = close + 1


def scan_template(text: str) -> list[Part]:
    """Split `text` into `Literal` and `Placeholder` parts, exactly as Digdag scans it."""
    parts: list[Part] = []
    literal_start = 0
    pos = 0
    while True:
        opening = _next_opening(text, pos)
        if opening < 0:
            break
        close = closing_brace(text, opening + 2)
        if close < 0:
            break
        if opening > literal_start:
            raw = text[literal_start:opening]
            parts.append(Literal(raw.replace("$$", "$"), literal_start, opening))
        parts.append(Placeholder(text[opening + 2 : close], opening, close + 1))
        literal_start = pos = close + 1
    if literal_start < len(text):
        raw = text[literal_start:]
        parts.append(Literal(raw.replace("$$", "$"), literal_start, len(text)))
    return parts


def has_template(text: str) -> bool:
    """True when `text` contains at least one `${…}` placeholder that Digdag evaluates."""
    if "${" not in text:
        return False
    return any(isinstance(part, Placeholder) for part in scan_template(text))


def secret_references(text: str) -> list[SecretRef]:
    """Every literal `${secret:NAME}` reference in `text`, in order.

    A reference whose name is itself templated (`${secret:${key}}`) has no static name and
    is not returned.
    """
    return [SecretRef(m.group(1), m.start(), m.end()) for m in _SECRET.finditer(text)]
