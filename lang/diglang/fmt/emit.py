"""Writing the canonical layout: walk the composed node graph, copy node sources, place comments.

The walk keeps a cursor into the source. The stretch between the cursor and the next node is
read by `scan_gap`, so every comment and blank line is seen exactly once, and in order. Keys,
scalars and flow collections are copied from the source (re-indented by `scalars`); only the
block structure (indentation, `key: value` spacing, `- ` items) is written anew.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from diglang.fmt.errors import Unsupported
from diglang.fmt.scalars import block_scalar, folded_lines, shifted_lines
from diglang.fmt.text import (
    WS,
    Gap,
    Marker,
    Props,
    column,
    find_alias,
    find_indicator,
    scan_gap,
    split_props,
)


@dataclass(frozen=True, slots=True)
class Block:
    """A block collection being written: its column in the input and in the output."""

    old: int
    new: int


@dataclass(frozen=True, slots=True)
class Span:
    """One occurrence of a node in the source; an alias (`*a`) is an occurrence of its own."""

    node: Node
    start: int
    end: int
    alias: bool = False


def emit(text: str, root: Node | None, indent: int) -> str:
    """The canonical layout of `text`, whose composed root node is `root`."""
    return _Emitter(text, indent).run(root)


def comment_column(chain: Sequence[Block], col: int) -> int:
    """The output column of a full-line comment found at input column `col`.

    It lines up with the deepest block of `chain` whose input column is at most `col`.
    """
    new = chain[0].new if chain else 0
    for block in chain:
        if block.old <= col:
            new = block.new
    return new


class _Emitter:
    def __init__(self, text: str, indent: int) -> None:
        self.text = text
        self.indent = indent
        self.out: list[str] = []
        self.protected = 0  # lines before this index hold block-scalar content
        self.cursor = 0
        self.seen: set[int] = set()
        self.chain: list[Block] = []
        self.last: tuple[Block, ...] = ()  # the open blocks at the last key or item

    def run(self, root: Node | None) -> str:
        if root is None:
            self.place(scan_gap(self.text, 0, len(self.text), markers=True), ())
        else:
            self.document(self.locate(root))
            end_gap = scan_gap(self.text, self.cursor, len(self.text), markers=True)
            self.place(end_gap, self.last)
        out = self.out
        while len(out) > self.protected and out and not out[-1]:
            out.pop()
        return "\n".join(out) + "\n" if out else ""

    def document(self, span: Span) -> None:
        line_start = self.text.rfind("\n", 0, span.start) + 1
        self.place(scan_gap(self.text, 0, line_start, markers=True), ())
        lead = self.text[line_start : span.start].strip(WS)
        if lead not in ("", "---"):
            raise Unsupported("unexpected text before the root node")
        self.cursor = span.start
        if self.is_block(span):
            if lead or self.block_props(span) is not None:
                raise Unsupported("properties or `---` on the root block's line")
            self.block(span.node, 0, inline=False)
            return
        self.out.append(lead)
        self.inline(span, Block(0, 0))

    # -- nodes -------------------------------------------------------------------------------

    def locate(self, node: Node) -> Span:
        """The span of this occurrence of `node`; a node met before is an alias here."""
        if id(node) in self.seen:
            anchor = getattr(node, "anchor", None)
            if not anchor:
                raise Unsupported("shared node without an anchor")
            start, end = find_alias(self.text, self.cursor, str(anchor))
            return Span(node, start, end, alias=True)
        self.seen.add(id(node))
        return Span(node, node.start_mark.index, node.end_mark.index)

    def is_block(self, span: Span) -> bool:
        blocky = isinstance(span.node, MappingNode | SequenceNode) and not span.node.flow_style
        return blocky and not span.alias

    def after_indicator(self, span: Span, indicator: int) -> Span:
        """An empty value sits right after its `:` or `-` (ruamel may put it at the next token)."""
        if span.start == span.end and not span.alias and isinstance(span.node, ScalarNode):
            return Span(span.node, indicator + 1, indicator + 1)
        return span

    def block_props(self, span: Span) -> Props | None:
        """The anchor/tag of a block collection, or None (they may belong to its first key)."""
        if self.text[span.start] not in "&!":
            return None
        limit = span.end
        if isinstance(span.node, MappingNode):
            key = span.node.value[0][0]
            if id(key) not in self.seen:
                limit = key.start_mark.index
                if limit == span.start:
                    return None
        props = split_props(self.text, span.start, limit)
        if any(c in self.text[span.start : props.end] for c in "#\n"):
            raise Unsupported("properties spread over several lines")
        return props

    def block(self, node: Node, col: int, inline: bool) -> None:
        if isinstance(node, MappingNode):
            self.mapping(node, col, inline)
        elif isinstance(node, SequenceNode):
            self.sequence(node, col, inline)

    def mapping(self, node: MappingNode, col: int, inline: bool) -> None:
        block: Block | None = None
        for i, (key, value) in enumerate(node.value):
            span = self.locate(key)
            if block is None:
                block = Block(column(self.text, span.start), col)
                self.chain.append(block)
            self.line(scan_gap(self.text, self.cursor, span.start), col, inline and i == 0)
            self.out[-1] += self.key_text(span)
            self.cursor = span.end
            self.last = tuple(self.chain)
            self.value(value, block)
        self.chain.pop()

    def key_text(self, span: Span) -> str:
        source = self.text[span.start : span.end]
        if span.alias:
            return source + " :"
        if not isinstance(span.node, ScalarNode) or not source or "\n" in source:
            raise Unsupported("complex, empty or multi-line key")
        props = split_props(self.text, span.start, span.end)
        if props.content >= span.end:
            # `!include : x` needs its space: `!include:` would read as one longer tag.
            return props.text + " :"
        if props.text:
            source = f"{props.text} {self.text[props.content : span.end]}"
        return source + ":"

    def value(self, node: Node, parent: Block) -> None:
        span = self.locate(node)
        colon = find_indicator(self.text, self.cursor, span.start, ":")
        span = self.after_indicator(span, colon)
        if not scan_gap(self.text, self.cursor, colon).is_empty:
            raise Unsupported("`:` not on the key's line")
        gap = scan_gap(self.text, colon + 1, span.start)
        self.cursor = span.start
        col = parent.new + self.indent
        if self.is_block(span):
            self.nested(span, gap, col, compact=False)
            return
        if gap.has_comments:
            self.own_line(span, gap, col)
        self.inline(span, parent)

    def sequence(self, node: SequenceNode, col: int, inline: bool) -> None:
        block: Block | None = None
        for i, item in enumerate(node.value):
            span = self.locate(item)
            dash = find_indicator(self.text, self.cursor, span.start, "-")
            span = self.after_indicator(span, dash)
            if block is None:
                block = Block(column(self.text, dash), col)
                self.chain.append(block)
            self.line(scan_gap(self.text, self.cursor, dash), col, inline and i == 0)
            self.out[-1] += "-"
            self.last = tuple(self.chain)
            gap = scan_gap(self.text, dash + 1, span.start)
            self.cursor = span.start
            if self.is_block(span):
                self.nested(span, gap, col + 2, compact=True)
                continue
            if gap.has_comments:
                self.own_line(span, gap, col + 2)
            self.inline(span, block)
        self.chain.pop()

    def nested(self, span: Span, gap: Gap, col: int, compact: bool) -> None:
        """A block collection that is a mapping value (`compact=False`) or a sequence item."""
        props = self.block_props(span)
        if props is not None:
            if gap.has_comments:
                raise Unsupported("comment before the properties of a block collection")
            self.out[-1] += " " + props.text
            self.cursor = props.end
            self.block(span.node, col, inline=False)
        elif compact and not gap.has_comments:
            self.out[-1] += " "
            self.block(span.node, col, inline=True)
        else:
            self.place(gap, [*self.chain, Block(column(self.text, span.start), col)])
            self.block(span.node, col, inline=False)

    def own_line(self, span: Span, gap: Gap, col: int) -> None:
        """Comments stand between the indicator and the value: the value gets its own line."""
        self.place(gap, [*self.chain, Block(column(self.text, span.start), col)])
        self.out.append(" " * col)

    def inline(self, span: Span, base: Block) -> None:
        """Append a scalar, alias or flow collection to the current line."""
        node = span.node
        source = self.text[span.start : span.end]
        self.cursor = span.end
        if span.alias:
            self.append([source])
        elif not isinstance(node, ScalarNode):
            self.append(shifted_lines(source, base.new - base.old))
        elif node.style in ("|", ">"):
            self.block_scalar(span, base)
        else:
            props = split_props(self.text, span.start, span.end)
            if props.commented:
                raise Unsupported("comment between properties and scalar")
            content = self.text[props.content : span.end]
            lines = folded_lines(content, base.new + self.indent)
            lines[0] = f"{props.text} {lines[0]}".strip(" ") if props.text else lines[0]
            self.append(lines)

    def block_scalar(self, span: Span, base: Block) -> None:
        props = split_props(self.text, span.start, span.end)
        if props.commented:
            raise Unsupported("comment between properties and block scalar")
        value = str(span.node.value)
        scalar = block_scalar(
            self.text, props.content, span.end, value, (base.old, base.new), self.indent
        )
        head = f"{props.text} {scalar.header}" if props.text else scalar.header
        self.append([f"{head} {scalar.comment}" if scalar.comment else head])
        self.out.extend(scalar.lines)
        self.protected = len(self.out)
        self.cursor = scalar.end

    # -- lines -------------------------------------------------------------------------------

    def append(self, lines: list[str]) -> None:
        first = lines[0]
        if first:
            last = self.out[-1]
            self.out[-1] = f"{last} {first}" if last.strip(" ") else last + first
        self.out.extend(lines[1:])

    def line(self, gap: Gap, col: int, inline: bool) -> None:
        """Start the next key or item: on the current line if `inline`, else on a new one."""
        if inline:
            if not gap.is_empty:
                raise Unsupported("text between a dash and its item")
            return
        # After deeper content, a comment keeps the depth of its column (commented-out lines
        # of a list stay in the list); `self.last` still holds those deeper blocks.
        deeper = len(self.last) > len(self.chain) and self.last[: len(self.chain)] == tuple(
            self.chain
        )
        self.place(gap, self.last if deeper else self.chain)
        self.out.append(" " * col)

    def place(self, gap: Gap, chain: Sequence[Block]) -> None:
        """Write a gap's comments, blank lines and markers."""
        if gap.trailing is not None:
            if self.out:
                self.out[-1] += " " + gap.trailing
            else:
                self.out.append(gap.trailing)
        for line in gap.lines:
            if line is None:
                if self.out and (self.out[-1] or len(self.out) <= self.protected):
                    self.out.append("")
            elif isinstance(line, Marker):
                self.out.append(line.text)
            else:
                self.out.append(" " * comment_column(chain, line.col) + line.text)
