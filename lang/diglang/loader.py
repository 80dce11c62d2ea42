"""Load a `.dig` file into value nodes exactly as Digdag's YamlConfigLoader does.

Duplicate keys are errors, `!include : file` keys are resolved relative to the including file,
must not leave its directory, and their mappings are spliced in at the key's position with
Digdag's deep merge. Every node keeps the file and span it came from.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from diglang import yamlload
from diglang.diagnostics import Diagnostic, Severity
from diglang.expr.parse import parse_expression
from diglang.expr.template import Placeholder, scan_template
from diglang.source import Source, Span
from diglang.values import (
    Entry,
    Mapping,
    Scalar,
    Sequence,
    Style,
    Template,
    TemplateExpr,
    Value,
)

FileReader = Callable[[str], str]

_STYLES: dict[str | None, Style] = {
    None: "plain",
    "": "plain",
    "'": "single",
    '"': "double",
    "|": "literal",
    ">": "folded",
}
MAX_INCLUDE_DEPTH = 32


def read_file(path: str) -> str:
    """Read a workflow file as UTF-8 (the default file reader)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@dataclass
class LoadContext:
    """State shared by one load: diagnostics, the include stack and every source read."""

    reader: FileReader
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    stack: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    # `!include` values being loaded, outermost first: cycles are reported at the first one
    sites: list[tuple[Source, Span]] = field(default_factory=list)
    # `${...}` syntax errors, reported by `parse` once it knows the file is a workflow
    expression_errors: list[Diagnostic] = field(default_factory=list)

    def report(self, rule: str, span: Span, message: str, source: Source) -> None:
        """Add an error diagnostic located in `source`."""
        self.diagnostics.append(Diagnostic(rule, Severity.ERROR, span, message, source.path))


def yaml_error_span(text: str, offset: int) -> Span:
    """The character at `offset` (or an empty span at the end of the text)."""
    offset = min(offset, len(text))
    return Span(offset, min(offset + 1, len(text)))


def load_root(
    source: Source, ctx: LoadContext, text: str | None = None, *, explain: bool = True
) -> Value | None:
    """Compose and build the file (or `text`, a prefix of it); None when broken or empty.

    Without `explain`, a YAML error is reported without its position and message (cheaper).
    """
    node, error = yamlload.compose(
        source.text if text is None else text, fast=True, explain=explain
    )
    if error is not None:
        ctx.report("yaml-syntax", yaml_error_span(source.text, error.offset), error.message, source)
        return None
    if node is None:
        return None
    try:
        return ValueBuilder(source, ctx).build(node)
    except RecursionError:  # deeper than the interpreter's recursion limit allows
        ctx.report("yaml-syntax", Span(0, 0), "the document is nested too deeply to load", source)
        return None


