"""Snippets for a whole task at a key: `+task` with `sh>`, `py>` or `call>`, a parallel
group, a `for_each>` or `if>` with `_do`, and an `_error` handler with `sh>` or `mail>`.

A snippet is offered only when the operators it uses exist in the schemas.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from diglsp.completion.items import Builder, esc, indent_unit, key_span
from diglsp.completion.schema import operators_of, types_of


@dataclass(frozen=True)
class _Snippet:
    label: str
    operators: tuple[str, ...]  # the operators it uses (offered only when they exist)
    detail: str
    body: str  # with {i1}, {i2} for indentation and {name} for the task name placeholder


_TASK_SNIPPETS = (
    _Snippet("+task sh>", ("sh",), "a task running a shell command",
             "+${{1:{name}}}:\n{i1}sh>: ${{2:echo hello}}"),
    _Snippet("+task py>", ("py",), "a task calling a Python function",
             "+${{1:{name}}}:\n{i1}py>: ${{2:tasks.module.function}}"),
    _Snippet("+task call>", ("call",), "a task running another workflow file",
             "+${{1:{name}}}:\n{i1}call>: ${{2:other.dig}}"),
    _Snippet("+group _parallel", (), "a group whose tasks run in parallel",
             "+${{1:{name}}}:\n{i1}_parallel: true\n{i1}+${{2:first}}:\n{i2}${{3:echo>: first}}"
             "\n{i1}+${{4:second}}:\n{i2}${{5:echo>: second}}"),
    _Snippet("+for_each _do", ("for_each",), "a loop over values",
             "+${{1:{name}}}:\n{i1}for_each>:\n{i2}${{2:item}}: [${{3:a, b}}]\n{i1}_do:"
             "\n{i2}echo>: \\${{${{2:item}}\\}}"),
    _Snippet("+if _do _else_do", ("if",), "a condition with both branches",
             "+${{1:{name}}}:\n{i1}if>: \\${{${{2:condition}}\\}}\n{i1}_do:\n{i2}${{3:echo>: yes}}"
             "\n{i1}_else_do:\n{i2}${{4:echo>: no}}"),
)  # fmt: skip


def snippet_items(b: Builder, present: set[str]) -> None:
    """Task and `_error` snippets at a key being typed in a task mapping or the top level."""
    ctx = b.ctx
    ops = operators_of(b.snap)
    unit = indent_unit(b.snap)
    if ctx.has_colon or ctx.flow or ctx.quote is not None:
        return
    prefix = ctx.prefix
    if prefix and not prefix.startswith(("+", "_")):
        return
    i1, i2 = " " * (ctx.column + unit), " " * (ctx.column + 2 * unit)
    if not prefix.startswith("_"):
        name = esc(prefix[1:]) if prefix.startswith("+") and len(prefix) > 1 else "name"
        if prefix.startswith("+") and len(prefix) > 1:
            b.incomplete = True
        for snip in _TASK_SNIPPETS:
            if any(op not in ops for op in snip.operators):
                continue
            b.add(
                snip.label,
                types.CompletionItemKind.Snippet,
                snip.body.format(name=name, i1=i1, i2=i2),
                key_span(ctx),
                rank=6,
                snippet=True,
                detail=snip.detail,
                filter_text=prefix if prefix.startswith("+") else "+" + snip.label[1:],
            )
    if "_error" in present:
        return
    for op in ("mail", "sh"):
        spec = ops.get(op)
        if spec is None:
            continue
        body = f"_error:\n{i1}{spec.key}: "
        n = 2
        if op == "sh":
            body += '${1:echo "failed: \\${error.message\\}"}'
        else:
            body += "${1:error.txt}"
            for param in spec.params.values():
                if param.required:
                    value = f"${{{n}:{esc(param.name)}}}"
                    if "array" in types_of(param.type):
                        value = f"[{value}]"
                    body += f"\n{i1}{param.name}: {value}"
                    n += 1
        b.add(
            f"_error {spec.key}",
            types.CompletionItemKind.Snippet,
            body,
            key_span(ctx),
            rank=7,
            snippet=True,
            detail=f"an error handler with {spec.key}",
            filter_text="_error " + spec.key,
        )
