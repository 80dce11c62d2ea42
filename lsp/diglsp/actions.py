"""Code actions: diglint's fixes as quick fixes, "fix all", and per-line suppression.

Every quick fix comes from the rule that found the problem (did-you-mean operator, param or
variable, a missing required param...), so the editor applies exactly what `diglint --fix`
would. Unsafe fixes are offered but never preferred.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from diglang.diagnostics import Diagnostic, Edit
from diglang.fix import choose_fixes
from diglang.source import Span
from diglang.values import Scalar, walk_values
from diglsp import convert
from diglsp.workspace import Snapshot

FIX_ALL = "source.fixAll.diglint"


def code_actions(
    snap: Snapshot,
    span: Span,
    diagnostics: list[Diagnostic],
    only: Sequence[str] | None = None,
) -> list[types.CodeAction]:
    """Actions for the problems of `diagnostics` (this document's last lint) touching `span`."""
    wanted = _kinds(only)
    actions: list[types.CodeAction] = []
    own = [d for d in diagnostics if d.path is None or d.path == snap.path]
    here = [d for d in own if d.span.start <= span.end and span.start <= d.span.end]
    if types.CodeActionKind.QuickFix in wanted:
        for diag in here:
            if diag.fix is not None:
                actions.append(_quick_fix(snap, diag))
        for diag in here:
            action = _suppress(snap, diag)
            if action is not None:
                actions.append(action)
    if FIX_ALL in wanted or types.CodeActionKind.SourceFixAll in wanted:
        fixes = choose_fixes(own, snap.path, unsafe=False)
        if fixes:
            edits = [edit for fix in fixes for edit in fix.edits]
            actions.append(
                types.CodeAction(
                    title=f"Fix all auto-fixable problems ({len(fixes)})",
                    kind=FIX_ALL,
                    edit=_workspace_edit(snap, edits),
                )
            )
    return actions


def _kinds(only: Sequence[str] | None) -> set[str]:
    every = {types.CodeActionKind.QuickFix, FIX_ALL, types.CodeActionKind.SourceFixAll}
    if not only:
        return {types.CodeActionKind.QuickFix, FIX_ALL}
    return {k for k in every if any(k == o or k.startswith(o + ".") for o in only)}


def _quick_fix(snap: Snapshot, diag: Diagnostic) -> types.CodeAction:
    assert diag.fix is not None
    return types.CodeAction(
        title=diag.fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[convert.to_diagnostic(diag, snap.source)],
        is_preferred=diag.fix.safe,
        edit=_workspace_edit(snap, diag.fix.edits),
    )


def _suppress(snap: Snapshot, diag: Diagnostic) -> types.CodeAction | None:
    """`# diglint: disable-next-line=rule` above the line, unless it lies in a block scalar."""
    index = snap.source.index
    line = index.position(diag.span.start).line
    start = index.line_start(line)
    if _in_multiline_scalar(snap, start):
        return None
    text = snap.text[start : index.line_end(line)]
    indent = text[: len(text) - len(text.lstrip(" "))]
    comment = f"{indent}# diglint: disable-next-line={diag.rule}\n"
    return types.CodeAction(
        title=f"Disable `{diag.rule}` for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[convert.to_diagnostic(diag, snap.source)],
        edit=_workspace_edit(snap, [Edit(Span(start, start), comment)]),
    )


def _in_multiline_scalar(snap: Snapshot, offset: int) -> bool:
    root = snap.document.root
    if root is None:
        return True  # without a tree we cannot tell: do not risk editing a string
    for value in walk_values(root):
        if (
            isinstance(value, Scalar)
            and value.source is snap.source
            and value.span.start < offset < value.span.end
        ):
            return True
    return False


def _workspace_edit(snap: Snapshot, edits: tuple[Edit, ...] | list[Edit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(
        changes={snap.uri: [convert.text_edit(snap.source, e) for e in edits]}
    )
