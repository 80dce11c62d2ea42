"""The file is not valid YAML, or uses YAML Digdag cannot load.

## What it does
Reported by the parser: the file is not valid YAML, or uses YAML Digdag cannot load.

## Why
Digdag refuses to load a project when any top-level workflow has a YAML error, so one typo stops
every workflow of the project. Tags other than the `!include` key (`!secret x`, the value form
`key: !include file`) fail too.

## Example
```yaml
+load:
  td>: queries/load.sql
  params: {date: ${session_date}   # `{` inside a flow mapping
```

## Fix
Fix the YAML at the reported character. Quote values that contain `${...}` inside `{...}` or
`[...]`; indent with spaces, never tabs.
"""

from diglang.diagnostics import Severity
from diglang.rule import syntax_rule

RULE = syntax_rule("yaml-syntax", Severity.ERROR, __doc__ or "")
