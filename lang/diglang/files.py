"""Finding `.dig` files in a tree (kept free of heavy imports: the cached lint path uses it)."""

from __future__ import annotations

import os
from collections.abc import Iterator

SKIP_DIRS = frozenset({".digdag", "node_modules", "__pycache__"})


def walk_tree(root: str) -> Iterator[tuple[str, list[str]]]:
    """(folder, file names) below `root`, sorted, skipping hidden and tool directories."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        yield folder, sorted(files)


def is_dig_file(name: str) -> bool:
    """True for a file name Digdag tools treat as a workflow file (`*.dig`, not hidden)."""
    return name.endswith(".dig") and not name.startswith(".")
