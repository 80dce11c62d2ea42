"""An `!include : file` key cannot be resolved.

## What it does
Reported by the parser: an `!include : file` key cannot be resolved — its path leaves the
including file's directory, the file cannot be read, has errors, or is not a mapping. An include
of a file that does not exist is reported as `missing-file`.

## Why
Digdag aborts loading the whole project when an include leaves the including file's directory
(`..` or an absolute path) or does not contain a mapping.

## Example
```yaml
_export:
  !include : ../shared/params.yml
```

## Fix
Point the include at an existing file inside the including file's directory whose top level is a
mapping.
"""

from diglang.diagnostics import Severity
from diglang.rule import syntax_rule

RULE = syntax_rule("include-error", Severity.ERROR, __doc__ or "")