class ValueBuilder:
    """Converts one file's ruamel node graph into value nodes."""

    def __init__(self, source: Source, ctx: LoadContext) -> None:
        self.source = source
        self.ctx = ctx
        self.text = source.text
        # Aliases share the converted node; without an anchor (`&`) there can be none.
        self.memo: dict[int, Value] | None = {} if "&" in self.text else None

    def build(self, node: Node) -> Value:
        memo = self.memo
        if memo is not None:
            found = memo.get(id(node))
            if found is not None:
                return found
        tag = node.ctag
        if not (tag is yamlload.PLAIN or tag is yamlload.STR or tag is yamlload.MAP):
            self._check_tag(node)
        if isinstance(node, ScalarNode):
            value: Value = self.scalar(node)
        elif isinstance(node, SequenceNode):
            items = tuple([self.build(item) for item in node.value])
            span = Span(node.start_mark.index, node.end_mark.index)
            value = Sequence(span, self.source, items, bool(node.flow_style))
        else:
            assert isinstance(node, MappingNode)
            value = self.mapping(node)
        if memo is not None:
            memo[id(node)] = value
        return value

    def _check_tag(self, node: Node) -> None:
        """Digdag knows the standard `!!` tags and the `!include` key; others fail to load."""
        tag = node.ctag
        if tag is yamlload.PLAIN or tag is yamlload.STR or tag is yamlload.MAP:
            return
        name = str(tag)
        if tag is yamlload.SEQ or name.startswith(yamlload.STANDARD_TAG_PREFIX):
            return
        span = Span(node.start_mark.index, node.start_mark.index + len(name))
        if name == yamlload.INCLUDE_TAG:
            message = "`!include` only works as a key: write `!include : file` on its own line"
        else:
            message = f"unknown tag `{name}`; Digdag only understands `!include : file` keys"
        self.ctx.report("yaml-syntax", span, message, self.source)

    def scalar(self, node: ScalarNode) -> Scalar:
        style = _STYLES.get(node.style, "plain")
        tag = node.ctag
        explicit = None
        value: yamlload.Scalar
        if tag is yamlload.PLAIN:
            value = yamlload.resolve_plain(node.value)
        elif tag is yamlload.STR:
            value = str(node.value)
        else:
            explicit = str(tag)
            value = yamlload.scalar_value(node)
        raw: str = node.value
        end = node.end_mark.index
        first = end - len(raw)
        if style == "plain" and first >= 0 and self.text.startswith(raw, first, end):
            span, exact = Span(first, end), "\n" not in raw  # `_content_span`, inlined
        else:
            span, exact = self._content_span(node, style)
        if isinstance(value, str) and "${" in value:
            exprs = self._template(value, span, exact)
            return Template(span, self.source, value, style, explicit, exprs)
        return Scalar(span, self.source, value, style, explicit)

    def _content_span(self, node: ScalarNode, style: Style) -> tuple[Span, bool]:
        """The span of the scalar text, and whether value offsets map 1:1 onto it."""
        start, end = node.start_mark.index, node.end_mark.index
        raw: str = node.value
        text = self.text
        if style == "plain":
            first = end - len(raw)
            if first >= 0 and text.startswith(raw, first, end):
                return Span(first, end), "\n" not in raw
            if first < 0 and text[first:end] == raw:  # as the slice reads it (never seen)
                return Span(first, end), "\n" not in raw
            return Span(start, end), False
        if style == "single" or style == "double":
            q = "'" if style == "single" else '"'
            inner_start = end - 1 - len(raw)
            exact = (
                inner_start >= 1
                and text[inner_start - 1] == q
                and text.startswith(raw, inner_start, end - 1)
                and "\n" not in raw
            )
            if exact:
                return Span(inner_start - 1, end), True
            return Span(start, end), False
        return Span(start, end), False

    def _template(self, value: str, span: Span, exact: bool) -> tuple[TemplateExpr, ...]:
        base = span.start + (1 if exact and self.text[span.start] in "'\"" else 0)
        exprs = []
        for start, end, expr_text in _placeholders(value):
            if exact:
                result = parse_expression(expr_text, base + start + 2)
                espan = Span(base + start + 2, base + end - 1)
                pspan = Span(base + start, base + end)
            else:
                result = parse_expression(expr_text, span.start)
                espan = pspan = span
            expr = TemplateExpr(expr_text, espan, pspan, exact, result)
            exprs.append(expr)
            if result.errors:
                self.ctx.expression_errors.extend(expression_errors(expr, self.source.path))
        return tuple(exprs)

    def mapping(self, node: MappingNode) -> Mapping:
        span = Span(node.start_mark.index, node.end_mark.index)
        if all(_plain_key(key) for key, _ in node.value):
            return self._plain_mapping(node, span)
        merged = _Merger()
        own: dict[object, Scalar] = {}
        for key_node, value_node in node.value:
            if yamlload.is_include_key(key_node):
                include = self.scalar(key_node)
                included = self.include(key_node, value_node)
                if included is not None:
                    for entry in included.entries:
                        merged.splice(Entry(entry.key, entry.value, include), deep=True)
                continue
            if key_node.ctag is yamlload.MERGE:
                self._merge_key(merged, value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                kspan = Span(key_node.start_mark.index, key_node.end_mark.index)
                self.ctx.report(
                    "yaml-syntax", kspan, "mapping keys must be plain strings", self.source
                )
                continue
            key = self.scalar(key_node)
            first = own.get(key.value)
            if first is not None:
                self._duplicate(key, first)
                continue
            own[key.value] = key
            merged.splice(Entry(key, self.build(value_node)), deep=False)
        return Mapping(span, self.source, tuple(merged.entries), bool(node.flow_style))

    def _plain_mapping(self, node: MappingNode, span: Span) -> Mapping:
        """`mapping` for the usual case: only scalar keys, none `!include` or `<<`.

        Then no entry replaces another (a duplicate key is reported and skipped), so the
        entries are simply the keys in order.
        """
        entries: list[Entry] = []
        own: dict[object, Scalar] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            first = own.get(key.value)
            if first is not None:
                self._duplicate(key, first)
                continue
            own[key.value] = key
            entries.append(Entry(key, self.build(value_node)))
        return Mapping(span, self.source, tuple(entries), bool(node.flow_style))

    def _duplicate(self, key: Scalar, first: Scalar) -> None:
        line = self.source.index.position(first.span.start).line + 1
        self.ctx.report(
            "duplicate-key",
            key.span,
            f"duplicate key `{key.text}`; it is already defined on line {line}",
            self.source,
        )

    def _merge_key(self, merged: _Merger, value_node: Node) -> None:
        """YAML `<<: *anchor` (or a list of them): entries the mapping does not define."""
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for src in sources:
            value = self.build(src)
            if isinstance(value, Mapping):
                for entry in value.entries:
                    merged.splice_default(entry)

    def include(self, key_node: ScalarNode, value_node: Node) -> Mapping | None:
        return include_file(self.source, self.ctx, self.build(value_node))


def expression_errors(expr: TemplateExpr, path: str | None) -> Iterator[Diagnostic]:
    """The `expression-syntax` diagnostics of one `${...}`."""
    for error in expr.result.errors:
        span = error.span if expr.exact else expr.span
        yield Diagnostic("expression-syntax", Severity.ERROR, span, error.message, path)


@functools.lru_cache(maxsize=8192)  # an editor parses the same templates on every keystroke
def _placeholders(value: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, expression text) of every `${...}` of a template string."""
    return tuple(
        (part.start, part.end, value[part.start + 2 : part.end - 1])
        for part in scan_template(value)
        if isinstance(part, Placeholder)
    )


def _plain_key(node: Node) -> bool:
    """A scalar key that is neither `!include` nor `<<` (plain or string-tagged)."""
    tag = node.ctag
    return (tag is yamlload.PLAIN or tag is yamlload.STR) and isinstance(node, ScalarNode)


class _Merger:
    """Ordered entries with Digdag's merge rules for included and later keys."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.index: dict[object, int] = {}

    def splice(self, entry: Entry, *, deep: bool) -> None:
        i = self.index.get(entry.key.value)
        if i is None:
            self.index[entry.key.value] = len(self.entries)
            self.entries.append(entry)
            return
        old = self.entries[i]
        if deep and isinstance(old.value, Mapping) and isinstance(entry.value, Mapping):
            entry = Entry(old.key, deep_merge(old.value, entry.value), entry.include)
        else:
            entry = Entry(old.key, entry.value, entry.include)
        self.entries[i] = entry

    def splice_default(self, entry: Entry) -> None:
        if entry.key.value not in self.index:
            self.index[entry.key.value] = len(self.entries)
            self.entries.append(entry)


def deep_merge(base: Mapping, overlay: Mapping) -> Mapping:
    """Digdag's `mergeObject`: nested mappings merge key by key, `overlay` wins."""
    merger = _Merger()
    for entry in base.entries:
        merger.splice(entry, deep=False)
    for entry in overlay.entries:
        merger.splice(entry, deep=True)
    return Mapping(base.span, base.source, tuple(merger.entries), base.flow)


def include_file(source: Source, ctx: LoadContext, target: Value) -> Mapping | None:
    """Resolve, load and return the mapping of an `!include` target (None on error)."""
    if not isinstance(target, Scalar) or target.value is None or target.text == "":
        ctx.report("include-error", target.span, "`!include` needs a file name", source)
        return None
    name = target.text
    base = os.path.dirname(os.path.abspath(source.path or "workflow.dig"))
    path = os.path.normpath(os.path.join(base, name))
    # Digdag checks a textual prefix, so `sub2/` passes for `sub` (kept bug-compatible).
    if os.path.isabs(name) or not path.startswith(base):
        ctx.report(
            "include-error",
            target.span,
            f"cannot include `{name}`: the path must stay inside `{os.path.basename(base) or '/'}/`"
            " (no `..` or absolute paths); move the file under this directory",
            source,
        )
        return None
    if path in ctx.stack or len(ctx.stack) >= MAX_INCLUDE_DEPTH:
        site_source, site_span = ctx.sites[0] if ctx.sites else (source, target.span)
        top = os.path.dirname(os.path.abspath(site_source.path or "workflow.dig"))
        chain = " -> ".join(os.path.relpath(p, top) for p in [*ctx.stack, path])
        ctx.report("include-cycle", site_span, f"include cycle: {chain}", site_source)
        return None
    try:
        text = ctx.reader(path)
    except FileNotFoundError:
        ctx.report("missing-file", target.span, f"included file `{name}` does not exist", source)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        ctx.report("include-error", target.span, f"cannot read `{name}`: {reason}", source)
        return None
    included = ctx.sources.setdefault(path, Source(path, text))
    ctx.includes.append(path)
    ctx.stack.append(path)
    ctx.sites.append((source, target.span))
    try:
        before = len(ctx.diagnostics)
        root = load_root(included, ctx)
    finally:
        ctx.stack.pop()
        ctx.sites.pop()
    if root is None and len(ctx.diagnostics) > before:
        ctx.report("include-error", target.span, f"`{name}` has errors; fix them first", source)
        return None
    if not isinstance(root, Mapping):
        ctx.report(
            "include-error",
            target.span,
            f"`{name}` must contain a mapping (`key: value` lines) to be included",
            source,
        )
        return None
    return root
