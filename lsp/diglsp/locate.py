"""Where the cursor is, for completion and hover, even in text that is being typed.

While a user types, the YAML is often broken at the cursor (`+load:` with no body yet, a key
without its colon, an unclosed `${`). The parse tree then stops before the error, so the
cursor context is read from the text itself: indentation gives the chain of enclosing keys
(`+main` → `+load` → `_export`), the cursor's line says whether a key or a value is being
written, and a scan of the value finds an open `${...}` with the member chain before a dot
(`td.`, `moment().`). The parse tree is used only to name the enclosing task when it has it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from diglang.nodes import TASK_DIRECTIVES, Task
from diglsp.workspace import Snapshot

__all__ = [
    "IDENT_TAIL",
    "INCLUDE_TAG",
    "OPERATOR_KEY",
    "CursorContext",
    "ExprContext",
    "locate",
    "open_expr",
    "operator_of",
    "receiver_of",
    "resolve_task",
]

Kind = Literal["key", "value", "none"]

INCLUDE_TAG = "!include"
OPERATOR_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*>$")
IDENT_TAIL = re.compile(r"[A-Za-z_$][\w$]*$")
_KEY_TAIL = re.compile(r"[^\s:#'\"]*")
_KEY = re.compile(
    r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\[\]{}|>][^#]*?)[ \t]*:(?=[ \t]|$)"""
)
_TOP_KEY = re.compile(
    r"""^("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s#'"\[\]{}|>\-][^#\n]*?)[ \t]*:(?=[ \t\r]|$)""",
    re.M,
)
_COMMAND_PREFIX = re.compile(r"[a-z]+:")
_SPECIAL_ATTR = {"_error": "error", "_check": "check", "_do": "do", "_else_do": "else_do"}


@dataclass(frozen=True, slots=True)
class ExprContext:
    """An open `${...}` at the cursor.

    `text` is the expression text from after `${` to the cursor; `prefix` the identifier
    being typed (from `prefix_start` to the cursor, possibly empty); `receiver` the member
    chain before a dot, one string per segment with `()` for calls and `[]` for indexing
    (`td.last_` → `("td",)`, `moment(x).add(1, 'd').` → `("moment()", "add()")`), empty
    for a bare name.
    """

    start: int
    text: str
    prefix: str
    prefix_start: int
    receiver: tuple[str, ...] = ()
    closed: bool = False  # a `}` closes the expression later on the line
    in_string: bool = False  # the cursor is inside a JavaScript string literal


