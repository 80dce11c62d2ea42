"""Values of JavaScript literal tokens: numbers, string escapes, regex flags, template parts.

Each decoder reports problems as `(offset, message)` pairs with offsets local to the token,
so the caller can place them.
"""

from __future__ import annotations

import math
import re

__all__ = ["decode_escapes", "number_value", "regex_parts", "split_template"]

Problem = tuple[int, int, str]  # (start, end, message), offsets local to the token

_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_LINE_TERMINATORS = "\n\r\u2028\u2029"
_HEX2 = re.compile(r"[0-9a-fA-F]{2}")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_OCTAL = re.compile(r"[0-3][0-7]{0,2}|[4-7][0-7]?")
_LEGACY_OCTAL = re.compile(r"0[0-7]+")
REGEX_FLAGS = "gimsuy"


def number_value(raw: str) -> float:
    """The JS number a numeric literal denotes (hex, legacy octal `017`, decimal)."""
    try:
        if raw[:2] in ("0x", "0X"):
            return float(int(raw[2:], 16))
        if _LEGACY_OCTAL.fullmatch(raw):
            return float(int(raw, 8))
        return float(raw)
    except OverflowError:
        return math.inf


def _escape(body: str, i: int, template: bool) -> tuple[str, int, str | None]:
    """Decode the escape whose backslash is at `i`: (text, next index, error or None)."""
    ch = body[i + 1]
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch], i + 2, None
    if ch in _LINE_TERMINATORS:
        skip = 3 if body.startswith("\r\n", i + 1) else 2
        return "", i + skip, None
    if ch in "xu":
        pattern = _HEX2 if ch == "x" else _HEX4
        match = pattern.match(body, i + 2)
        if match is None:
            return "", i + 2, f"malformed `\\{ch}` escape sequence"
        return chr(int(match.group(), 16)), match.end(), None
    if ch in "01234567":
        match = _OCTAL.match(body, i + 1)
        assert match is not None
        if match.group() == "0" and not body[match.end() : match.end() + 1].isdigit():
            return "\0", i + 2, None
        if template:
            return "", match.end(), "octal escape sequences are not allowed in template literals"
        return chr(int(match.group(), 8)), match.end(), None
    return ch, i + 2, None


def decode_escapes(body: str, template: bool = False) -> tuple[str, list[Problem]]:
    """Decode the escape sequences of a string (or template) literal body."""
    if "\\" not in body:
        return body, []
    out: list[str] = []
    problems: list[Problem] = []
    i = 0
    n = len(body)
    while i < n:
        j = body.find("\\", i)
        if j < 0 or j + 1 >= n:
            out.append(body[i:])
            break
        out.append(body[i:j])
        text, i, error = _escape(body, j, template)
        out.append(text)
        if error is not None:
            problems.append((j, i, error))
    return "".join(out), problems


_GROUP_OPENING = re.compile(r"\((?:\?(?:[:=!]|<[=!]|<[A-Za-z_$][\w$]*>))?")
_BRACE_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_CLASS = re.compile(r"\[(?:[^\]\\]|\\.)*\]", re.DOTALL)


def _pattern_token(pattern: str, i: int) -> tuple[str, int]:
    """Classify the pattern element at `i`: (kind, end). Kinds: atom, open, close, quant, alt."""
    ch = pattern[i]
    if ch == "\\":
        return ("assertion" if pattern[i + 1 : i + 2] in ("b", "B") else "atom"), i + 2
    if ch == "[":
        match = _CLASS.match(pattern, i)
        return "atom", match.end() if match else len(pattern)
    if ch == "(":
        match = _GROUP_OPENING.match(pattern, i)
        group_end = match.end() if match else i + 1
        if group_end == i + 1 and pattern.startswith("?", i + 1):
            return "bad-group", i + 2
        return "open", group_end
    match = _BRACE_QUANTIFIER.match(pattern, i)
    if ch in "*+?" or match:
        end = match.end() if match else i + 1
        return "quant", end + 1 if pattern.startswith("?", end) else end
    kinds = {")": "close", "|": "alt", "^": "assertion", "$": "assertion"}
    return kinds.get(ch, "atom"), i + 1


def pattern_problems(pattern: str) -> list[Problem]:
    """Basic syntax checks of a regex pattern: groups balance, quantifiers follow an atom."""
    problems: list[Problem] = []
    groups: list[int] = []
    repeatable = False
    i = 0
    while i < len(pattern):
        kind, end = _pattern_token(pattern, i)
        if kind == "quant" and not repeatable:
            problems.append((i, end, f"nothing to repeat before `{pattern[i:end]}`"))
        elif kind == "bad-group":
            problems.append((i, end, f"invalid group `{pattern[i:end]}`"))
            groups.append(-1)  # closed by its `)` but reported already
        elif kind == "open":
            groups.append(i)
        elif kind == "close" and not groups:
            problems.append((i, end, "unmatched `)`"))
        elif kind == "close":
            groups.pop()
        repeatable = kind in ("atom", "close")
        i = end
    problems.extend((start, start + 1, "unterminated group") for start in groups if start >= 0)
    return problems


def regex_parts(raw: str) -> tuple[str, str, list[Problem]]:
    """Split `/pattern/flags`, check the pattern and the flags (ES5 `gim`, plus `s`, `u`, `y`)."""
    cut = raw.rindex("/")
    pattern, flags = raw[1:cut], raw[cut + 1 :]
    problems: list[Problem] = [
        (start + 1, end + 1, f"invalid regular expression: {message}")
        for start, end, message in pattern_problems(pattern)
    ]
    for k, flag in enumerate(flags):
        if flag not in REGEX_FLAGS or flag in flags[:k]:
            at = cut + 1 + k
            problems.append((at, at + 1, f"invalid regular expression flag `{flag}`"))
    return pattern, flags, problems


def _skip_quoted(text: str, i: int) -> int:
    """Index after the quoted string starting at `i` (or the end of `text`)."""
    quote = text[i]
    i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i + 1
        else:
            i += 1
    return len(text)


def _substitution_end(text: str, i: int) -> int:
    """Index of the `}` closing a substitution whose body starts at `i`, or -1."""
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            i = _skip_quoted(text, i)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def split_template(raw: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Split a template literal token into quasi ranges and substitution expression ranges.

    Ranges are `(start, end)` offsets into `raw` (which includes the backticks). When a
    substitution is unterminated, the returned lists have equal lengths.
    """
    quasis: list[tuple[int, int]] = []
    exprs: list[tuple[int, int]] = []
    start = i = 1
    end = len(raw) - 1
    while i < end:
        if raw[i] == "\\":
            i += 2
            continue
        if raw.startswith("${", i):
            close = _substitution_end(raw[:end], i + 2)
            quasis.append((start, i))
            if close < 0:
                exprs.append((i + 2, end))
                return quasis, exprs
            exprs.append((i + 2, close))
            start = i = close + 1
            continue
        i += 1
    quasis.append((start, end))
    return quasis, exprs
