"""Finding the cursor context (`locate`) from the cursor's line and the lines above it.

The cursor's line says whether a key or a value is being written (after `key:`, a `- ` item,
a continued multi-line scalar, inside a flow collection); indentation gives the enclosing
keys; then the keys next to the cursor, the enclosing task and its operator are filled in.
"""

from __future__ import annotations

import re

from diglsp.locate.blocks import Ancestor, body_keys, enclosing, mapping_keys
from diglsp.locate.context import (
    CursorContext,
    operator_of,
    resolve_task,
    split_path,
    with_changes,
)
from diglsp.locate.expr import expr_context
from diglsp.locate.flow import Flow, scan_flow
from diglsp.locate.lines import (
    INCLUDE_TAG,
    Lines,
    line_comment,
    lines_of,
    quote_end,
    word_start,
)
from diglsp.workspace import Snapshot

_KEY_TAIL = re.compile(r"[^\s:#'\"]*")


def locate(snap: Snapshot, offset: int) -> CursorContext:
    """The cursor context at `offset` (never raises; `kind` is `none` when nothing fits)."""
    try:
        return _locate(snap, offset)
    except Exception:  # features must survive any input
        return CursorContext(offset, "none", start=offset, end=offset)


def _locate(snap: Snapshot, offset: int) -> CursorContext:
    offset = max(0, min(offset, len(snap.text)))
    lines = lines_of(snap)
    pos = lines.index.position(offset)
    n, col = pos.line, pos.column
    base = lines.start(n)
    line = lines.get(n)
    raw = line.text
    col = min(col, len(raw))
    none = CursorContext(offset, "none", start=offset, end=offset)

    # the column of the key the cursor belongs to
    if line.blank and not raw[:col].strip():
        column = col
        dash_indent = None
    else:
        column = line.content
        dash_indent = line.indent if line.dash and col >= line.content else None
    if col < line.content and not line.blank:
        return none  # in the indentation (or the `- `) before a key or value
    chain = enclosing(lines, n, column, dash_indent)
    holder = None
    for i in range(len(chain) - 1, -1, -1):
        if chain[i].holds_value:
            holder = i
            break

    if holder is not None:
        # a continuation line of a multi-line scalar
        owner = chain[holder]
        path = tuple(a.key for a in reversed(chain[holder + 1 :]))
        seg_start = line.indent if line.indent < col else col
        segment = raw[seg_start:col]
        word = word_start(segment)
        return _finish(
            snap,
            lines,
            CursorContext(
                offset,
                "value",
                path=path,
                key=owner.key if owner.key != "-" else None,
                prefix=segment,
                start=base + seg_start,
                end=offset,
                column=owner.indent,
                block=True,
                sequence=owner.key == "-",
                expr=expr_context(segment, base + seg_start, raw[col:]),
                word_start=base + seg_start + word,
            ),
            owner.line,
            owner.indent if owner.key != "-" else None,
            list(reversed(chain[holder + 1 :])),
        )

    ancestors = list(reversed(chain))
    path = tuple(a.key for a in ancestors)
    comment = line_comment(line)
    if comment >= 0 and col > comment:
        return none

    if line.key is not None and col > line.colon:
        # a value after `key:`
        seg_start = line.value if col >= line.value else col
        segment = raw[seg_start:col]
        if segment[:1] in ("{", "["):
            flow = scan_flow(segment)
            if flow is None:
                return none
            return _finish_flow(
                snap,
                lines,
                offset,
                (*path, line.key),
                flow,
                base + seg_start,
                raw,
                col,
                line.content,
                ancestors,
            )
        ctx = _value_context(
            offset, path, line.key, segment, base + seg_start, raw[col:], line.content
        )
        if ctx is None:
            return none
        return _finish(snap, lines, ctx, n, line.content, ancestors)

    if line.key is not None:
        # editing an existing key
        key_text = raw[line.key_start : line.key_end]
        quote = key_text[0] if key_text[:1] in ("'", '"') else None
        start = line.key_start + (1 if quote else 0)
        end = line.key_end - (1 if quote and len(key_text) > 1 else 0)
        ctx = CursorContext(
            offset,
            "key",
            path=path,
            key=line.key,
            prefix=raw[start:col] if col >= start else "",
            start=base + start,
            end=base + max(end, col),
            column=line.content,
            has_colon=True,
            quote=quote,
            sequence=line.dash,
        )
        return _finish(snap, lines, ctx, n, line.content, ancestors)

    content = raw[line.content : col] if col >= line.content else ""
    if content[:1] in ("{", "["):
        flow = scan_flow(raw[line.content : col])
        if flow is None:
            return none
        return _finish_flow(
            snap, lines, offset, path, flow, base + line.content, raw, col, None, ancestors
        )
    if line.dash:
        # `- item`: a scalar item of the parent key's sequence
        parent = path[-2] if len(path) >= 2 and path[-1] == "-" else None
        seg_start = line.content
        segment = raw[seg_start:col]
        ctx = _value_context(
            offset, path[:-1] if path[-1:] == ("-",) else path, parent, segment,
            base + seg_start, raw[col:], line.indent,
        )  # fmt: skip
        if ctx is None:
            return none
        ctx = with_changes(ctx, sequence=True)
        return _finish(snap, lines, ctx, n, None, ancestors)
    # a key being typed (no colon yet) or a blank line
    start = line.content if not line.blank else col
    tail = _KEY_TAIL.match(raw, col)
    word_end = tail.end() if tail is not None else col
    prefix = raw[start:col]
    quote = prefix[0] if prefix[:1] in ("'", '"') else None
    if quote:
        prefix = prefix[1:]
        start += 1
    if prefix.startswith(("#", "|", ">", "&", "*", "%", "@", "`")):
        return none
    if "\t" in prefix:
        return none
    ctx = CursorContext(
        offset,
        "key",
        path=path,
        key=prefix + raw[col:word_end] or None,
        prefix=prefix,
        start=base + start,
        end=base + max(col, word_end),
        column=column,
        quote=quote,
    )
    return _finish(snap, lines, ctx, n, column, ancestors)


