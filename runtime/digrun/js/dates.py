"""JavaScript `Date` (placeholder)."""

from __future__ import annotations

from digrun.js.values import Native, Unsupported


def _todo(*args: object) -> object:
    raise Unsupported("`Date`")


DATE_FN = Native("Date", _todo, _todo)  # type: ignore[arg-type]
