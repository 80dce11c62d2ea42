"""Block structure from indentation: the keys enclosing a line, and a mapping's other keys.

This is how the cursor's path (`+main` → `+load` → `_export`) and the keys already written
next to it are found while the YAML is broken.
"""

from __future__ import annotations

from dataclasses import dataclass

from diglsp.locate.lines import INCLUDE_TAG, Line, Lines


@dataclass
class Ancestor:
    """An enclosing key of the cursor, with the line and column it is written at."""

    key: str  # a key, or "-" for a sequence item
    line: int
    indent: int
    holds_value: bool  # the key has a scalar written after it: lines below continue it


def enclosing(lines: Lines, line_no: int, column: int, dash_indent: int | None) -> list[Ancestor]:
    """Enclosing keys of a key at `column` on `line_no`, innermost first."""
    chain: list[Ancestor] = []
    threshold = column
    equal = False  # a sequence item may sit at its parent key's column
    if dash_indent is not None:
        chain.append(Ancestor("-", line_no, dash_indent, False))
        threshold, equal = dash_indent, True
    n = line_no - 1
    while n >= 0 and (threshold > 0 or equal):
        indent = lines.indent(n)
        if indent > threshold or lines.is_blank(n):
            n -= 1
            continue
        line = lines.get(n)
        if line.dash:
            if indent == threshold and not equal:
                n -= 1
                continue
            if line.content < threshold and line.key is not None:
                chain.append(Ancestor(line.key, n, line.content, _holds_value(line)))
            elif line.key is None and line.content < threshold:
                chain.append(Ancestor("-", n, indent, bool(line.text[line.content :].strip())))
                threshold, equal = indent, True
                n -= 1
                continue
            chain.append(Ancestor("-", n, indent, False))
            threshold, equal = indent, True
        elif (indent < threshold or equal) and line.key is not None:
            chain.append(Ancestor(line.key, n, indent, _holds_value(line)))
            threshold, equal = indent, False
        n -= 1
    return chain


def _holds_value(line: Line) -> bool:
    value = line.value_text
    while value[:1] in ("&", "!") and value != INCLUDE_TAG:
        parts = value.split(None, 1)
        value = parts[1] if len(parts) > 1 else ""
    return bool(value)


def mapping_keys(lines: Lines, line_no: int, column: int) -> tuple[list[str], str | None]:
    """Keys of the block mapping whose keys sit at `column`, around `line_no`; and `_type`."""
    own = lines.get(line_no)
    if column == 0 and not own.dash:
        return [k for k in lines.top_keys(line_no) if k != INCLUDE_TAG], None
    above: list[str] = []
    type_value: str | None = None
    # upwards: stop at the line that starts the mapping (less indented, or its `- ` item)
    if not (own.dash and own.content == column):
        n = line_no - 1
        while n >= 0:
            indent = lines.indent(n)
            if indent > column or lines.is_blank(n):
                n -= 1
                continue
            line = lines.get(n)
            if line.content == column and line.key is not None:
                above.append(line.key)
                if line.key == "_type":
                    type_value = line.value_text
                if line.dash:
                    break
            elif indent < column or line.dash:
                break
            n -= 1
    keys = above[::-1]
    n = line_no + 1
    while n < lines.count:
        indent = lines.indent(n)
        if indent > column or lines.is_blank(n):
            n += 1
            continue
        line = lines.get(n)
        if indent < column or line.dash:
            break
        if line.key is not None:
            keys.append(line.key)
            if line.key == "_type":
                type_value = line.value_text
        n += 1
    return [k for k in keys if k != INCLUDE_TAG], type_value


def body_keys(lines: Lines, header: int, indent: int) -> tuple[list[str], str | None]:
    """Keys (and `_type`) of the block mapping that is the value of the key on `header`."""
    n = header + 1
    while n < lines.count and lines.is_blank(n):
        n += 1
    if n >= lines.count:
        return [], None
    first = lines.get(n)
    if first.indent <= indent or first.key is None:
        return [], None
    keys, type_value = mapping_keys(lines, n, first.content)
    return [first.key, *keys], type_value if first.key != "_type" else first.value_text