@dataclass(frozen=True, slots=True)
class CursorContext:
    """What is being written at a cursor offset.

    `kind` is `key` (a mapping key, possibly partial) or `value` (a scalar, possibly inside a
    `${...}`: see `expr`), or `none` (a comment, an indicator...). `path` holds the enclosing
    keys from the top level, `-` standing for a sequence item; it splits into `task_path`
    (the keys naming the enclosing task: `+x`, `_error`, `_check`, `_do`, `_else_do`) and
    `inner` (the keys below the task: `("_export",)`, `("schedule",)`).

    `prefix` is the text from `start` to the cursor: the partial key (key position) or the
    value written so far, without its quote or tag (value position); `end` is the end of the
    word under the cursor. `key` is the key being edited (key position) or the key whose
    value is being written.
    """

    offset: int
    kind: Kind
    path: tuple[str, ...] = ()
    key: str | None = None
    prefix: str = ""
    start: int = 0
    end: int = 0
    column: int = 0  # column of the key (key position) or of the key owning the value
    siblings: tuple[str, ...] = ()  # other keys of the mapping the key belongs to
    has_colon: bool = False  # key position: the key is already followed by `:`
    task: Task | None = None
    task_path: tuple[str, ...] = ()
    inner: tuple[str, ...] = ()
    task_keys: tuple[str, ...] = ()  # keys of the enclosing task's own mapping (from the text)
    operator: str | None = None  # the enclosing task's operator name
    tag: str | None = None  # `!include` when an include path is being written
    expr: ExprContext | None = None
    block: bool = False  # in a multi-line scalar (`|`, `>` or a continued plain scalar)
    quote: str | None = None  # the opening quote of the value
    flow: bool = False  # inside a `{...}` or `[...]` collection
    sequence: bool = False  # the value is an item of a sequence
    word_start: int = 0  # value position: where the last whitespace-separated word starts

    @property
    def where(self) -> str:
        """The kind of mapping the cursor's key belongs to.

        `top` (the workflow's root), `operator` (an operator task), `group` (a task with
        `+children`), `task` (a task whose kind is not written yet), `export`, `schedule`,
        `sla`, or `other` (inside a param, a nested mapping...).
        """
        if self.inner:
            if self.inner == ("_export",):
                return "export"
            if self.inner == ("schedule",) and not self.task_path:
                return "schedule"
            if self.inner == ("sla",) and not self.task_path:
                return "sla"
            return "other"
        if not self.task_path:
            return "top"
        if self.operator is not None:
            return "operator"
        if any(k.startswith("+") for k in self.task_keys):
            return "group"
        return "task"


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of YAML, read without a parser."""

    text: str
    indent: int  # leading spaces
    content: int  # column after the indentation and `- ` markers
    dash: bool  # starts a sequence item
    key: str | None  # the key, unquoted
    key_start: int
    key_end: int
    colon: int  # column of the key's `:`, -1 without key
    value: int  # column where the value starts
    value_text: str  # the value up to a comment, stripped
    blank: bool  # empty or comment only


def _parse_line(text: str) -> _Line:
    stripped = text.lstrip(" ")
    indent = len(text) - len(stripped)
    blank = not stripped.strip() or stripped.startswith("#")
    content = indent
    dash = False
    while content < len(text) and text[content] == "-":
        nxt = text[content + 1 : content + 2]
        if nxt not in ("", " ", "\t"):
            break
        dash = True
        content += 1
        while content < len(text) and text[content] in " \t":
            content += 1
    key: str | None = None
    key_start = key_end = content
    colon = -1
    value = len(text)
    value_text = ""
    if not blank:
        m = _KEY.match(text, content)
        if m is not None:
            raw = m.group(1)
            key = _unquote(raw.rstrip())
            key_start = content
            key_end = content + len(raw.rstrip())
            colon = m.end() - 1
            value = colon + 1
            while value < len(text) and text[value] in " \t":
                value += 1
            rest = text[value:]
            cut = _comment_start(rest)
            value_text = (rest if cut < 0 else rest[:cut]).strip()
    return _Line(
        text, indent, content, dash, key, key_start, key_end, colon, value, value_text, blank
    )


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        return inner.replace("''", "'") if raw[0] == "'" else inner.replace('\\"', '"')
    return raw


def _comment_start(value: str) -> int:
    """Column of a `#` comment in a value, or -1 (a quoted scalar is skipped first)."""
    i = 0
    if value[:1] in ("'", '"'):
        end = _quote_end(value, 0)
        if end < 0:
            return -1
        i = end + 1
    while True:
        j = value.find("#", i)
        if j < 0:
            return -1
        if j == 0 or value[j - 1] in " \t":
            return j
        i = j + 1


def _quote_end(text: str, start: int) -> int:
    """Index of the quote closing the one at `start`, or -1."""
    q = text[start]
    i = start + 1
    while i < len(text):
        c = text[i]
        if q == '"' and c == "\\":
            i += 2
            continue
        if c == q:
            if q == "'" and text[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return -1


class _Lines:
    """The snapshot's lines, parsed on demand (cached per snapshot)."""

    def __init__(self, snap: Snapshot) -> None:
        self.text = snap.text
        self.index = snap.source.index
        self.count = self.index.position(len(self.text)).line + 1
        self._raw: dict[int, str] = {}
        self._parsed: dict[int, _Line] = {}
        self._top: list[tuple[int, str]] | None = None

    def raw(self, n: int) -> str:
        found = self._raw.get(n)
        if found is None:
            found = self.text[self.index.line_start(n) : self.index.line_end(n)]
            self._raw[n] = found
        return found

    def indent(self, n: int) -> int:
        raw = self.raw(n)
        return len(raw) - len(raw.lstrip(" "))

    def is_blank(self, n: int) -> bool:
        stripped = self.raw(n).strip()
        return not stripped or stripped.startswith("#")

    def get(self, n: int) -> _Line:
        found = self._parsed.get(n)
        if found is None:
            found = self._parsed[n] = _parse_line(self.raw(n))
        return found

    def start(self, n: int) -> int:
        return self.index.line_start(n)

    def top_keys(self, skip: int) -> list[str]:
        """Keys written at column 0, except on line `skip` (a regex pass over the text)."""
        if self._top is None:
            self._top = [
                (m.start(), _unquote(m.group(1).rstrip())) for m in _TOP_KEY.finditer(self.text)
            ]
        start, end = self.index.line_start(skip), self.index.line_end(skip)
        return [key for at, key in self._top if not start <= at <= end]


