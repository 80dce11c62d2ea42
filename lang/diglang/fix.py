"""Apply diagnostic fixes to a file's text: whole fixes, never two that overlap."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from diglang.diagnostics import Diagnostic, Edit, Fix

MAX_PASSES = 3


def applicable(diag: Diagnostic, path: str | None, *, unsafe: bool) -> bool:
    """True when `diag` has a fix for the file `path` that may be applied."""
    return diag.fix is not None and diag.path == path and (diag.fix.safe or unsafe)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (later offsets first so earlier offsets stay valid)."""
    out = text
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
        out = out[: edit.span.start] + edit.text + out[edit.span.end :]
    return out


def _overlaps(a: Edit, b: Edit) -> bool:
    """True when the edits touch the same text (two insertions at one offset count)."""
    if a.span.start < b.span.end and b.span.start < a.span.end:
        return True
    return a.span.start == a.span.end == b.span.start == b.span.end


def choose_fixes(diagnostics: Iterable[Diagnostic], path: str | None, *, unsafe: bool) -> list[Fix]:
    """The fixes for `path` that one pass may apply: in order, skipping any that overlap."""
    chosen: list[Fix] = []
    taken: list[Edit] = []
    for diag in diagnostics:
        if diag.fix is None or not applicable(diag, path, unsafe=unsafe):
            continue
        if any(_overlaps(edit, other) for edit in diag.fix.edits for other in taken):
            continue
        chosen.append(diag.fix)
        taken.extend(diag.fix.edits)
    return chosen


def select_fixes(
    diagnostics: Iterable[Diagnostic], path: str | None, *, unsafe: bool
) -> list[Edit]:
    """The edits of the fixes that may be applied to `path` in one pass (no overlaps)."""
    return [edit for fix in choose_fixes(diagnostics, path, unsafe=unsafe) for edit in fix.edits]


def fix_text(
    text: str,
    lint: Callable[[str], list[Diagnostic]],
    path: str | None,
    *,
    unsafe: bool = False,
) -> tuple[str, int]:
    """Lint and fix until nothing more applies (at most `MAX_PASSES`); returns text and fixes."""
    applied = 0
    for _ in range(MAX_PASSES):
        fixes = choose_fixes(lint(text), path, unsafe=unsafe)
        if not fixes:
            break
        text = apply_edits(text, [edit for fix in fixes for edit in fix.edits])
        applied += len(fixes)
    return text, applied
