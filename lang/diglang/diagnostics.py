"""Diagnostics, fixes and edits: the data every stage of digkit exchanges."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from diglang.source import Span


class Severity(enum.IntEnum):
    """How much a diagnostic matters; higher is worse."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text of `span` by `text` (in the diagnostic's file)."""

    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A titled set of edits; `safe` fixes may be applied without review."""

    title: str
    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found at `span` of the file `path` (None: the document itself)."""

    rule: str
    severity: Severity
    span: Span
    message: str
    path: str | None = None
    fix: Fix | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by file, position, then rule id."""
        return (self.path or "", self.span.start, self.span.end, self.rule)
