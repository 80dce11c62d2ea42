"""Small bridge to Digdag's ``digdag`` module.

Inside a py> task Digdag provides ``digdag.env``; outside Digdag (tests,
``python3 -m tasks.recommend ...``) the stored values are printed instead.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import digdag  # type: ignore[import-not-found]
except ImportError:  # running outside Digdag
    digdag = None


def store(values: dict[str, Any]) -> None:
    """Make values visible to later tasks (digdag.env.store)."""
    if digdag is not None:
        digdag.env.store(values)
    else:
        print("store: " + json.dumps(values, sort_keys=True)[:500])
