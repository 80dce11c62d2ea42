"""The rule registry: an explicit tuple, in documentation order."""

from __future__ import annotations

from diglang.rule import Rule
from diglang.rules import (
    call_cycle,
    duplicate_key,
    expression_syntax,
    hardcoded_credential,
    ignored_directive,
    include_cycle,
    include_error,
    invalid_directive,
    invalid_document,
    invalid_group_key,
    invalid_schedule,
    invalid_task,
    invalid_task_name,
    invalid_timezone,
    io_error,
    missing_file,
    missing_param,
    multiple_operators,
    operator_with_subtasks,
    param_type,
    undefined_variable,
    unknown_directive,
    unknown_operator,
    unknown_param,
    unknown_top_level_key,
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
    unknown_top_level_key.check,
    invalid_task.check,
    operator_with_subtasks.check,
    invalid_group_key.check,
    invalid_directive.check,
    unknown_directive.check,
    ignored_directive.check,
    invalid_timezone.check,
    invalid_schedule.check,
    hardcoded_credential.check,
    call_cycle.check,
    unknown_operator.check,
    unknown_param.check,
    missing_param.check,
    param_type.check,
    missing_file.check,
    undefined_variable.check,
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
