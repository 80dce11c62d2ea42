"""Conversions at the LSP edge: offsets ↔ UTF-16 positions, paths ↔ URIs, diagnostics.

Everything inside digkit speaks character offsets (`Span`); only this module knows that the
protocol counts lines and UTF-16 code units.
"""

from __future__ import annotations

import os
from urllib.parse import quote, unquote, urlparse

from lsprotocol import types

from diglang.diagnostics import Diagnostic, Edit, Severity
from diglang.source import Source, Span

SOURCE_NAME = "diglint"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def position(source: Source, offset: int) -> types.Position:
    """The LSP position (line, UTF-16 column) of a character offset."""
    pos = source.index.utf16_position(offset)
    return types.Position(line=pos.line, character=pos.column)


def to_range(source: Source, span: Span) -> types.Range:
    """The LSP range of a span."""
    return types.Range(start=position(source, span.start), end=position(source, span.end))


def offset(source: Source, pos: types.Position) -> int:
    """The character offset of an LSP position (clamped to the text)."""
    return source.index.offset_from_utf16(pos.line, pos.character)


def to_span(source: Source, rng: types.Range) -> Span:
    """The span of an LSP range."""
    start, end = offset(source, rng.start), offset(source, rng.end)
    return Span(min(start, end), max(start, end))


def path_of(uri: str) -> str | None:
    """The file system path of a `file:` URI; None for other schemes (untitled buffers)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return os.path.normpath(path)


def uri_of(path: str) -> str:
    """The `file:` URI of a path."""
    absolute = os.path.abspath(path).replace(os.sep, "/")
    if not absolute.startswith("/"):
        absolute = "/" + absolute
    return "file://" + quote(absolute, safe="/:@!$&'()*+,;=-._~")


def text_edit(source: Source, edit: Edit) -> types.TextEdit:
    """An LSP text edit replacing `edit.span` of `source`."""
    return types.TextEdit(range=to_range(source, edit.span), new_text=edit.text)


def to_diagnostic(diag: Diagnostic, source: Source) -> types.Diagnostic:
    """An LSP diagnostic for a diglint diagnostic of `source`."""
    return types.Diagnostic(
        range=to_range(source, diag.span),
        message=diag.message,
        severity=_SEVERITY[diag.severity],
        code=diag.rule,
        source=SOURCE_NAME,
    )
