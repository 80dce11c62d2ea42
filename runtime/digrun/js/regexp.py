"""Regular expressions: JavaScript (ECMAScript 5) and Java patterns run by Python's `re`.

`translate_js(pattern, flags)` rewrites a JavaScript pattern into an equivalent Python one:
`\\d \\w \\s \\b` keep JavaScript's meaning (ASCII digits and word characters, Unicode white
space), `.` excludes the four line terminators, `^`/`$` are anchors at the input's ends (or
at line terminators with `m`), `[^]` matches anything and `[]` nothing. Character classes are
rebuilt from their ranges. Constructs outside ECMAScript 5 (named groups, lookbehind, the
`u`/`y`/`s` flags) and the few that Python cannot express exactly raise `Unsupported`; a
malformed pattern raises a `SyntaxError` like the engine's.

`translate_java(pattern)` does the same for the `java.util.regex` patterns of the Java String
methods GraalJS exposes on strings (`replaceAll`, `replaceFirst`, `matches`).

`RegExp` is the JavaScript object (`source`, `global`, `ignoreCase`, `multiline`,
`lastIndex`, `exec`, `test`, `toString`); `expand_replacement` implements the `$&`, `$1`,
`` $` ``, `$'` and `$$` patterns of `String.prototype.replace`.

A pattern with catastrophic backtracking is as slow here as in Digdag's engine.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from digrun.js.values import (
    UNDEFINED,
    ArrayExtra,
    JSThrow,
    Obj,
    Unsupported,
    Value,
)

if TYPE_CHECKING:
    from digrun.js.interp import Interp

__all__ = [
    "RegExp",
    "expand_java_replacement",
    "expand_replacement",
    "translate_java",
    "translate_js",
]

_LINE_TERMINATORS = "\n\r\u2028\u2029"
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_WORD_RANGES = [
    (ord("0"), ord("9")),
    (ord("A"), ord("Z")),
    (ord("_"), ord("_")),
    (ord("a"), ord("z")),
]
_DIGIT_RANGES = [(ord("0"), ord("9"))]
_SPACE_RANGES = [(ord(c), ord(c)) for c in _JS_SPACE]
_WORD = "[0-9A-Z_a-z]"
_NOT_WORD = "[^0-9A-Z_a-z]"
_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NOT_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
_CONTROL_ESCAPES = {"f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_QUANTIFIER = re.compile(r"(?:[*+?]|\{(\d+)(?:(,)(\d*))?\})\??")


def _syntax(message: str) -> JSThrow:
    return JSThrow("SyntaxError", message)


def _char(code: int) -> str:
    """A Python pattern matching exactly the character `code`."""
    return re.escape(chr(code))


def _class_text(ranges: list[tuple[int, int]], negated: bool) -> str:
    if not ranges:
        return "[\\s\\S]" if negated else "(?!)"
    body = "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in ranges)
    return f"[{'^' if negated else ''}{body}]"


def _count_groups(pattern: str) -> int:
    count = 0
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(" and not pattern.startswith("(?", i):
            count += 1
        i += 1
    return count


class _JsTranslator:
    def __init__(self, pattern: str, multiline: bool) -> None:
        self.p = pattern
        self.i = 0
        self.multiline = multiline
        self.groups = _count_groups(pattern)
        self.out: list[str] = []
        self.depth = 0

    def run(self) -> str:
        p = self.p
        while self.i < len(p):
            ch = p[self.i]
            if ch == "\\":
                self.out.append(self._escape())
            elif ch == "[":
                self.out.append(self._class())
            elif ch == "(":
                self._group()
            elif ch == ")":
                if self.depth == 0:
                    raise _syntax("Unmatched ')'")
                self.depth -= 1
                self.out.append(")")
                self.i += 1
            elif ch == "|":
                self.out.append("|")
                self.i += 1
            elif ch == ".":
                self.out.append("[^\n\r\u2028\u2029]")
                self.i += 1
            elif ch == "^":
                self.out.append("(?<![^\n\r\u2028\u2029])" if self.multiline else "(?<![\\s\\S])")
                self.i += 1
            elif ch == "$":
                self.out.append(
                    "(?=[\n\r\u2028\u2029]|(?![\\s\\S]))" if self.multiline else "(?![\\s\\S])"
                )
                self.i += 1
            elif ch in "*+?":
                self._quantifier_or_error()
            elif ch == "{":
                match = _QUANTIFIER.match(p, self.i)
                if match:
                    self._quantifier_or_error()
                else:
                    self.out.append("\\{")
                    self.i += 1
            elif ch == "}":
                self.out.append("\\}")
                self.i += 1
            else:
                self.out.append(re.escape(ch))
                self.i += 1
        if self.depth:
            raise _syntax("Unterminated group")
        return "".join(self.out)

    def _quantifier_or_error(self) -> None:
        match = _QUANTIFIER.match(self.p, self.i)
        assert match is not None
        if not self.out or self.out[-1] in ("(", "(?:", "|") or self.out[-1].startswith("(?<!"):
            raise _syntax("Nothing to repeat")
        if self.out[-1].startswith(("(?=", "(?!")) and self.out[-1].endswith(")"):
            raise Unsupported("a quantified lookahead in a regular expression")
        if match.group(1) is not None:
            low = int(match.group(1))
            high = match.group(3)
            if high and int(high) < low:
                raise _syntax("numbers out of order in {} quantifier")
            if low > 100_000 or (high and int(high) > 100_000):
                raise Unsupported("a regular expression repeat count over 100000")
        self.out.append(match.group())
        self.i = match.end()

    def _group(self) -> None:
        p = self.p
        if (
            p.startswith("(?:", self.i)
            or p.startswith("(?=", self.i)
            or p.startswith("(?!", self.i)
        ):
            self.out.append(p[self.i : self.i + 3])
            self.i += 3
        elif p.startswith("(?", self.i):
            raise Unsupported(f"the regular expression group `{p[self.i : self.i + 4]}`")
        else:
            self.out.append("(")
            self.i += 1
        self.depth += 1

    def _escape(self) -> str:
        p = self.p
        if self.i + 1 >= len(p):
            raise _syntax("\\ at end of pattern")
        ch = p[self.i + 1]
        self.i += 2
        if ch == "d":
            return "[0-9]"
        if ch == "D":
            return "[^0-9]"
        if ch == "w":
            return _WORD
        if ch == "W":
            return _NOT_WORD
        if ch == "s":
            return _class_text(_SPACE_RANGES, False)
        if ch == "S":
            return _class_text(_SPACE_RANGES, True)
        if ch == "b":
            return _BOUNDARY
        if ch == "B":
            return _NOT_BOUNDARY
        if ch in "123456789":
            j = self.i
            while j < len(p) and p[j].isdigit() and p[j] in "0123456789":
                j += 1
            number = int(p[self.i - 1 : j])
            if number <= self.groups:
                self.i = j
                return f"(?:\\{number})"
            raise Unsupported("a legacy octal escape or a reference to a missing group")
        code = self._char_escape(ch)
        return _char(code)

    def _char_escape(self, ch: str) -> int:
        """The code of the character escape whose letter `ch` was just consumed."""
        p = self.p
        if ch in _CONTROL_ESCAPES:
            return ord(_CONTROL_ESCAPES[ch])
        if ch == "0":
            if self.i < len(p) and p[self.i].isdigit():
                raise Unsupported("a legacy octal escape in a regular expression")
            return 0
        if ch == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", p[self.i : self.i + 2]):
            self.i += 2
            return int(p[self.i - 2 : self.i], 16)
        if ch == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", p[self.i : self.i + 4]):
            self.i += 4
            return int(p[self.i - 4 : self.i], 16)
        if ch == "c":
            if self.i < len(p) and p[self.i].isascii() and p[self.i].isalpha():
                self.i += 1
                return ord(p[self.i - 1]) % 32
            raise Unsupported("a `\\c` escape without a letter")
        if ch in "xu" or ch.isdigit():
            raise Unsupported(f"the escape `\\{ch}` in a regular expression")
        return ord(ch)  # identity escape

    def _class(self) -> str:
        p = self.p
        self.i += 1
        negated = p.startswith("^", self.i)
        if negated:
            self.i += 1
        ranges: list[tuple[int, int]] = []
        pending: list[tuple[int, int] | None] = []  # None marks a class escape (\d)
        while True:
            if self.i >= len(p):
                raise _syntax("Unterminated character class")
            ch = p[self.i]
            if ch == "]":
                self.i += 1
                break
            atom, is_set = self._class_atom()
            if is_set:
                pending.append(None)
                ranges.extend(atom)
            else:
                pending.append(atom[0])
            # a range `a-b`
            if (
                p.startswith("-", self.i)
                and self.i + 1 < len(p)
                and p[self.i + 1] != "]"
                and not is_set
            ):
                self.i += 1
                high, high_set = self._class_atom()
                if high_set:
                    raise Unsupported("a class escape as a range end")
                lo, hi = atom[0][0], high[0][0]
                if lo > hi:
                    raise _syntax("Range out of order in character class")
                pending[-1] = (lo, hi)
        ranges.extend(r for r in pending if r is not None)
        return _class_text(sorted(ranges), negated)

    def _class_atom(self) -> tuple[list[tuple[int, int]], bool]:
        p = self.p
        ch = p[self.i]
        if ch != "\\":
            self.i += 1
            return [(ord(ch), ord(ch))], False
        if self.i + 1 >= len(p):
            raise _syntax("\\ at end of pattern")
        letter = p[self.i + 1]
        self.i += 2
        if letter == "d":
            return list(_DIGIT_RANGES), True
        if letter == "w":
            return list(_WORD_RANGES), True
        if letter == "s":
            return list(_SPACE_RANGES), True
        if letter in "DWS":
            raise Unsupported(f"`\\{letter}` inside a character class")
        if letter == "b":
            return [(8, 8)], False
        if letter in "123456789":
            raise Unsupported("an octal escape in a character class")
        code = self._char_escape(letter)
        return [(code, code)], False


@functools.lru_cache(maxsize=512)
def translate_js(pattern: str, flags: str) -> re.Pattern[str]:
    """The compiled Python equivalent of the JavaScript regex `/pattern/flags`."""
    for k, flag in enumerate(flags):
        if flag not in "gim":
            if flag in "uys":
                raise Unsupported(f"the regular expression flag `{flag}` (not ECMAScript 5)")
            raise _syntax(f"Unsupported RegExp flag: {flag}")
        if flag in flags[:k]:
            raise _syntax(f"Repeated RegExp flag: {flag}")
    text = _JsTranslator(pattern, "m" in flags).run()
    try:
        return re.compile(text, re.IGNORECASE if "i" in flags else 0)
    except re.error as exc:
        raise Unsupported(f"the regular expression /{pattern}/ ({exc})") from None


# ------------------------------------------------------------------------- Java regex

_JAVA_DOT = "[^\n\r\u0085\u2028\u2029]"


@functools.lru_cache(maxsize=256)
def translate_java(pattern: str) -> re.Pattern[str]:
    """The compiled Python equivalent of a `java.util.regex.Pattern` (common subset)."""
    out: list[str] = []
    i = 0
    in_class = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern):
                raise JSThrow(
                    "Error", "java.util.regex.PatternSyntaxException: Unexpected internal error"
                )
            nxt = pattern[i + 1]
            if nxt in "QEpPXRhHvVGZzkNuxc0" or (nxt.isdigit() and in_class):
                if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", pattern[i + 2 : i + 6]):
                    out.append(_char(int(pattern[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                if nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", pattern[i + 2 : i + 4]):
                    out.append(_char(int(pattern[i + 2 : i + 4], 16)))
                    i += 4
                    continue
                if nxt in "zZ" and not in_class:
                    out.append("\\Z" if nxt == "z" else "(?=(?:\r\n|[\n\r\u0085\u2028\u2029])?\\Z)")
                    i += 2
                    continue
                raise Unsupported(f"the Java regex escape `\\{nxt}`")
            if nxt.isalnum() and nxt not in "dDwWsSbBtnrfaeAtn" and not nxt.isdigit():
                raise Unsupported(f"the Java regex escape `\\{nxt}`")
            if nxt == "e":
                out.append("\\x1b")
            elif nxt == "a":
                out.append("\\x07")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "[" or pattern.startswith("&&", i):
                raise Unsupported("a nested or intersected Java character class")
            if ch == "]":
                in_class = 0
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = 1
            out.append("[")
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):
                out.append("\\]")
                i += 1
            continue
        if pattern.startswith("(?", i) and not pattern.startswith(
            ("(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>"), i
        ):
            raise Unsupported("a Java regex group with flags or a name")
        if ch == ".":
            out.append(_JAVA_DOT)
        elif ch == "$":
            out.append("(?=(?:\r\n|[\n\r\u0085\u2028\u2029])?\\Z)")
        else:
            out.append(ch)
        i += 1
    try:
        return re.compile("".join(out), re.ASCII)
    except re.error as exc:
        raise JSThrow(
            "Error", f"java.util.regex.PatternSyntaxException: {exc} near index {exc.pos}"
        ) from None


def expand_java_replacement(template: str, match: re.Match[str]) -> str:
    """`Matcher.appendReplacement`: `$n` and `\\x` (escape) in a Java replacement string."""
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "\\":
            if i + 1 >= len(template):
                raise JSThrow(
                    "Error",
                    "java.lang.IllegalArgumentException: character to be escaped is missing",
                )
            out.append(template[i + 1])
            i += 2
        elif ch == "$":
            j = i + 1
            if j >= len(template):
                raise JSThrow(
                    "Error",
                    "java.lang.IllegalArgumentException: "
                    "Illegal group reference: group index is missing",
                )
            if template[j] == "{":
                raise Unsupported("a named group reference in a Java replacement")
            if not template[j].isdigit() or not template[j].isascii():
                raise JSThrow(
                    "Error", "java.lang.IllegalArgumentException: Illegal group reference"
                )
            number = int(template[j])
            if number > (match.re.groups):
                raise JSThrow("Error", f"java.lang.IndexOutOfBoundsException: No group {number}")
            j += 1
            while j < len(template) and template[j].isascii() and template[j].isdigit():
                bigger = number * 10 + int(template[j])
                if bigger > match.re.groups:
                    break
                number = bigger
                j += 1
            out.append(match.group(number) or "")
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# ------------------------------------------------------------------------- JS objects


def expand_replacement(
    template: str, matched: str, position: int, subject: str, groups: list[Value]
) -> str:
    """GetSubstitution: the `$` patterns of a `replace` replacement string."""
    if "$" not in template:
        return template
    out: list[str] = []
    i = 0
    m = len(groups)
    while i < len(template):
        ch = template[i]
        if ch != "$" or i + 1 >= len(template):
            out.append(ch)
            i += 1
            continue
        nxt = template[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "&":
            out.append(matched)
            i += 2
        elif nxt == "`":
            out.append(subject[:position])
            i += 2
        elif nxt == "'":
            out.append(subject[position + len(matched) :])
            i += 2
        elif nxt.isdigit() and nxt.isascii():
            two = template[i + 1 : i + 3]
            if len(two) == 2 and two.isdigit() and two.isascii() and 1 <= int(two) <= m:
                index = int(two)
                i += 3
            elif 1 <= int(nxt) <= m:
                index = int(nxt)
                i += 2
            else:
                out.append("$")
                i += 1
                continue
            value = groups[index - 1]
            out.append(value if isinstance(value, str) else "")
        else:
            out.append("$")
            i += 1
    return "".join(out)


class RegExp(Obj):
    """A JavaScript RegExp object."""

    __slots__ = ("compiled", "flags", "last_index", "source")
    class_name = "RegExp"

    def __init__(self, source: str, flags: str, compiled: re.Pattern[str]) -> None:
        self.source = source
        self.flags = flags
        self.compiled = compiled
        self.last_index: Value = 0.0

    @classmethod
    def create(cls, source: str, flags: str) -> RegExp:
        """`new RegExp(source, flags)` / `/source/flags`."""
        return cls(source, flags, translate_js(source, flags))

    @property
    def is_global(self) -> bool:
        return "g" in self.flags

    def get(self, key: str) -> Value:
        if key == "source":
            return self.source or "(?:)"
        if key == "global":
            return "g" in self.flags
        if key == "ignoreCase":
            return "i" in self.flags
        if key == "multiline":
            return "m" in self.flags
        if key == "lastIndex":
            return self.last_index
        from digrun.js.builtins import REGEXP_PROTO

        if key in REGEXP_PROTO:
            return REGEXP_PROTO[key]
        return super().get(key)

    def put(self, key: str, value: Value) -> None:
        if key == "lastIndex":
            self.last_index = value
            return
        if key in ("source", "global", "ignoreCase", "multiline"):
            return  # read-only
        raise Unsupported(f"assigning property `{key}` of a RegExp")

    def text(self) -> str:
        return f"/{self.source or '(?:)'}/{self.flags}"

    def default_value(self, hint: str, interp: Interp | None) -> Value:
        return self.text()

    def exec_at(self, subject: str, start: int) -> re.Match[str] | None:
        """The first match at or after `start`."""
        return self.compiled.search(subject, start)

    def exec(self, interp: Interp, subject: str) -> Value:
        """`RegExp.prototype.exec` (ES5 §15.10.6.2)."""
        from digrun.js.values import to_integer

        index = to_integer(self.last_index, interp) if self.is_global else 0.0
        if index < 0 or index > len(subject):
            self.last_index = 0.0
            return None
        match = self.exec_at(subject, int(index))
        if match is None:
            if self.is_global:
                self.last_index = 0.0
            return None
        if self.is_global:
            self.last_index = float(match.end())
        return match_array(match, subject)


def match_array(match: re.Match[str], subject: str) -> ArrayExtra:
    """The array `exec` returns: the match, the groups (undefined when unmatched), `index`,
    `input`."""
    items: list[Value] = [match.group()]
    items.extend(UNDEFINED if g is None else g for g in match.groups())
    return ArrayExtra(items, {"index": float(match.start()), "input": subject})
