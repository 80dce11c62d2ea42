"""Where a navigation result points (a key, a span, a whole file), as LSP locations, and
the project's files as seen by one request (the open document as it is being edited).
"""

from __future__ import annotations

import os

from lsprotocol import types

from diglang.source import Source, Span
from diglang.values import Scalar
from diglsp import convert
from diglsp.workspace import Snapshot


def source_uri(snap: Snapshot, source: Source) -> str | None:
    """The URI of `source`: the snapshot's own for its document, else its file's (or None)."""
    if source is snap.source or (source.path is not None and source.path == snap.path):
        return snap.uri
    return convert.uri_of(source.path) if source.path is not None else None


def location(snap: Snapshot, node: Scalar | Span, source: Source | None = None) -> types.Location:
    """The location of a scalar, or of a span in `source` (the snapshot's own by default)."""
    if isinstance(node, Scalar):
        source, span = node.source, node.span
    else:
        span = node
    source = source or snap.source
    return types.Location(
        uri=source_uri(snap, source) or snap.uri, range=convert.to_range(source, span)
    )


def file_location(path: str) -> types.Location:
    """The start of the file at `path`."""
    start = types.Position(line=0, character=0)
    return types.Location(uri=convert.uri_of(path), range=types.Range(start=start, end=start))


def sorted_locations(locations: list[types.Location]) -> list[types.Location]:
    """`locations` without duplicates, by URI then range."""
    unique = {
        (loc.uri, loc.range.start.line, loc.range.start.character, loc.range.end.line,
         loc.range.end.character): loc
        for loc in locations
    }  # fmt: skip
    return [unique[k] for k in sorted(unique)]


class View:
    """Snapshots of the project's files for one request (the current one as it is)."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.snaps: dict[str, Snapshot] = {}

    def of(self, path: str) -> Snapshot:
        """A snapshot of the project's document of `path`."""
        path = os.path.normpath(os.path.abspath(path))
        found = self.snaps.get(path)
        if found is None:
            snap = self.snap
            assert snap.project is not None
            doc = snap.project.document(path)
            if doc is snap.document:
                found = snap
            else:
                found = Snapshot(convert.uri_of(path), None, doc, snap.project, snap.config)
            self.snaps[path] = found
        return found

    def files(self) -> list[Snapshot]:
        """The current document, then every other `.dig` file of the project."""
        snap = self.snap
        found = [snap]
        if snap.project is None:
            return found
        own = os.path.normpath(os.path.abspath(snap.path)) if snap.path else None
        for path in snap.project.dig_files():
            if os.path.normpath(path) != own:
                found.append(self.of(path))
        return found
