"""Render diagnostics for people and machines: compiler-style text and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from diglang.diagnostics import Diagnostic, Severity
from diglang.source import Source

SourceLookup = Callable[[str | None], Source]

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render_text(
    diagnostics: Iterable[Diagnostic],
    lookup: SourceLookup,
    *,
    color: bool = False,
    display_path: Callable[[str | None], str] | None = None,
) -> str:
    """`path:line:col: severity[rule] message`, the source line and a caret under the span."""
    shown = display_path or (lambda p: p or "<stdin>")
    blocks = []
    for diag in diagnostics:
        source = lookup(diag.path)
        index = source.index
        start = index.position(diag.span.start)
        end = index.position(max(diag.span.end, diag.span.start))
        head = (
            f"{shown(diag.path)}:{start.line + 1}:{start.column + 1}: "
            + _paint(f"{diag.severity}[{diag.rule}]", _COLORS[diag.severity], color)
            + f" {diag.message}"
        )
        line_text = source.text[index.line_start(start.line) : index.line_end(start.line)]
        width = (
            end.column - start.column if end.line == start.line else len(line_text) - start.column
        )
        gutter = f"{start.line + 1} | "
        caret = " " * (len(gutter) - 2) + "| " + _caret_pad(line_text, start.column)
        caret += _paint("^" * max(1, width), _COLORS[diag.severity], color)
        lines = [head, gutter + line_text.expandtabs(1), caret]
        if diag.fix is not None:
            lines.append(f"  = fix: {diag.fix.title}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + ("\n" if blocks else "")


def _caret_pad(line: str, column: int) -> str:
    """Spaces up to `column`, keeping tabs so the caret lines up in a terminal."""
    return "".join("\t" if ch == "\t" else " " for ch in line[:column]).expandtabs(1)


def diagnostic_json(diag: Diagnostic, source: Source, path: str | None = None) -> dict[str, object]:
    """The JSON object of one diagnostic, with 1-based lines and character columns."""
    start = source.index.position(diag.span.start)
    end = source.index.position(diag.span.end)
    fix = None
    if diag.fix is not None:
        fix = {
            "title": diag.fix.title,
            "safe": diag.fix.safe,
            "edits": [
                {"start": e.span.start, "end": e.span.end, "text": e.text} for e in diag.fix.edits
            ],
        }
    return {
        "file": path if path is not None else diag.path,
        "rule": diag.rule,
        "severity": str(diag.severity),
        "message": diag.message,
        "range": {
            "start": {"line": start.line + 1, "column": start.column + 1},
            "end": {"line": end.line + 1, "column": end.column + 1},
        },
        "fix": fix,
    }


def render_json(diagnostics: Iterable[Diagnostic], lookup: SourceLookup) -> str:
    """A JSON array of diagnostics."""
    items = [diagnostic_json(d, lookup(d.path)) for d in diagnostics]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(
    diagnostics: Iterable[Diagnostic],
    lookup: SourceLookup,
    rules: Iterable[tuple[str, str, Severity]],
    *,
    uri: Callable[[str | None], str],
    version: str,
) -> str:
    """A SARIF 2.1.0 log with one run; `rules` are (id, documentation, default severity)."""
    rule_list = list(rules)
    index = {rule_id: i for i, (rule_id, _, _) in enumerate(rule_list)}
    results = []
    for diag in diagnostics:
        source = lookup(diag.path)
        start = source.index.position(diag.span.start)
        end = source.index.position(diag.span.end)
        result: dict[str, object] = {
            "ruleId": diag.rule,
            "level": _SARIF_LEVELS[diag.severity],
            "message": {"text": diag.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(diag.path)},
                        "region": {
                            "startLine": start.line + 1,
                            "startColumn": start.column + 1,
                            "endLine": end.line + 1,
                            "endColumn": end.column + 1,
                        },
                    }
                }
            ],
        }
        if diag.rule in index:
            result["ruleIndex"] = index[diag.rule]
        results.append(result)
    driver = {
        "name": "diglint",
        "version": version,
        "informationUri": "https://github.com/treasure-data/digdag",
        "rules": [
            {
                "id": rule_id,
                "shortDescription": {
                    "text": doc.strip().splitlines()[0] if doc.strip() else rule_id
                },
                "fullDescription": {"text": doc.strip() or rule_id},
                "defaultConfiguration": {"level": _SARIF_LEVELS[severity]},
            }
            for rule_id, doc, severity in rule_list
        ],
    }
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
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
    display_path: Callable[[str | None], str],
) -> str:
    """GitHub Actions workflow commands (`::error file=…,line=…::message`)."""
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for diag in diagnostics:
        source = lookup(diag.path)
        start = source.index.position(diag.span.start)
        end = source.index.position(diag.span.end)
        props = ",".join(
            [
                f"file={_escape_command(display_path(diag.path), property_value=True)}",
                f"line={start.line + 1}",
                f"col={start.column + 1}",
                f"endLine={end.line + 1}",
                f"endColumn={end.column + 1}",
                f"title={_escape_command(f'diglint {diag.rule}', property_value=True)}",
            ]
        )
        lines.append(f"::{kinds[diag.severity]} {props}::{_escape_command(diag.message)}")
    return "".join(line + "\n" for line in lines)
