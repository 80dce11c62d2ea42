"""Run lint rules over a parsed document: enable, stamp severity, suppress, sort, dedupe."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from diglang.config import Config
from diglang.diagnostics import Diagnostic
from diglang.parse import Document
from diglang.project import Project
from diglang.rule import Context, Rule
from diglang.source import Source

_SUPPRESS = re.compile(r"#\s*diglint:\s*(disable|disable-file|disable-next-line)=([\w\-, ]+)")


def check(
    doc: Document,
    config: Config | None = None,
    *,
    project: Project | None = None,
    rules: Sequence[Rule] | None = None,
    fragment: bool = False,
) -> list[Diagnostic]:
    """Every enabled diagnostic of `doc`: parse problems first-class, then the rules'."""
    from diglang.rules import RULES

    config = config or Config()
    rules = RULES if rules is None else rules
    path = doc.source.path
    by_id = {r.id: r for r in rules}
    found: list[Diagnostic] = []
    for diag in doc.diagnostics:
        known = by_id.get(diag.rule)
        if config.enabled(diag.rule, path) and (known is not None or rules is RULES):
            severity = config.severity_of(diag.rule, diag.severity)
            found.append(_with_severity(diag, severity))
    if doc.workflow is not None:
        ctx = Context(doc, config, project, fragment)
        for rule in rules:
            if rule.check is None or not config.enabled(rule.id, path):
                continue
            severity = config.severity_of(rule.id, rule.severity)
            for problem in rule.check(doc.workflow, ctx):
                where = problem.source.path if problem.source is not None else path
                found.append(
                    Diagnostic(rule.id, severity, problem.span, problem.message, where, problem.fix)
                )
    return finish(found, doc)


def _with_severity(diag: Diagnostic, severity: object) -> Diagnostic:
    if severity is diag.severity:
        return diag
    return Diagnostic(diag.rule, severity, diag.span, diag.message, diag.path, diag.fix)  # type: ignore[arg-type]


def finish(found: Iterable[Diagnostic], doc: Document) -> list[Diagnostic]:
    """Drop suppressed and duplicate diagnostics and sort by position."""
    suppressed = {path: suppressions(doc.source_of(path)) for path in {d.path for d in found}}
    seen: set[tuple[object, ...]] = set()
    result = []
    for diag in sorted(found, key=Diagnostic.sort_key):
        key = (diag.path, diag.span, diag.rule, diag.message)
        if key in seen or _is_suppressed(diag, doc.source_of(diag.path), suppressed[diag.path]):
            continue
        seen.add(key)
        result.append(diag)
    return result


Suppressions = tuple[frozenset[str], dict[int, frozenset[str]]]


def suppressions(source: Source) -> Suppressions:
    """Rules disabled for the whole file, and per line (0-based)."""
    whole: set[str] = set()
    lines: dict[int, set[str]] = {}
    text = source.text
    if "diglint:" not in text:
        return frozenset(), {}
    for match in _SUPPRESS.finditer(text):
        ids = {part.strip() for part in match.group(2).split(",") if part.strip()}
        line = source.index.position(match.start()).line
        if match.group(1) == "disable-file":
            whole |= ids
        elif match.group(1) == "disable-next-line":
            lines.setdefault(line + 1, set()).update(ids)
        else:
            lines.setdefault(line, set()).update(ids)
    return frozenset(whole), {k: frozenset(v) for k, v in lines.items()}


def _is_suppressed(diag: Diagnostic, source: Source, rules: Suppressions) -> bool:
    whole, lines = rules
    if diag.rule in whole or "all" in whole:
        return True
    if not lines:
        return False
    line = source.index.position(diag.span.start).line
    ids = lines.get(line, frozenset())
    return diag.rule in ids or "all" in ids
