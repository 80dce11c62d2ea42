"""What a lint rule is: an id, a check over the workflow, a default severity and its docs.

A rule decides *what* is wrong (`Problem`: span, message, optional fix); the runner in
`check.py` stamps the rule id and the configured severity, so config decides how much it
matters.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from diglang.diagnostics import Fix, Severity
from diglang.nodes import Task, Workflow
from diglang.source import Source, Span

if TYPE_CHECKING:
    from diglang.config import Config
    from diglang.parse import Document
    from diglang.project import Project
    from diglang.schemas import OperatorSpec


T = TypeVar("T")

# Parser diagnostics after which included content (and what it defines) is unknown.
INCLUDE_PROBLEMS = frozenset({"include-error", "missing-file"})


class Fixable(enum.Enum):
    """Whether a rule's problems come with fixes."""

    NEVER = "never"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of a rule; `source` is set when it lies in another file (an include)."""

    span: Span
    message: str
    fix: Fix | None = None
    source: Source | None = None
    severity: Severity | None = None  # overrides the rule's default (config still wins)


@dataclass
class Context:
    """Everything a rule may consult besides the workflow itself."""

    document: Document
    config: Config
    project: Project | None = None
    # Files `!include`d by another workflow of the project: fragments, not workflows.
    fragment: bool = False
    _operators: dict[str, OperatorSpec] | None = field(default=None, repr=False)
    # What several rules derive from the same workflow (task walks, scopes), by key.
    _memo: dict[Hashable, object] = field(default_factory=dict, repr=False)

    @property
    def operators(self) -> dict[str, OperatorSpec]:
        """Operator specs from `schemas/` plus the project's plugin schemas (loaded once)."""
        if self._operators is None:
            from diglang.schemas import load_operators

            self._operators = load_operators(self.config.plugin_schemas)
        return self._operators

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, computed once per check: rules share what they derive alike.

        The key names the computation and holds the objects it depends on (the workflow,
        which is compared by identity), so one check never confuses two workflows.
        """
        try:
            return self._memo[key]  # type: ignore[return-value]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def tasks(self, wf: Workflow) -> tuple[Task, ...]:
        """Every task of `wf`, in `wf.walk_tasks()` order (walked once per check)."""
        return self.cached(("tasks", wf), lambda: tuple(wf.walk_tasks()))

    @property
    def path(self) -> str | None:
        """The path of the file being checked."""
        return self.document.source.path


Check = Callable[[Workflow, Context], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    """A rule: `check` is None for problems `parse()` reports itself (syntax rules)."""

    id: str
    severity: Severity
    doc: str
    check: Check | None = None
    fixable: Fixable = Fixable.NEVER

    @property
    def summary(self) -> str:
        """The first line of the rule's documentation."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.id


def rule(
    rule_id: str, *, severity: Severity, fixable: Fixable = Fixable.NEVER
) -> Callable[[Check], Rule]:
    """Decorator: turn a check function into a `Rule` documented by its module docstring."""

    def wrap(check: Check) -> Rule:
        module = sys.modules[check.__module__]
        return Rule(rule_id, severity, module.__doc__ or "", check, fixable)

    return wrap


def syntax_rule(rule_id: str, severity: Severity, doc: str) -> Rule:
    """A rule whose problems `parse()` finds (listed so it can be selected and documented)."""
    return Rule(rule_id, severity, doc)
