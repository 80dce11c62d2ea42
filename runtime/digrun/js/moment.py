"""moment.js (placeholder)."""

from __future__ import annotations

from digrun.js.values import Native, Unsupported


def _todo(*args: object) -> object:
    raise Unsupported("`moment`")


MOMENT_FN = Native("moment", _todo)  # type: ignore[arg-type]
