"""Go to definition: file links (`!include`, `call>`, `require>`, operator files, `py>`
callables), `${var}` usages (to the `_export` or `for_each>` key defining them, or the key
written earlier in the task) and `_after` task names.
"""

from __future__ import annotations

from lsprotocol import types

from diglang.nodes import Task
from diglang.scope import Origin
from diglang.values import Mapping, Scalar, Value
from diglsp import convert, query
from diglsp.links import FileLink, link_at, python_location
from diglsp.navigation.locations import View, file_location, location, sorted_locations
from diglsp.navigation.tasks import after_item_at
from diglsp.navigation.variables import DEFINING, Usages, caller_keys, is_own, key_id, resolve
from diglsp.workspace import Snapshot


def definition(snap: Snapshot, offset: int) -> list[types.Location]:
    """Where the thing at `offset` is defined (empty when nothing is there)."""
    link = link_at(snap, offset)
    if link is not None:
        return _follow(snap, link)
    found = query.identifier_at(snap, offset)
    if found is not None:
        at, ident = found
        resolved = resolve(snap, at, ident.name)
        if resolved is None:
            return []
        rsnap, task, origin = resolved
        if origin.key is not None and origin.kind in DEFINING and not is_own(rsnap, origin.key):
            # defined by the workflows calling this one: each caller may define it
            usages = Usages(ident.name)
            keys = {key_id(origin.key), *caller_keys(View(snap), rsnap, ident.name, usages, 0)}
            usages.keys.setdefault(key_id(origin.key), origin.key)
            return sorted_locations([location(snap, usages.keys[k]) for k in keys])
        return _origin_locations(rsnap, task, origin)
    after = after_item_at(snap, offset)
    if after is not None:
        target = after[1]
        return [] if target is None or target.key is None else [location(snap, target.key)]
    return []


def _follow(snap: Snapshot, link: FileLink) -> list[types.Location]:
    if link.path is None:
        return []
    if link.kind == "python_module":
        found = python_location(snap, link.target, list(link.dirs))
        if found is not None:
            path, span, source = found
            return [types.Location(uri=convert.uri_of(path), range=convert.to_range(source, span))]
    return [file_location(link.path)]


def _origin_locations(snap: Snapshot, task: Task, origin: Origin) -> list[types.Location]:
    if origin.key is not None:
        return [location(snap, origin.key)]
    if origin.kind == "local" and origin.value is not None:
        key = _key_of(task.config, origin.value)
        return [] if key is None else [location(snap, key)]
    if origin.kind == "store" and origin.task is not None and origin.task.key is not None:
        return [location(snap, origin.task.key)]
    return []


def _key_of(mapping: Mapping, value: Value) -> Scalar | None:
    """The key whose value is `value`, searching nested mappings."""
    for entry in mapping.entries:
        if entry.value is value:
            return entry.key
        if isinstance(entry.value, Mapping):
            found = _key_of(entry.value, value)
            if found is not None:
                return found
    return None
