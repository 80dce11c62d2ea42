"""A mapping defines the same key twice.

## What it does
Reported by the parser: a mapping defines the same key twice.

## Why
Digdag rejects the file (`Duplicated keys: [...]`); most YAML tools silently keep the last
value, so the mistake goes unnoticed until the workflow is pushed.

## Example
```yaml
+step:
  echo>: one
+step:
  echo>: two
```

## Fix
Rename or merge one of the two keys. Several `!include :` keys in one mapping are fine.
"""

from diglang.diagnostics import Severity
from diglang.rule import syntax_rule

RULE = syntax_rule("duplicate-key", Severity.ERROR, __doc__ or "")
