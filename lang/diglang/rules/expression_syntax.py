"""A `${...}` expression is not valid JavaScript.

## What it does
Reported by the parser: a `${...}` expression is not valid JavaScript.

## Why
Digdag evaluates `${...}` with a JavaScript engine when the task runs; a syntax error fails the
task (and, when the value is an exported parameter, every task below it).

## Example
```yaml
+t:
  echo>: ${session_date +}
```

## Fix
Fix the expression at the reported character. Digdag's engine is ECMAScript 5: no arrow
functions, `let` or `?.`.
"""

from diglang.diagnostics import Severity
from diglang.rule import syntax_rule

RULE = syntax_rule("expression-syntax", Severity.ERROR, __doc__ or "")
