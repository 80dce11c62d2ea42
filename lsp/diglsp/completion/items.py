"""Building completion items: one text edit per item, ranked, each label offered once.

Every feature of completion adds its items through a `Builder`; the rank (0 first) orders
them in the client's list, items with the same rank keep the order they were added in.
"""

from __future__ import annotations

from lsprotocol import types

from diglang.source import Span
from diglsp.locate import CursorContext
from diglsp.locate.lines import lines_of
from diglsp.workspace import Snapshot

RETRIGGER = types.Command(title="suggest", command="editor.action.triggerSuggest")


class Builder:
    """Collects the completion items at one cursor; each label is offered once."""

    def __init__(self, snap: Snapshot, ctx: CursorContext) -> None:
        self.snap = snap
        self.ctx = ctx
        self.items: list[types.CompletionItem] = []
        self.incomplete = False
        self._labels: set[str] = set()
        self._ranges: dict[tuple[int, int], types.Range] = {}

    def add(
        self,
        label: str,
        kind: types.CompletionItemKind,
        new_text: str,
        span: Span,
        *,
        rank: int = 5,
        snippet: bool = False,
        detail: str | None = None,
        doc: str | None = None,
        filter_text: str | None = None,
        retrigger: bool = False,
        label_detail: str | None = None,
    ) -> None:
        if label in self._labels:
            return
        self._labels.add(label)
        self.items.append(
            types.CompletionItem(
                label=label,
                kind=kind,
                detail=detail,
                documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc)
                if doc
                else None,
                sort_text=f"{rank}{len(self.items):05d}",
                filter_text=filter_text,
                text_edit=types.TextEdit(range=self._range(span), new_text=new_text),
                insert_text_format=types.InsertTextFormat.Snippet
                if snippet
                else types.InsertTextFormat.PlainText,
                insert_text_mode=types.InsertTextMode.AsIs if "\n" in new_text else None,
                command=RETRIGGER if retrigger else None,
                label_details=types.CompletionItemLabelDetails(description=label_detail)
                if label_detail
                else None,
            )
        )

    def _range(self, span: Span) -> types.Range:
        """The LSP range of `span` (items mostly share one: computed once)."""
        key = (span.start, span.end)
        found = self._ranges.get(key)
        if found is None:
            found = self._ranges[key] = self.snap.range(span)
        return found


def indent_unit(snap: Snapshot) -> int:
    """The document's indentation step (2 when nothing is indented yet)."""
    found = snap.memo.get("completion.indent")
    if isinstance(found, int):
        return found
    unit = 2
    lines = lines_of(snap)
    for n in range(min(lines.count, 400)):
        indent = lines.indent(n)
        if indent > 0 and not lines.is_blank(n):
            unit = indent if indent <= 8 else 2
            break
    snap.memo["completion.indent"] = unit
    return unit


def esc(text: str) -> str:
    """Text as literal snippet content."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def key_span(ctx: CursorContext) -> Span:
    """The span a key item replaces: the key written so far, to the end of the word."""
    return Span(ctx.start, max(ctx.end, ctx.offset))
