"""The rule registry: an explicit tuple, in documentation order."""

from __future__ import annotations

from diglang.rule import Rule
from diglang.rules import (
    call_cycle,
    duplicate_key,
    expression_syntax,
    include_cycle,
    include_error,
    invalid_document,
    invalid_task_name,
    io_error,
    multiple_operators,
    yaml_syntax,
)

RULES: tuple[Rule, ...] = (
    yaml_syntax.RULE,
    duplicate_key.RULE,
    invalid_document.RULE,
    io_error.RULE,
    include_error.RULE,
    include_cycle.RULE,
    expression_syntax.RULE,
    multiple_operators.check,
    invalid_task_name.check,
    call_cycle.check,
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
