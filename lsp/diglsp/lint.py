"""Live diagnostics: exactly what `diglint` reports for a file, as LSP diagnostics.

A problem found inside an `!include`d file is shown on the `!include` that brings it in, with
the real location attached as related information (the included file may not be open).
"""

from __future__ import annotations

import os

from lsprotocol import types

from diglang.check import check
from diglang.diagnostics import Diagnostic
from diglang.source import Span
from diglsp import convert
from diglsp.links import include_links
from diglsp.workspace import Snapshot


def lint(snap: Snapshot) -> list[Diagnostic]:
    """Every enabled diagnostic of the snapshot's document, as `diglint` computes them."""
    return check(snap.document, snap.config, project=snap.project, fragment=snap.fragment)


def to_lsp(snap: Snapshot, diagnostics: list[Diagnostic]) -> list[types.Diagnostic]:
    """LSP diagnostics for this document, problems of included files moved to their include."""
    found: list[types.Diagnostic] = []
    for diag in diagnostics:
        if diag.path is None or diag.path == snap.path:
            found.append(convert.to_diagnostic(diag, snap.source))
            continue
        source = snap.document.source_of(diag.path)
        moved = convert.to_diagnostic(diag, source)
        where = include_site(snap, diag.path)
        name = _shown(snap, diag.path)
        moved.related_information = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=convert.uri_of(diag.path), range=moved.range),
                message=diag.message,
            )
        ]
        moved.range = convert.to_range(snap.source, where)
        moved.message = f"in included `{name}`: {diag.message}"
        found.append(moved)
    return found


def include_site(snap: Snapshot, path: str) -> Span:
    """The `!include : file` of this document that brings in `path` (or the first one), from
    the `!include` to the end of the file name."""
    sites = [
        (link, Span(snap.text.rfind("!include", 0, link.span.start), link.span.end))
        for link in include_links(snap)
    ]
    wanted = os.path.normpath(path)
    for link, span in sites:
        if wanted in link.candidates:
            return span
    return sites[0][1] if sites else Span(0, 0)


def _shown(snap: Snapshot, path: str) -> str:
    base = snap.project.root if snap.project is not None else os.path.dirname(snap.path or "")
    rel = os.path.relpath(path, base) if base else path
    return rel.replace(os.sep, "/")
