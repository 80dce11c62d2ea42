"""`reparse()`: parse an edited file again, reusing the previous parse where the edit cannot
reach. The result is exactly what `parse()` gives for the new text.

Editors send a keystroke at a time; at 10,000 lines, composing and building the whole file
again costs ~75 ms. But the top level of a workflow is a block mapping whose keys start at
column 0, and a keystroke inside one top-level entry cannot change how the others load —
unless something connects them: anchors and aliases, merge keys, `!include`, tags or
directives, a duplicate top-level key. When none of that is present, only the edited entry is
composed and built again (from the new text, with its offsets in place); the others are
copied with the new `Source` and, after the edit, spans moved by the length difference.
Everything else falls back to `parse()`. The task tree is then built as usual.

Copying is not free (every value node gets the new `Source`, which features compare by
identity), but it costs less than half of composing and building, whatever the position of
the edit.
"""

from __future__ import annotations

import re

from ruamel.yaml.nodes import MappingNode

from diglang import yamlload
from diglang.diagnostics import Diagnostic
from diglang.expr.parse import parse_expression
from diglang.loader import FileReader, LoadContext, ValueBuilder, expression_errors
from diglang.parse import MAX_FILE_CHARS, Document, parse, workflow_name
from diglang.perf import without_gc
from diglang.source import Source, Span
from diglang.values import Entry, Mapping, Scalar, Sequence, Template, TemplateExpr, Value
from diglang.workflow import build_workflow

# Text that ties top-level entries together or changes how the stream is read: anchors (and
# so aliases and merges), includes, tags, directives and document markers.
_CONNECTED = re.compile(r"(?:^|[\s\[{,])[&!]|<<|^(?:%|---|\.\.\.)", re.MULTILINE)
# Parser diagnostics that `reparse` recomputes for the copied entries.
_RECOMPUTED = frozenset({"expression-syntax"})


@without_gc
def reparse(
    previous: Document,
    text: str,
    *,
    loader: FileReader | None = None,
    name: str | None = None,
) -> Document:
    """`parse(text, previous.source.path, loader=loader, name=name)`, faster after a small
    edit of `previous`'s text."""
    path = previous.source.path
    return reuse(previous, text, name) or parse(text, path, loader=loader, name=name)


def reuse(previous: Document, text: str, name: str | None) -> Document | None:
    """The document of `text` built from `previous`, or None when it is not certainly the
    same as a full parse."""
    old = previous.source.text
    root = previous.root
    if (
        previous.workflow is None
        or not isinstance(root, Mapping)
        or root.flow
        or not root.entries
        or previous.includes
        or len(text) > MAX_FILE_CHARS
        or any(d.rule not in _RECOMPUTED for d in previous.diagnostics)
        or _CONNECTED.search(text) is not None
    ):
        return None
    start, old_end, new_end = _edit(old, text)
    if start == old_end == new_end:
        return None  # the same text: nothing to gain over the caller's own cache
    starts = [entry.key.span.start for entry in root.entries]
    if any(s > 0 and old[s - 1] != "\n" for s in starts):
        return None  # a top-level key not at the start of a line
    # The edited entry: it must contain the whole edit, after its key's first character and
    # before the line break that ends it.
    k = _entry_at(starts, start)
    if k is None:
        return None
    block_start = starts[k]
    block_end = starts[k + 1] if k + 1 < len(starts) else len(old)
    if not (block_start < start and old_end <= block_end - (1 if k + 1 < len(starts) else 0)):
        return None
    delta = len(text) - len(old)
    source = Source(previous.source.path, text)
    ctx = LoadContext(lambda _: "")
    edited = _build_block(source, ctx, block_start, block_end + delta)
    if edited is None or edited.entries[0].key.span.start != block_start:
        return None
    others = {e.key.value for i, e in enumerate(root.entries) if i != k}
    if any(e.key.value in others for e in edited.entries):
        return None  # a duplicate top-level key: its diagnostic is the full parse's business
    errors: list[Diagnostic] = []
    copy = _Copier(source, errors)
    entries = [copy.entry(e, 0) for e in root.entries[:k]]
    entries.extend(edited.entries)
    entries.extend(copy.entry(e, delta) for e in root.entries[k + 1 :])
    end = root.span.end + delta if root.span.end >= old_end else root.span.end
    new_root = Mapping(Span(root.span.start, end), source, tuple(entries), False)
    path = source.path
    workflow = build_workflow(name or workflow_name(path), source, new_root)
    found = [*ctx.diagnostics, *ctx.expression_errors, *errors]
    return Document(
        source,
        workflow,
        tuple(sorted(found, key=Diagnostic.sort_key)),
        new_root,
        (),
        {path or "": source},
    )


