"""Files include each other in a cycle.

## What it does
Reported by the parser: files include each other in a cycle.

## Why
Digdag would include forever; the cycle is reported with the chain of files so you can see where
to break it.

## Example
```yaml
# a.dig
!include : b.dig
# b.dig
!include : a.dig
```

## Fix
Remove one of the includes of the cycle, or move the shared part into a third file.
"""

from diglang.diagnostics import Severity
from diglang.rule import syntax_rule

RULE = syntax_rule("include-cycle", Severity.ERROR, __doc__ or "")
