"""`digfmt`'s engine: one canonical layout for `.dig` files that never changes what they mean.

`format_text` is pure and idempotent. It composes the text with Digdag's YAML rules
(`yamlload.compose`), writes the block structure anew (indentation, `key: value` spacing, `- `
items, blank lines, comment indentation) and copies every key, scalar and flow collection from
the source, so quoting, key order, anchors, tags and `!include : file` keys stay as written.
Quoting is never added, removed or switched: the safest choice, since Digdag's resolver and
stock YAML 1.1/1.2 resolvers type plain scalars differently (`yes`, `0.5`, `10:00:00`).

Every result goes through the safety net in `fmt.verify` (same ordered data, same tags, anchors
and scalar styles, same comments in order); a difference raises `FormatError` rather than change
a file. Constructs the layout writer does not handle (`?` complex keys, a comment between an
anchor/tag and its node, a tag written before an anchor, unusual line breaks, recursive aliases)
leave the text unchanged. CRLF files stay CRLF (decided by the first line break); a UTF-8 BOM
is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from diglang.fmt.emit import emit
from diglang.fmt.errors import FormatError, Unsupported
from diglang.fmt.verify import check
from diglang.yamlload import compose

__all__ = ["FormatError", "FormatOptions", "decode_source", "format_bytes", "format_text"]

_BOM = "\ufeff"
# Line breaks YAML 1.1 knows besides LF/CRLF; files using them are left alone.
_ODD_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


@dataclass(frozen=True, slots=True)
class FormatOptions:
    """Formatter settings; the defaults are the canonical style."""

    indent: int = 2  # columns per nesting level of block mappings and sequences under a key

    def __post_init__(self) -> None:
        if not 2 <= self.indent <= 8:
            raise ValueError(f"indent must be between 2 and 8, got {self.indent}")


def format_text(text: str, options: FormatOptions | None = None) -> str:
    """Return `text` in canonical layout; raise `FormatError` if it cannot be formatted safely."""
    options = options or FormatOptions()
    bom = _BOM if text.startswith(_BOM) else ""
    body = text[len(bom) :]
    crlf = _uses_crlf(body)
    body = body.replace("\r\n", "\n")
    root, error = compose(body)
    if error is not None:
        raise FormatError(f"cannot format: {error.message} at {_position(body, error.offset)}")
    if any(c in body for c in _ODD_BREAKS):
        return text
    try:
        result = emit(body, root, options.indent)
        if result != body:
            check(body, root, result)
    except Unsupported:
        return text
    except RecursionError:
        raise FormatError("cannot format: the document is nested too deeply") from None
    if crlf:
        result = result.replace("\n", "\r\n")
    return bom + result


def decode_source(data: bytes) -> str:
    """Decode a file's bytes as UTF-8 (a BOM is kept as `\\ufeff`), or raise `FormatError`."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FormatError(f"cannot format: not valid UTF-8 at line {line}, column {col}") from None


def format_bytes(data: bytes, options: FormatOptions | None = None) -> bytes:
    """`format_text` for the raw bytes of a file (UTF-8 in, UTF-8 out)."""
    return format_text(decode_source(data), options).encode("utf-8")


def _uses_crlf(text: str) -> bool:
    newline = text.find("\n")
    return newline > 0 and text[newline - 1] == "\r"


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {col}"
