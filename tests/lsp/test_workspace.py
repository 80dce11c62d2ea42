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
