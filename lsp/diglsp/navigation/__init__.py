"""Go to definition, find references and rename across a Digdag project.

Definition follows `!include` targets, `call>` targets, `require>` workflows, operator files
(`td>: queries/x.sql`, `sh>: scripts/run.sh`...), `py>` callables (to the `def`/`class` line),
`${var}` usages (to the `_export` or `for_each>` key that defines them — in this file, an
included file or a workflow that `call>`s this one — or to the key written earlier in the
task) and `_after` task names. References and rename work on `_export`ed variables (every
definition a usage may resolve to and every usage resolving to them, project-wide), on task
names (the `+name` key and the `_after` lists naming it) and, for references, on files (every
place of the project naming the same file).

The modules: `definition`, `references` and `rename` (the three requests), `variables`
(what a `${...}` name resolves to and its usages project-wide), `tasks` (`+name` keys and
`_after` items) and `locations` (LSP locations and the project's files for one request).
"""

from __future__ import annotations

from diglsp.navigation.definition import definition
from diglsp.navigation.references import references
from diglsp.navigation.rename import prepare_rename, rename

__all__ = ["definition", "prepare_rename", "references", "rename"]