def _lines(snap: Snapshot) -> _Lines:
    found = snap.memo.get("locate.lines")
    if isinstance(found, _Lines):
        return found
    lines = _Lines(snap)
    snap.memo["locate.lines"] = lines
    return lines


@dataclass
class _Ancestor:
    key: str  # a key, or "-" for a sequence item
    line: int
    indent: int
    holds_value: bool  # the key has a scalar written after it: lines below continue it


def _ancestors(
    lines: _Lines, line_no: int, column: int, dash_indent: int | None
) -> list[_Ancestor]:
    """Enclosing keys of a key at `column` on `line_no`, innermost first."""
    chain: list[_Ancestor] = []
    threshold = column
    equal = False  # a sequence item may sit at its parent key's column
    if dash_indent is not None:
        chain.append(_Ancestor("-", line_no, dash_indent, False))
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
                chain.append(_Ancestor(line.key, n, line.content, _holds_value(line)))
            elif line.key is None and line.content < threshold:
                chain.append(_Ancestor("-", n, indent, bool(line.text[line.content :].strip())))
                threshold, equal = indent, True
                n -= 1
                continue
            chain.append(_Ancestor("-", n, indent, False))
            threshold, equal = indent, True
        elif (indent < threshold or equal) and line.key is not None:
            chain.append(_Ancestor(line.key, n, indent, _holds_value(line)))
            threshold, equal = indent, False
        n -= 1
    return chain


def _holds_value(line: _Line) -> bool:
    value = line.value_text
    while value[:1] in ("&", "!") and value != INCLUDE_TAG:
        parts = value.split(None, 1)
        value = parts[1] if len(parts) > 1 else ""
    return bool(value)


def _mapping_keys(lines: _Lines, line_no: int, column: int) -> tuple[list[str], str | None]:
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


def _body_keys(lines: _Lines, header: int, indent: int) -> tuple[list[str], str | None]:
    """Keys (and `_type`) of the block mapping that is the value of the key on `header`."""
    n = header + 1
    while n < lines.count and lines.is_blank(n):
        n += 1
    if n >= lines.count:
        return [], None
    first = lines.get(n)
    if first.indent <= indent or first.key is None:
        return [], None
    keys, type_value = _mapping_keys(lines, n, first.content)
    return [first.key, *keys], type_value if first.key != "_type" else first.value_text


