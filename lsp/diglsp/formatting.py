"""Formatting with digfmt: the whole document, or only the changes that touch a range.

digfmt formats whole files (its layout depends on the whole tree), so range formatting
formats the document and keeps the changed hunks that intersect the range. Edits are minimal
line hunks, so the editor keeps the cursor and folds where nothing changed.
"""

from __future__ import annotations

import difflib

from lsprotocol import types

from diglang.diagnostics import Edit
from diglang.format import FormatError, FormatOptions, format_text
from diglang.source import Source, Span
from diglsp import convert
from diglsp.workspace import Snapshot


def format_document(snap: Snapshot, tab_size: int = 2) -> list[types.TextEdit]:
    """Edits that turn the document into digfmt's layout (empty when it already is)."""
    return [convert.text_edit(snap.source, e) for e in _hunks(snap.text, tab_size)]


def format_range(snap: Snapshot, span: Span, tab_size: int = 2) -> list[types.TextEdit]:
    """The formatting edits that intersect `span`."""
    edits = []
    for edit in _hunks(snap.text, tab_size):
        if edit.span.start <= span.end and span.start <= edit.span.end:
            edits.append(convert.text_edit(snap.source, edit))
    return edits


def formatted(text: str, tab_size: int = 2) -> str | None:
    """digfmt's output for `text`; None when it cannot be formatted (broken YAML...)."""
    try:
        options = FormatOptions(indent=tab_size if 2 <= tab_size <= 8 else 2)
        return format_text(text, options)
    except FormatError:
        return None


def _hunks(text: str, tab_size: int) -> list[Edit]:
    result = formatted(text, tab_size)
    if result is None or result == text:
        return []
    old = text.splitlines(keepends=True)
    new = result.splitlines(keepends=True)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit(Span(starts[i1], starts[i2]), "".join(new[j1:j2])))
    return edits


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits to `text` (for tests and for clients that want the result)."""
    source = Source(None, text)
    spans = [(convert.to_span(source, e.range), e.new_text) for e in edits]
    out = text
    for span, new in sorted(spans, key=lambda s: s[0].start, reverse=True):
        out = out[: span.start] + new + out[span.end :]
    return out
