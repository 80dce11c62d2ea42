"""Semantic tokens: Digdag-aware colors on top of the editor's YAML highlighting.

Only standard LSP token types are used, so every theme colors them without configuration:

| what | token type | modifiers |
|---|---|---|
| task names `+load` | `function` | `declaration` |
| operator keys `td>`, schedule types `daily>`; `timezone`, `schedule`, `sla` | `keyword` | |
| directives `_export`, `_retry`, `_do`…, `!include` | `macro` | |
| `_export` keys and `for_each>` variables | `variable` | `declaration` |
| operator parameters and other keys | `property` | |
| `${` and `}` around an expression | `macro` | |
| variables in `${...}` | `variable` | `defaultLibrary`: built-ins, JavaScript globals |
| member names, called members | `property`, `method` | |
| called functions, `new` targets | `function`, `class` | `defaultLibrary` for globals |
| function parameters | `parameter` | `declaration` where declared |
| strings, numbers, regular expressions | `string`, `number`, `regexp` | |
| operators (`+`, `==`, `?`, `!`) | `operator` | |
| `typeof`, `new`, `function`, `true`, `null`, `in`… | `keyword` | |

Tokens cover only this file's text (not `!include`d files), never span lines, never overlap.
Expressions whose text is not the YAML source text (escapes in double-quoted scalars,
folded scalars) get no tokens inside.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from lsprotocol import types

from diglang.expr import nodes as n
from diglang.expr.scope import JS_GLOBALS
from diglang.nodes import TASK_DIRECTIVES
from diglang.schemas import builtin_variables, load_directives
from diglang.source import Source, Span
from diglang.values import Mapping, Scalar, Sequence, Template, Value, walk_values
from diglsp.workspace import Snapshot

TOKEN_TYPES = (
    types.SemanticTokenTypes.Function,
    types.SemanticTokenTypes.Keyword,
    types.SemanticTokenTypes.Macro,
    types.SemanticTokenTypes.Property,
    types.SemanticTokenTypes.Variable,
    types.SemanticTokenTypes.Parameter,
    types.SemanticTokenTypes.String,
    types.SemanticTokenTypes.Number,
    types.SemanticTokenTypes.Regexp,
    types.SemanticTokenTypes.Operator,
    types.SemanticTokenTypes.Method,
    types.SemanticTokenTypes.Class,
)
TOKEN_MODIFIERS = (
    types.SemanticTokenModifiers.Declaration,
    types.SemanticTokenModifiers.DefaultLibrary,
)
LEGEND = types.SemanticTokensLegend(
    token_types=[t.value for t in TOKEN_TYPES],
    token_modifiers=[m.value for m in TOKEN_MODIFIERS],
)

FUNCTION, KEYWORD, MACRO, PROPERTY, VARIABLE, PARAMETER = range(6)
STRING, NUMBER, REGEXP, OPERATOR, METHOD, CLASS = range(6, 12)
DECLARATION, DEFAULT_LIBRARY = 1, 2

_TOP_KEYWORDS = frozenset({"timezone", "schedule", "sla"})
_WORD_OPERATORS = frozenset({"typeof", "void", "delete", "in", "instanceof"})


# Tokens are collected as packed integers (start, reversed end, type, modifiers): sorting
# them sorts by start then longest first, and, unlike tuples, ints never wake the garbage
# collector, which on a large document costs more than the tokens themselves.
_END_BITS = 32
_END_MAX = (1 << _END_BITS) - 1


def _add(out: list[int], start: int, end: int, kind: int, modifiers: int = 0) -> None:
    out.append((start << (_END_BITS + 8)) | ((_END_MAX - end) << 8) | (kind << 3) | modifiers)


@functools.cache
def _directives() -> frozenset[str]:
    return frozenset(name for name in load_directives() if name.startswith("_"))


@functools.cache
def _library() -> frozenset[str]:
    names: frozenset[str] = frozenset(v.name for v in builtin_variables()) | JS_GLOBALS
    return names


def semantic_tokens(snap: Snapshot, span: Span | None = None) -> types.SemanticTokens:
    """Tokens of the whole document, or of those overlapping `span` (never raises)."""
    try:
        packed = _collect(snap, span)
    except Exception:  # colors are never worth a failed request
        packed = []
    tokens = _clean(packed, len(snap.text), span)
    return types.SemanticTokens(data=_encode(snap.source, tokens))


# ---------------------------------------------------------------------- collecting


def _collect(snap: Snapshot, span: Span | None) -> list[int]:
    root = snap.document.root
    if not isinstance(root, Mapping):
        return []
    source = snap.source
    tokens: list[int] = []
    _keys(root, source, tokens, "task", top=True)
    for node in walk_values(root):
        if not isinstance(node, Template) or node.source is not source:
            continue
        if span is not None and (node.span.end < span.start or node.span.start > span.end):
            continue
        for expr in node.exprs:
            if expr.exact:
                _expression(expr.placeholder, expr.result.node, source.text, tokens)
    return tokens


def _keys(mapping: Mapping, source: Source, out: list[int], kind: str, top: bool = False) -> None:
    """Tokens of the keys of `mapping`; `kind` says what the mapping is (a task, an
    `_export`, a schedule, parameters)."""
    stack: list[tuple[Mapping, str, bool]] = [(mapping, kind, top)]
    seen_includes: set[int] = set()
    while stack:
        current, context, is_top = stack.pop()
        for entry in current.entries:
            include = entry.include
            if (
                include is not None
                and include.source is source
                and id(include) not in seen_includes
            ):
                seen_includes.add(id(include))
                _include_tag(include, source, out)
            key, value = entry.key, entry.value
            if key.source is not source:
                continue
            token, child = _key_token(key.text, context, is_top)
            if token is not None:
                _add(out, key.span.start, key.span.end, *token)
            for nested in _mappings(value, child):
                stack.append((nested, child, False))


def _key_token(text: str, context: str, top: bool) -> tuple[tuple[int, int] | None, str]:
    """(token type and modifiers, context of the value) of a key in a `context` mapping."""
    if context == "task":
        if text.startswith("+"):
            return (FUNCTION, DECLARATION), "task"
        if text.endswith(">"):
            return (KEYWORD, 0), "for_each" if text == "for_each>" else "params"
        if text in TASK_DIRECTIVES:
            return (MACRO, 0), "task"
        if text == "_export":
            return (MACRO, 0), "export"
        if text in _directives():
            return (MACRO, 0), "params"
        if top and text in _TOP_KEYWORDS:
            return (KEYWORD, 0), {"schedule": "schedule", "sla": "task"}.get(text, "params")
        return (PROPERTY, 0), "params"
    if context in ("export", "for_each"):
        return (VARIABLE, DECLARATION), "params"
    if context == "schedule" and text.endswith(">"):
        return (KEYWORD, 0), "params"
    return (PROPERTY, 0), "params"


def _mappings(value: Value, context: str) -> Iterator[Mapping]:
    """The mappings whose keys get tokens below `value` (through sequences)."""
    if isinstance(value, Mapping):
        yield value
    elif isinstance(value, Sequence) and context == "params":
        for item in value.items:
            yield from _mappings(item, context)


def _include_tag(include: Scalar, source: Source, out: list[int]) -> None:
    tag = include.tag or ""
    start = source.text.rfind(tag, 0, include.span.start + 1) if tag else -1
    if tag and start >= 0 and not source.text[start + len(tag) : include.span.start].strip():
        _add(out, start, start + len(tag), MACRO)


# --------------------------------------------------------------------- expressions


def _expression(placeholder: Span, node: n.Node | None, text: str, out: list[int]) -> None:
    _add(out, placeholder.start, placeholder.start + 2, MACRO)
    _add(out, placeholder.end - 1, placeholder.end, MACRO)
    if node is None:
        return
    stack: list[tuple[n.Node, str, frozenset[str]]] = [(node, "", frozenset())]
    while stack:
        current, role, bound = stack.pop()
        stack.extend(_node(current, role, bound, text, out))


def _node(
    node: n.Node, role: str, bound: frozenset[str], text: str, out: list[int]
) -> list[tuple[n.Node, str, frozenset[str]]]:
    """Emit the tokens of `node` itself; return its children to visit with their roles."""
    span = node.span
    children: list[tuple[n.Node, str, frozenset[str]]] = []

    if isinstance(node, n.Identifier):
        library = node.name in _library() and node.name not in bound
        if node.name in bound:
            _add(out, span.start, span.end, PARAMETER)
        elif role == "callee":
            _add(out, span.start, span.end, FUNCTION, DEFAULT_LIBRARY if library else 0)
        elif role == "new":
            _add(out, span.start, span.end, CLASS, DEFAULT_LIBRARY if library else 0)
        else:
            _add(out, span.start, span.end, VARIABLE, DEFAULT_LIBRARY if library else 0)
    elif isinstance(node, n.StringLit):
        _add(out, span.start, span.end, STRING)
    elif isinstance(node, n.NumberLit):
        _add(out, span.start, span.end, NUMBER)
    elif isinstance(node, n.BooleanLit | n.NullLit | n.This):
        _add(out, span.start, span.end, KEYWORD)
    elif isinstance(node, n.RegexLit):
        _add(out, span.start, span.end, REGEXP)
    elif isinstance(node, n.TemplateLit):
        position = span.start
        for expr in node.expressions:
            _add(out, position, expr.span.start, STRING)
            _visit(children, expr, "", bound)
            position = expr.span.end
        _add(out, position, span.end, STRING)
    elif isinstance(node, n.Member):
        _visit(children, node.object, "", bound)
        global_object = isinstance(node.object, n.Identifier) and node.object.name in JS_GLOBALS
        kind = METHOD if role == "callee" else PROPERTY
        prop = node.property.span
        _add(out, prop.start, prop.end, kind, DEFAULT_LIBRARY if global_object else 0)
    elif isinstance(node, n.Call):
        _visit(children, node.callee, "callee", bound)
        for argument in node.arguments:
            _visit(children, argument, "", bound)
    elif isinstance(node, n.New):
        _add(out, span.start, span.start + 3, KEYWORD)
        _visit(children, node.callee, "new", bound)
        for argument in node.arguments or ():
            _visit(children, argument, "", bound)
    elif isinstance(node, n.Unary):
        kind = KEYWORD if node.op in _WORD_OPERATORS else OPERATOR
        _add(out, span.start, span.start + len(node.op), kind)
        _visit(children, node.operand, "", bound)
    elif isinstance(node, n.Update):
        if node.prefix:
            _add(out, span.start, span.start + len(node.op), OPERATOR)
        else:
            _add(out, span.end - len(node.op), span.end, OPERATOR)
        _visit(children, node.operand, "", bound)
    elif isinstance(node, n.Binary | n.Logical):
        kind = KEYWORD if node.op in _WORD_OPERATORS else OPERATOR
        _operator(text, node.left.span.end, node.right.span.start, node.op, kind, out)
        _visit(children, node.left, "", bound)
        _visit(children, node.right, "", bound)
    elif isinstance(node, n.Assign):
        _operator(text, node.target.span.end, node.value.span.start, node.op, OPERATOR, out)
        _visit(children, node.target, "", bound)
        _visit(children, node.value, "", bound)
    elif isinstance(node, n.Conditional):
        _operator(text, node.test.span.end, node.consequent.span.start, "?", OPERATOR, out)
        _operator(text, node.consequent.span.end, node.alternate.span.start, ":", OPERATOR, out)
        _visit(children, node.test, "", bound)
        _visit(children, node.consequent, "", bound)
        _visit(children, node.alternate, "", bound)
    elif isinstance(node, n.ObjectLit):
        for prop_node in node.properties:
            key = prop_node.key
            kind = STRING if isinstance(key, n.StringLit) else NUMBER
            _add(out, key.span.start, key.span.end, PROPERTY if isinstance(key, n.Name) else kind)
            _visit(children, prop_node.value, "", bound)
    elif isinstance(node, n.FunctionExpr):
        _add(out, span.start, span.start + len("function"), KEYWORD)
        names = bound | {p.name for p in node.params}
        if node.name is not None:
            _add(out, node.name.span.start, node.name.span.end, FUNCTION, DECLARATION)
        for param in node.params:
            _add(out, param.span.start, param.span.end, PARAMETER, DECLARATION)
        for statement in node.body:
            _visit(children, statement, "", names)
    elif isinstance(node, n.Return):
        _add(out, span.start, span.start + len("return"), KEYWORD)
        _visit(children, node.value, "", bound)
    elif isinstance(node, n.VarDecl):
        _add(out, span.start, span.start + len("var"), KEYWORD)
        for declarator in node.declarations:
            name = declarator.name.span
            _add(out, name.start, name.end, VARIABLE, DECLARATION)
            _visit(children, declarator.init, "", bound)
    else:  # ArrayLit, Index, Sequence, ExprStatement: only their children
        for child in n.children(node):
            _visit(children, child, "", bound)
    children.reverse()
    return children


def _visit(
    children: list[tuple[n.Node, str, frozenset[str]]],
    child: n.Node | None,
    role: str,
    bound: frozenset[str],
) -> None:
    if child is not None:
        children.append((child, role, bound))


def _operator(text: str, start: int, end: int, op: str, kind: int, out: list[int]) -> None:
    """The operator between two operands: skip blanks, parentheses and comments to find it."""
    i = start
    while i < end:
        if text.startswith("/*", i):
            close = text.find("*/", i + 2, end)
            i = end if close < 0 else close + 2
        elif text.startswith("//", i):
            newline = text.find("\n", i, end)
            i = end if newline < 0 else newline + 1
        elif text[i] in " \t\r\n\u00a0()":
            i += 1
        else:
            if text.startswith(op, i):
                _add(out, i, i + len(op), kind)
            return


# ------------------------------------------------------------------------ encoding


def _clean(packed: list[int], length: int, span: Span | None = None) -> list[int]:
    """Sorted tokens inside `span`, empty and overlapping ones dropped (the first wins)."""
    packed.sort()
    result: list[int] = []
    end = 0
    low, high = (span.start, span.end) if span is not None else (0, length)
    shift = _END_BITS + 8
    for value in packed:
        start = value >> shift
        stop = _END_MAX - ((value >> 8) & _END_MAX)
        if start < end or stop <= start or stop > length or stop <= low or start >= high:
            continue
        result.append(value)
        end = stop
    return result


def _encode(source: Source, tokens: list[int]) -> list[int]:
    """LSP's relative encoding of sorted packed tokens, one per line segment, in UTF-16."""
    text = source.text
    ascii_text = text.isascii()
    starts = [0]
    find = text.find
    i = find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = find("\n", i + 1)
    data: list[int] = []
    last_line = last_char = 0
    line = 0
    shift = _END_BITS + 8
    for value in tokens:
        start = value >> shift
        stop = _END_MAX - ((value >> 8) & _END_MAX)
        kind, modifiers = (value >> 3) & 31, value & 7
        while start < stop:
            line_end = find("\n", start, stop)
            end = stop if line_end < 0 else line_end
            if end > start and text[end - 1] == "\r":
                end -= 1
            if end > start:
                while line + 1 < len(starts) and starts[line + 1] <= start:
                    line += 1  # tokens are sorted: the line only moves forward
                if ascii_text:
                    column, length = start - starts[line], end - start
                else:
                    column = _utf16_len(text, starts[line], start)
                    length = _utf16_len(text, start, end)
                delta_line = line - last_line
                delta_char = column - last_char if delta_line == 0 else column
                data.extend((delta_line, delta_char, length, kind, modifiers))
                last_line, last_char = line, column
            if line_end < 0:
                break
            start = line_end + 1
    return data


def _utf16_len(text: str, start: int, end: int) -> int:
    segment = text[start:end]
    return len(segment) + sum(1 for ch in segment if ord(ch) > 0xFFFF)
