"""The server's view of files: buffers over the disk, project roots, changes on disk."""

from __future__ import annotations

import os
from pathlib import Path

from diglsp import lint
from diglsp.convert import path_of, uri_of
from diglsp.workspace import Workspace, project_root


def test_project_root_goes_up_through_folders_with_workflows(tmp_path: Path) -> None:
    (tmp_path / "proj" / "common").mkdir(parents=True)
    (tmp_path / "proj" / "main.dig").write_text("+a: {call>: common/notify}\n")
    (tmp_path / "proj" / "common" / "notify.dig").write_text("+n: {echo>: hi}\n")
    folders = [str(tmp_path)]
    notify = str(tmp_path / "proj" / "common" / "notify.dig")
    assert project_root(notify, folders) == str(tmp_path / "proj")
    assert project_root(notify, []) == str(tmp_path / "proj" / "common")
    outside = str(tmp_path.parent / "elsewhere" / "x.dig")
    assert project_root(outside, folders) == str(tmp_path.parent / "elsewhere")


def test_uris_round_trip(tmp_path: Path) -> None:
    path = str(tmp_path / "with space" / "ünï.dig")
    assert path_of(uri_of(path)) == path
    assert path_of("untitled:Untitled-1") is None


def test_buffers_shadow_the_disk_and_changes_on_disk_are_noticed(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    step = tmp_path / "parts" / "step.dig"
    step.write_text("+step:\n  echo>: ${tabel}\n")
    main = tmp_path / "main.dig"
    text = "_export:\n  table: t\n+inc:\n  !include : parts/step.dig\n"
    ws = Workspace([str(tmp_path)])
    uri = uri_of(str(main))
    ws.set_text(uri, text, 1)
    rules = [d.rule for d in lint.lint(ws.snapshot(uri))]
    assert rules == ["undefined-variable"]
    # fixed on disk by another program; no file watcher told us
    step.write_text("+step:\n  echo>: ${table}\n")
    os.utime(step, ns=(1, 1))
    ws.sweep(every=0)
    assert lint.lint(ws.snapshot(uri)) == []
    # an open buffer wins over the disk, and closing it brings the disk back
    step_uri = uri_of(str(step))
    ws.set_text(step_uri, "+step:\n  echo>: ${nope}\n", 1)
    assert [d.rule for d in lint.lint(ws.snapshot(uri))] == ["undefined-variable"]
    ws.close(step_uri)
    assert lint.lint(ws.snapshot(uri)) == []


def test_a_file_becomes_a_fragment_when_another_starts_including_it(tmp_path: Path) -> None:
    (tmp_path / "step.dig").write_text("+step:\n  echo>: ${table}\n")
    main = tmp_path / "main.dig"
    main.write_text("+a:\n  echo>: hi\n")
    ws = Workspace([str(tmp_path)])
    step_uri = uri_of(str(tmp_path / "step.dig"))
    ws.set_text(step_uri, (tmp_path / "step.dig").read_text(), 1)
    snap = ws.snapshot(step_uri)
    assert not snap.fragment
    assert [d.rule for d in lint.lint(snap)] == ["undefined-variable"]
    # an unsaved edit of main.dig includes it: now its scope is main's
    ws.set_text(uri_of(str(main)), "_export:\n  table: t\n+a:\n  !include : step.dig\n", 2)
    snap = ws.snapshot(step_uri)
    assert snap.fragment
    assert lint.lint(snap) == []
    ws.close(uri_of(str(main)))  # back to the file on disk, which includes nothing
    assert not ws.snapshot(step_uri).fragment


def test_an_edit_reuses_the_untouched_part_of_the_previous_parse(tmp_path: Path) -> None:
    path = tmp_path / "wf.dig"
    text = "+a:\n  echo>: ${x}\n+b:\n  echo>: ${y}\n"
    path.write_text(text)
    ws = Workspace([str(tmp_path)])
    uri = uri_of(str(path))
    ws.set_text(uri, text, 1)
    before = ws.snapshot(uri)
    assert before is not None
    ws.set_text(uri, text.replace("${y}", "${yz}"), 2)
    after = ws.snapshot(uri)
    assert after is not None and after.text.endswith("${yz}\n")

    def first_expr(snap: object) -> object:
        wf = snap.document.workflow  # type: ignore[attr-defined]
        return wf.tasks[0].operator.command.exprs[0]

    # the entry before the edit was copied, not parsed again: its `${}` is the same object
    assert first_expr(after) is first_expr(before)
    assert after.source is not before.source
    assert [t.full_name for t in after.document.workflow.walk_tasks()] == ["+wf", "+wf+a", "+wf+b"]


def test_replaced_snapshots_are_freed_in_slices_and_at_most_a_few_wait(tmp_path: Path) -> None:
    path = tmp_path / "wf.dig"
    ws = Workspace([str(tmp_path)])
    uri = uri_of(str(path))
    for version in range(1, 8):
        ws.set_text(uri, "".join(f"+t{i}:\n  echo>: {version}\n" for i in range(50)), version)
        assert ws.snapshot(uri) is not None
    graveyard = ws.graveyard
    assert len(graveyard.waiting) == graveyard.MAX_WAITING
    assert graveyard.free(budget=0.0)  # one piece, then the budget is spent
    assert graveyard.pieces
    while graveyard.free(budget=0.001):
        pass
    assert not graveyard and not graveyard.waiting