def _value_context(
    offset: int,
    path: tuple[str, ...],
    key: str | None,
    segment: str,
    seg_start: int,
    rest: str,
    column: int,
) -> CursorContext | None:
    """The context of a value written on the key's own line (`segment`: up to the cursor)."""
    tag = INCLUDE_TAG if key == INCLUDE_TAG else None
    if segment.startswith(INCLUDE_TAG) and segment[len(INCLUDE_TAG) : len(INCLUDE_TAG) + 1] in (
        " ",
        "\t",
    ):
        tag = INCLUDE_TAG
        skip = len(segment) - len(segment[len(INCLUDE_TAG) :].lstrip())
        segment, seg_start = segment[skip:], seg_start + skip
    if segment[:1] in ("|", ">"):
        return None  # the indicator line of a block scalar
    quote: str | None = None
    if segment[:1] in ("'", '"'):
        end = quote_end(segment, 0)
        if end >= 0:
            return None  # after the closing quote
        quote = segment[0]
        segment, seg_start = segment[1:], seg_start + 1
    word = word_start(segment)
    return CursorContext(
        offset,
        "value",
        path=path,
        key=key,
        prefix=segment,
        start=seg_start,
        end=offset,
        column=column,
        tag=tag,
        quote=quote,
        expr=expr_context(segment, seg_start, rest),
        word_start=seg_start + word,
    )


def _finish_flow(
    snap: Snapshot,
    lines: Lines,
    offset: int,
    path: tuple[str, ...],
    flow: Flow,
    seg_base: int,
    raw: str,
    col: int,
    line_column: int | None,
    ancestors: list[Ancestor],
) -> CursorContext:
    """The context inside a flow collection opened on the cursor's line."""
    n = lines.index.position(offset).line
    full = (*path, *flow.path)
    key = flow.key
    if flow.sequence and key is None and full:
        key, full = full[-1], full[:-1]  # `key: [a, b` : the items of `key`
    token_start = seg_base + flow.token
    segment = snap.text[token_start:offset]
    line_start = lines.start(n)
    rest = raw[col:]
    task_path, inner = split_path(full)
    keys = flow.siblings if flow.kind == "key" or flow.sequence else (*flow.siblings, key or "")
    operator = operator_of(list(keys), None) if not inner else None
    ctx = CursorContext(
        offset,
        flow.kind,
        path=full,
        key=key,
        prefix=segment,
        start=token_start,
        end=offset,
        column=token_start - line_start,
        siblings=flow.siblings,
        quote=flow.quote,
        flow=True,
        sequence=flow.sequence,
        expr=expr_context(segment, token_start, rest) if flow.kind == "value" else None,
        word_start=token_start + word_start(segment),
    )
    if flow.sequence and not flow.path and line_column is not None:
        return _finish(snap, lines, ctx, n, line_column, ancestors)  # `key: [items`
    task = resolve_task(snap, task_path)
    if operator is None and task is not None and task.operator is not None and not inner:
        operator = task.operator.name
    if inner and task is not None and task.operator is not None:
        operator = task.operator.name
    return with_changes(
        ctx,
        task=task,
        task_path=task_path,
        inner=inner,
        task_keys=tuple(keys) if not inner else (),
        operator=operator,
    )


def _finish(
    snap: Snapshot,
    lines: Lines,
    ctx: CursorContext,
    line_no: int,
    column: int | None,
    ancestors: list[Ancestor],
) -> CursorContext:
    """Fill siblings, the task and its operator (`ancestors`: outermost first, as `path`)."""
    siblings: list[str] = []
    type_value: str | None = None
    if column is not None:
        siblings, type_value = mapping_keys(lines, line_no, column)
    task_path, inner = split_path(ctx.path)
    task = resolve_task(snap, task_path)
    task_keys: tuple[str, ...] = ()
    operator: str | None = None
    if not inner:
        own_key = ctx.key if ctx.kind == "value" and ctx.key != INCLUDE_TAG else None
        task_keys = tuple(siblings) + ((own_key,) if own_key else ())
        if task_path:
            operator = operator_of(task_keys, type_value)
    elif task_path and len(ancestors) >= len(task_path):
        header = ancestors[len(task_path) - 1]
        keys, header_type = body_keys(lines, header.line, header.indent)
        operator = operator_of(keys, header_type)
    if operator is None and task is not None and task.operator is not None and inner:
        operator = task.operator.name
    return with_changes(
        ctx,
        siblings=tuple(siblings),
        task=task,
        task_path=task_path,
        inner=inner,
        task_keys=task_keys,
        operator=operator,
    )
