"""Render diagnostics for people and machines: compiler-style text, JSON, SARIF, GitHub.

Lines and columns are 1-based and count characters (Unicode code points); end positions are
exclusive, as in SARIF.
"""

from __future__ import annotations

import json
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from diglang.diagnostics import Diagnostic, Edit, Severity
from diglang.source import Source, Span

SourceLookup = Callable[[str | None], Source]
PathDisplay = Callable[[str | None], str]

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_KINDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


class RuleMeta(Protocol):
    """What output formats need to know about a rule (`diglang.rule.Rule` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def doc(self) -> str: ...
    @property
    def summary(self) -> str: ...


def _default_display(path: str | None) -> str:
    return path or "<stdin>"


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render_text(
    diagnostics: Iterable[Diagnostic],
    lookup: SourceLookup,
    *,
    color: bool = False,
    display_path: PathDisplay | None = None,
    spaced: bool = False,
) -> str:
    """`path:line:col: severity[rule] message`, the source line, a caret under the span, the fix.

    `spaced` puts a blank line after each diagnostic, as compilers do in a terminal.
    """
    shown = display_path or _default_display
    end = "\n\n" if spaced else "\n"
    return "".join(_text_block(d, lookup(d.path), shown, color) + end for d in diagnostics)


def _text_block(diag: Diagnostic, source: Source, shown: PathDisplay, color: bool) -> str:
    index = source.index
    start = index.position(diag.span.start)
    end = index.position(max(diag.span.end, diag.span.start))
    paint = _COLORS[diag.severity]
    head = (
        _paint(f"{shown(diag.path)}:{start.line + 1}:{start.column + 1}:", "1", color)
        + " "
        + _paint(f"{diag.severity}[{diag.rule}]", paint, color)
        + f" {diag.message}"
    )
    line_text = source.text[index.line_start(start.line) : index.line_end(start.line)]
    # A span that runs past its first line is underlined to the end of that line.
    stop = end.column if end.line == start.line else len(line_text)
    gutter = f"{start.line + 1} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * _width(line_text[: start.column])
    caret += _paint("^" * max(1, _width(line_text[start.column : stop])), paint, color)
    lines = [head, gutter + line_text.expandtabs(1), caret]
    if diag.fix is not None:
        lines.append(f"  = fix: {diag.fix.title}")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Terminal columns of `text` as the source line is printed (tabs as one column): wide
    East Asian characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _range(source: Source, span: Span) -> dict[str, dict[str, int]]:
    start = source.index.position(span.start)
    end = source.index.position(max(span.end, span.start))
    return {
        "start": {"line": start.line + 1, "column": start.column + 1},
        "end": {"line": end.line + 1, "column": end.column + 1},
    }


def diagnostic_json(diag: Diagnostic, source: Source, file: str) -> dict[str, object]:
    """The JSON object of one diagnostic; `file` is the path as shown to the user."""
    fix = None
    if diag.fix is not None:
        edits = [{"range": _range(source, e.span), "text": e.text} for e in diag.fix.edits]
        fix = {"title": diag.fix.title, "safe": diag.fix.safe, "edits": edits}
    return {
        "file": file,
        "rule": diag.rule,
        "severity": str(diag.severity),
        "message": diag.message,
        "range": _range(source, diag.span),
        "fix": fix,
    }


def render_json(
    diagnostics: Iterable[Diagnostic],
    lookup: SourceLookup,
    display_path: PathDisplay | None = None,
) -> str:
    """A JSON array of diagnostics."""
    shown = display_path or _default_display
    items = [diagnostic_json(d, lookup(d.path), shown(d.path)) for d in diagnostics]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    return urllib.parse.quote(path.replace("\\", "/"))


def _region(source: Source, span: Span) -> dict[str, int]:
    where = _range(source, span)
    return {
        "startLine": where["start"]["line"],
        "startColumn": where["start"]["column"],
        "endLine": where["end"]["line"],
        "endColumn": where["end"]["column"],
    }


def _sarif_result(
    diag: Diagnostic, source: Source, uri: str, rule_index: dict[str, int]
) -> dict[str, Any]:
    location = {"artifactLocation": {"uri": uri}, "region": _region(source, diag.span)}
    result: dict[str, Any] = {
        "ruleId": diag.rule,
        "level": _SARIF_LEVELS[diag.severity],
        "message": {"text": diag.message},
        "locations": [{"physicalLocation": location}],
    }
    if diag.rule in rule_index:
        result["ruleIndex"] = rule_index[diag.rule]
    if diag.fix is not None:
        replacements = [_replacement(source, edit) for edit in diag.fix.edits]
        change = {"artifactLocation": {"uri": uri}, "replacements": replacements}
        result["fixes"] = [
            {
                "description": {"text": diag.fix.title},
                "artifactChanges": [change],
                "properties": {"safe": diag.fix.safe},
            }
        ]
    return result


def _replacement(source: Source, edit: Edit) -> dict[str, Any]:
    return {"deletedRegion": _region(source, edit.span), "insertedContent": {"text": edit.text}}


def _sarif_rule(rule: RuleMeta) -> dict[str, Any]:
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.summary},
        "help": {"text": rule.doc.strip() or rule.id, "markdown": rule.doc.strip() or rule.id},
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
    }


def render_sarif(
    diagnostics: Iterable[Diagnostic],
    lookup: SourceLookup,
    rules: Sequence[RuleMeta],
    *,
    display_path: PathDisplay | None = None,
    version: str,
) -> str:
    """A SARIF 2.1.0 log with one run; artifact URIs are the displayed paths."""
    shown = display_path or _default_display
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = [_sarif_result(d, lookup(d.path), _uri(shown(d.path)), index) for d in diagnostics]
    driver = {
        "name": "diglint",
        "version": version,
        "informationUri": "https://docs.digdag.io/",
        "rules": [_sarif_rule(rule) for rule in rules],
    }
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _escape_command(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(
    diagnostics: Iterable[Diagnostic],
    lookup: SourceLookup,
    display_path: PathDisplay | None = None,
) -> str:
    """GitHub Actions workflow commands (`::error file=…,line=…::message`)."""
    shown = display_path or _default_display
    lines = []
    for diag in diagnostics:
        where = _range(lookup(diag.path), diag.span)
        props = {
            "file": shown(diag.path),
            "line": where["start"]["line"],
            "col": where["start"]["column"],
            "endLine": where["end"]["line"],
            "endColumn": where["end"]["column"],
            "title": f"diglint {diag.rule}",
        }
        fields = ",".join(
            f"{key}={_escape_command(str(value), property_value=True)}"
            for key, value in props.items()
        )
        lines.append(f"::{_GITHUB_KINDS[diag.severity]} {fields}::{_escape_command(diag.message)}")
    return "".join(line + "\n" for line in lines)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def render_summary(
    diagnostics: Sequence[Diagnostic], files: int, *, unsafe: bool, color: bool = False
) -> str:
    """One closing line: what was found, in how many files, and what `--fix` would do."""
    if not diagnostics:
        return _paint(f"{_count(files, 'file')} checked: no problems", "1", color) + "\n"
    by_severity = Counter(d.severity for d in diagnostics)
    found = ", ".join(_count(by_severity[s], str(s)) for s in sorted(by_severity, reverse=True))
    where = len({d.path for d in diagnostics})
    line = f"{_count(files, 'file')} checked: {found} in {_count(where, 'file')}"
    safe = sum(1 for d in diagnostics if d.fix is not None and d.fix.safe)
    risky = sum(1 for d in diagnostics if d.fix is not None and not d.fix.safe)
    if unsafe:
        safe, risky = safe + risky, 0
    if safe:
        line += f"; {safe} fixable with `--fix`"
        if risky:
            line += f" ({risky} more with `--unsafe-fixes`)"
    elif risky:
        line += f"; {risky} fixable with `--unsafe-fixes`"
    return _paint(line, "1", color) + "\n"


def statistics(diagnostics: Iterable[Diagnostic]) -> list[dict[str, object]]:
    """Per rule: how many diagnostics, their severity and how many have a fix; most first."""
    counts: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    severity: dict[str, Severity] = {}
    for diag in diagnostics:
        counts[diag.rule] += 1
        fixable[diag.rule] += diag.fix is not None
        severity[diag.rule] = max(diag.severity, severity.get(diag.rule, diag.severity))
    ordered = sorted(counts, key=lambda rule: (-counts[rule], rule))
    return [
        {"rule": r, "count": counts[r], "severity": str(severity[r]), "fixable": fixable[r]}
        for r in ordered
    ]


def render_statistics(rows: Sequence[dict[str, object]]) -> str:
    """The statistics as an aligned table."""
    width = max((len(str(row["rule"])) for row in rows), default=0)
    lines = []
    for row in rows:
        fixable = f"  ({row['fixable']} fixable)" if row["fixable"] else ""
        rule, severity = str(row["rule"]), str(row["severity"])
        lines.append(f"{row['count']:>6}  {rule:<{width}}  {severity:<7}{fixable}")
    return "".join(line.rstrip() + "\n" for line in lines)
