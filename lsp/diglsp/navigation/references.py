"""Find references: every place of the project naming the same `_export`ed variable, task
(the `+name` key and the `_after` items naming it) or file.
"""

from __future__ import annotations

from lsprotocol import types

from diglsp.links import FileLink, file_links, link_at
from diglsp.navigation.locations import View, file_location, location, sorted_locations
from diglsp.navigation.tasks import task_at, task_sites
from diglsp.navigation.variables import collect, key_group, key_id, variable_at
from diglsp.workspace import Snapshot


def references(snap: Snapshot, offset: int, include_declaration: bool) -> list[types.Location]:
    """Every place of the project that refers to the variable, task or file at `offset`."""
    link = link_at(snap, offset)
    if link is not None:
        return _file_references(snap, link, include_declaration)
    variable = variable_at(snap, offset)
    if variable is not None:
        name, key, _ = variable
        usages = collect(View(snap), name)
        usages.keys.setdefault(key_id(key), key)
        group = key_group(key_id(key), usages)
        found: list[types.Location] = []
        if include_declaration:
            found.extend(location(snap, usages.keys[k]) for k in sorted(group))
        for site in usages.sites.values():
            if site.keys & group:
                found.append(location(snap, site.span, site.source))
        return sorted_locations(found)
    task = task_at(snap, offset)
    if task is not None and task.key is not None:
        sites = [location(snap, item) for item in task_sites(snap, task)]
        if include_declaration:
            sites.insert(0, location(snap, task.key))
        return sorted_locations(sites)
    return []


def _file_references(
    snap: Snapshot, link: FileLink, include_declaration: bool
) -> list[types.Location]:
    target = link.path or (link.candidates[0] if link.candidates else None)
    if target is None:
        return []
    view = View(snap)
    found: list[types.Location] = []
    for fsnap in view.files() if snap.project is not None else [snap]:
        for other in file_links(fsnap, own=False):
            if other.path == target or (other.path is None and other.candidates[:1] == (target,)):
                found.append(location(fsnap, other.span, other.source))
    if include_declaration and link.path is not None:
        found.insert(0, file_location(link.path))
    return sorted_locations(found)