def _edit(old: str, new: str) -> tuple[int, int, int]:
    """(start, end in `old`, end in `new`) of the part that differs."""
    limit = min(len(old), len(new))
    start = _common_prefix(old, new, limit)
    suffix = _common_suffix(old, new, limit - start)
    return start, len(old) - suffix, len(new) - suffix


def _common_prefix(a: str, b: str, limit: int) -> int:
    """Length of the common prefix (at most `limit`), comparing slices in C."""
    low, step = 0, 4096
    while low < limit:
        high = min(limit, low + step)
        if a[low:high] != b[low:high]:
            while high - low > 1:  # the first difference is in [low, high)
                middle = (low + high) // 2
                if a[low:middle] == b[low:middle]:
                    low = middle
                else:
                    high = middle
            return low if a[low] != b[low] else low + 1
        low = high
        step *= 2
    return limit


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common suffix (at most `limit`)."""
    return _common_prefix(a[::-1], b[::-1], limit)


def _entry_at(starts: list[int], offset: int) -> int | None:
    """The index of the top-level entry whose text holds `offset`."""
    if offset < starts[0]:
        return None
    low, high = 0, len(starts)
    while high - low > 1:
        middle = (low + high) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle
    return low


def _build_block(source: Source, ctx: LoadContext, start: int, end: int) -> Mapping | None:
    """Compose and build `source.text[start:end]` with the offsets of the whole text."""
    text = source.text
    # a comment line (or a line break) as long as the text before keeps every offset
    pad = "" if start == 0 else "\n" if start == 1 else "#" + " " * (start - 2) + "\n"
    node, error = yamlload.compose(pad + text[start:end], fast=True, explain=False)
    if error is not None or not isinstance(node, MappingNode) or node.flow_style:
        return None
    value = ValueBuilder(source, ctx).build(node)
    if not isinstance(value, Mapping) or not value.entries:
        return None
    return value


class _Copier:
    """Copies value nodes into a new `Source`, moving spans by a delta."""

    def __init__(self, source: Source, errors: list[Diagnostic]) -> None:
        self.source = source
        self.errors = errors

    def entry(self, entry: Entry, delta: int) -> Entry:
        return Entry(self.value(entry.key, delta), self.value(entry.value, delta))  # type: ignore[arg-type]

    def value(self, value: Value, delta: int) -> Value:
        kind = type(value)
        span = value.span if delta == 0 else Span(value.span.start + delta, value.span.end + delta)
        if kind is Scalar:
            assert isinstance(value, Scalar)
            return Scalar(span, self.source, value.value, value.style, value.tag)
        if kind is Mapping:
            assert isinstance(value, Mapping)
            entries = tuple([self.entry(e, delta) for e in value.entries])
            return Mapping(span, self.source, entries, value.flow)
        if kind is Template:
            assert isinstance(value, Template)
            exprs = value.exprs if delta == 0 else tuple([_moved(x, delta) for x in value.exprs])
            self._report(exprs)
            return Template(span, self.source, value.value, value.style, value.tag, exprs)
        assert isinstance(value, Sequence)
        items = tuple([self.value(item, delta) for item in value.items])
        return Sequence(span, self.source, items, value.flow)

    def _report(self, exprs: tuple[TemplateExpr, ...]) -> None:
        for expr in exprs:
            if expr.result.errors:
                self.errors.extend(expression_errors(expr, self.source.path))


def _moved(expr: TemplateExpr, delta: int) -> TemplateExpr:
    """`expr` moved by `delta` (its tree parsed at the new offset, from the cache)."""
    return TemplateExpr(
        expr.text,
        expr.span.shift(delta),
        expr.placeholder.shift(delta),
        expr.exact,
        parse_expression(expr.text, expr.span.start + delta),
    )
