"""Small helpers shared by several rules."""

from __future__ import annotations

from diglang.nodes import Workflow
from diglang.rule import Context
from diglang.values import Entry, Scalar


def top_level_entry(wf: Workflow, ctx: Context, key: str) -> Entry | None:
    """The workflow's top-level `key`, unless absent, empty (`key:`) or the file is a fragment."""
    entry = wf.root.entry(key)
    if ctx.fragment or entry is None:
        return None
    if isinstance(entry.value, Scalar) and entry.value.value is None:
        return None
    return entry