def _split_path(path: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(task path, inner path): task keys from the top, then the rest."""
    i = 0
    while i < len(path) and (path[i].startswith("+") or path[i] in TASK_DIRECTIVES):
        i += 1
    return path[:i], path[i:]


def resolve_task(snap: Snapshot, task_path: tuple[str, ...]) -> Task | None:
    """The task named by a chain of task keys from the top level (None if not in the tree)."""
    wf = snap.document.workflow
    if wf is None:
        return None
    task: Task | None = wf.task
    for key in task_path:
        if task is None:
            return None
        if key.startswith("+"):
            task = next((c for c in task.children if c.name == key), None)
        else:
            task = getattr(task, _SPECIAL_ATTR[key])
    return task


def operator_of(keys: tuple[str, ...] | list[str], type_value: str | None) -> str | None:
    """The operator a task mapping names with `op>:` or `_type:`."""
    if type_value:
        return _unquote(type_value)
    for key in keys:
        if OPERATOR_KEY.match(key):
            return key[:-1]
    return None


# -- the value being written -------------------------------------------------------------


def open_expr(segment: str) -> int | None:
    """Index of the `${` left open at the end of `segment` (Digdag's extended scanner)."""
    i = 0
    while True:
        j = segment.find("${", i)
        if j < 0:
            return None
        if _COMMAND_PREFIX.match(segment, j + 2):
            i = j + 2  # `${secret:...}` is literal text
            continue
        depth = 0
        k = j + 2
        while k < len(segment):
            c = segment[k]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth < 0:
                    break
            k += 1
        if k >= len(segment):
            return j
        i = k + 1


def _closes(rest: str, depth: int = 0) -> bool:
    for c in rest:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return True
    return False


def _in_js_string(text: str) -> bool:
    quote: str | None = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote is not None:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        i += 1
    return quote is not None


def receiver_of(text: str, dot: int) -> tuple[str, ...] | None:
    """The member chain ending with the `.` at `text[dot]`, outermost first."""
    segments: list[str] = []
    i = dot
    while True:
        i -= 1
        while i >= 0 and text[i] in " \t":
            i -= 1
        if i < 0:
            return None
        c = text[i]
        suffix = ""
        if c in ")]":
            opener = "(" if c == ")" else "["
            j = _matching_open(text, i, opener, c)
            if j is None:
                return None
            suffix = "()" if c == ")" else "[]"
            i = j - 1
            while i >= 0 and text[i] in " \t":
                i -= 1
        elif c in "'\"":
            j = text.rfind(c, 0, i)
            if j < 0:
                return None
            segments.append('""')
            i = j
            break
        m = IDENT_TAIL.search(text, 0, i + 1) if i >= 0 else None
        if m is None or m.end() != i + 1:
            if not suffix:
                return None
            segments.append(suffix)
            i += 1
            break
        name = m.group()
        if name[0].isdigit():
            return None
        segments.append(name + suffix)
        i = m.start()
        j = i - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j >= 0 and text[j] == ".":
            i = j
            continue
        break
    return tuple(reversed(segments))


def _matching_open(text: str, close: int, opener: str, closer: str) -> int | None:
    depth = 0
    i = close
    while i >= 0:
        c = text[i]
        if c == closer:
            depth += 1
        elif c == opener:
            depth -= 1
            if depth == 0:
                return i
        i -= 1
    return None


def _expr_context(segment: str, seg_start: int, rest_of_line: str) -> ExprContext | None:
    j = open_expr(segment)
    if j is None:
        return None
    start = seg_start + j + 2
    text = segment[j + 2 :]
    m = IDENT_TAIL.search(text)
    prefix = m.group() if m is not None and not m.group()[0].isdigit() else ""
    before = len(text) - len(prefix)
    receiver: tuple[str, ...] = ()
    k = before - 1
    while k >= 0 and text[k] in " \t":
        k -= 1
    if k >= 0 and text[k] == ".":
        found = receiver_of(text, k)
        receiver = found if found is not None else ("?",)
    return ExprContext(
        start=start,
        text=text,
        prefix=prefix,
        prefix_start=seg_start + j + 2 + before,
        receiver=receiver,
        closed=_closes(text + rest_of_line) if not _closes(text) else True,
        in_string=_in_js_string(text),
    )


@dataclass
class _Flow:
    path: tuple[str, ...]
    kind: Kind
    key: str | None
    token: int  # index in the segment where the current token starts
    siblings: tuple[str, ...]
    sequence: bool
    quote: str | None


def _flow(segment: str) -> _Flow | None:
    """The innermost flow collection open at the end of `segment` (which starts with it)."""

    @dataclass
    class Frame:
        mapping: bool
        key: str | None = None
        expect_key: bool = True
        token: int = 0
        keys: list[str] = field(default_factory=list)

    stack: list[Frame] = []
    i = 0
    quote: str | None = None
    while i < len(segment):
        c = segment[i]
        if c in "'\"" and stack and not segment[stack[-1].token : i].strip():
            end = _quote_end(segment, i)
            if end < 0:
                quote = c
                break
            i = end + 1
            continue
        if c in "{[":
            if stack and stack[-1].mapping and stack[-1].expect_key:
                pass
            stack.append(Frame(c == "{", token=i + 1))
        elif c in "}]":
            if stack:
                stack.pop()
            if not stack:
                return None
        elif c == "," and stack:
            top = stack[-1]
            if top.mapping:
                if top.expect_key:
                    word = segment[top.token : i].strip()
                    if word:
                        top.keys.append(_unquote(word))
                top.key, top.expect_key = None, True
            top.token = i + 1
        elif c == ":" and stack and stack[-1].mapping and stack[-1].expect_key:
            nxt = segment[i + 1 : i + 2]
            if nxt in ("", " ", "\t", ",", "}", "]"):
                top = stack[-1]
                top.key = _unquote(segment[top.token : i].strip())
                top.keys.append(top.key)
                top.expect_key = False
                top.token = i + 1
        i += 1
    if not stack:
        return None
    path: list[str] = []
    for frame in stack[:-1]:
        path.append(frame.key or "" if frame.mapping else "-")
    top = stack[-1]
    token = top.token
    while token < len(segment) and segment[token] in " \t":
        token += 1
    if quote is not None:
        token += 1
    if top.mapping and top.expect_key:
        return _Flow(tuple(path), "key", None, token, tuple(top.keys), False, quote)
    if top.mapping:
        others = tuple(k for k in top.keys if k != top.key)
        return _Flow(tuple(path), "value", top.key, token, others, False, quote)
    parent = stack[-2].key if len(stack) > 1 and stack[-2].mapping else None
    return _Flow(tuple(path[:-1]), "value", parent, token, (), True, quote)


# -- the entry point --------------------------------------------------------------------


def locate(snap: Snapshot, offset: int) -> CursorContext:
    """The cursor context at `offset` (never raises; `kind` is `none` when nothing fits)."""
    try:
        return _locate(snap, offset)
    except Exception:  # features must survive any input
        return CursorContext(offset, "none", start=offset, end=offset)


def _locate(snap: Snapshot, offset: int) -> CursorContext:
    offset = max(0, min(offset, len(snap.text)))
    lines = _lines(snap)
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
    chain = _ancestors(lines, n, column, dash_indent)
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
        word = _word_start(segment)
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
                expr=_expr_context(segment, base + seg_start, raw[col:]),
                word_start=base + seg_start + word,
            ),
            owner.line,
            owner.indent if owner.key != "-" else None,
            list(reversed(chain[holder + 1 :])),
        )

    ancestors = list(reversed(chain))
    path = tuple(a.key for a in ancestors)
    comment = _line_comment(line)
    if comment >= 0 and col > comment:
        return none

    if line.key is not None and col > line.colon:
        # a value after `key:`
        seg_start = line.value if col >= line.value else col
        segment = raw[seg_start:col]
        if segment[:1] in ("{", "["):
            flow = _flow(segment)
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
        flow = _flow(raw[line.content : col])
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
        ctx = _replace(ctx, sequence=True)
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


