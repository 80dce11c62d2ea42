"""Code actions: diglint's fixes as quick fixes, fix-all, and line suppressions."""

from __future__ import annotations

from pathlib import Path

from diglang.source import Span
from diglsp import lint
from diglsp.actions import FIX_ALL, code_actions
from diglsp.formatting import apply
from diglsp.workspace import snapshot_of


def _actions(text: str, tmp_path: Path, at: str, only: list[str] | None = None):
    snap = snapshot_of(text, str(tmp_path / "wf.dig"))
    offset = text.index(at)
    return snap, code_actions(snap, Span(offset, offset), lint.lint(snap), only)


def test_add_missing_required_param(tmp_path: Path) -> None:
    text = "+notify:\n  mail>: body.txt\n  subject: hi\n"
    (tmp_path / "body.txt").write_text("hello\n")
    snap, actions = _actions(text, tmp_path, "mail>")
    fix = next(a for a in actions if a.title == "add `to:` to the task")
    assert not fix.is_preferred  # the value has to come from the user
    assert apply(text, fix.edit.changes[snap.uri]) == (
        "+notify:\n  mail>: body.txt\n  to: \n  subject: hi\n"
    )


def test_did_you_mean_param_and_operator(tmp_path: Path) -> None:
    text = "+load:\n  td>: q.sql\n  databse: analytics\n+b:\n  ech>: hi\n"
    (tmp_path / "q.sql").write_text("select 1\n")
    snap, actions = _actions(text, tmp_path, "databse")
    rename = next(a for a in actions if a.title == "rename to `database`")
    assert apply(text, rename.edit.changes[snap.uri]).count("database: analytics") == 1
    snap, actions = _actions(text, tmp_path, "ech>")
    assert actions[0].title == "replace with `echo>`"


def test_suppression_comment_and_fix_all(tmp_path: Path) -> None:
    text = "+a:\n  ech>: hi\n+b:\n  sh>: |\n    ech>: not a key\n"
    snap, actions = _actions(text, tmp_path, "ech>")
    disable = next(a for a in actions if a.title.startswith("Disable"))
    assert apply(text, disable.edit.changes[snap.uri]).startswith(
        "+a:\n  # diglint: disable-next-line=unknown-operator\n  ech>: hi\n"
    )
    # only unsafe fixes here: nothing to fix automatically
    assert _actions(text, tmp_path, "ech>", only=[FIX_ALL])[1] == []


def test_fix_all_applies_safe_fixes(tmp_path: Path) -> None:
    text = "timezone: asia/tokyo\nschedule:\n  dayly>: 07:00:00\n+a:\n  echo>: x\n"
    snap, actions = _actions(text, tmp_path, "timezone", only=[FIX_ALL])
    [fix_all] = actions
    assert fix_all.kind == FIX_ALL
    assert apply(text, fix_all.edit.changes[snap.uri]) == (
        "timezone: Asia/Tokyo\nschedule:\n  daily>: 07:00:00\n+a:\n  echo>: x\n"
    )
