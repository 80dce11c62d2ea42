"""Where the cursor is, for completion and hover, even in text that is being typed.

While a user types, the YAML is often broken at the cursor (`+load:` with no body yet, a key
without its colon, an unclosed `${`). The parse tree then stops before the error, so the
cursor context is read from the text itself: indentation gives the chain of enclosing keys
(`+main` → `+load` → `_export`), the cursor's line says whether a key or a value is being
written, and a scan of the value finds an open `${...}` with the member chain before a dot
(`td.`, `moment().`). The parse tree is used only to name the enclosing task when it has it.

The modules: `cursor` (`locate` itself), `context` (`CursorContext` and the enclosing task),
`lines` (lines read without a parser), `blocks` (enclosing keys from indentation), `flow`
(open `{...}`/`[...]` collections) and `expr` (the open `${...}`).
"""

from __future__ import annotations

from diglsp.locate.context import OPERATOR_KEY, CursorContext, operator_of, resolve_task
from diglsp.locate.cursor import _locate, locate
from diglsp.locate.expr import IDENT_TAIL, ExprContext, open_expr, receiver_of
from diglsp.locate.lines import INCLUDE_TAG

__all__ = [
    "IDENT_TAIL",
    "INCLUDE_TAG",
    "OPERATOR_KEY",
    "CursorContext",
    "ExprContext",
    "_locate",
    "locate",
    "open_expr",
    "operator_of",
    "receiver_of",
    "resolve_task",
]
