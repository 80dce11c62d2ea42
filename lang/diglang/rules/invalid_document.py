"""The file is empty, or its top level is not a mapping.

## What it does
Reported by the parser: the file is empty, or its top level is not a mapping.

## Why
Digdag requires a workflow file to be a mapping of keys (`Expected object to load Config but got
...`).

## Example
```yaml
- +a:
    echo>: hi
```

## Fix
Write the workflow as `key: value` lines at the top level, e.g. `+task:` keys.
"""

from diglang.diagnostics import Severity
from diglang.rule import syntax_rule

RULE = syntax_rule("invalid-document", Severity.ERROR, __doc__ or "")