def _word_start(segment: str) -> int:
    i = len(segment)
    while i > 0 and not segment[i - 1].isspace():
        i -= 1
    return i


def _line_comment(line: _Line) -> int:
    """Column where a comment starts on a line, or -1."""
    text = line.text
    if line.blank:
        stripped = text.lstrip(" ")
        return len(text) - len(stripped) if stripped.startswith("#") else -1
    if line.key is not None:
        cut = _comment_start(text[line.value :])
        return line.value + cut if cut >= 0 else -1
    cut = _comment_start(text[line.content :])
    return line.content + cut if cut >= 0 else -1


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
        end = _quote_end(segment, 0)
        if end >= 0:
            return None  # after the closing quote
        quote = segment[0]
        segment, seg_start = segment[1:], seg_start + 1
    word = _word_start(segment)
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
        expr=_expr_context(segment, seg_start, rest),
        word_start=seg_start + word,
    )


def _finish_flow(
    snap: Snapshot,
    lines: _Lines,
    offset: int,
    path: tuple[str, ...],
    flow: _Flow,
    seg_base: int,
    raw: str,
    col: int,
    line_column: int | None,
    ancestors: list[_Ancestor],
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
    task_path, inner = _split_path(full)
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
        expr=_expr_context(segment, token_start, rest) if flow.kind == "value" else None,
        word_start=token_start + _word_start(segment),
    )
    if flow.sequence and not flow.path and line_column is not None:
        return _finish(snap, lines, ctx, n, line_column, ancestors)  # `key: [items`
    task = resolve_task(snap, task_path)
    if operator is None and task is not None and task.operator is not None and not inner:
        operator = task.operator.name
    if inner and task is not None and task.operator is not None:
        operator = task.operator.name
    return _replace(
        ctx,
        task=task,
        task_path=task_path,
        inner=inner,
        task_keys=tuple(keys) if not inner else (),
        operator=operator,
    )


def _finish(
    snap: Snapshot,
    lines: _Lines,
    ctx: CursorContext,
    line_no: int,
    column: int | None,
    ancestors: list[_Ancestor],
) -> CursorContext:
    """Fill siblings, the task and its operator (`ancestors`: outermost first, as `path`)."""
    siblings: list[str] = []
    type_value: str | None = None
    if column is not None:
        siblings, type_value = _mapping_keys(lines, line_no, column)
    task_path, inner = _split_path(ctx.path)
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
        keys, header_type = _body_keys(lines, header.line, header.indent)
        operator = operator_of(keys, header_type)
    if operator is None and task is not None and task.operator is not None and inner:
        operator = task.operator.name
    return _replace(
        ctx,
        siblings=tuple(siblings),
        task=task,
        task_path=task_path,
        inner=inner,
        task_keys=task_keys,
        operator=operator,
    )


def _replace(ctx: CursorContext, **changes: object) -> CursorContext:
    from dataclasses import replace

    return replace(ctx, **changes)  # type: ignore[arg-type]
