"""The file cannot be read, or is not UTF-8 text.

## What it does
Reported by the parser: the file cannot be read, or is not UTF-8 text.

## Why
Digdag reads workflows as UTF-8; an unreadable file stops the project from loading.

## Example
```yaml
(a binary file named main.dig)
```

## Fix
Make the file readable and save it as UTF-8.
"""

from diglang.diagnostics import Severity
from diglang.rule import syntax_rule

RULE = syntax_rule("io-error", Severity.ERROR, __doc__ or "")
