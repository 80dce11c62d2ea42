"""Apply diagnostic fixes to a file's text: non-overlapping edits, safest first."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from diglang.diagnostics import Diagnostic, Edit

MAX_PASSES = 3


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (later offsets first so earlier offsets stay valid)."""
    out = text
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
        out = out[: edit.span.start] + edit.text + out[edit.span.end :]
    return out


def select_fixes(
    diagnostics: Iterable[Diagnostic], path: str | None, *, unsafe: bool
) -> list[Edit]:
    """The edits of the fixes that may be applied to `path` in one pass (no overlaps)."""
    chosen: list[Edit] = []
    taken: list[tuple[int, int]] = []
    for diag in diagnostics:
        fix = diag.fix
        if fix is None or diag.path != path or not (fix.safe or unsafe):
            continue
        spans = [(e.span.start, e.span.end) for e in fix.edits]
        if any((s < te and ts < e) or (s == e == ts) for s, e in spans for ts, te in taken):
            continue
        chosen.extend(fix.edits)
        taken.extend(spans)
    return chosen


def fix_text(
    text: str,
    lint: Callable[[str], list[Diagnostic]],
    path: str | None,
    *,
    unsafe: bool = False,
) -> tuple[str, int]:
    """Lint and fix until nothing more applies (at most `MAX_PASSES`); returns text and count."""
    applied = 0
    for _ in range(MAX_PASSES):
        edits = select_fixes(lint(text), path, unsafe=unsafe)
        if not edits:
            break
        text = apply_edits(text, edits)
        applied += len(edits)
    return text, applied
