"""Re-indenting the source of scalars and flow collections without changing their value.

* Plain and quoted scalars over several lines: YAML folds the line breaks and drops the leading
  blanks of continuation lines, so those lines can be re-indented freely.
* Flow collections (`{...}`, `[...]`): leading blanks are insignificant in flow context; the
  continuation lines shift with the parent block, keeping their relative layout.
* Block scalars (`|`, `>`): every content line loses the old content indentation and gains the
  new one; an explicit indentation indicator is relative to the parent block, which moves by
  the same amount, so the indicator stays valid as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diglang.fmt.errors import Unsupported
from diglang.fmt.text import WS, rstrip_line

_HEADER = re.compile(r"([|>])([1-9][-+]?|[-+][1-9]?)?(?:[ \t]+(#.*))?[ \t]*")


def folded_lines(source: str, indent: int) -> list[str]:
    """A plain/quoted scalar's lines, continuation lines put at column `indent`."""
    lines = source.split("\n")
    result = [rstrip_line(lines[0])]
    for line in lines[1:]:
        body = line.lstrip(WS)
        result.append(" " * indent + rstrip_line(body) if body else "")
    return result


def shifted_lines(source: str, delta: int) -> list[str]:
    """A flow collection's lines, continuation lines moved right by `delta` columns."""
    lines = source.split("\n")
    result = [rstrip_line(lines[0])]
    for line in lines[1:]:
        body = line.lstrip(WS)
        lead = len(line) - len(body)
        result.append(" " * max(0, lead + delta) + rstrip_line(body) if body else "")
    return result


@dataclass(frozen=True, slots=True)
class BlockScalar:
    """A re-indented block scalar: header, optional header comment, content lines."""

    header: str
    comment: str | None
    lines: list[str]
    end: int  # offset just past the last source line that belongs to the scalar


def block_scalar(
    text: str, start: int, end: int, value: str, base: tuple[int, int], indent: int
) -> BlockScalar:
    """Re-indent the block scalar at `text[start:end]`; `base` is the parent's (old, new) column."""
    newline = text.find("\n", start, end)
    header_end = end if newline < 0 else newline
    match = _HEADER.fullmatch(text, start, header_end)
    if match is None:
        raise Unsupported("unusual block scalar header")
    raw = [] if newline < 0 else text[newline + 1 : end].split("\n")
    indicators = match.group(2) or ""
    digits = [c for c in indicators if c.isdigit()]
    if digits:
        old = base[0] + int(digits[0])
        new = old + base[1] - base[0]
    else:
        old = _detected_indent(raw)
        new = base[1] + indent
    if raw and not raw[-1].strip(" ") and (end < len(text) or len(raw[-1]) <= old):
        raw.pop()  # the indentation of the next line, or the empty rest after the final break
    lines = [_reindent(line, old, new) for line in raw]
    keep = "+" in indicators
    if not keep:
        while lines and lines[-1] == "":
            lines.pop()
    last = header_end if not lines else newline + sum(len(x) + 1 for x in raw[: len(lines)])
    header = match.group(1) + _chomp(indicators, value)
    comment = match.group(3)
    return BlockScalar(header, comment.rstrip(WS) if comment else None, lines, last)


def _detected_indent(raw: list[str]) -> int:
    for line in raw:
        if line.strip(" "):
            return len(line) - len(line.lstrip(" "))
    return max((len(line) for line in raw), default=0)


def _reindent(line: str, old: int, new: int) -> str:
    lead = len(line) - len(line.lstrip(" "))
    if lead < old or len(line) == old:
        if line.strip(" "):
            raise Unsupported("block scalar line indented less than its content")
        return ""
    return " " * new + line[old:]


def _chomp(indicators: str, value: str) -> str:
    """Keep the indicators, but a scalar that ended the file without a line break gets `-`.

    The formatter always ends the file with a line break; with `-` the value stays the same.
    """
    if not value or value.endswith("\n") or "-" in indicators:
        return indicators
    if "+" in indicators:
        return indicators.replace("+", "-")
    return indicators + "-"
